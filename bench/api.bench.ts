/**
 * npm run bench:api
 *
 * The project's API benchmark (issue 6 acceptance 5, issue 7 acceptance 5). Loads the bench data
 * set (bench/bench-data.ts: 100,000 open deals, 60,000 closed, 2,000,000 activities, teams,
 * quotas; set-based SQL) into a fresh database, builds the read models (prepareReadModels: two
 * timed full health recomputes, the timed forecast snapshot of the `as_of` day), then measures
 * every route of bench/api-routes.ts:
 *
 * - the API over HTTP on loopback with autocannon in a worker thread: concurrency 16 for
 *   BENCH_SECONDS (10) after a 1 s warm-up (p50/p95/p99, req/s), then concurrency 1 for
 *   BENCH_SECONDS_ALONE (5) (p50/p95: the route's latency alone). Each route has its own
 *   BENCH_CLIENTS_PER_ROUTE (64) OAuth clients whose bearer tokens the load rotates through, so
 *   no rate-limit budget throttles a run; any non-2xx response fails the bench.
 * - the service ceiling: the service method the controller calls, with the arguments the
 *   controller would build, called in-process by 16 concurrent loops (no HTTP, no Nest pipeline).
 * - the SQL ceiling (pipeline routes): the handler's SQL on the application's own pool, 16
 *   concurrent loops.
 * - the bare HTTP ceiling: a node:http server (no Nest, no auth) answering with the pipeline
 *   summary's service call in the same envelope, under the same autocannon load.
 *
 * Set DATABASE_URL to run on PostgreSQL (else embedded PGlite). BENCH_ROUTES=<regex> selects
 * routes by name or path; BENCH_EXPLAIN=1 prints the plans of the pipeline routes' SQL;
 * BENCH_OPEN_DEALS, BENCH_CLOSED_DEALS, BENCH_ACTIVITIES, BENCH_SECONDS scale it down.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DataSource } from 'typeorm';
import { CredentialsService } from '../src/platform/auth/credentials.service';
import { TokenService } from '../src/platform/auth/token.service';
import { RawJson } from '../src/platform/http/envelope.interceptor';
import { WorkspaceService } from '../src/platform/workspace/workspace.service';
import type { LoadRequest, LoadResult } from './api-load.worker';
import { BenchRoute, benchRoutes, Query } from './api-routes';
import { benchDataOptionsFromEnv, loadBenchData, prepareReadModels } from './bench-data';
import { fmt, percentile, startBenchApp } from './bench-support';

const CONCURRENCY = 16;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SECONDS_ALONE = Number(process.env.BENCH_SECONDS_ALONE ?? Math.max(1, SECONDS / 2));
const WARMUP_SECONDS = 1;
const CLIENTS_PER_ROUTE = Number(process.env.BENCH_CLIENTS_PER_ROUTE ?? 64);
const ROUTES = process.env.BENCH_ROUTES ? new RegExp(process.env.BENCH_ROUTES) : undefined;
const RAW_NAME = 'bare node:http, pipeline summary (no Nest, no auth)';

interface Measured {
  /** Completed calls: requests cut off at the deadline are not counted. */
  n: number;
  p50: number;
  p95: number;
  p99: number;
  perSecond: number;
}

interface HttpMeasured extends Measured {
  statuses: Record<string, number>;
  errors: number;
}

const summarise = (latencies: number[], seconds: number): Measured => ({
  n: latencies.length,
  p50: percentile(latencies, 50),
  p95: percentile(latencies, 95),
  p99: percentile(latencies, 99),
  perSecond: latencies.length / seconds,
});

const log = (line: string) => process.stdout.write(`${line}\n`);
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');

/** CONCURRENCY loops calling `call` back to back for `seconds`: an in-process ceiling. */
async function measureCalls(
  call: () => Promise<unknown>,
  seconds: number,
  concurrency = CONCURRENCY,
): Promise<Measured> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        await call();
        latencies.push(performance.now() - started);
      }
    }),
  );
  return summarise(latencies, seconds);
}

/** The SQL alone: the request's statements back to back, as its handler runs them. */
const sqlCall = (dataSource: DataSource, queries: Query[][]) => async () => {
  for (const group of queries)
    await Promise.all(group.map((q) => dataSource.query(q.sql, q.params)));
};

async function measureHttp(
  url: string,
  authorizations: string[],
  seconds: number,
  connections: number,
): Promise<HttpMeasured> {
  const request: LoadRequest = { url, authorizations, seconds, connections };
  const worker = new Worker(join(__dirname, 'api-load.worker.js'), { workerData: request });
  const result = await new Promise<LoadResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  // Requests cut off at the deadline may still be running in the app: let them finish.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return {
    ...summarise(result.latencies, seconds),
    statuses: result.statuses,
    errors: result.errors,
  };
}

