import { DemoDataService, shiftDaysFor } from '../../src/modules/demo/demo-data.service';
import { fileTotals, readCsv } from '../support/crm-data';
import { startTestApp, TestApp } from '../support/test-app';

/** The demo data set: the export imported as it is, then enriched without touching its fields. */
describe('Demo data', () => {
  let t: TestApp;
  let summary: Awaited<ReturnType<DemoDataService['load']>>;
  const today = '2026-11-26';

  beforeAll(async () => {
    t = await startTestApp();
    summary = await t.app.get(DemoDataService).load({ today });
  });
  afterAll(() => t.close());

  const q = <T = Record<string, unknown>>(sql: string) =>
    t.dataSource.query(sql, [summary.workspaceId]) as Promise<T[]>;

  it('moves the newest date near today by whole weeks', async () => {
    expect(summary.shiftDays % 7).toBe(0);
    expect(summary.shiftDays).toBe(shiftDaysFor(today));
    expect(summary.asOf <= today).toBe(true);
    const [dates] = await q<{ newest: string; newest_activity: string }>(
      `SELECT max(close_date)::text AS newest,
              (SELECT max(occurred_at) FROM activities WHERE workspace_id = $1)::date::text AS newest_activity
         FROM opportunities WHERE workspace_id = $1 AND status <> 'open'`,
    );
    expect(dates.newest).toBe(summary.asOf);
    expect(dates.newest_activity <= summary.asOf).toBe(true);
  });

  it('keeps every field the export has exactly as in the files', async () => {
    const rows = await q<{
      external_id: string;
      stage: string;
      owner: string;
      account: string | null;
      product: string;
      amount: string | null;
    }>(
      `SELECT o.external_id, o.stage, u.name AS owner, a.name AS account, p.name AS product,
              CASE WHEN o.status = 'open' THEN NULL ELSE o.amount::text END AS amount
         FROM opportunities o JOIN crm_users u ON u.id = o.owner_id JOIN products p ON p.id = o.product_id
         LEFT JOIN accounts a ON a.id = o.account_id WHERE o.workspace_id = $1`,
    );
    const byId = new Map(rows.map((r) => [r.external_id, r]));
    const products = new Map(
      readCsv('products.csv').map((p) => [p.product.replace(/\s/g, ''), p.product]),
    );
    for (const row of readCsv('sales_pipeline.csv')) {
      const got = byId.get(row.opportunity_id)!;
      expect({
        id: row.opportunity_id,
        stage: got.stage,
        owner: got.owner,
        account: got.account,
        product: got.product,
      }).toEqual({
        id: row.opportunity_id,
        stage: row.deal_stage,
        owner: row.sales_agent,
        account: row.account || null,
        product: products.get(row.product.replace(/\s/g, '')),
      });
      if (row.close_value) expect(Number(got.amount)).toBe(Number(row.close_value));
    }
    const [sum] = await q<{ won: string }>(
      `SELECT sum(amount)::text AS won FROM opportunities WHERE workspace_id = $1 AND status = 'won'`,
    );
    expect(BigInt(Math.round(Number(sum.won) * 100))).toBe(fileTotals().won);
  });

  it('fills what the export lacks, and says which fields it generated', async () => {
    const [open] = await q<Record<string, number>>(
      `SELECT count(*)::int AS n,
              count(*) FILTER (WHERE amount IS NULL OR close_date IS NULL OR forecast_category IS NULL OR probability IS NULL)::int AS missing,
              count(*) FILTER (WHERE 'amount' = ANY(generated_fields))::int AS generated_amount
         FROM opportunities WHERE workspace_id = $1 AND status = 'open'`,
    );
    expect(open).toEqual({ n: 2089, missing: 0, generated_amount: 2089 });
    const [closed] = await q<Record<string, number>>(
      `SELECT count(*) FILTER (WHERE 'amount' = ANY(generated_fields) OR 'close_date' = ANY(generated_fields))::int AS touched
         FROM opportunities WHERE workspace_id = $1 AND status <> 'open'`,
    );
    expect(closed.touched).toBe(0);
    const categories = await q<{ forecast_category: string }>(
      `SELECT DISTINCT forecast_category FROM opportunities WHERE workspace_id = $1 AND stage = 'Engaging' ORDER BY 1`,
    );
    expect(categories.map((c) => c.forecast_category)).toEqual(['best_case', 'commit', 'pipeline']);
    expect(summary.counts.activities).toBeGreaterThan(60_000);
    expect(summary.counts.contacts).toBeGreaterThan(85 * 2);
    expect(summary.counts.quotas).toBeGreaterThanOrEqual(35 * 4);
    const [linked] = await q<Record<string, number>>(
      `SELECT count(*) FILTER (WHERE opportunity_id IS NULL)::int AS no_deal, count(*) FILTER (WHERE owner_id IS NULL)::int AS no_owner
         FROM activities WHERE workspace_id = $1`,
    );
    expect(linked).toEqual({ no_deal: 0, no_owner: 0 });
  });

  it("ends every deal's stage history in its current state", async () => {
    const [mismatch] = await q<{ n: number }>(
      `SELECT count(*)::int AS n FROM opportunities o
         JOIN LATERAL (SELECT * FROM opportunity_stage_history h WHERE h.workspace_id = o.workspace_id AND h.opportunity_id = o.id
                        ORDER BY changed_at DESC LIMIT 1) last ON true
        WHERE o.workspace_id = $1
          AND (last.stage, last.status, last.amount, last.close_date, last.forecast_category)
              IS DISTINCT FROM (o.stage, o.status, o.amount, o.close_date, o.forecast_category)`,
    );
    expect(mismatch.n).toBe(0);
  });

  it('loads again without changing anything', async () => {
    const [before] = await q<{ digest: string }>(
      `SELECT md5(string_agg(external_id || coalesce(amount::text, '') || coalesce(close_date::text, '') || coalesce(forecast_category, ''), ',' ORDER BY external_id)) AS digest
         FROM opportunities WHERE workspace_id = $1`,
    );
    const again = await t.app.get(DemoDataService).load({ today: '2026-12-24' });
    expect(again.counts).toEqual(summary.counts);
    expect(again.shiftDays).toBe(summary.shiftDays);
    const [after] = await q<{ digest: string }>(
      `SELECT md5(string_agg(external_id || coalesce(amount::text, '') || coalesce(close_date::text, '') || coalesce(forecast_category, ''), ',' ORDER BY external_id)) AS digest
         FROM opportunities WHERE workspace_id = $1`,
    );
    expect(after).toEqual(before);
    const runs = await q<{ created: number; updated: number }>(
      `SELECT created, updated FROM sync_runs WHERE workspace_id = $1 AND trigger = 'demo' ORDER BY queued_at DESC LIMIT 4`,
    );
    expect(runs.every((r) => r.created === 0 && r.updated === 0)).toBe(true);
  });
});
