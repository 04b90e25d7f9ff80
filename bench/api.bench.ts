/**
 * npm run bench:api
 *
 * Loads a large pipeline (100,000 open deals, 2,000,000 activities; set-based SQL), times a full
 * health recompute (cold, then warm), then measures API endpoints with autocannon (concurrency
 * 16, in a worker thread): p50/p95/p99 latency and requests/s, next to the same endpoint's SQL run directly on the
 * application's own connection pool at the same concurrency (the ceiling), and prints the ratios.
 * Set DATABASE_URL to run on PostgreSQL. To measure another endpoint, add it to ENDPOINTS with the
 * SQL its handler runs.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DataSource } from 'typeorm';
import { HealthRecomputeService } from '../src/modules/pipeline/health-recompute.service';
import { CredentialsService } from '../src/platform/auth/credentials.service';
import { TokenService } from '../src/platform/auth/token.service';
import { WorkspaceService } from '../src/platform/workspace/workspace.service';
import { loadBenchData } from './api-bench-data';
import type { LoadRequest, LoadResult } from './api-load.worker';
import { fmt, percentile, startBenchApp } from './bench-support';

const CONCURRENCY = 16;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** API clients whose tokens the load rotates through: each has the tier's burst budget per minute. */
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

/**
 * An endpoint under test and the SQL its request runs, in the order the handler runs it (inner
 * arrays run in parallel). Requests carry OAuth bearer tokens, as the API document has clients
 * do: verifying one needs no query, so the ceiling is the endpoint's own SQL.
 */
export interface BenchEndpoint {
  name: string;
  path: string;
  sql: (workspaceId: string) => Query[][];
}

const ENDPOINTS: BenchEndpoint[] = [
  {
    name: 'GET /v1/pipeline/health',
    path: '/v1/pipeline/health',
    sql: (ws) => [
      [
        {
          sql: `SELECT d.health_status, sum(d.deals)::int AS n, sum(d.amount)::text AS amount, sum(d.score_sum)::text AS score_sum,
                       (SELECT recomputed_at FROM pipeline_settings WHERE workspace_id = $1) AS recomputed_at
                  FROM pipeline_rollups d WHERE d.workspace_id = $1 AND d.deal_status = 'open' GROUP BY d.health_status`,
          params: [ws],
        },
      ],
    ],
  },
  {
    name: 'GET /v1/pipeline/deals?health=critical&limit=50',
    path: '/v1/pipeline/deals?health=critical&limit=50',
    sql: (ws) => {
      const where = `d.workspace_id = $1 AND d.deal_status = $2 AND d.health_status = $3`;
      const order = `d.amount DESC NULLS LAST, d.opportunity_id`;
      return [
        [
          {
            sql: `SELECT d.*, o.external_id, o.name, a.name AS account_name, u.name AS owner_name, s.engagement_window_days
                    FROM (SELECT d.* FROM pipeline_deals d WHERE ${where} ORDER BY ${order} LIMIT $4 OFFSET $5) d
                    JOIN opportunities o ON o.workspace_id = d.workspace_id AND o.id = d.opportunity_id
                    LEFT JOIN accounts a ON a.workspace_id = d.workspace_id AND a.id = o.account_id
                    LEFT JOIN crm_users u ON u.workspace_id = d.workspace_id AND u.id = d.owner_id
                    LEFT JOIN pipeline_settings s ON s.workspace_id = d.workspace_id
                   ORDER BY ${order}`,
            params: [ws, 'open', 'critical', 50, 0],
          },
          {
            sql: `SELECT COALESCE(sum(d.deals), 0)::int AS total FROM pipeline_rollups d WHERE ${where}`,
            params: [ws, 'open', 'critical'],
          },
        ],
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

/** The SQL alone: CONCURRENCY workers running a request's statements back to back, as its handler does. */
async function measureSql(
  dataSource: DataSource,
  queries: Query[][],
  seconds: number,
): Promise<Measured> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        for (const group of queries)
          await Promise.all(group.map((q) => dataSource.query(q.sql, q.params)));
        latencies.push(performance.now() - started);
      }
    }),
  );
  return summarise(latencies, seconds);
}

async function measureHttp(
  url: string,
  authorizations: string[],
  seconds: number,
): Promise<Measured> {
  const request: LoadRequest = { url, authorizations, seconds, connections: CONCURRENCY };
  const worker = new Worker(join(__dirname, 'api-load.worker.js'), { workerData: request });
  const result = await new Promise<LoadResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  // Requests cut off at the deadline may still be running in the app: let them finish.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return summarise(result.latencies, seconds, result.errors);
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
      `Full health recompute, first (every row written, ${cold.alertsTriggered.toLocaleString('en-US')} alerts triggered): ${fmt(cold.ms / 1000, 2)} s ${JSON.stringify(cold.steps)}`,
    );
    const warm = await health.recompute(workspace.id, new Date(now.getTime() + 86_400_000));
    log(
      `Full health recompute, a day later (${warm.written.toLocaleString('en-US')} rows changed, ${warm.statusChanges} status changes): ${fmt(warm.ms / 1000, 2)} s ${JSON.stringify(warm.steps)}`,
    );
    const [bands] = await dataSource.query(
      `SELECT json_object_agg(health_status, n) AS bands FROM (
         SELECT health_status, count(*)::int AS n FROM pipeline_deals WHERE workspace_id = $1 AND deal_status = 'open' GROUP BY 1) x`,
      [workspace.id],
    );
    log(`Bands: ${JSON.stringify(bands.bands)}`);

    const credentials = app.get(CredentialsService);
    const tokens = app.get(TokenService);
    const authorizations: string[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const { client, clientSecret } = await credentials.createClient(workspace.id, {
        name: `bench ${i}`,
      });
      const token = await tokens.issue(client.clientId, clientSecret);
      authorizations.push(`Bearer ${token.access_token}`);
    }

    const rows: string[] = [];
    for (const endpoint of ENDPOINTS) {
      const queries = endpoint.sql(workspace.id);
      if (process.env.BENCH_EXPLAIN) {
        for (const q of queries.flat()) {
          const plan = await dataSource.query(`EXPLAIN (ANALYZE, COSTS OFF) ${q.sql}`, q.params);
          log(plan.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'));
        }
      }
      await measureSql(dataSource, queries, 1); // warm-up
      const sql = await measureSql(dataSource, queries, SECONDS);
      await measureHttp(base + endpoint.path, authorizations, 1); // warm-up
      const http = await measureHttp(base + endpoint.path, authorizations, SECONDS);
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
