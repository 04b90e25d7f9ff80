import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { fromCents, ratio, toCents } from '../crm/money';
import { AsOf, ClockService } from './clock.service';
import {
  accountJoin,
  dealState,
  scopeFilters,
  snapshotFilters,
  stageMappingJoin,
} from './deal-state.sql';
import { ForecastException } from './forecast.exception';
import { ForecastReadModelService, monthTotalsFilters } from './forecast-read-model.service';
import { ForecastSettingsService } from './forecast-settings.service';
import { addDays, daysBetween, FiscalCalendar, Period, PeriodName } from './fiscal-calendar';
import { QuotaService } from './quota.service';

export const CATEGORIES = ['closed', 'commit', 'best_case', 'pipeline', 'omitted'] as const;
export type Category = (typeof CATEGORIES)[number];
export const OPEN_CATEGORIES: Category[] = ['commit', 'best_case', 'pipeline'];
export const PROBABILITY_SOURCES = ['crm', 'stage_mapping', 'none'] as const;

export interface ForecastScope {
  ownerId?: string;
  segment?: string;
}

export type { AsOf } from './clock.service';

/** A category total: amount (decimal string) and number of deals. */
export interface Total {
  amount: string;
  count: number;
}

interface CategoryRow {
  category: Category | null;
  source: string | null;
  count: number;
  amount: string;
  weighted: string;
}

const emptyTotals = () =>
  Object.fromEntries(CATEGORIES.map((c) => [c, { amount: '0.00', count: 0 }])) as Record<
    Category,
    Total
  >;

/**
 * The forecast summary and trends (docs/FORECAST.md has every formula). Reads the CRM tables
 * set-based with explicit workspace scoping, and the snapshot tables for history.
 */
