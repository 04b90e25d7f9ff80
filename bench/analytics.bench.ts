/**
 * npm run bench:analytics
 *
 * Loads the analytics bench data set (bench/analytics-data.ts: 100,000 open deals with their
 * stage history, 60,000 closed deals, 2,000,000 activities) into a fresh database, takes the
 * forecast snapshot of its day (which rebuilds the trends' history), then measures every forecast
 * and coaching route of bench/analytics-endpoints.ts over HTTP on loopback at concurrency 16:
 * p50/p95/p99 and requests/s. In the same run it measures the ceiling: the same client, the same
 * concurrency, on `GET /v1/forecast/settings` (authentication, the envelope and a one-row query),
 * and prints each route's p95 against it; then each route alone (30 requests one at a time).
 * Set DATABASE_URL to run on PostgreSQL; BENCH_REQUESTS (default 200) and BENCH_OPEN_DEALS /
 * BENCH_ACTIVITIES scale it.
 */
import { DataSource } from 'typeorm';
import { ForecastSnapshotService } from '../src/modules/forecast/forecast-snapshot.service';
import { CredentialsService } from '../src/platform/auth/credentials.service';
import { WorkspaceService } from '../src/platform/workspace/workspace.service';
import { loadAnalyticsData } from './analytics-data';
import { analyticsEndpoints } from './analytics-endpoints';
import { fmt, percentile, startBenchApp } from './bench-support';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const CONCURRENCY = 16;
const WARMUP = 5;
const SEQUENTIAL = 30;

/** Latencies (ms) of `requests` GETs of `url` issued by `concurrency` loops, and the wall time. */
export async function load(url: string, apiKey: string, requests: number, concurrency: number) {
  const get = async () => {
    const res = await fetch(url, { headers: { 'X-API-Key': apiKey } });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${body.slice(0, 300)}`);
  };
  for (let i = 0; i < WARMUP; i++) await get();
  const latencies: number[] = [];
  let issued = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < requests) {
        issued++;
        const t0 = performance.now();
        await get();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return {
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    rps: requests / seconds,
  };
}

async function main(): Promise<void> {
  const bench = await startBenchApp({ JOBS_ENABLED: 'false' });
  try {
    const { app } = bench;
    const { workspace } = await app.get(WorkspaceService).ensure('bench-analytics', 'enterprise');
    // Each route gets its own API client: the rate limit (500 requests a minute on the
    // enterprise tier) is per client.
    const credentials = app.get(CredentialsService);
    const newKey = async (name: string) => {
      const { client } = await credentials.createClient(workspace.id, { name });
      return (await credentials.createApiKey(workspace.id, { apiClientId: client.id, name }))
        .apiKey;
    };

    let t0 = performance.now();
    const data = await loadAnalyticsData(app.get(DataSource), workspace.id, {
      ...(process.env.BENCH_OPEN_DEALS ? { openDeals: Number(process.env.BENCH_OPEN_DEALS) } : {}),
      ...(process.env.BENCH_ACTIVITIES ? { activities: Number(process.env.BENCH_ACTIVITIES) } : {}),
    });
    const loadSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const snapshot = await app.get(ForecastSnapshotService).snapshot(workspace.id, data.asOf);
    const snapshotSeconds = (performance.now() - t0) / 1000;
    console.log(
      `${bench.database}: ${data.openDeals.toLocaleString('en-US')} open + ${data.closedDeals.toLocaleString('en-US')} closed deals, ` +
        `${data.historyRows.toLocaleString('en-US')} history rows, ${data.activities.toLocaleString('en-US')} activities, ` +
        `${data.opportunityContacts.toLocaleString('en-US')} contact roles loaded in ${fmt(loadSeconds)} s; ` +
        `snapshot of ${data.asOf} (rebuilt ${snapshot.rebuilt?.from} .. ${snapshot.rebuilt?.to}) in ${fmt(snapshotSeconds)} s`,
    );

    await app.listen(0, '127.0.0.1');
    const base = await app.getUrl();
    const ceiling = await load(
      `${base}/v1/forecast/settings`,
      await newKey('ceiling'),
      REQUESTS,
      CONCURRENCY,
    );
    console.log(
      `\n${REQUESTS} requests per route, concurrency ${CONCURRENCY}; ceiling = GET /v1/forecast/settings\n`,
    );
    const ceilingAlone = await load(
      `${base}/v1/forecast/settings`,
      await newKey('ceiling alone'),
      SEQUENTIAL,
      1,
    );
    // Each route at concurrency 16, then one request at a time (its own service time, which
    // the shared machine's load inflates less).
    const row = (
      name: string,
      r: Awaited<ReturnType<typeof load>>,
      alone: Awaited<ReturnType<typeof load>>,
    ) =>
      console.log(
        `${name.padEnd(42)} p50 ${fmt(r.p50).padStart(8)} ms  p95 ${fmt(r.p95).padStart(8)} ms  ` +
          `p99 ${fmt(r.p99).padStart(8)} ms  ${fmt(r.rps, 0).padStart(6)} req/s  p95/ceiling ${fmt(r.p95 / ceiling.p95, 2).padStart(6)}  ` +
          `| alone p50 ${fmt(alone.p50).padStart(7)} ms  p95 ${fmt(alone.p95).padStart(7)} ms`,
      );
    row('ceiling: forecast settings', ceiling, ceilingAlone);
    for (const e of analyticsEndpoints(data)) {
      const key = await newKey(e.name);
      const r = await load(`${base}${e.path}`, key, REQUESTS, CONCURRENCY);
      row(e.name, r, await load(`${base}${e.path}`, key, SEQUENTIAL, 1));
    }
  } finally {
    await bench.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