/** API clients of their own for one route, and a bearer token of each. */
async function routeTokens(
  credentials: CredentialsService,
  tokens: TokenService,
  workspaceId: string,
  route: string,
): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < CLIENTS_PER_ROUTE; i++) {
    const { client, clientSecret } = await credentials.createClient(workspaceId, {
      name: `bench ${route} ${i}`,
    });
    out.push(`Bearer ${(await tokens.issue(client.clientId, clientSecret)).access_token}`);
  }
  return out;
}

/** A bare node:http server answering every request with the pipeline summary in the API's envelope. */
async function startRawServer(summary: () => Promise<unknown>) {
  const server = createServer((req, res) => {
    summary().then(
      (data) => {
        const meta = {
          request_id: `req_${randomBytes(12).toString('hex')}`,
          timestamp: new Date().toISOString(),
        };
        // A cached answer is JSON text already, written into the envelope as the API does.
        const body =
          data instanceof RawJson
            ? `{"data":${data.json},"meta":${JSON.stringify(meta)}}`
            : JSON.stringify({ data: data ?? null, meta });
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(body);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const ms3 = (m: Measured) => `${fmt(m.p50)} / ${fmt(m.p95)} / ${fmt(m.p99)}`;
const ms2 = (m: Measured) => `${fmt(m.p50)} / ${fmt(m.p95)}`;
const ratio = (a: number, b?: number) => (b ? `${fmt(a / b, 2)}x` : '-');

async function main(): Promise<void> {
  const bench = await startBenchApp({ JOBS_ENABLED: 'false', DEMO_DATA: 'false' });
  const failures: string[] = [];
  try {
    const { app } = bench;
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const dataSource = app.get(DataSource);
    const { workspace } = await app.get(WorkspaceService).ensure('bench', 'enterprise');
    const options = benchDataOptionsFromEnv();
    log(`Database: ${bench.database}; load average ${load()}`);
    log(
      `Loading ${options.openDeals.toLocaleString('en-US')} open and ${options.closedDeals.toLocaleString('en-US')} closed deals, ` +
        `${options.activities.toLocaleString('en-US')} activities (as_of ${options.asOf})`,
    );
    const loadStarted = performance.now();
    const data = await loadBenchData(dataSource, workspace.id, options, log);
    log(
      `Loaded in ${fmt((performance.now() - loadStarted) / 1000)} s: ${data.openDeals.toLocaleString('en-US')} open, ` +
        `${data.wonDeals.toLocaleString('en-US')} won, ${data.lostDeals.toLocaleString('en-US')} lost deals, ` +
        `${data.historyRows.toLocaleString('en-US')} stage-history rows, ${data.opportunityContacts.toLocaleString('en-US')} contact roles, ` +
        `${data.activities.toLocaleString('en-US')} activities`,
    );
    await prepareReadModels(app, workspace.id, data.asOf, log);

    const all = await benchRoutes(app, workspace.id, data);
    const selected = (name: string, path = '') => !ROUTES || ROUTES.test(`${name} ${path}`);
    const routes = all.filter((r) => selected(r.name, r.path));
    const credentials = app.get(CredentialsService);
    const tokens = app.get(TokenService);

    interface Row {
      route: BenchRoute;
      api: HttpMeasured;
      alone: HttpMeasured;
      service: Measured;
      sql?: Measured;
      /** The cache-miss computation alone (c=1), for routes with a response cache. */
      uncached?: Measured;
    }
    const rows: Row[] = [];
    log(`\nMeasuring ${routes.length} routes; load average ${load()}`);
    for (const route of routes) {
      const authorizations = await routeTokens(credentials, tokens, workspace.id, route.name);
      // One request first: a route that fails fails here, with its body.
      const check = await fetch(base + route.path, {
        headers: { authorization: authorizations[0] },
      });
      if (check.status !== 200) {
        const body = await check.text();
        throw new Error(`${route.name}: ${check.status} ${body.slice(0, 500)}`);
      }
      await check.arrayBuffer();
      if (process.env.BENCH_EXPLAIN && route.sql) {
        for (const q of route.sql.flat()) {
          const plan = await dataSource.query(`EXPLAIN (ANALYZE, COSTS OFF) ${q.sql}`, q.params);
          log(plan.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'));
        }
      }
      const url = base + route.path;
      await measureHttp(url, authorizations, WARMUP_SECONDS, CONCURRENCY);
      const api = await measureHttp(url, authorizations, SECONDS, CONCURRENCY);
      const alone = await measureHttp(url, authorizations, SECONDS_ALONE, 1);
      await measureCalls(route.service, WARMUP_SECONDS);
      const service = await measureCalls(route.service, SECONDS);
      let sql: Measured | undefined;
      if (route.sql) {
        const call = sqlCall(dataSource, route.sql);
        await measureCalls(call, WARMUP_SECONDS);
        sql = await measureCalls(call, SECONDS);
      }
      for (const [label, m] of [
        ['c=16', api],
        ['c=1', alone],
      ] as const) {
        if (Object.keys(m.statuses).length > 0 || m.errors > 0) {
          const failure = `${route.name} (${label}): non-2xx responses ${JSON.stringify(m.statuses)}, connection errors/timeouts ${m.errors}`;
          failures.push(failure);
          log(`!!!!! ${failure}`);
        } else if (m.n === 0) {
          const failure = `${route.name} (${label}): no response completed within the run (slower than it; raise BENCH_SECONDS)`;
          failures.push(failure);
          log(`!!!!! ${failure}`);
        }
      }
      const uncached = route.uncached
        ? await measureCalls(route.uncached, SECONDS_ALONE, 1)
        : undefined;
      rows.push({ route, api, alone, service, sql, uncached });
      log(
        `  ${route.name}: API p95 ${fmt(api.p95)} ms (${fmt(api.perSecond, 0)} req/s, ${api.n} responses), ` +
          `alone p95 ${fmt(alone.p95)} ms (${alone.n} responses), ` +
          `service p95 ${fmt(service.p95)} ms${sql ? `, SQL p95 ${fmt(sql.p95)} ms` : ''}; load average ${load()}`,
      );
    }

    // The bare HTTP ceiling: the summary's service call behind node:http, no Nest, no auth.
    let raw: { api: HttpMeasured; alone: HttpMeasured } | undefined;
    const summaryRoute = rows.find((r) => r.route.path === '/v1/pipeline/health');
    if (selected(RAW_NAME) || summaryRoute) {
      // The same call as the route's service ceiling: PipelineQueryService.summary.
      const health = all.find((r) => r.path === '/v1/pipeline/health')!;
      const server = await startRawServer(health.service);
      try {
        await measureHttp(server.url, [], WARMUP_SECONDS, CONCURRENCY);
        raw = {
          api: await measureHttp(server.url, [], SECONDS, CONCURRENCY),
          alone: await measureHttp(server.url, [], SECONDS_ALONE, 1),
        };
      } finally {
        await server.close();
      }
      if (Object.keys(raw.api.statuses).length > 0 || raw.api.errors > 0 || raw.api.n === 0)
        failures.push(`${RAW_NAME}: ${JSON.stringify(raw.api.statuses)}, ${raw.api.errors} errors`);
    }

    log('');
    log(
      `${bench.database}; autocannon c=${CONCURRENCY} for ${SECONDS} s after a ${WARMUP_SECONDS} s warm-up, c=1 for ${SECONDS_ALONE} s; ` +
        `service and SQL ceilings: ${CONCURRENCY} in-process loops for ${SECONDS} s; load average at the end ${load()}`,
    );
    log(
      '| route | API c=16 p50 / p95 / p99 ms | req/s | API c=1 p50 / p95 ms | service c=16 p95 ms | SQL c=16 p95 ms | p95 API / service | p95 API / SQL |',
    );
    log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows)
      log(
        `| ${r.route.name} | ${ms3(r.api)} | ${fmt(r.api.perSecond, 0)} | ${ms2(r.alone)} | ${fmt(r.service.p95)} | ` +
          `${r.sql ? fmt(r.sql.p95) : '-'} | ${ratio(r.api.p95, r.service.p95)} | ${ratio(r.api.p95, r.sql?.p95)} |`,
      );
    if (raw)
      log(
        `| ${RAW_NAME} | ${ms3(raw.api)} | ${fmt(raw.api.perSecond, 0)} | ${ms2(raw.alone)} | ` +
          `${summaryRoute ? fmt(summaryRoute.service.p95) : '-'} | ${summaryRoute?.sql ? fmt(summaryRoute.sql.p95) : '-'} | ` +
          `${ratio(raw.api.p95, summaryRoute?.service.p95)} | ${ratio(raw.api.p95, summaryRoute?.sql?.p95)} |`,
      );
    const misses = rows.filter((r) => r.uncached);
    if (misses.length > 0) {
      log(
        `\nResponse-cache misses: the route's computation without its cache (service, c=1, ${SECONDS_ALONE} s)`,
      );
      log('| route | p50 / p95 / p99 ms | calls/s |');
      log('| --- | --- | --- |');
      for (const r of misses)
        log(`| ${r.route.name} | ${ms3(r.uncached!)} | ${fmt(r.uncached!.perSecond, 1)} |`);
    }
    if (raw && summaryRoute)
      log(
        `\nNest + authentication + rate limiting on GET /v1/pipeline/health against the bare node:http server: ` +
          `p95 ${fmt(summaryRoute.api.p95)} / ${fmt(raw.api.p95)} ms = ${ratio(summaryRoute.api.p95, raw.api.p95)}, ` +
          `req/s ${fmt(summaryRoute.api.perSecond, 0)} / ${fmt(raw.api.perSecond, 0)} = ${ratio(raw.api.perSecond, summaryRoute.api.perSecond)} fewer; ` +
          `alone p50 ${fmt(summaryRoute.alone.p50)} / ${fmt(raw.alone.p50)} ms`,
      );
  } finally {
    await bench.close();
  }
  if (failures.length > 0) {
    log('\n!!!!! NON-2XX RESPONSES OR ERRORS: the figures above are not valid !!!!!');
    for (const f of failures) log(`!!!!! ${f}`);
    throw new Error(`${failures.length} measurement(s) had failed requests`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
