import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionsService } from '../../../src/modules/sync/connections/connections.service';
import {
  AlreadyRunningError,
  SyncService,
  TriggerRequest,
} from '../../../src/modules/sync/sync.service';
import { CRM_DATA_DIR } from '../../support/crm-data';
import { createClient, startTestApp, TestApp } from '../../support/test-app';

const BUSINESS_TABLES = [
  'crm_users',
  'accounts',
  'products',
  'opportunities',
  'opportunity_stage_history',
  'sync_cursors',
];

/** The lifecycle's guarantees, on a private copy of the data set that the tests edit. */
describe('CSV engine: delta, dry run, bad records, one run at a time', () => {
  let t: TestApp;
  let dir: string;
  let workspaceId: string;
  let connectionId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revops-csv-'));
    cpSync(CRM_DATA_DIR, dir, { recursive: true });
    t = await startTestApp();
    workspaceId = (await createClient(t)).workspaceId;
    connectionId = (
      await t.app.get(ConnectionsService).create(workspaceId, {
        provider: 'csv',
        name: 'copy',
        settings: { folder: dir, preset: 'maven-crm', batch_size: 1000 },
      })
    ).id;
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (entity: string, options: TriggerRequest['options'] = {}): TriggerRequest => ({
    workspaceId,
    provider: 'csv',
    entity,
    connectionId,
    options,
    trigger: 'cli',
  });
  const run = (entity: string, options: TriggerRequest['options'] = {}) =>
    t.app.get(SyncService).runNow(request(entity, options));
  const counts = async () => {
    const out: Record<string, number> = {};
    for (const table of BUSINESS_TABLES) {
      out[table] = Number(
        (
          await t.dataSource.query(
            `SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = $1`,
            [workspaceId],
          )
        )[0].n,
      );
    }
    return out;
  };
  const editPipeline = (edit: (lines: string[]) => void) => {
    const path = join(dir, 'sales_pipeline.csv');
    const text = readFileSync(path, 'utf8');
    const eol = text.includes('\r\n') ? '\r\n' : '\n'; // the export has Windows line ends
    const lines = text.split(eol);
    edit(lines);
    writeFileSync(path, lines.join(eol));
  };

  it('a dry run writes nothing and reports what it would create', async () => {
    const before = await counts();
    const runs = await run('all', { dryRun: true });
    expect(await counts()).toEqual(before);
    expect(runs.map((r) => [r.entity, r.dryRun, r.created, r.updated])).toEqual([
      ['users', true, 41, 0],
      ['accounts', true, 85, 0],
      ['products', true, 7, 0],
      ['opportunities', true, 8800, 0],
    ]);
  });

  it('a delta after changing 5 rows updates exactly those 5', async () => {
    await run('all');
    const unchangedRun = await run('opportunities');
    expect(unchangedRun[0]).toMatchObject({ mode: 'delta', processed: 0, created: 0, updated: 0 });

    const changed: string[] = [];
    editPipeline((lines) => {
      for (let i = 1; changed.length < 5; i += 997) {
        const cells = lines[i].split(',');
        if (cells[4] !== 'Won') continue;
        cells[7] = String(Number(cells[7]) + 1);
        changed.push(cells[0]);
        lines[i] = cells.join(',');
      }
    });
    const [delta] = await run('opportunities');
    expect(delta).toMatchObject({
      mode: 'delta',
      status: 'succeeded',
      processed: 8800,
      created: 0,
      updated: 5,
      unchanged: 8795,
      failed: 0,
    });
    const updated = await t.dataSource.query(
      `SELECT external_id FROM opportunities WHERE workspace_id = $1 AND updated_at >= $2 ORDER BY external_id`,
      [workspaceId, delta.startedAt],
    );
    expect(updated.map((r: { external_id: string }) => r.external_id)).toEqual([...changed].sort());
    // Each amount change is a stage-history entry.
    const [history] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM opportunity_stage_history h JOIN opportunities o ON o.id = h.opportunity_id
        WHERE o.workspace_id = $1 AND o.external_id = ANY($2)`,
      [workspaceId, changed],
    );
    expect(history.n).toBe(10);
  });

  it('a dry run after a change reports the update without making it', async () => {
    editPipeline((lines) => {
      const cells = lines[1].split(',');
      cells[1] = 'Anna Snelling';
      lines[1] = cells.join(',');
    });
    const before = await counts();
    const [dry] = await run('opportunities', { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, created: 0, updated: 1 });
    expect(await counts()).toEqual(before);
  });

  it('a batch with one invalid record saves the others and reports the bad one', async () => {
    let badId = '';
    editPipeline((lines) => {
      const cells = lines[42].split(',');
      badId = cells[0];
      cells[4] = 'Negotiation';
      cells[7] = '1200';
      lines[42] = cells.join(',');
      const other = lines[43].split(',');
      other[7] = other[4] === 'Won' ? String(Number(other[7]) + 7) : other[7];
      lines[43] = other.join(',');
    });
    const [result] = await run('opportunities');
    expect(result).toMatchObject({ status: 'succeeded', failed: 1, processed: 8800 });
    expect(result.updated).toBeGreaterThanOrEqual(1);
    const errors = await t.dataSource.query(
      `SELECT external_id, stage, reason FROM sync_run_errors WHERE run_id = $1`,
      [result.id],
    );
    expect(errors).toEqual([
      {
        external_id: badId,
        stage: 'transform',
        reason: 'status: "Negotiation" is not one of Prospecting, Engaging, Won, Lost',
      },
    ]);
    const [row] = await t.dataSource.query(
      `SELECT stage FROM opportunities WHERE workspace_id = $1 AND external_id = $2`,
      [workspaceId, badId],
    );
    expect(row.stage).not.toBe('Negotiation');
  });

  it('two simultaneous triggers of the same engine produce one run', async () => {
    editPipeline((lines) =>
      lines.splice(lines.length - 1, 0, 'ZZZZ0001,Anna Snelling,GTX Basic,,Engaging,2017-12-01,,'),
    );
    const sync = t.app.get(SyncService);
    const before = Number(
      (
        await t.dataSource.query(
          `SELECT count(*)::int AS n FROM sync_runs WHERE workspace_id = $1`,
          [workspaceId],
        )
      )[0].n,
    );
    const outcomes = await Promise.allSettled([
      sync.runNow(request('opportunities')),
      sync.runNow(request('opportunities')),
    ]);
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0].reason).toBeInstanceOf(AlreadyRunningError);
    expect(refused[0].reason.message).toMatch(/already (running|queued)/);
    const after = Number(
      (
        await t.dataSource.query(
          `SELECT count(*)::int AS n FROM sync_runs WHERE workspace_id = $1`,
          [workspaceId],
        )
      )[0].n,
    );
    expect(after - before).toBe(1);
  });

  it('soft-deletes a record that left the source, counts it, and revives it when it returns', async () => {
    let removed = '';
    let line = '';
    editPipeline((lines) => {
      line = lines[100];
      removed = line.split(',')[0];
      lines.splice(100, 1);
    });
    const [dry] = await run('opportunities', { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, deleted: 1 });
    const [gone] = await run('opportunities');
    expect(gone).toMatchObject({ status: 'succeeded', deleted: 1, created: 0 });
    const [row] = await t.dataSource.query(
      `SELECT deleted_at IS NOT NULL AS deleted FROM opportunities WHERE workspace_id = $1 AND external_id = $2`,
      [workspaceId, removed],
    );
    expect(row.deleted).toBe(true);
    editPipeline((lines) => lines.splice(100, 0, line));
    const [back] = await run('opportunities');
    expect(back).toMatchObject({ deleted: 0, updated: 1, created: 0 });
    const [revived] = await t.dataSource.query(
      `SELECT deleted_at FROM opportunities WHERE workspace_id = $1 AND external_id = $2`,
      [workspaceId, removed],
    );
    expect(revived.deleted_at).toBeNull();
  });

  it('refuses --since for an engine that cannot honour it, and unknown entities', async () => {
    await expect(run('opportunities', { since: '2024-01-01' })).rejects.toThrow(
      /does not support --since/,
    );
    await expect(run('widgets')).rejects.toThrow(/No csv engine for entity "widgets"/);
  });

  it('--max-records stops early without moving the cursor past what it read', async () => {
    const [limited] = await run('accounts', { full: true, maxRecords: 10 });
    expect(limited).toMatchObject({ status: 'succeeded', processed: 10 });
    const [cursor] = await t.dataSource.query(
      `SELECT cursor FROM sync_cursors WHERE connection_id = $1 AND entity = 'accounts'`,
      [connectionId],
    );
    expect(cursor.cursor.offset).toBe(85);
    expect(cursor.cursor.complete).toBe(true);
  });
});
