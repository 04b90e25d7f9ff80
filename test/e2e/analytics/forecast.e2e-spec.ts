import { SchedulerRegistry } from '@nestjs/schedule';
import { ForecastSnapshotService } from '../../../src/modules/forecast/forecast-snapshot.service';
import { idsOf, TestRecord, writeCrm } from '../../support/crm-records';
import { createClient, startTestApp, TestApp, TestClient } from '../../support/test-app';

const AS_OF = '2026-11-20';

/** A deal's states over time: each is written at its time, as a sync would see the changes. */
type DealState = Record<string, string | null> & { at: string };
const at = (day: string) => `${day}T10:00:00Z`;

/**
 * Hand-made deals whose every figure is known, so the summary, changes and trends are checked
 * against exact numbers (worked out in the comments).
 */
const DEALS: Record<string, { owner: string; account?: string; states: DealState[] }> = {
  // Pushed from Q3 into Q4 on 09-25, won in Q4 for more: won bucket +2,345.67.
  d1: {
    owner: 'ann',
    account: 'ent',
    states: [
      {
        at: '2026-09-01',
        stage: 'Engaging',
        status: 'open',
        amount: '10000.00',
        close_date: '2026-09-30',
        forecast_category: 'pipeline',
        probability: '0.3000',
      },
      { at: '2026-09-25', close_date: '2026-10-20' },
      {
        at: '2026-10-15',
        stage: 'Won',
        status: 'won',
        amount: '12345.67',
        close_date: '2026-10-15',
        forecast_category: 'closed',
        probability: '1.0000',
      },
    ],
  },
  // Re-estimated up and committed: amount_changed +5,000.01.
  d2: {
    owner: 'ann',
    account: 'smb',
    states: [
      {
        at: '2026-08-01',
        stage: 'Engaging',
        status: 'open',
        amount: '15000.00',
        close_date: '2026-11-30',
        forecast_category: 'pipeline',
        probability: '0.2000',
      },
      {
        at: '2026-10-20',
        amount: '20000.01',
        close_date: '2026-12-10',
        forecast_category: 'commit',
        probability: '0.8000',
      },
    ],
  },
  // Created in the quarter with no CRM category or probability: the stage mapping decides.
  d3: {
    owner: 'bob',
    account: 'ent',
    states: [
      {
        at: '2026-10-05',
        stage: 'Proposal',
        status: 'open',
        amount: '7777.77',
        close_date: '2026-11-30',
      },
    ],
  },
  // Lost: -5,000.00.
  d4: {
    owner: 'bob',
    account: 'smb',
    states: [
      {
        at: '2026-09-10',
        stage: 'Engaging',
        status: 'open',
        amount: '5000.00',
        close_date: '2026-11-15',
        forecast_category: 'pipeline',
        probability: '0.2000',
      },
      {
        at: '2026-11-02',
        stage: 'Lost',
        status: 'lost',
        close_date: '2026-11-02',
        forecast_category: 'omitted',
        probability: '0.0000',
      },
    ],
  },
  // Pushed into next quarter: -3,333.33.
  d5: {
    owner: 'bob',
    states: [
      {
        at: '2026-09-15',
        stage: 'Engaging',
        status: 'open',
        amount: '3333.33',
        close_date: '2026-10-25',
        forecast_category: 'pipeline',
        probability: '0.2000',
      },
      { at: '2026-11-10', close_date: '2027-01-15' },
    ],
  },
  // Untouched, no probability anywhere: pipeline by default, weighted 0.
  d6: {
    owner: 'ann',
    account: 'ent',
    states: [
      {
        at: '2026-09-20',
        stage: 'Discovery',
        status: 'open',
        amount: '1000.00',
        close_date: '2026-12-20',
      },
    ],
  },
  // Pulled in from next quarter: +2,500.50.
  d7: {
    owner: 'ann',
    states: [
      {
        at: '2026-09-01',
        stage: 'Engaging',
        status: 'open',
        amount: '2500.50',
        close_date: '2027-02-01',
        forecast_category: 'pipeline',
        probability: '0.2500',
      },
      { at: '2026-11-05', close_date: '2026-12-15' },
    ],
  },
  // Same amount, upgraded to best case: category_changed, 0.00.
  d8: {
    owner: 'bob',
    account: 'smb',
    states: [
      {
        at: '2026-09-05',
        stage: 'Engaging',
        status: 'open',
        amount: '4000.00',
        close_date: '2026-12-01',
        forecast_category: 'pipeline',
        probability: '0.4000',
      },
      { at: '2026-11-01', forecast_category: 'best_case', probability: '0.6000' },
    ],
  },
};

