import { idsOf, TestRecord, writeCrm } from '../../support/crm-records';
import { createClient, startTestApp, TestApp, TestClient } from '../../support/test-app';

const AS_OF = '2027-01-10';
const CONTACTS = ['c1', 'c2', 'c3', 'c4'];

interface Deals {
  rep: string;
  n: number;
  won: boolean;
  amount: string;
  contacts: number;
  created: string;
  close: string;
}

/**
 * A team of five with known figures for Q4 2026 (the last quarter as of 2027-01-10) and Q3:
 * r1 wins little and multi-threads poorly, r2 is the star, r5 has almost no data.
 */
const PLAN: Deals[] = [
  ...['r2', 'r3', 'r4'].flatMap((rep, i) => [
    {
      rep,
      n: 8,
      won: true,
      amount: ['5000.00', '3000.00', '2000.00'][i],
      contacts: 4,
      created: '2026-10-01',
      close: '2026-11-10',
    },
    {
      rep,
      n: 2,
      won: false,
      amount: '0.00',
      contacts: 4,
      created: '2026-10-01',
      close: '2026-11-10',
    },
    {
      rep,
      n: 5,
      won: false,
      amount: '0.00',
      contacts: 1,
      created: '2026-10-01',
      close: '2026-11-12',
    },
  ]),
  {
    rep: 'r1',
    n: 3,
    won: true,
    amount: '1000.00',
    contacts: 1,
    created: '2026-09-01',
    close: '2026-11-10',
  },
  {
    rep: 'r1',
    n: 9,
    won: false,
    amount: '0.00',
    contacts: 1,
    created: '2026-09-01',
    close: '2026-11-10',
  },
  {
    rep: 'r5',
    n: 1,
    won: true,
    amount: '500.00',
    contacts: 1,
    created: '2026-10-01',
    close: '2026-11-10',
  },
  {
    rep: 'r5',
    n: 1,
    won: false,
    amount: '0.00',
    contacts: 1,
    created: '2026-10-01',
    close: '2026-11-10',
  },
  // Q3, for the trend: attainment 0.10, 0.10, 0.24, 0.21 of a 100,000 quota.
  ...[
    ['r1', '10000.00'],
    ['r2', '10000.00'],
    ['r3', '24000.00'],
    ['r4', '21000.00'],
  ].map(([rep, amount]) => ({
    rep,
    n: 1,
    won: true,
    amount,
    contacts: 2,
    created: '2026-07-01',
    close: '2026-08-10',
  })),
];

async function seed(t: TestApp, workspaceId: string) {
  const reps = ['r1', 'r2', 'r3', 'r4', 'r5'];
  await writeCrm(t, workspaceId, 'users', [
    { externalId: 'm', fields: { name: 'Mona Manager', role: 'manager' } },
    ...reps.map((r) => ({ externalId: r, fields: { name: `Rep ${r}`, manager_external_id: 'm' } })),
  ]);
  await writeCrm(t, workspaceId, 'accounts', [{ externalId: 'acc', fields: { name: 'Acme' } }]);
  await writeCrm(
    t,
    workspaceId,
    'contacts',
    CONTACTS.map((c) => ({ externalId: c, fields: { account_external_id: 'acc', first_name: c } })),
  );
  await writeCrm(
    t,
    workspaceId,
    'quotas',
    reps.flatMap((r) =>
      [
        ['2026-07-01', '2026-09-30'],
        ['2026-10-01', '2026-12-31'],
      ].map(([start, end]) => ({
        externalId: `${r}-${start}`,
        fields: { user_external_id: r, period_start: start, period_end: end, amount: '100000.00' },
      })),
    ),
  );
  const deals: TestRecord[] = [];
  const roles: TestRecord[] = [];
  for (const [g, group] of PLAN.entries())
    for (let i = 0; i < group.n; i++) {
      const id = `${group.rep}-${g}-${i}`;
      deals.push({
        externalId: id,
        changedAt: `${group.close}T15:00:00Z`,
        fields: {
          name: id,
          owner_external_id: group.rep,
          account_external_id: 'acc',
          stage: group.won ? 'Won' : 'Lost',
          status: group.won ? 'won' : 'lost',
          amount: group.amount,
          created_date: group.created,
          close_date: group.close,
        },
      });
      for (const c of CONTACTS.slice(0, group.contacts))
        roles.push({
          externalId: `${id}-${c}`,
          fields: { opportunity_external_id: id, contact_external_id: c },
        });
    }
  await writeCrm(t, workspaceId, 'opportunities', deals);
  await writeCrm(t, workspaceId, 'opportunity_contacts', roles);
}

