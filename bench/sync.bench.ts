/**
 * npm run bench:sync
 *
 * 1. Throughput: syncs 100,000 HubSpot contacts and 20,000 deals from the fake HubSpot (on its
 *    own thread, rate limits off) through the real engine and run lifecycle, as the CLI does
 *    (`SyncService.runNow`), and reports records per second. The ceiling, measured in the same
 *    run on the same database: the same rows written by plain multi-row
 *    `INSERT ... VALUES (...), (...) ON CONFLICT DO UPDATE` statements of 1,000 rows.
 * 2. Rate limit: the fake enforces HubSpot's 190 requests per rolling 10 s (and sends its
 *    headers); a new connection, seeded with the documented 100, syncs the contacts again
 *    (1,000 list requests, about 55 s). Reports the requests made per 10 s (consecutive windows
 *    from the first request, the last partial one left out) against the 190 allowed, the most
 *    in any rolling 10 s and the 429s.
 *
 * Set DATABASE_URL to run on PostgreSQL; BENCH_CONTACTS, BENCH_DEALS and BENCH_LIMITED=0 (skip
 * part 2) shorten it.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DataSource } from 'typeorm';
import { contentHash } from '../src/modules/crm/crm-writer.service';
import { CanonicalRecord, CRM_TARGETS, CrmTarget, pgTypeOf } from '../src/modules/crm/crm-targets';
import { validateRecord } from '../src/modules/crm/record-validator';
import { ConnectionsService } from '../src/modules/sync/connections/connections.service';
import {
  HUBSPOT_ENTITIES,
  mapHubSpotObject,
} from '../src/modules/sync/engines/hubspot/hubspot-mapping';
import { SyncService } from '../src/modules/sync/sync.service';
import { WorkspaceService } from '../src/platform/workspace/workspace.service';
import { fakeContact, fakeDeal, FakeObject } from '../test/support/fake-hubspot';
import { fmt, startBenchApp } from './bench-support';
import type { FakeRequestLog, FakeWorkerCommand, FakeWorkerData } from './fake-hubspot.worker';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 100_000);
const DEALS = Number(process.env.BENCH_DEALS ?? 20_000);
const LIMITED = process.env.BENCH_LIMITED !== '0';
const CEILING_BATCH = 1000;
const API_MAX = 190;
const API_WINDOW_MS = 10_000;
const TOKEN = 'bench-hubspot-token';
const UPDATED_AT = '2025-01-01T00:00:00.000Z';
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** The fake HubSpot on a worker thread, driven by messages. */
class FakeWorker {
  private readonly worker: Worker;
  private next = 0;
  private readonly pending = new Map<number, (result: unknown) => void>();
  readonly url: Promise<string>;

  constructor(data: FakeWorkerData) {
    this.worker = new Worker(join(__dirname, 'fake-hubspot.worker.js'), { workerData: data });
    this.url = new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.worker.on('message', (msg: { ready?: string; id?: number; result?: unknown }) => {
        if (msg.ready) resolve(msg.ready);
        else if (msg.id !== undefined) this.pending.get(msg.id)?.(msg.result);
      });
    });
  }

  call<T>(command: FakeWorkerCommand): Promise<T> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, (r) => resolve(r as T));
      this.worker.postMessage({ ...command, id });
    });
  }

  async stop(): Promise<void> {
    await this.call({ cmd: 'stop' });
    await this.worker.terminate();
  }
}

/** The records as the engine maps them from the wire (the list endpoint's shape). */
function canonical(entity: 'contacts' | 'deals', objects: FakeObject[]): CanonicalRecord[] {
  const spec = HUBSPOT_ENTITIES[entity];
  return objects.map((o) => {
    const properties: Record<string, string | null> = { hs_object_id: o.id };
    for (const p of spec.properties) properties[p] = o.properties[p] ?? null;
    const record = mapHubSpotObject(entity, {
      id: o.id,
      properties,
      createdAt: o.createdAt,
      updatedAt: o.updatedAt,
      archived: false,
    });
    const problems = validateRecord(spec.target, record);
    if (problems.length) throw new Error(`bench record ${o.id} is invalid: ${problems.join('; ')}`);
    return record;
  });
}

