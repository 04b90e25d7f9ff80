import { DemoDataService } from '../../../src/modules/demo/demo-data.service';
import { ForecastSnapshotService } from '../../../src/modules/forecast/forecast-snapshot.service';
import { readCsv } from '../../support/crm-data';
import { createClient, startTestApp, TestApp, TestClient } from '../../support/test-app';
import { waitFor } from '../../support/wait';

const DAY = 86_400_000;
const shift = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
const quarterOf = (date: string) => {
  const q = Math.floor((Number(date.slice(5, 7)) - 1) / 3);
  const start = `${date.slice(0, 4)}-${String(q * 3 + 1).padStart(2, '0')}-01`;
  return { key: `${date.slice(0, 4)}Q${q + 1}`, start };
};
/** Integer ratio rounded half up, as an independent check of the API's rounding. */
const rounded = (n: bigint, d: bigint, places: number) => {
  const scale = 10n ** BigInt(places);
  return Number((2n * n * scale + d) / (2n * d)) / Number(scale);
};
const cents = (v: string) => BigInt(Math.round(Number(v) * 100));
const money = (c: bigint) => `${c / 100n}.${String(c % 100n).padStart(2, '0')}`;

/**
 * Forecast and coaching on the imported CRM data set (the demo load: the CSV export through the
 * CSV engine, dates shifted by whole weeks, plus the seeded enrichment).
 */