describe('Coaching API', () => {
  let t: TestApp;
  let a: TestClient;
  let b: TestClient;
  let ids: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    a = await createClient(t, { workspace: 'coaching-a' });
    b = await createClient(t, { workspace: 'coaching-b' });
    await seed(t, a.workspaceId);
    ids = await idsOf(t, a.workspaceId, 'crm_users');
  });
  afterAll(() => t.close());

  const get = (c: TestClient, path: string) => t.http().get(path).set('X-API-Key', c.apiKey);
  const ok = async (path: string) => {
    const res = await get(a, path);
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    return res.body.data;
  };

  it('reports each rep with rank in the team and the trend against the previous period', async () => {
    const data = await ok(`/v1/coaching/performance?period=last_quarter&as_of=${AS_OF}`);
    expect(data).toMatchObject({
      period: 'Q4 2026',
      start_date: '2026-10-01',
      end_date: '2026-12-31',
      previous_period: { start_date: '2026-07-01', end_date: '2026-09-30' },
    });
    const byName = Object.fromEntries(data.reps.map((r: { rep_name: string }) => [r.rep_name, r]));
    expect(byName['Rep r1']).toEqual({
      rep_id: ids.r1,
      rep_name: 'Rep r1',
      manager_id: ids.m,
      manager_name: 'Mona Manager',
      team: ids.m,
      metrics: {
        quota: '100000.00',
        closed_won: '3000.00',
        attainment: 0.03,
        pipeline: '0.00',
        coverage: 0,
        win_rate: 0.25,
        avg_deal_size: '1000.00',
        avg_cycle_days: 70,
        deals_won: 3,
        deals_lost: 9,
      },
      rank: 4,
      team_size: 5,
      trend: 'declining',
      previous_attainment: 0.1,
    });
    const summary = Object.fromEntries(
      data.reps.map(
        (r: { rep_name: string; rank: number; trend: string; metrics: { attainment: number } }) => [
          r.rep_name,
          [r.metrics.attainment, r.rank, r.trend],
        ],
      ),
    );
    expect(summary).toEqual({
      'Rep r1': [0.03, 4, 'declining'],
      'Rep r2': [0.4, 1, 'improving'],
      'Rep r3': [0.24, 2, 'steady'],
      // Exactly the threshold (-0.05) counts as a decline.
      'Rep r4': [0.16, 3, 'declining'],
      'Rep r5': [0.005, 5, 'steady'],
    });
    const one = await ok(
      `/v1/coaching/performance?period=last_quarter&as_of=${AS_OF}&rep_id=${ids.r2}`,
    );
    expect(one.reps).toEqual([byName['Rep r2']]);
    const team = await ok(
      `/v1/coaching/performance?period=last_quarter&as_of=${AS_OF}&manager_id=${ids.m}`,
    );
    expect(team.reps).toHaveLength(5);
    const ytd = await ok(`/v1/coaching/performance?period=ytd&as_of=2026-12-31`);
    expect(ytd.reps.find((r: { rep_id: string }) => r.rep_id === ids.r1).metrics).toMatchObject({
      closed_won: '13000.00',
      deals_won: 4,
    });
  });

  it('grounds insights in numbers, with an impact computed from the team, and none without enough data', async () => {
    const r1 = await ok(`/v1/coaching/insights/${ids.r1}?period=last_quarter&as_of=${AS_OF}`);
    expect(r1).toMatchObject({
      rep_id: ids.r1,
      rep_name: 'Rep r1',
      period: 'Q4 2026',
      generated_at: '2027-01-11T00:00:00.000Z',
      sample: {
        closed_deals: 12,
        won_deals: 3,
        team_reps: 4,
        team_closed_deals: 47,
        team_won_deals: 25,
      },
    });
    expect(r1.insights).toEqual({
      strengths: [],
      opportunities: [
        'Win rate - 25.00% of closed deals won (3 of 12) vs. 53.19% team average',
        'Multi-threading - 1.0 contacts per deal vs. 2.9 team average',
      ],
      recommendations: [
        {
          action:
            'Review the 9 lost deals of the period with your manager for a common loss reason before the next forecast call',
          impact: null,
          priority: 'high',
        },
        {
          action:
            'Engage at least 3 contacts per deal, the economic buyer among them, before the proposal',
          impact:
            'Estimated +74.12 points of win rate on deals with fewer than 3 contacts: the team wins 80.00% of deals with 3+ contacts (30 deals) vs. 5.88% with fewer (17)',
          priority: 'high',
        },
      ],
    });
    // Three won deals are below the minimum for deal size and cycle time: nothing is said about them.
    expect(r1.evidence.map((e: { metric: string }) => e.metric)).toEqual([
      'win_rate',
      'contacts_per_deal',
    ]);

    const r2 = await ok(`/v1/coaching/insights/${ids.r2}?period=last_quarter&as_of=${AS_OF}`);
    expect(r2.insights.strengths).toEqual([
      'Win rate - 53.33% of closed deals won (8 of 15) vs. 45.45% team average',
      'Deal size - $5,000.00 average won deal (8 won) vs. $2,175.00 team average',
      'Multi-threading - 3.0 contacts per deal vs. 2.4 team average',
    ]);
    expect(r2.insights.opportunities).toEqual([]);

    const r5 = await ok(`/v1/coaching/insights/${ids.r5}?period=last_quarter&as_of=${AS_OF}`);
    expect(r5.insights).toEqual({ strengths: [], opportunities: [], recommendations: [] });
    expect(r5.sample.closed_deals).toBe(2);
    expect(r5.minimums.rep_closed_deals).toBeGreaterThan(2);
  });

  it('validates its parameters', async () => {
    for (const path of [
      '/v1/coaching/performance?period=quarter',
      '/v1/coaching/performance?rep_id=r1',
      '/v1/coaching/performance?manager_id=1',
      '/v1/coaching/performance?as_of=20270110',
      '/v1/coaching/performance?sort=rank',
      '/v1/coaching/insights/not-a-uuid',
      `/v1/coaching/insights/${ids.r1}?period=next_quarter`,
      `/v1/coaching/insights/${ids.r1}?rep_id=${ids.r1}`,
    ]) {
      const res = await get(a, path);
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({
        path,
        status: 400,
        code: 'VALIDATION_ERROR',
      });
    }
    // A manager is not a rep.
    expect((await get(a, `/v1/coaching/insights/${ids.m}`)).status).toBe(404);
  });

  it("answers 404 for another workspace's rep or manager", async () => {
    for (const path of [
      `/v1/coaching/performance?rep_id=${ids.r1}`,
      `/v1/coaching/performance?manager_id=${ids.m}`,
      `/v1/coaching/insights/${ids.r1}`,
    ]) {
      const res = await get(b, path);
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({
        path,
        status: 404,
        code: 'NOT_FOUND',
      });
    }
    expect((await get(b, '/v1/coaching/performance')).body.data.reps).toEqual([]);
  });
});
