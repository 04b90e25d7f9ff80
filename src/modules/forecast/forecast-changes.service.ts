import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { fromCents, toCents } from '../crm/money';
import { accountJoin, dealState, scopeFilters, stageMappingJoin } from './deal-state.sql';
import { ForecastException } from './forecast.exception';
import { ForecastReadModelService } from './forecast-read-model.service';
import { ForecastSettingsService } from './forecast-settings.service';
import { addDays, Period, PeriodName } from './fiscal-calendar';
import { AsOf, CATEGORIES, Category, ForecastScope, ForecastService } from './forecast.service';

/** Each changed deal lands in exactly one bucket, checked in this order. */
export const CHANGE_BUCKETS = [
  'created',
  'pulled_in',
  'reopened',
  'won',
  'lost',
  'pushed_out',
  'amount_changed',
  'category_changed',
] as const;
export type ChangeBucket = (typeof CHANGE_BUCKETS)[number];

interface ChangedDeal {
  id: string;
  name: string;
  owner_id: string | null;
  bucket: ChangeBucket;
  from_amount: string | null;
  from_close_date: string | null;
  from_category: Category | null;
  to_amount: string | null;
  to_close_date: string | null;
  to_category: Category | null;
  delta: string;
}

/**
 * "What changed" in a period's forecast between the ends of two days, from the stage history:
 * every deal whose contribution to the period's total (deals closing in the period, lost and
 * omitted ones excluded) differs between the two states is put in one bucket with its
 * difference, so the buckets add up exactly to the change of the total.
 */