describe('Forecast and coaching on the CRM data set', () => {
  let t: TestApp;
  let client: TestClient;
  let asOf: string;
  let shiftDays: number;
  const today = '2026-11-26';

  beforeAll(async () => {
    t = await startTestApp();
    const summary = await t.app.get(DemoDataService).load({ today });
    asOf = summary.asOf;
    shiftDays = summary.shiftDays;
    // The demo loads into the default workspace; a client of that workspace reads it.
    const [ws] = await t.dataSource.query(`SELECT slug FROM workspaces WHERE id = $1`, [
      summary.workspaceId,
    ]);
    client = await createClient(t, { workspace: ws.slug });
  }, 180_000);
  afterAll(() => t.close());

  const get = async (path: string) => {
    const res = await t.http().get(path).set('X-API-Key', client.apiKey);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data;
  };

  it('per rep and quarter, won amount, win rate, deal size and cycle days recomputed from the CSV file equal the API', async () => {
    type Acc = { won: bigint; wonCount: bigint; lost: bigint; cycle: bigint; cycleCount: bigint };
    const expected = new Map<string, Map<string, Acc>>();
    const quarterStarts = new Map<string, string>();
    for (const row of readCsv('sales_pipeline.csv')) {
      if (row.deal_stage !== 'Won' && row.deal_stage !== 'Lost') continue;
      const close = shift(row.close_date, shiftDays);
      const q = quarterOf(close);
      quarterStarts.set(q.key, q.start);
      const byRep = expected.get(q.key) ?? new Map<string, Acc>();
      expected.set(q.key, byRep);
      const acc = byRep.get(row.sales_agent) ?? {
        won: 0n,
        wonCount: 0n,
        lost: 0n,
        cycle: 0n,
        cycleCount: 0n,
      };
      byRep.set(row.sales_agent, acc);
      if (row.deal_stage === 'Lost') {
        acc.lost += 1n;
        continue;
      }
      acc.won += cents(row.close_value);
      acc.wonCount += 1n;
      if (row.engage_date) {
        const engaged = shift(row.engage_date, shiftDays);
        acc.cycle += BigInt((Date.parse(close) - Date.parse(engaged)) / DAY);
        acc.cycleCount += 1n;
      }
    }
    expect(expected.size).toBeGreaterThanOrEqual(4);
    let compared = 0;
    for (const [quarter, byRep] of expected) {
      // Any day inside the quarter makes it the "current quarter".
      const data = await get(
        `/v1/coaching/performance?period=current_quarter&as_of=${shift(quarterStarts.get(quarter)!, 20)}`,
      );
      const api = new Map<string, { metrics: Record<string, unknown> }>(
        data.reps.map((r: { rep_name: string }) => [r.rep_name, r]),
      );
      for (const [rep, acc] of byRep) {
        const got = api.get(rep)!.metrics;
        const closed = acc.wonCount + acc.lost;
        expect({ quarter, rep, ...got }).toMatchObject({
          quarter,
          rep,
          closed_won: money(acc.won),
          deals_won: Number(acc.wonCount),
          deals_lost: Number(acc.lost),
          win_rate: rounded(acc.wonCount, closed, 4),
          avg_deal_size:
            acc.wonCount === 0n ? null : money((2n * acc.won + acc.wonCount) / (2n * acc.wonCount)),
          avg_cycle_days: acc.cycleCount === 0n ? null : rounded(acc.cycle, acc.cycleCount, 1),
        });
        compared++;
      }
      // Reps without a closed deal in the quarter show zeros, not invented figures.
      for (const [name, r] of api)
        if (!byRep.has(name))
          expect(r.metrics).toMatchObject({
            closed_won: '0.00',
            deals_won: 0,
            deals_lost: 0,
            win_rate: null,
          });
    }
    expect(compared).toBeGreaterThan(100);
  });

  it("adds every period's categories up to the deals closing in it", async () => {
    for (const period of ['current_quarter', 'next_quarter', 'last_quarter', 'current_year']) {
      const s = await get(`/v1/forecast/summary?period=${period}&as_of=${asOf}`);
      const [db] = await t.dataSource.query(
        `SELECT count(*)::int AS n, COALESCE(sum(amount), 0)::text AS amount FROM opportunities
          WHERE workspace_id = $1 AND deleted_at IS NULL AND close_date BETWEEN $2 AND $3`,
        [client.workspaceId, s.start_date, s.end_date],
      );
      const cats = Object.values(s.categories) as Array<{ amount: string; count: number }>;
      expect(cats.reduce((n, c) => n + c.count, 0)).toBe(db.n);
      expect(money(cats.reduce((n, c) => n + cents(c.amount), 0n))).toBe(money(cents(db.amount)));
      expect(db.n).toBeGreaterThan(0);
    }
  });

  it('rebuilds trends for the imported history from stage history, then grows by a snapshot a day', async () => {
    const snapshots = t.app.get(ForecastSnapshotService);
    const taken = (date: string) =>
      waitFor(
        async () => {
          const [row] = await t.dataSource.query(
            `SELECT rebuilt FROM forecast_snapshot_days WHERE workspace_id = $1 AND snapshot_date = $2`,
            [client.workspaceId, date],
          );
          return row && row.rebuilt === false;
        },
        `the snapshot of ${date}`,
        170_000,
      );
    expect((await snapshots.enqueueAll(asOf)).length).toBeGreaterThan(0);
    await taken(asOf);

    const trends = await get(
      `/v1/forecast/trends?period=current_quarter&granularity=daily&as_of=${asOf}`,
    );
    const days = Math.round((Date.parse(asOf) - Date.parse(trends.start_date)) / DAY) + 1;
    expect(trends.trends).toHaveLength(days);
    expect(trends.trends[0].date).toBe(trends.start_date);
    expect(
      trends.trends.slice(0, -1).every((p: { source: string }) => p.source === 'rebuilt'),
    ).toBe(true);
    const last = trends.trends.at(-1);
    expect(last).toMatchObject({ date: asOf, source: 'snapshot' });
    // The stored snapshot of today equals the live summary.
    const summary = await get(`/v1/forecast/summary?period=current_quarter&as_of=${asOf}`);
    for (const c of ['closed', 'commit', 'best_case', 'pipeline'])
      expect({ c, amount: last[c] }).toEqual({ c, amount: summary.categories[c].amount });
    // The history moved: the quarter's forecast was not the same every day.
    expect(
      new Set(trends.trends.map((p: { pipeline: string }) => p.pipeline)).size,
    ).toBeGreaterThan(5);

    const weekly = await get(`/v1/forecast/trends?period=current_quarter&as_of=${asOf}`);
    expect(weekly.granularity).toBe('weekly');
    expect(weekly.trends.map((p: { date: string }) => p.date)).toEqual(
      trends.trends
        .map((p: { date: string }) => p.date)
        .filter((_: string, i: number) => i % 7 === 0),
    );
    const monthly = await get(
      `/v1/forecast/trends?period=current_year&granularity=monthly&as_of=${asOf}`,
    );
    expect(monthly.trends.map((p: { date: string }) => p.date.slice(8))).toEqual(
      monthly.trends.map(() => '01'),
    );
    expect(monthly.trends.length).toBe(Number(asOf.slice(5, 7)));

    // Accuracy of the last completed quarter, from the rebuilt snapshot of the day before it began.
    const basis = summary.forecast_accuracy_basis;
    expect(basis).toMatchObject({ period: expect.stringMatching(/^Q\d \d{4}$/) });
    const f = cents(basis.forecast);
    const a = cents(basis.actual);
    expect(a).toBeGreaterThan(0n);
    const miss = f > a ? f - a : a - f;
    expect(summary.metrics.forecast_accuracy).toBe(rounded(a - miss, a, 4));

    // The next day's job adds exactly one point.
    const tomorrow = shift(asOf, 1);
    await snapshots.enqueueAll(tomorrow);
    await taken(tomorrow);
    const grown = await get(
      `/v1/forecast/trends?period=current_quarter&granularity=daily&as_of=${tomorrow}`,
    );
    expect(grown.trends).toHaveLength(trends.trends.length + 1);
    expect(grown.trends.slice(0, -1)).toEqual(trends.trends);
    expect(grown.trends.at(-1)).toMatchObject({ date: tomorrow, source: 'snapshot' });
  }, 180_000);

  it('reconciles the changes view to the cent with the two totals', async () => {
    const summary = await get(`/v1/forecast/summary?period=current_quarter&as_of=${asOf}`);
    const liveTotal = ['closed', 'commit', 'best_case', 'pipeline'].reduce(
      (n, c) => n + cents(summary.categories[c].amount),
      0n,
    );
    for (const range of [
      '',
      `&from=${shift(summary.start_date, 10)}`,
      `&from=${shift(asOf, -7)}&to=${shift(asOf, -1)}`,
    ]) {
      const c = await get(`/v1/forecast/changes?period=current_quarter&as_of=${asOf}${range}`);
      const buckets = Object.values(c.changes) as Array<{
        amount: string;
        count: number;
        deals: Array<{ change: string }>;
      }>;
      const sum = buckets.reduce((n, b) => n + cents(b.amount), 0n);
      expect(money(sum)).toBe(c.net_change);
      expect(cents(c.to.total) - cents(c.from.total)).toBe(cents(c.net_change));
      for (const b of buckets)
        if (b.count <= 50)
          expect(money(b.deals.reduce((n, d) => n + cents(d.change), 0n))).toBe(
            money(cents(b.amount)),
          );
      expect(buckets.reduce((n, b) => n + b.count, 0)).toBeGreaterThan(0);
      if (range === '') {
        // The history's state today is the live one.
        expect(cents(c.to.total)).toBe(liveTotal);
        expect(c.from.date).toBe(shift(summary.start_date, -1));
      }
    }
  });

  it('never cites a number in the insights that the performance endpoint contradicts', async () => {
    let cited = 0;
    for (const period of ['current_quarter', 'last_quarter', 'ytd']) {
      const perf = await get(`/v1/coaching/performance?period=${period}&as_of=${asOf}`);
      type Row = { rep_id: string; team: string; metrics: Record<string, string | number | null> };
      for (const rep of perf.reps as Row[]) {
        const insights = await get(
          `/v1/coaching/insights/${rep.rep_id}?period=${period}&as_of=${asOf}`,
        );
        const mates = (perf.reps as Row[]).filter(
          (r) => r.team === rep.team && r.rep_id !== rep.rep_id,
        );
        const won = mates.reduce((n, r) => n + BigInt(r.metrics.deals_won as number), 0n);
        const lost = mates.reduce((n, r) => n + BigInt(r.metrics.deals_lost as number), 0n);
        const wonAmount = mates.reduce((n, r) => n + cents(r.metrics.closed_won as string), 0n);
        for (const e of insights.evidence) {
          expect([...insights.insights.strengths, ...insights.insights.opportunities]).toContain(
            e.text,
          );
          if (e.metric === 'win_rate') {
            expect(e.rep_value).toBe(rep.metrics.win_rate);
            expect(e.team_value).toBe(rounded(won, won + lost, 4));
            expect(e.text).toContain(
              `${(Math.round((e.rep_value as number) * 10000) / 100).toFixed(2)}%`,
            );
            cited++;
          }
          if (e.metric === 'avg_deal_size') {
            expect(e.rep_value).toBe(rep.metrics.avg_deal_size);
            expect(e.team_value).toBe(money((2n * wonAmount + won) / (2n * won)));
            cited++;
          }
          if (e.metric === 'avg_cycle_days') {
            expect(e.rep_value).toBe(rep.metrics.avg_cycle_days);
            expect(e.text).toContain(`${(e.rep_value as number).toFixed(1)} days`);
            cited++;
          }
          expect(e.rep_sample).toBeGreaterThanOrEqual(insights.minimums.rep_won_deals);
        }
        if (insights.sample.closed_deals < insights.minimums.rep_closed_deals)
          expect(
            insights.evidence.filter(
              (e: { metric: string }) =>
                e.metric !== 'avg_deal_size' && e.metric !== 'avg_cycle_days',
            ),
          ).toEqual([]);
      }
    }
    expect(cited).toBeGreaterThan(0);
    // Deterministic: the same question gives the same answer, generated_at included.
    const rep = (await get(`/v1/coaching/performance?as_of=${asOf}`)).reps[0].rep_id;
    const path = `/v1/coaching/insights/${rep}?period=ytd&as_of=${asOf}`;
    expect(await get(path)).toEqual(await get(path));
  }, 120_000);
});