async function seed(t: TestApp, workspaceId: string) {
  await writeCrm(t, workspaceId, 'users', [
    { externalId: 'mgr', fields: { name: 'Mia Manager', role: 'manager' } },
    { externalId: 'ann', fields: { name: 'Ann Rep', manager_external_id: 'mgr' } },
    { externalId: 'bob', fields: { name: 'Bob Rep', manager_external_id: 'mgr' } },
  ]);
  await writeCrm(t, workspaceId, 'accounts', [
    { externalId: 'ent', fields: { name: 'Big Co', segment: 'Enterprise' } },
    { externalId: 'smb', fields: { name: 'Small Co', segment: 'SMB' } },
  ]);
  await writeCrm(t, workspaceId, 'quotas', [
    {
      externalId: 'q-ann',
      fields: {
        user_external_id: 'ann',
        period_start: '2026-10-01',
        period_end: '2026-12-31',
        amount: '100000.00',
      },
    },
    {
      externalId: 'q-bob',
      fields: {
        user_external_id: 'bob',
        period_start: '2026-10-01',
        period_end: '2026-12-31',
        amount: '50000.00',
      },
    },
    // 15 of its 30 days fall in Q4: 1,500.00 counts.
    {
      externalId: 'q-bob-x',
      fields: {
        user_external_id: 'bob',
        period_start: '2026-09-16',
        period_end: '2026-10-15',
        amount: '3000.00',
      },
    },
  ]);
  // Replay every deal's states in time order, one write per change.
  const events = Object.entries(DEALS).flatMap(([id, deal]) => {
    let state: Record<string, string | null> = {};
    return deal.states.map((s) => {
      const { at: day, ...changes } = s;
      state = { ...state, ...changes };
      return { id, deal, day, state: { ...state } };
    });
  });
  events.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  for (const e of events) {
    const record: TestRecord = {
      externalId: e.id,
      changedAt: at(e.day),
      fields: {
        name: `Deal ${e.id}`,
        owner_external_id: e.deal.owner,
        account_external_id: e.deal.account ?? null,
        created_date: e.deal.states[0].at,
        ...e.state,
      },
    };
    await writeCrm(t, workspaceId, 'opportunities', [record]);
  }
}