@Injectable()
export class ForecastService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly settings: ForecastSettingsService,
    private readonly quotas: QuotaService,
    private readonly clock: ClockService,
    private readonly readModel: ForecastReadModelService,
  ) {}

  /** The explicit day, or today by the clock. */
  asOf(day?: string): AsOf {
    return this.clock.asOf(day);
  }

  async period(workspaceId: string, name: PeriodName, asOf: string): Promise<Period> {
    return (await this.settings.calendar(workspaceId)).period(name, asOf);
  }

  /** A deal owner filter must name a user of the caller's workspace: anything else is a 404. */
  async assertOwner(workspaceId: string, ownerId?: string): Promise<void> {
    if (!ownerId) return;
    const rows = await this.dataSource.query(
      `SELECT 1 FROM crm_users WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [workspaceId, ownerId],
    );
    if (rows.length === 0) throw new ForecastException('NOT_FOUND', `Owner ${ownerId} not found`);
  }

  /**
   * Category totals of the deals closing in [start, end], and the weighted pipeline by source.
   * The deals are first summed per status, stage, CRM category and whether they carry a CRM
   * probability (a handful of groups, read from a covering index), and the category and
   * probability rules are applied to those groups: sums of numerics are exact, so the amount x
   * stage probability of a group equals the sum over its deals.
   */
  async categoryTotals(
    workspaceId: string,
    start: string,
    end: string,
    scope: ForecastScope,
    fromReadModel = false,
  ) {
    const rows = fromReadModel
      ? await this.categoryRowsFromReadModel(workspaceId, start, end, scope)
      : await this.categoryRows(workspaceId, start, end, scope);
    const categories = emptyTotals();
    const sources = Object.fromEntries(
      PROBABILITY_SOURCES.map((p) => [p, { count: 0, amount: 0n, weighted: '0' }]),
    ) as Record<string, { count: number; amount: bigint; weighted: string }>;
    let weighted = '0';
    for (const r of rows) {
      if (r.category)
        categories[r.category] = { amount: fromCents(toCents(r.amount)), count: r.count };
      else if (r.source && r.source !== 'status') {
        // Only open deals have a probability source other than their status.
        sources[r.source] = { count: r.count, amount: toCents(r.amount), weighted: r.weighted };
      }
      if (r.source) weighted = addDecimal(weighted, r.weighted);
    }
    return { categories, sources, weighted };
  }

  /**
   * The same rows from the month totals read model: a period is whole months, so its deals are
   * those of its close months, already summed per category and probability source.
   */
  private categoryRowsFromReadModel(
    workspaceId: string,
    start: string,
    end: string,
    scope: ForecastScope,
  ): Promise<CategoryRow[]> {
    const params: unknown[] = [workspaceId, start, end];
    const filters = monthTotalsFilters(params, scope);
    return this.dataSource.query(
      `SELECT d.category, d.source, sum(d.deal_count)::int AS count, sum(d.amount)::text AS amount,
              COALESCE(sum(d.weighted) FILTER (WHERE d.category IN ('commit', 'best_case', 'pipeline')), 0)::text AS weighted
         FROM forecast_month_totals d
        WHERE d.workspace_id = $1 ${filters} AND d.close_month BETWEEN $2::date AND $3::date
        GROUP BY GROUPING SETS ((d.category), (d.source))`,
      params,
    );
  }

  private categoryRows(
    workspaceId: string,
    start: string,
    end: string,
    scope: ForecastScope,
  ): Promise<CategoryRow[]> {
    const s = dealState('g');
    const params: unknown[] = [workspaceId, start, end];
    const filters = scopeFilters(params, scope);
    return this.dataSource.query(
      `WITH g AS (
         SELECT o.workspace_id, o.status, o.stage, o.forecast_category,
                CASE WHEN o.probability IS NOT NULL THEN 1 END AS probability,
                count(*)::int AS count, sum(COALESCE(o.amount, 0)) AS amount,
                sum(COALESCE(o.amount, 0) * o.probability) AS crm_weighted
           FROM opportunities o ${scope.segment ? accountJoin() : ''}
          WHERE o.workspace_id = $1 AND o.deleted_at IS NULL AND o.close_date BETWEEN $2::date AND $3::date
            ${filters}
          GROUP BY o.workspace_id, o.status, o.stage, o.forecast_category, o.probability IS NOT NULL)
       SELECT d.category, d.source, sum(d.count)::int AS count, sum(d.amount)::text AS amount,
              COALESCE(sum(d.weighted) FILTER (WHERE d.category IN ('commit', 'best_case', 'pipeline')), 0)::text AS weighted
         FROM (SELECT ${s.category} AS category, ${s.probabilitySource} AS source, g.count, g.amount,
                      CASE WHEN g.status = 'won' THEN g.amount WHEN g.status = 'lost' THEN 0
                           WHEN g.probability IS NOT NULL THEN g.crm_weighted ELSE g.amount * m.probability END AS weighted
                 FROM g ${stageMappingJoin('g')}) d
        GROUP BY GROUPING SETS ((d.category), (d.source))`,
      params,
    );
  }

  /**
   * The route: cached per question while the read models are fresh (docs/FORECAST.md,
   * "Performance"); a hit is one query. `updated_at` (the request's instant) is never cached.
   */
  async summary(workspaceId: string, name: PeriodName, scope: ForecastScope, asOf: AsOf) {
    return this.readModel.answer(
      workspaceId,
      'summary',
      {
        period: name,
        as_of: asOf.day,
        owner_id: scope.ownerId ?? null,
        segment: scope.segment ?? null,
      },
      () => this.computeSummary(workspaceId, name, scope, asOf.day),
      { updated_at: asOf.instant },
    );
  }

  /** The summary without `updated_at`, computed: what a cache miss costs. */
  async computeSummary(workspaceId: string, name: PeriodName, scope: ForecastScope, day: string) {
    await this.assertOwner(workspaceId, scope.ownerId);
    const calendar = await this.settings.calendar(workspaceId);
    const period = calendar.period(name, day);
    // The read models when they are fresh (docs/FORECAST.md, "Performance"), else the deals.
    const fresh = (await this.readModel.state(workspaceId)) !== null;
    const { categories, sources, weighted } = await this.categoryTotals(
      workspaceId,
      period.start,
      period.end,
      scope,
      fresh,
    );
    const quota = await this.quotaInScope(workspaceId, period, scope);
    const closed = toCents(categories.closed.amount);
    const open = OPEN_CATEGORIES.reduce((sum, c) => sum + toCents(categories[c].amount), 0n);
    const accuracy = await this.accuracy(workspaceId, calendar, period, scope, day, fresh);
    return {
      period: period.label,
      period_name: period.name,
      start_date: period.start,
      end_date: period.end,
      as_of: day,
      quota: quota === null ? null : fromCents(quota),
      categories,
      metrics: {
        attainment: quota === null ? null : ratio(closed, quota),
        coverage: quota === null || quota - closed <= 0n ? null : ratio(open, quota - closed),
        weighted_pipeline: roundDecimal(weighted),
        forecast_accuracy: accuracy?.accuracy ?? null,
      },
      weighted_pipeline_sources: Object.fromEntries(
        PROBABILITY_SOURCES.map((p) => [
          p,
          {
            count: sources[p].count,
            amount: fromCents(sources[p].amount),
            weighted: roundDecimal(sources[p].weighted),
          },
        ]),
      ),
      forecast_accuracy_basis: accuracy,
    };
  }

  /** Sum of the quotas in scope; none when filtering by segment (quotas belong to people). */
  private async quotaInScope(
    workspaceId: string,
    period: Period,
    scope: ForecastScope,
  ): Promise<bigint | null> {
    if (scope.segment) return null;
    const byUser = await this.quotas.byUser(workspaceId, period.start, period.end);
    if (scope.ownerId) return byUser.has(scope.ownerId) ? toCents(byUser.get(scope.ownerId)) : null;
    if (byUser.size === 0) return null;
    return [...byUser.values()].reduce((sum, v) => sum + toCents(v), 0n);
  }

  /**
   * 1 - |forecast - actual| / actual for the last completed period of the same length: the
   * forecast is closed + commit in the snapshot of the day before that period began, the actual
   * its closed-won amount today.
   */
  private async accuracy(
    workspaceId: string,
    calendar: FiscalCalendar,
    period: Period,
    scope: ForecastScope,
    asOfDay: string,
    fromReadModel: boolean,
  ) {
    const last = calendar.lastCompleted(period, asOfDay);
    const snapshotDate = addDays(last.start, -1);
    const [day] = await this.dataSource.query(
      `SELECT 1 FROM forecast_snapshot_days WHERE workspace_id = $1 AND snapshot_date = $2`,
      [workspaceId, snapshotDate],
    );
    if (!day) return null;
    const params: unknown[] = [workspaceId, snapshotDate, last.start, last.end];
    const filters = snapshotFilters(params, scope);
    const [f] = await this.dataSource.query(
      `SELECT COALESCE(sum(amount), 0)::text AS forecast FROM forecast_snapshots
        WHERE workspace_id = $1 AND snapshot_date = $2 AND close_month BETWEEN $3::date AND $4::date
          AND category IN ('closed', 'commit') ${filters}`,
      params,
    );
    const wonParams: unknown[] = [workspaceId, last.start, last.end];
    // Won deals are exactly those of category closed; the period is whole months.
    const [won] = fromReadModel
      ? await this.dataSource.query(
          `SELECT COALESCE(sum(d.amount), 0)::text AS amount FROM forecast_month_totals d
            WHERE d.workspace_id = $1 ${monthTotalsFilters(wonParams, scope)}
              AND d.close_month BETWEEN $2::date AND $3::date AND d.category = 'closed'`,
          wonParams,
        )
      : await this.dataSource.query(
          `SELECT COALESCE(sum(o.amount), 0)::text AS amount
             FROM opportunities o ${scope.segment ? accountJoin() : ''}
            WHERE o.workspace_id = $1 AND o.deleted_at IS NULL AND o.status = 'won'
              AND o.close_date BETWEEN $2::date AND $3::date ${scopeFilters(wonParams, scope)}`,
          wonParams,
        );
    const actual = toCents(won.amount);
    const forecast = toCents(f.forecast);
    const miss = forecast > actual ? forecast - actual : actual - forecast;
    return {
      period: last.label,
      start_date: last.start,
      end_date: last.end,
      snapshot_date: snapshotDate,
      forecast: fromCents(forecast),
      actual: fromCents(actual),
      accuracy: actual === 0n ? null : ratio(actual - miss, actual),
    };
  }

  /** The stored snapshots of a period's deals, one point per day, week or month. */
  async trends(
    workspaceId: string,
    name: PeriodName,
    granularity: 'daily' | 'weekly' | 'monthly',
    scope: ForecastScope,
    asOf: AsOf,
  ) {
    // Cached per question while the read models are fresh; the snapshot job invalidates it.
    return this.readModel.answer(
      workspaceId,
      'trends',
      {
        period: name,
        as_of: asOf.day,
        granularity,
        owner_id: scope.ownerId ?? null,
        segment: scope.segment ?? null,
      },
      () => this.computeTrends(workspaceId, name, granularity, scope, asOf.day),
    );
  }

  /** The trends answer, computed: what a cache miss costs. */
  async computeTrends(
    workspaceId: string,
    name: PeriodName,
    granularity: 'daily' | 'weekly' | 'monthly',
    scope: ForecastScope,
    day: string,
  ) {
    await this.assertOwner(workspaceId, scope.ownerId);
    const calendar = await this.settings.calendar(workspaceId);
    const period = calendar.period(name, day);
    const current = calendar.period('current_quarter', day);
    // A period that has not begun is shown from the start of the current quarter.
    const seriesStart = period.start < current.start ? period.start : current.start;
    const seriesEnd = period.end < day ? period.end : day;
    return this.trendPoints(workspaceId, period, granularity, scope, seriesStart, seriesEnd);
  }

  private async trendPoints(
    workspaceId: string,
    period: Period,
    granularity: 'daily' | 'weekly' | 'monthly',
    scope: ForecastScope,
    seriesStart: string,
    seriesEnd: string,
  ) {
    const days: Array<{ date: string; rebuilt: boolean }> = await this.dataSource.query(
      `SELECT snapshot_date::text AS date, rebuilt FROM forecast_snapshot_days
        WHERE workspace_id = $1 AND snapshot_date BETWEEN $2::date AND $3::date ORDER BY snapshot_date`,
      [workspaceId, seriesStart, seriesEnd],
    );
    const bucket = (d: string) =>
      granularity === 'daily'
        ? d
        : granularity === 'weekly'
          ? String(Math.floor(daysBetween(seriesStart, d) / 7))
          : d.slice(0, 7);
    const chosen = new Map<string, { date: string; rebuilt: boolean }>();
    for (const d of days) if (!chosen.has(bucket(d.date))) chosen.set(bucket(d.date), d);
    const points = [...chosen.values()];
    const params: unknown[] = [workspaceId, points.map((p) => p.date), period.start, period.end];
    const filters = snapshotFilters(params, scope);
    const rows: Array<{ date: string; category: Category; amount: string; count: number }> =
      points.length === 0
        ? []
        : await this.dataSource.query(
            `SELECT snapshot_date::text AS date, category, sum(amount)::text AS amount, sum(deal_count)::int AS count
               FROM forecast_snapshots
              WHERE workspace_id = $1 AND snapshot_date = ANY($2::date[])
                AND close_month BETWEEN $3::date AND $4::date ${filters}
              GROUP BY snapshot_date, category`,
            params,
          );
    const byDate = new Map<string, Map<string, string>>();
    for (const r of rows) {
      if (!byDate.has(r.date)) byDate.set(r.date, new Map());
      byDate.get(r.date)!.set(r.category, r.amount);
    }
    return {
      period: period.label,
      period_name: period.name,
      start_date: period.start,
      end_date: period.end,
      granularity,
      trends: points.map((p) => {
        const values = byDate.get(p.date);
        const amount = (c: Category) => fromCents(toCents(values?.get(c) ?? '0'));
        return {
          date: p.date,
          closed: amount('closed'),
          commit: amount('commit'),
          best_case: amount('best_case'),
          pipeline: amount('pipeline'),
          source: p.rebuilt ? 'rebuilt' : 'snapshot',
        };
      }),
    };
  }
}

/** Exact sum of two decimal strings of any scale (weighted amounts carry 6 decimals). */
function addDecimal(a: string, b: string): string {
  const scale = (s: string) => (s.includes('.') ? s.split('.')[1].length : 0);
  const places = Math.max(scale(a), scale(b));
  const big = (s: string) => {
    const [i, f = ''] = s.replace('-', '').split('.');
    const v = BigInt(i + f.padEnd(places, '0'));
    return s.startsWith('-') ? -v : v;
  };
  const sum = big(a) + big(b);
  if (places === 0) return sum.toString();
  const abs = (sum < 0n ? -sum : sum).toString().padStart(places + 1, '0');
  return `${sum < 0n ? '-' : ''}${abs.slice(0, -places)}.${abs.slice(-places)}`;
}

/** A decimal string of any scale rounded to cents. */
function roundDecimal(value: string): string {
  return fromCents(toCents(value));
}