@Injectable()
export class ForecastChangesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly settings: ForecastSettingsService,
    private readonly forecast: ForecastService,
    private readonly readModel: ForecastReadModelService,
  ) {}

  /**
   * The route: when the read models are fresh, the answer cached for this question at their
   * version (docs/FORECAST.md, "Performance"), computed and stored on a miss; otherwise computed.
   */
  async changes(
    workspaceId: string,
    name: PeriodName,
    range: { from?: string; to?: string },
    scope: ForecastScope,
    asOf: AsOf,
    limit: number,
  ) {
    return this.readModel.answer(
      workspaceId,
      'changes',
      {
        period: name,
        as_of: asOf.day,
        from: range.from ?? null,
        to: range.to ?? null,
        owner_id: scope.ownerId ?? null,
        segment: scope.segment ?? null,
        limit,
      },
      () => this.compute(workspaceId, name, range, scope, asOf, limit),
    );
  }

  /**
   * The same answer, always computed from the stage history and never cached: what a cache miss
   * costs (the bench times it with this).
   */
  async compute(
    workspaceId: string,
    name: PeriodName,
    range: { from?: string; to?: string },
    scope: ForecastScope,
    asOf: AsOf,
    limit: number,
  ) {
    const q = await this.question(workspaceId, name, range, scope, asOf);
    return this.answer(workspaceId, q.period, q.from, q.to, scope, limit);
  }

  /** Checks the owner and resolves the period and the two days compared. */
  private async question(
    workspaceId: string,
    name: PeriodName,
    range: { from?: string; to?: string },
    scope: ForecastScope,
    asOf: AsOf,
  ) {
    await this.forecast.assertOwner(workspaceId, scope.ownerId);
    const calendar = await this.settings.calendar(workspaceId);
    const period = calendar.period(name, asOf.day);
    // By default, from the period's start (the current quarter's for one not yet begun) to its
    // end or today, as the trends show it.
    const current = calendar.period('current_quarter', asOf.day);
    const start = period.start < current.start ? period.start : current.start;
    const from = range.from ?? addDays(start, -1);
    const to = range.to ?? (period.end < asOf.day ? period.end : asOf.day);
    if (from > to)
      throw new ForecastException('VALIDATION_ERROR', 'from must not be after to', [
        { field: 'from', message: 'from must be on or before to' },
      ]);
    return { period, from, to };
  }

  private async answer(
    workspaceId: string,
    period: Period,
    from: string,
    to: string,
    scope: ForecastScope,
    limit: number,
  ) {
    const f = dealState('f', 'mf');
    const t = dealState('t', 'mt');
    const params: unknown[] = [
      workspaceId,
      period.start,
      period.end,
      `${addDays(from, 1)}T00:00:00Z`,
      `${addDays(to, 1)}T00:00:00Z`,
    ];
    const filters = scopeFilters(params, scope);
    params.push(limit);
    const limitParam = `$${params.length}`;
    const state = (alias: string, instant: string) => `LEFT JOIN LATERAL (
        SELECT h.workspace_id, h.stage, h.status, h.amount, h.close_date, h.forecast_category, h.probability
          FROM opportunity_stage_history h
         WHERE h.workspace_id = $1 AND h.opportunity_id = o.id AND h.changed_at < ${instant}::timestamptz
         ORDER BY h.changed_at DESC, h.created_at DESC, h.id DESC LIMIT 1) ${alias} ON true`;
    // Only each bucket's `limit` largest deals leave the database, with each bucket's count and
    // exact sum: a period can have tens of thousands of changed deals.
    const rows: Array<
      | ({ kind: 'deal' } & ChangedDeal)
      | { kind: 'bucket'; bucket: ChangeBucket; amount: string; count: number }
      | { kind: 'from' | 'to'; category: Category; amount: string; count: number }
    > = await this.dataSource.query(
      `WITH candidates AS (
           SELECT DISTINCT opportunity_id AS id FROM opportunity_stage_history
            WHERE workspace_id = $1 AND close_date BETWEEN $2::date AND $3::date
         ), states AS (
           SELECT o.id, o.name, o.owner_id, f.status IS NOT NULL AS existed,
                  f.amount AS from_amount, f.close_date AS from_close_date, CASE WHEN f.status IS NULL THEN NULL ELSE ${f.category} END AS from_category,
                  t.amount AS to_amount, t.close_date AS to_close_date, CASE WHEN t.status IS NULL THEN NULL ELSE ${t.category} END AS to_category
             FROM candidates c
             JOIN opportunities o ON o.workspace_id = $1 AND o.id = c.id AND o.deleted_at IS NULL
             ${scope.segment ? accountJoin() : ''}
             ${state('f', '$4')}
             ${stageMappingJoin('f', 'mf')}
             ${state('t', '$5')}
             ${stageMappingJoin('t', 'mt')}
            WHERE true ${filters}
         ), contributions AS (
           SELECT s.*,
                  (from_close_date BETWEEN $2::date AND $3::date AND from_category <> 'omitted') AS in_from,
                  (to_close_date BETWEEN $2::date AND $3::date AND to_category <> 'omitted') AS in_to
             FROM states s
         ), classified AS (
           SELECT c.*,
                  CASE WHEN COALESCE(in_to, false) THEN COALESCE(to_amount, 0) ELSE 0 END
                  - CASE WHEN COALESCE(in_from, false) THEN COALESCE(from_amount, 0) ELSE 0 END AS delta,
                  CASE
                    WHEN NOT COALESCE(in_from, false) AND COALESCE(in_to, false) THEN
                      CASE WHEN NOT existed THEN 'created' WHEN from_category = 'omitted' THEN 'reopened' ELSE 'pulled_in' END
                    WHEN COALESCE(in_from, false) AND NOT COALESCE(in_to, false) THEN
                      CASE WHEN to_category = 'omitted' THEN 'lost' ELSE 'pushed_out' END
                    WHEN COALESCE(in_from, false) AND COALESCE(in_to, false) THEN
                      CASE WHEN from_category <> 'closed' AND to_category = 'closed' THEN 'won'
                           WHEN from_amount IS DISTINCT FROM to_amount THEN 'amount_changed'
                           WHEN from_category <> to_category THEN 'category_changed' END
                  END AS bucket
             FROM contributions c
         )
       SELECT 'deal' AS kind, id, name, owner_id, bucket, from_amount::text, from_close_date::text, from_category,
              to_amount::text, to_close_date::text, to_category, delta::text, NULL AS category, NULL AS amount, NULL::int AS count
         FROM (SELECT c.*, row_number() OVER (PARTITION BY bucket ORDER BY abs(delta) DESC, id) AS rank
                 FROM classified c WHERE bucket IS NOT NULL) r
        WHERE rank <= ${limitParam}
       UNION ALL
       SELECT 'bucket', NULL, NULL, NULL, bucket, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
              NULL, sum(delta)::text, count(*)::int
         FROM classified WHERE bucket IS NOT NULL GROUP BY bucket
       UNION ALL
       SELECT 'from', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
              from_category, sum(COALESCE(from_amount, 0))::text, count(*)::int
         FROM classified WHERE in_from GROUP BY from_category
       UNION ALL
       SELECT 'to', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
              to_category, sum(COALESCE(to_amount, 0))::text, count(*)::int
         FROM classified WHERE in_to GROUP BY to_category`,
      params,
    );

    const totals = { from: zero(), to: zero() };
    const buckets = Object.fromEntries(
      CHANGE_BUCKETS.map((b) => [b, { count: 0, amount: 0n, deals: [] as ChangedDeal[] }]),
    ) as Record<ChangeBucket, { count: number; amount: bigint; deals: ChangedDeal[] }>;
    for (const r of rows) {
      if (r.kind === 'deal') {
        buckets[r.bucket].deals.push(r);
      } else if (r.kind === 'bucket') {
        buckets[r.bucket].count = r.count;
        buckets[r.bucket].amount = toCents(r.amount);
      } else {
        totals[r.kind][r.category] = { amount: toCents(r.amount), count: r.count };
      }
    }
    const total = (side: 'from' | 'to') =>
      CATEGORIES.reduce((sum, c) => sum + totals[side][c].amount, 0n);
    const byMagnitude = (a: ChangedDeal, b: ChangedDeal) => {
      const d = abs(toCents(b.delta)) - abs(toCents(a.delta));
      return d > 0n ? 1 : d < 0n ? -1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    };
    const side = (s: 'from' | 'to', date: string) => ({
      date,
      total: fromCents(total(s)),
      categories: Object.fromEntries(
        CATEGORIES.filter((c) => c !== 'omitted').map((c) => [
          c,
          { amount: fromCents(totals[s][c].amount), count: totals[s][c].count },
        ]),
      ),
    });
    return {
      period: period.label,
      period_name: period.name,
      start_date: period.start,
      end_date: period.end,
      from: side('from', from),
      to: side('to', to),
      net_change: fromCents(total('to') - total('from')),
      changes: Object.fromEntries(
        CHANGE_BUCKETS.map((name) => {
          const b = buckets[name];
          return [
            name,
            {
              count: b.count,
              amount: fromCents(b.amount),
              deals: b.deals
                .sort(byMagnitude)
                .slice(0, limit)
                .map((d) => ({
                  id: d.id,
                  name: d.name,
                  owner_id: d.owner_id,
                  from: {
                    amount: d.from_amount,
                    close_date: d.from_close_date,
                    category: d.from_category,
                  },
                  to: { amount: d.to_amount, close_date: d.to_close_date, category: d.to_category },
                  change: fromCents(toCents(d.delta)),
                })),
            },
          ];
        }),
      ),
    };
  }
}

const zero = () =>
  Object.fromEntries(CATEGORIES.map((c) => [c, { amount: 0n, count: 0 }])) as Record<
    Category,
    { amount: bigint; count: number }
  >;
const abs = (v: bigint) => (v < 0n ? -v : v);