/** The ceiling: plain multi-row upserts of the same rows, 1,000 a statement. */
async function plainUpsert(
  dataSource: DataSource,
  workspaceId: string,
  connectionId: string,
  target: CrmTarget,
  records: CanonicalRecord[],
): Promise<void> {
  const spec = CRM_TARGETS[target];
  const columns = Object.entries(spec.columns);
  const names = columns.map(([n]) => n);
  const types = [
    'uuid',
    'uuid',
    'text',
    'text',
    'jsonb',
    'text',
    ...columns.map(([, c]) => pgTypeOf(c.kind)),
  ];
  const all = [
    'workspace_id',
    'connection_id',
    'source',
    'external_id',
    'raw',
    'content_hash',
    ...names,
  ];
  for (let start = 0; start < records.length; start += CEILING_BATCH) {
    const batch = records.slice(start, start + CEILING_BATCH);
    const params: unknown[] = [];
    const rows = batch.map((r) => {
      const values = [
        workspaceId,
        connectionId,
        'hubspot',
        r.externalId,
        JSON.stringify(r.raw),
        contentHash(r),
        ...names.map((n) => r.fields[n] ?? null),
      ];
      const placeholders = values.map((v, i) => {
        params.push(v);
        return `$${params.length}::${types[i]}`;
      });
      return `(${placeholders.join(', ')}, now())`;
    });
    await dataSource.query(
      `INSERT INTO ${spec.table} AS t (${all.join(', ')}, synced_at) VALUES ${rows.join(', ')}
       ON CONFLICT (workspace_id, COALESCE(connection_id, '${ZERO_UUID}'::uuid), external_id) DO UPDATE SET
         raw = EXCLUDED.raw, content_hash = EXCLUDED.content_hash, synced_at = now(), updated_at = now(),
         ${names.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}
       WHERE t.content_hash IS DISTINCT FROM EXCLUDED.content_hash`,
      params,
    );
  }
}

/**
 * Requests per window in consecutive windows from the first request, the last (partial, where
 * the source ran out of pages) left out; and the most in any rolling window.
 */
function perWindow(times: number[], windowMs: number): { mean: number; max: number } {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  const windows = Math.floor((sorted[sorted.length - 1] - sorted[0]) / windowMs);
  const within = sorted.filter((t) => t < sorted[0] + windows * windowMs).length;
  return { mean: windows ? within / windows : NaN, max };
}

