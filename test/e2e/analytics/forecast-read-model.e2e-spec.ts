import { CrmWriterService } from '../../../src/modules/crm/crm-writer.service';
import { DemoDataService } from '../../../src/modules/demo/demo-data.service';
import {
  ForecastReadModelService,
  READ_MODEL_QUEUE,
} from '../../../src/modules/forecast/forecast-read-model.service';
import { ForecastSnapshotService } from '../../../src/modules/forecast/forecast-snapshot.service';
import { idsOf, TestRecord, writeCrm } from '../../support/crm-records';
import { createClient, startTestApp, TestApp, TestClient } from '../../support/test-app';
import { waitFor } from '../../support/wait';

const AS_OF = '2026-11-20';

const deal = (
  id: string,
  changedAt: string,
  fields: Record<string, string | null>,
): TestRecord => ({
  externalId: id,
  changedAt,
  fields: {
    name: `Deal ${id}`,
    owner_external_id: 'ann',
    account_external_id: 'ent',
    created_date: '2026-09-01',
    ...fields,
  },
});

/** Ann's quota of the fourth quarter of 2026. */
const annQuota = (amount: string): TestRecord => ({
  externalId: 'q-ann',
  fields: { user_external_id: 'ann', period_start: '2026-10-01', period_end: '2026-12-31', amount },
});

/**
 * The read models behind the forecast and coaching routes (docs/FORECAST.md, "Performance"):
 * refreshed by the job a build's end enqueues and by a settings change, never served stale (a
 * write marks them dirty and the routes answer from the live tables until the next refresh), and
 * answering exactly what the live tables answer, on hand-made data and on the demo data set.
 */
