/**
 * npm run bench:api
 *
 * Loads a large pipeline (100,000 open deals, 2,000,000 activities; set-based SQL), times a full
 * health recompute (cold, then warm), then measures API endpoints with autocannon (concurrency
 * 16): p50/p95/p99 latency and requests/s, next to the same endpoint's SQL run directly on the
 * application's own connection pool at the same concurrency (the ceiling), and prints the ratios.
 * Set DATABASE_URL to run on PostgreSQL. To measure another endpoint, add it to ENDPOINTS with the
 * SQL its handler runs.
 */
import autocannon from 'autocannon';
import { DataSource } from 'typeorm';
import { HealthRecomputeService } from '../src/modules/pipeline/health-recompute.service';
import { CredentialsService } from '../src/platform/auth/credentials.service';
import { WorkspaceService } from '../src/platform/workspace/workspace.service';
import { loadBenchData } from './api-bench-data';
import { fmt, percentile, startBenchApp } from './bench-support';

const CONCURRENCY = 16;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** API clients whose keys the load rotates through: each has the tier's burst budget per minute. */
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 300);
const VOLUMES = {
  openDeals: Number(process.env.BENCH_OPEN_DEALS ?? 100_000),
  wonDeals: Number(process.env.BENCH_WON_DEALS ?? 10_000),
  activities: Number(process.env.BENCH_ACTIVITIES ?? 2_000_000),
  reps: 50,
  accounts: 2_000,
  contactsPerAccount: 5,
};

interface Query {
  sql: string;
  params: unknown[];
}

/** An endpoint under test and the SQL statements its handler runs for that request. */
export interface BenchEndpoint {
  name: string;
  path: string;
  sql: (workspaceId: string) => Query[];
}

const ENDPOINTS: BenchEndpoint[] = [
  {
    name: 'GET /v1/pipeline/health',
    path: '/v1/pipeline/health',
    sql: (ws) => [
      {
        sql: `SELECT d.health_status, count(*)::int AS n, COALESCE(sum(d.amount), 0)::text AS amount,
                     COALESCE(sum(d.health_score), 0)::text AS score_sum
                FROM pipeline_deals d WHERE d.workspace_id = $1 AND d.deal_status = 'open' GROUP BY d.health_status`,
        params: [ws],
      },
      { sql: `SELECT recomputed_at FROM pipeline_settings WHERE workspace_id = $1`, params: [ws] },
    ],
  },
  {
    name: 'GET /v1/pipeline/deals?health=critical&limit=50',
    path: '/v1/pipeline/deals?health=critical&limit=50',
    sql: (ws) => {
      const where = `d.workspace_id = $1 AND d.deal_status = $2 AND d.health_status = $3`;
      const order = `d.amount DESC NULLS LAST, d.opportunity_id`;
      return [
        {
          sql: `SELECT d.*, o.external_id, o.name, a.name AS account_name, u.name AS owner_name
                  FROM (SELECT d.* FROM pipeline_deals d WHERE ${where} ORDER BY ${order} LIMIT $4 OFFSET $5) d
                  JOIN opportunities o ON o.workspace_id = d.workspace_id AND o.id = d.opportunity_id
                  LEFT JOIN accounts a ON a.workspace_id = d.workspace_id AND a.id = o.account_id
                  LEFT JOIN crm_users u ON u.workspace_id = d.workspace_id AND u.id = d.owner_id
                 ORDER BY ${order}`,
          params: [ws, 'open', 'critical', 50, 0],
        },
        {
          sql: `SELECT count(*)::int AS total FROM pipeline_deals d WHERE ${where}`,
          params: [ws, 'open', 'critical'],
        },
        { sql: `SELECT * FROM pipeline_settings WHERE workspace_id = $1`, params: [ws] },
      ];
    },
  },
];

interface Measured {
  p50: number;
  p95: number;
  p99: number;
  perSecond: number;
  errors: number;
}

const summarise = (latencies: number[], seconds: number, errors = 0): Measured => ({
  p50: percentile(latencies, 50),
  p95: percentile(latencies, 95),
  p99: percentile(latencies, 99),
  perSecond: latencies.length / seconds,
  errors,
});