async function main(): Promise<void> {
  const fake = new FakeWorker({
    token: TOKEN,
    contacts: CONTACTS,
    deals: DEALS,
    updatedAt: UPDATED_AT,
  });
  const baseUrl = await fake.url;
  const bench = await startBenchApp({});
  try {
    const { app } = bench;
    const dataSource = app.get(DataSource);
    const workspace = await app.get(WorkspaceService).ensureDefault('enterprise');
    const connections = app.get(ConnectionsService);
    const connection = (name: string, settings: Record<string, unknown>) =>
      connections.create(workspace.id, {
        provider: 'hubspot',
        name,
        settings: { base_url: baseUrl, ...settings },
        credentials: { access_token: TOKEN },
      });

    // Ceiling: the same rows, mapped and hashed beforehand, through plain upserts.
    const contacts = canonical(
      'contacts',
      Array.from({ length: CONTACTS }, (_, i) => fakeContact(i, UPDATED_AT)),
    );
    const deals = canonical(
      'deals',
      Array.from({ length: DEALS }, (_, i) => fakeDeal(i, UPDATED_AT)),
    );
    const ceilingConnection = await connection('ceiling', {});
    const ceilingStart = performance.now();
    await plainUpsert(dataSource, workspace.id, ceilingConnection.id, 'contacts', contacts);
    await plainUpsert(dataSource, workspace.id, ceilingConnection.id, 'opportunities', deals);
    const ceilingSeconds = (performance.now() - ceilingStart) / 1000;
    const total = CONTACTS + DEALS;
    const ceiling = total / ceilingSeconds;

    // The engine, rate limits off, as `npm run cli -- sync hubspot contacts` runs it.
    const engineConnection = await connection('engine', {
      requests_per_10s: 1_000_000_000,
      search_requests_per_second: 1_000_000_000,
    });
    const sync = app.get(SyncService);
    const runFull = (connectionId: string, entity: string) =>
      sync.runNow({
        workspaceId: workspace.id,
        provider: 'hubspot',
        entity,
        connectionId,
        options: { full: true },
        trigger: 'cli',
      });
    const engineStart = performance.now();
    const [contactRun] = await runFull(engineConnection.id, 'contacts');
    const contactSeconds = (performance.now() - engineStart) / 1000;
    const [dealRun] = await runFull(engineConnection.id, 'deals');
    const engineSeconds = (performance.now() - engineStart) / 1000;
    for (const run of [contactRun, dealRun]) {
      if (
        run.status !== 'succeeded' ||
        run.created !== (run.entity === 'contacts' ? CONTACTS : DEALS)
      )
        throw new Error(
          `engine run ${run.entity} ended ${run.status} with ${run.created} created: ${run.error}`,
        );
    }
    const engine = total / engineSeconds;
    const ratio = engine / ceiling;

    console.log(
      `sync benchmark (${bench.database}): ${fmt(CONTACTS, 0)} HubSpot contacts + ${fmt(DEALS, 0)} deals`,
    );
    console.log(
      `  ceiling: plain multi-row upserts (${CEILING_BATCH} rows/statement)   ${fmt(ceiling, 0)} records/s  (${fmt(ceilingSeconds, 1)} s)`,
    );
    console.log(
      `  engine: HTTP list pages -> transform -> validate -> upsert -> cursor   ${fmt(engine, 0)} records/s  (${fmt(engineSeconds, 1)} s; ratio ${fmt(ratio, 2)} of the ceiling)`,
    );
    console.log(
      `    contacts ${fmt(CONTACTS / contactSeconds, 0)} records/s, deals ${fmt(DEALS / (engineSeconds - contactSeconds), 0)} records/s (with stage history)`,
    );

    let limited: { mean: number; max: number; rejected: number; requests: number } | undefined;
    if (LIMITED) {
      await fake.call({ cmd: 'limit', limit: { max: API_MAX, intervalMs: API_WINDOW_MS } });
      // Seeded with the documented 100: the headers must lift it to the account's 190.
      const limitedConnection = await connection('limited', {});
      const [run] = await runFull(limitedConnection.id, 'contacts');
      if (run.status !== 'succeeded')
        throw new Error(`limited run ended ${run.status}: ${run.error}`);
      const log = await fake.call<FakeRequestLog>({ cmd: 'requests' });
      const { mean, max } = perWindow(log.accepted, API_WINDOW_MS);
      limited = { mean, max, rejected: log.rejected, requests: log.accepted.length };
      const span = (Math.max(...log.accepted) - Math.min(...log.accepted)) / 1000;
      console.log(
        `  with HubSpot's limit enforced (${API_MAX} per rolling 10 s): ${fmt(log.accepted.length, 0)} requests in ${fmt(span, 1)} s`,
      );
      console.log(
        `    requests per 10 s (consecutive windows) ${fmt(mean, 1)} of ${API_MAX} (ratio ${fmt(mean / API_MAX, 3)}); most in any rolling 10 s ${max}; 429s ${log.rejected}`,
      );
    }

    console.log(
      JSON.stringify({
        bench: 'sync',
        database: bench.database,
        contacts: CONTACTS,
        deals: DEALS,
        ceiling_records_per_s: Math.round(ceiling),
        engine_records_per_s: Math.round(engine),
        ratio: Number(ratio.toFixed(3)),
        ...(limited
          ? {
              limited_requests: limited.requests,
              limited_mean_per_10s: Number(limited.mean.toFixed(1)),
              limited_ratio: Number((limited.mean / API_MAX).toFixed(3)),
              limited_max_per_10s: limited.max,
              limited_429s: limited.rejected,
            }
          : {}),
      }),
    );
  } finally {
    await bench.close();
    await fake.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