describe('Forecast API', () => {
  let t: TestApp;
  let a: TestClient;
  let b: TestClient;
  let users: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    a = await createClient(t, { workspace: 'forecast-a' });
    b = await createClient(t, { workspace: 'forecast-b' });
    await seed(t, a.workspaceId);
    users = await idsOf(t, a.workspaceId, 'crm_users');
    const put = await t
      .http()
      .put('/v1/forecast/settings')
      .set('X-API-Key', a.apiKey)
      .send({
        stages: [{ stage: 'Proposal', forecast_category: 'best_case', probability: '0.5000' }],
      });
    expect(put.status).toBe(200);
  });
  afterAll(() => t.close());

  const get = (c: TestClient, path: string) => t.http().get(path).set('X-API-Key', c.apiKey);
  const ok = async (path: string, c = a) => {
    const res = await get(c, path);
    expect({ path, status: res.status, body: res.status === 200 ? null : res.body }).toEqual({
      path,
      status: 200,
      body: null,
    });
    return res.body.data;
  };

  it('sums each category exactly, and the categories add up to every deal closing in the period', async () => {
    const s = await ok(`/v1/forecast/summary?as_of=${AS_OF}`);
    expect(s).toMatchObject({
      period: 'Q4 2026',
      period_name: 'current_quarter',
      start_date: '2026-10-01',
      end_date: '2026-12-31',
      quota: '151500.00',
      categories: {
        closed: { amount: '12345.67', count: 1 },
        commit: { amount: '20000.01', count: 1 },
        best_case: { amount: '11777.77', count: 2 },
        pipeline: { amount: '3500.50', count: 2 },
        omitted: { amount: '5000.00', count: 1 },
      },
      metrics: {
        attainment: 0.0815,
        coverage: 0.2535,
        weighted_pipeline: '22914.02',
        forecast_accuracy: null,
      },
      weighted_pipeline_sources: {
        crm: { count: 3, amount: '26500.51', weighted: '19025.13' },
        stage_mapping: { count: 1, amount: '7777.77', weighted: '3888.89' },
        none: { count: 1, amount: '1000.00', weighted: '0.00' },
      },
      forecast_accuracy_basis: null,
      updated_at: '2026-11-21T00:00:00.000Z',
    });
    const [db] = await t.dataSource.query(
      `SELECT count(*)::int AS n, sum(amount)::text AS amount FROM opportunities
        WHERE workspace_id = $1 AND close_date BETWEEN '2026-10-01' AND '2026-12-31'`,
      [a.workspaceId],
    );
    expect(db).toEqual({ n: 7, amount: '52623.95' });
    const next = await ok(`/v1/forecast/summary?period=next_quarter&as_of=${AS_OF}`);
    expect(next.categories.pipeline).toEqual({ amount: '3333.33', count: 1 });
    expect(next.quota).toBeNull();
  });

  it('filters by owner (with their quota) and by segment (no quota)', async () => {
    const ann = await ok(`/v1/forecast/summary?as_of=${AS_OF}&owner_id=${users.ann}`);
    expect(ann).toMatchObject({
      quota: '100000.00',
      categories: {
        closed: { amount: '12345.67', count: 1 },
        commit: { amount: '20000.01', count: 1 },
        best_case: { amount: '0.00', count: 0 },
        pipeline: { amount: '3500.50', count: 2 },
      },
      metrics: { attainment: 0.1235 },
    });
    const ent = await ok(`/v1/forecast/summary?as_of=${AS_OF}&segment=Enterprise`);
    expect(ent).toMatchObject({
      quota: null,
      categories: {
        closed: { amount: '12345.67', count: 1 },
        best_case: { amount: '7777.77', count: 1 },
        pipeline: { amount: '1000.00', count: 1 },
      },
      metrics: { attainment: null, coverage: null },
    });
  });

  it('explains what changed between two days, reconciling to the cent', async () => {
    const c = await ok(`/v1/forecast/changes?as_of=${AS_OF}`);
    expect(c.from).toMatchObject({ date: '2026-09-30', total: '38333.33' });
    expect(c.to).toMatchObject({ date: AS_OF, total: '47623.95' });
    expect(c.net_change).toBe('9290.62');
    const summary = Object.fromEntries(
      Object.entries(
        c.changes as Record<
          string,
          { count: number; amount: string; deals: Array<{ name: string }> }
        >,
      ).map(([k, v]) => [k, [v.amount, v.deals.map((d) => d.name)]]),
    );
    expect(summary).toEqual({
      created: ['7777.77', ['Deal d3']],
      pulled_in: ['2500.50', ['Deal d7']],
      reopened: ['0.00', []],
      won: ['2345.67', ['Deal d1']],
      lost: ['-5000.00', ['Deal d4']],
      pushed_out: ['-3333.33', ['Deal d5']],
      amount_changed: ['5000.01', ['Deal d2']],
      category_changed: ['0.00', ['Deal d8']],
    });
    expect(c.changes.won.deals[0]).toMatchObject({
      from: { amount: '10000.00', close_date: '2026-10-20', category: 'pipeline' },
      to: { amount: '12345.67', close_date: '2026-10-15', category: 'closed' },
      change: '2345.67',
    });
    // Next quarter, since this one began: d5 was pushed into it, d7 pulled out of it.
    const next = await ok(`/v1/forecast/changes?period=next_quarter&as_of=${AS_OF}`);
    expect(next).toMatchObject({
      period: 'Q1 2027',
      from: { date: '2026-09-30', total: '2500.50' },
      to: { date: AS_OF, total: '3333.33' },
      net_change: '832.83',
      changes: {
        pulled_in: { amount: '3333.33', count: 1 },
        pushed_out: { amount: '-2500.50', count: 1 },
      },
    });
    // A narrower window: only d2's re-estimate and d1's win happened between 10-14 and 10-20.
    const narrow = await ok(`/v1/forecast/changes?as_of=${AS_OF}&from=2026-10-14&to=2026-10-20`);
    expect(narrow.net_change).toBe('7345.68');
    expect(narrow.changes.won.amount).toBe('2345.67');
    expect(narrow.changes.amount_changed.amount).toBe('5000.01');
  });

  it('schedules the daily snapshot as a cron that only enqueues', () => {
    const job = t.app.get(SchedulerRegistry).getCronJob('forecast-snapshots');
    expect(String(job.cronTime.source)).toBe('10 0 * * *');
  });

  it('keeps daily snapshots, rebuilt from history before the first one', async () => {
    const result = await t.app.get(ForecastSnapshotService).snapshot(a.workspaceId, AS_OF);
    expect(result.rebuilt).toEqual({ from: '2026-08-01', to: '2026-11-19' });
    const trends = await ok(`/v1/forecast/trends?as_of=${AS_OF}&granularity=daily`);
    expect(trends.trends).toHaveLength(51);
    // End of 10-01: everything still open pipeline (d1, d2, d4, d5, d6, d8).
    expect(trends.trends[0]).toEqual({
      date: '2026-10-01',
      closed: '0.00',
      commit: '0.00',
      best_case: '0.00',
      pipeline: '38333.33',
      source: 'rebuilt',
    });
    // End of 10-15: d1 won.
    expect(trends.trends[14]).toMatchObject({
      date: '2026-10-15',
      closed: '12345.67',
      pipeline: '28333.33',
    });
    expect(trends.trends[50]).toEqual({
      date: AS_OF,
      closed: '12345.67',
      commit: '20000.01',
      best_case: '11777.77',
      pipeline: '3500.50',
      source: 'snapshot',
    });
    const bob = await ok(
      `/v1/forecast/trends?as_of=${AS_OF}&granularity=monthly&owner_id=${users.bob}`,
    );
    expect(bob.trends.map((p: { date: string; pipeline: string }) => [p.date, p.pipeline])).toEqual(
      [
        ['2026-10-01', '12333.33'],
        // d8 moved to best case on 11-01; d4 (lost 11-02) and d5 (pushed 11-10) still count.
        ['2026-11-01', '8333.33'],
      ],
    );
    // Accuracy of Q4 seen from Q1 2027: nothing was closed or committed at the end of 09-30.
    const q1 = await ok('/v1/forecast/summary?as_of=2027-01-15');
    expect(q1.forecast_accuracy_basis).toEqual({
      period: 'Q4 2026',
      start_date: '2026-10-01',
      end_date: '2026-12-31',
      snapshot_date: '2026-09-30',
      forecast: '0.00',
      actual: '12345.67',
      accuracy: 0,
    });
    const q1Bob = await ok(`/v1/forecast/summary?as_of=2027-01-15&owner_id=${users.bob}`);
    expect(q1Bob.forecast_accuracy_basis).toMatchObject({ actual: '0.00', accuracy: null });
    // A repeated run of the same day changes nothing.
    const again = await t.app.get(ForecastSnapshotService).snapshot(a.workspaceId, AS_OF);
    expect(again.rebuilt).toBeNull();
    expect(await ok(`/v1/forecast/trends?as_of=${AS_OF}&granularity=daily`)).toEqual(trends);
  });

  it('follows the fiscal calendar setting', async () => {
    const put = await t
      .http()
      .put('/v1/forecast/settings')
      .set('X-API-Key', a.apiKey)
      .send({ fiscal_year_start_month: 2 });
    expect(put.body.data).toEqual({
      fiscal_year_start_month: 2,
      stages: [{ stage: 'Proposal', forecast_category: 'best_case', probability: '0.5000' }],
    });
    const s = await ok(`/v1/forecast/summary?as_of=${AS_OF}`);
    expect(s).toMatchObject({
      period: 'Q4 FY2027',
      start_date: '2026-11-01',
      end_date: '2027-01-31',
    });
    await t
      .http()
      .put('/v1/forecast/settings')
      .set('X-API-Key', a.apiKey)
      .send({ fiscal_year_start_month: 1 })
      .expect(200);
  });

  it('validates every parameter', async () => {
    for (const path of [
      '/v1/forecast/summary?period=last_week',
      '/v1/forecast/summary?as_of=2026-13-01',
      '/v1/forecast/summary?as_of=0000-01-15',
      '/v1/forecast/trends?as_of=2026-02-30',
      '/v1/forecast/changes?from=2026-01-01&to=2026-02-30',
      '/v1/coaching/performance?period=ytd&as_of=2026-02-30',
      '/v1/forecast/summary?owner_id=ann',
      '/v1/forecast/summary?segment=',
      '/v1/forecast/summary?foo=1',
      '/v1/forecast/trends?granularity=hourly',
      '/v1/forecast/changes?from=2026-11-02&to=2026-11-01',
      '/v1/forecast/changes?limit=0',
      '/v1/forecast/settings?x=1',
    ]) {
      const res = await get(a, path);
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({
        path,
        status: 400,
        code: 'VALIDATION_ERROR',
      });
    }
    for (const body of [
      { fiscal_year_start_month: 13 },
      { stages: [{ stage: 'X', probability: '1.5' }] },
      { stages: [{ stage: 'X', forecast_category: 'maybe' }] },
      { other: 1 },
      { stages: [{ stage: 'X' }, { stage: 'X' }] },
    ]) {
      const res = await t.http().put('/v1/forecast/settings').set('X-API-Key', a.apiKey).send(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    expect((await t.http().get('/v1/forecast/summary')).status).toBe(401);
  });

  it("keeps workspaces apart: another workspace's owner is a 404, its deals invisible", async () => {
    for (const path of [
      `/v1/forecast/summary?owner_id=${users.ann}`,
      `/v1/forecast/trends?owner_id=${users.ann}`,
      `/v1/forecast/changes?owner_id=${users.ann}`,
    ]) {
      const res = await get(b, path);
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({
        path,
        status: 404,
        code: 'NOT_FOUND',
      });
    }
    const s = await ok(`/v1/forecast/summary?as_of=${AS_OF}`, b);
    expect(Object.values(s.categories).every((c) => (c as { count: number }).count === 0)).toBe(
      true,
    );
    expect((await ok(`/v1/forecast/trends?as_of=${AS_OF}`, b)).trends).toEqual([]);
    expect((await ok('/v1/forecast/settings', b)).stages).toEqual([]);
  });
});