/** The SQL alone: CONCURRENCY workers issuing the statements back to back (in parallel, as the handler does). */
async function measureSql(
  dataSource: DataSource,
  queries: Query[],
  seconds: number,
): Promise<Measured> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        await Promise.all(queries.map((q) => dataSource.query(q.sql, q.params)));
        latencies.push(performance.now() - started);
      }
    }),
  );
  return summarise(latencies, seconds);
}

async function measureHttp(url: string, keys: string[], seconds: number): Promise<Measured> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONCURRENCY,
        duration: seconds,
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              headers: { ...req.headers, 'x-api-key': keys[next++ % keys.length] },
            }),
          },
        ],
      },
      (err) => (err ? reject(err) : resolve()),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode === 200) latencies.push(responseTime);
      else errors++;
    });
  });
  return summarise(latencies, seconds, errors);
}

async function main(): Promise<void> {
  const bench = await startBenchApp({ JOBS_ENABLED: 'false', DEMO_DATA: 'false' });
  const log = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const { app } = bench;
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const dataSource = app.get(DataSource);
    const workspace = await app.get(WorkspaceService).ensureDefault('enterprise');
    const now = new Date();
    log(`Database: ${bench.database}`);
    log(
      `Loading ${VOLUMES.openDeals.toLocaleString('en-US')} open deals, ${VOLUMES.wonDeals.toLocaleString('en-US')} won deals, ` +
        `${VOLUMES.activities.toLocaleString('en-US')} activities`,
    );
    const loadStarted = performance.now();
    await loadBenchData(dataSource, workspace.id, now, VOLUMES, log);
    log(`Loaded in ${fmt((performance.now() - loadStarted) / 1000)} s`);

    const health = app.get(HealthRecomputeService);
    const cold = await health.recompute(workspace.id, now);
    log(
      `Full health recompute, first (every row written, ${cold.alertsTriggered.toLocaleString('en-US')} alerts triggered): ${fmt(cold.ms / 1000, 2)} s`,
    );
    const warm = await health.recompute(workspace.id, new Date(now.getTime() + 86_400_000));
    log(
      `Full health recompute, a day later (${warm.written.toLocaleString('en-US')} rows changed, ${warm.statusChanges} status changes): ${fmt(warm.ms / 1000, 2)} s`,
    );
    const [bands] = await dataSource.query(
      `SELECT json_object_agg(health_status, n) AS bands FROM (
         SELECT health_status, count(*)::int AS n FROM pipeline_deals WHERE workspace_id = $1 AND deal_status = 'open' GROUP BY 1) x`,
      [workspace.id],
    );
    log(`Bands: ${JSON.stringify(bands.bands)}`);

    const credentials = app.get(CredentialsService);
    const keys: string[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const { client } = await credentials.createClient(workspace.id, { name: `bench ${i}` });
      keys.push(
        (await credentials.createApiKey(workspace.id, { apiClientId: client.id, name: 'bench' }))
          .apiKey,
      );
    }

    const rows: string[] = [];
    for (const endpoint of ENDPOINTS) {
      const queries = endpoint.sql(workspace.id);
      await measureSql(dataSource, queries, 1); // warm-up
      const sql = await measureSql(dataSource, queries, SECONDS);
      await measureHttp(base + endpoint.path, keys, 1); // warm-up
      const http = await measureHttp(base + endpoint.path, keys, SECONDS);
      if (http.errors > 0) log(`  ${endpoint.name}: ${http.errors} non-200 responses`);
      rows.push(
        `| ${endpoint.name} | ${fmt(http.p50)} / ${fmt(http.p95)} / ${fmt(http.p99)} ms | ${fmt(http.perSecond, 0)} | ` +
          `${fmt(sql.p50)} / ${fmt(sql.p95)} / ${fmt(sql.p99)} ms | ${fmt(sql.perSecond, 0)} | ` +
          `${fmt(http.p95 / sql.p95, 2)}x | ${fmt(sql.perSecond / http.perSecond, 2)}x |`,
      );
    }
    log('');
    log(`Concurrency ${CONCURRENCY}, ${SECONDS} s per measurement, ${bench.database}`);
    log(
      '| endpoint | API p50 / p95 / p99 | API req/s | SQL p50 / p95 / p99 | SQL/s | p95 API÷SQL | throughput SQL÷API |',
    );
    log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const row of rows) log(row);
  } finally {
    await bench.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