describe('Forecast and coaching read models', () => {
  let t: TestApp;
  let a: TestClient;
  let readModel: ForecastReadModelService;
  let users: Record<string, string>;

  const get = async (path: string, c = a) => {
    const res = await t.http().get(path).set('X-API-Key', c.apiKey);
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    return res.body.data;
  };
  /** What the end of a sync run does: the build's last transaction tells the listeners. */
  const buildFinished = (workspaceId: string) =>
    t.dataSource.transaction((m) => t.app.get(CrmWriterService).buildFinished(m, workspaceId));
  const version = async (workspaceId: string) => {
    const [row] = await t.dataSource.query(
      `SELECT version::int AS version FROM forecast_read_state WHERE workspace_id = $1`,
      [workspaceId],
    );
    return (row?.version as number | undefined) ?? 0;
  };
  /** Refresh jobs of the workspace that are queued or running. */
  const pendingRefreshes = async (workspaceId: string) => {
    const [row] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM pgboss.job
        WHERE name = $1 AND state IN ('created', 'retry', 'active') AND data->>'workspaceId' = $2`,
      [READ_MODEL_QUEUE, workspaceId],
    );
    return row.n as number;
  };
  /**
   * Waits until the refresh job has run past `after`, no other refresh is queued or running
   * (so none rewrites the read models behind the test's back) and nothing was written since.
   */
  const fresh = (workspaceId: string, after: number) =>
    waitFor(
      async () =>
        (await version(workspaceId)) > after &&
        (await pendingRefreshes(workspaceId)) === 0 &&
        (await readModel.state(workspaceId)) !== null,
      'the read model refresh',
      180_000,
    );

  beforeAll(async () => {
    t = await startTestApp();
    readModel = t.app.get(ForecastReadModelService);
    a = await createClient(t, { workspace: 'read-model-a' });
    await writeCrm(t, a.workspaceId, 'users', [
      { externalId: 'mgr', fields: { name: 'Mia Manager', role: 'manager' } },
      { externalId: 'ann', fields: { name: 'Ann Rep', manager_external_id: 'mgr' } },
    ]);
    await writeCrm(t, a.workspaceId, 'accounts', [
      { externalId: 'ent', fields: { name: 'Big Co', segment: 'Enterprise' } },
    ]);
    await writeCrm(t, a.workspaceId, 'quotas', [annQuota('10000.00')]);
    await writeCrm(t, a.workspaceId, 'opportunities', [
      deal('open', '2026-09-10T10:00:00Z', {
        stage: 'Proposal',
        status: 'open',
        amount: '1000.00',
        close_date: '2026-11-30',
      }),
      deal('won', '2026-09-10T10:00:00Z', {
        stage: 'Won',
        status: 'won',
        amount: '500.25',
        close_date: '2026-10-15',
      }),
      deal('lost', '2026-09-10T10:00:00Z', {
        stage: 'Lost',
        status: 'lost',
        amount: '300.00',
        close_date: '2026-10-20',
      }),
    ]);
    await writeCrm(t, a.workspaceId, 'opportunities', [
      deal('open', '2026-10-05T10:00:00Z', {
        stage: 'Proposal',
        status: 'open',
        amount: '1200.00',
        close_date: '2026-11-30',
      }),
    ]);
    users = await idsOf(t, a.workspaceId, 'crm_users');
  });
  afterAll(() => t.close());

  const paths = () => [
    `/v1/forecast/summary?as_of=${AS_OF}`,
    `/v1/forecast/summary?as_of=${AS_OF}&owner_id=${users.ann}`,
    `/v1/forecast/summary?as_of=${AS_OF}&segment=Enterprise`,
    `/v1/forecast/changes?as_of=${AS_OF}`,
    `/v1/coaching/performance?as_of=${AS_OF}`,
    `/v1/coaching/insights/${users.ann}?as_of=${AS_OF}`,
  ];
  const answers = async () => {
    const out: Record<string, string> = {};
    for (const p of paths()) out[p] = JSON.stringify(await get(p));
    return out;
  };

  it('answers from the live tables until a build finishes, then from the refreshed read models, identically', async () => {
    expect(await readModel.state(a.workspaceId)).toBeNull();
    const direct = await answers();
    expect(JSON.parse(direct[paths()[0]]).categories.pipeline).toEqual({
      amount: '1200.00',
      count: 1,
    });

    await buildFinished(a.workspaceId);
    await fresh(a.workspaceId, 0);

    // The summary really comes from the read model: a change made to it (and only to it) shows.
    const tamper = (delta: number) =>
      t.dataSource.query(
        `UPDATE forecast_month_totals SET amount = amount + $2 WHERE workspace_id = $1 AND grain = 'workspace' AND category = 'pipeline'`,
        [a.workspaceId, delta],
      );
    await tamper(1);
    const summaryPath = `/v1/forecast/summary?as_of=${AS_OF}`;
    expect((await get(summaryPath)).categories.pipeline.amount).toBe('1201.00');
    // ... and, at this version, the cached answer: the same after the table is put back.
    await tamper(-1);
    expect((await get(summaryPath)).categories.pipeline.amount).toBe('1201.00');
    // A refresh moves to a new version: every answer is computed again, cached once, and served
    // from the cache with the same bytes.
    const v = await version(a.workspaceId);
    await readModel.refresh(a.workspaceId);
    expect(await version(a.workspaceId)).toBe(v + 1);
    expect(await answers()).toEqual(direct);
    const [cached] = await t.dataSource.query(
      `SELECT count(*)::int AS n, count(DISTINCT route)::int AS routes FROM forecast_response_cache
        WHERE workspace_id = $1 AND version = $2`,
      [a.workspaceId, v + 1],
    );
    expect(cached).toEqual({ n: paths().length, routes: 4 });
    expect(await answers()).toEqual(direct);
  });

  it('never serves a stale read model: a write is seen at once, and the next build refreshes', async () => {
    const before = await version(a.workspaceId);
    // A sync batch commits (the build has not finished yet).
    await writeCrm(t, a.workspaceId, 'opportunities', [
      deal('open', '2026-11-02T10:00:00Z', {
        stage: 'Proposal',
        status: 'open',
        amount: '2000.00',
        close_date: '2026-11-30',
      }),
    ]);
    expect(await readModel.state(a.workspaceId)).toBeNull();
    const direct = await answers();
    const summary = JSON.parse(direct[paths()[0]]);
    expect(summary.categories.pipeline).toEqual({ amount: '2000.00', count: 1 });
    const changes = JSON.parse(direct[paths()[3]]);
    expect(changes.to.total).toBe('2500.25'); // with the won deal

    await buildFinished(a.workspaceId);
    await fresh(a.workspaceId, before);
    expect(await answers()).toEqual(direct);
  });

  it('is refreshed after a settings change, which is seen at once', async () => {
    const before = await version(a.workspaceId);
    const put = await t
      .http()
      .put('/v1/forecast/settings')
      .set('X-API-Key', a.apiKey)
      .send({
        stages: [{ stage: 'Proposal', forecast_category: 'commit', probability: '0.6000' }],
      });
    expect(put.status).toBe(200);
    const summary = await get(`/v1/forecast/summary?as_of=${AS_OF}`);
    expect(summary.categories.commit).toEqual({ amount: '2000.00', count: 1 });
    expect(summary.metrics.weighted_pipeline).toBe('1200.00');
    const direct = await answers();
    await fresh(a.workspaceId, before);
    expect(await answers()).toEqual(direct);
    expect(JSON.parse(direct[paths()[4]]).reps[0].metrics.pipeline).toBe('2000.00');
  });

  it('never serves a cached answer after a rep or a quota changes', async () => {
    const before = await version(a.workspaceId);
    const path = `/v1/coaching/performance?as_of=${AS_OF}`;
    const insights = `/v1/coaching/insights/${users.ann}?as_of=${AS_OF}`;
    expect((await get(path)).reps[0]).toMatchObject({
      rep_name: 'Ann Rep',
      metrics: { quota: '10000.00' },
    });
    expect((await get(insights)).rep_name).toBe('Ann Rep');
    await writeCrm(t, a.workspaceId, 'quotas', [annQuota('20000.00')]);
    expect(await readModel.state(a.workspaceId)).toBeNull();
    expect((await get(path)).reps[0].metrics.quota).toBe('20000.00');
    await buildFinished(a.workspaceId);
    await fresh(a.workspaceId, before);
    expect((await get(path)).reps[0].metrics.quota).toBe('20000.00');

    const refreshed = await version(a.workspaceId);
    await writeCrm(t, a.workspaceId, 'users', [
      { externalId: 'ann', fields: { name: 'Ann Renamed', manager_external_id: 'mgr' } },
    ]);
    expect(await readModel.state(a.workspaceId)).toBeNull();
    expect((await get(path)).reps[0].rep_name).toBe('Ann Renamed');
    expect((await get(insights)).rep_name).toBe('Ann Renamed');
    await buildFinished(a.workspaceId);
    await fresh(a.workspaceId, refreshed);
    expect((await get(path)).reps[0].rep_name).toBe('Ann Renamed');
    expect((await get(insights)).rep_name).toBe('Ann Renamed');
  });

  it('serves cached trends only until the next snapshot', async () => {
    expect(await readModel.state(a.workspaceId)).not.toBeNull();
    const path = `/v1/forecast/trends?as_of=${AS_OF}&granularity=monthly`;
    expect((await get(path)).trends).toEqual([]);
    expect((await get(path)).trends).toEqual([]);
    const v = await version(a.workspaceId);
    await t.app.get(ForecastSnapshotService).snapshot(a.workspaceId, AS_OF);
    expect(await version(a.workspaceId)).toBe(v + 1);
    expect(await readModel.state(a.workspaceId)).not.toBeNull();
    const trends = (await get(path)).trends;
    expect(trends.map((p: { date: string }) => p.date)).toEqual(['2026-10-01', '2026-11-01']);
    expect(trends[1]).toMatchObject({ date: '2026-11-01', commit: '1200.00', closed: '500.25' });
  });

  it('keeps workspaces apart: another workspace reads none of these rows', async () => {
    const b = await createClient(t, { workspace: 'read-model-b' });
    await buildFinished(b.workspaceId);
    await fresh(b.workspaceId, 0);
    const s = await get(`/v1/forecast/summary?as_of=${AS_OF}`, b);
    expect(Object.values(s.categories).every((c) => (c as { count: number }).count === 0)).toBe(
      true,
    );
    const [rows] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM forecast_month_totals WHERE workspace_id = $1`,
      [b.workspaceId],
    );
    expect(rows.n).toBe(0);
  });

  it('answers byte for byte what the live tables answer on the demo data set', async () => {
    const summary = await t.app.get(DemoDataService).load({ today: '2026-11-26' });
    const ws = summary.workspaceId;
    const [row] = await t.dataSource.query(`SELECT slug FROM workspaces WHERE id = $1`, [ws]);
    const demo = await createClient(t, { workspace: row.slug });
    // The demo load ends like a build: its refresh job runs.
    await fresh(ws, 0);
    await t.app.get(ForecastSnapshotService).snapshot(ws, summary.asOf);
    await fresh(ws, 0);
    const reps: Array<{ id: string }> = await t.dataSource.query(
      `SELECT id FROM crm_users WHERE workspace_id = $1 AND role = 'rep' AND deleted_at IS NULL ORDER BY id`,
      [ws],
    );
    const [seg] = await t.dataSource.query(
      `SELECT segment FROM accounts WHERE workspace_id = $1 AND segment IS NOT NULL LIMIT 1`,
      [ws],
    );
    const asOf = summary.asOf;
    const list: string[] = [];
    for (const period of ['current_quarter', 'next_quarter', 'last_quarter', 'current_year']) {
      list.push(`/v1/forecast/summary?period=${period}&as_of=${asOf}`);
      list.push(`/v1/forecast/summary?period=${period}&as_of=${asOf}&owner_id=${reps[0].id}`);
      list.push(
        `/v1/forecast/summary?period=${period}&as_of=${asOf}&segment=${encodeURIComponent(seg.segment)}`,
      );
      list.push(`/v1/forecast/changes?period=${period}&as_of=${asOf}`);
      list.push(`/v1/forecast/changes?period=${period}&as_of=${asOf}&owner_id=${reps[0].id}`);
      list.push(`/v1/forecast/trends?period=${period}&granularity=weekly&as_of=${asOf}`);
    }
    for (const period of ['current_quarter', 'last_quarter', 'ytd']) {
      list.push(`/v1/coaching/performance?period=${period}&as_of=${asOf}`);
      for (const r of reps)
        list.push(`/v1/coaching/insights/${r.id}?period=${period}&as_of=${asOf}`);
    }
    const read = async () => {
      const out: Record<string, string> = {};
      for (const p of list) out[p] = JSON.stringify(await get(p, demo));
      return out;
    };
    expect(await readModel.state(ws)).not.toBeNull();
    const fromReadModels = await read();
    // The second time, every answer is a cache hit, byte for byte the same.
    expect(await read()).toEqual(fromReadModels);
    // A write mark (as any write leaves) sends every route to the live tables.
    await t.dataSource.query(
      `INSERT INTO forecast_read_dirty (workspace_id, txid) VALUES ($1, 0)`,
      [ws],
    );
    expect(await readModel.state(ws)).toBeNull();
    const direct = await read();
    for (const p of list) expect({ p, body: fromReadModels[p] }).toEqual({ p, body: direct[p] });
  }, 900_000);
});
