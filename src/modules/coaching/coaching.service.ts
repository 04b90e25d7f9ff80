import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { divideCents, fromCents, ratio, toCents } from '../crm/money';
import { dealState, stageMappingJoin } from '../forecast/deal-state.sql';
import { addDays, COACHING_PERIODS, daysBetween, Period } from '../forecast/fiscal-calendar';
import { ForecastReadModelService } from '../forecast/forecast-read-model.service';
import { ForecastSettingsService } from '../forecast/forecast-settings.service';
import { QuotaService } from '../forecast/quota.service';
import { CoachingException } from './coaching.exception';

export type CoachingPeriod = (typeof COACHING_PERIODS)[number];
export type Trend = 'improving' | 'declining' | 'steady';

/** Attainment moving by at least this much (5 points) against the previous period is a trend. */
export const TREND_THRESHOLD = 0.05;

export interface Rep {
  id: string;
  name: string;
  manager_id: string | null;
  manager_name: string | null;
  team: string;
}

/** One rep's raw figures in a window: integer counts and cents, before any rounding. */
export interface RepFigures {
  quota: bigint | null;
  wonAmount: bigint;
  won: number;
  lost: number;
  pipeline: bigint;
  cycleDays: number;
  cycleDeals: number;
}

export interface RepPerformance {
  rep_id: string;
  rep_name: string;
  manager_id: string | null;
  manager_name: string | null;
  team: string;
  metrics: {
    quota: string | null;
    closed_won: string;
    attainment: number | null;
    pipeline: string;
    coverage: number | null;
    win_rate: number | null;
    avg_deal_size: string | null;
    avg_cycle_days: number | null;
    deals_won: number;
    deals_lost: number;
  };
  rank: number;
  team_size: number;
  trend: Trend | null;
  previous_attainment: number | null;
}

interface FigureRow {
  owner_id: string;
  won: number;
  lost: number;
  won_amount: string;
  pipeline: string;
  cycle_days: number;
  cycle_deals: number;
}

const EMPTY: Omit<RepFigures, 'quota'> = {
  wonAmount: 0n,
  won: 0,
  lost: 0,
  pipeline: 0n,
  cycleDays: 0,
  cycleDeals: 0,
};

/** Rounds a ratio of integers to one decimal (half away from zero), for day averages. */
export const oneDecimal = (sum: number, n: number): number | null =>
  ratio(BigInt(sum), BigInt(n), 1);

/**
 * Rep performance (docs/COACHING.md): per rep and period, quota, closed won, attainment,
 * pipeline, coverage, win rate, average deal size and cycle, rank by attainment in the team and
 * the trend against the previous period at the same point.
 */
@Injectable()
export class CoachingService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly settings: ForecastSettingsService,
    private readonly quotas: QuotaService,
    private readonly readModel: ForecastReadModelService,
  ) {}

  /** Whether the read models may answer for the workspace now (docs/FORECAST.md, "Performance"). */
  async fresh(workspaceId: string): Promise<boolean> {
    return (await this.readModel.state(workspaceId)) !== null;
  }

  async window(workspaceId: string, name: CoachingPeriod, asOf: string) {
    const calendar = await this.settings.calendar(workspaceId);
    const period = calendar.period(name, asOf);
    // The previous period up to the same point: as many days into it as this one has run.
    const elapsed = daysBetween(period.start, period.end < asOf ? period.end : asOf);
    const full = calendar.previous(period);
    const previousEnd = addDays(full.start, elapsed);
    const previous = { ...full, end: previousEnd < full.end ? previousEnd : full.end };
    return { period, previous, previousQuota: name === 'ytd' ? previous : full };
  }

  /** Every rep of the workspace (role rep), with manager and team (manager, else team name). */
  async reps(workspaceId: string): Promise<Rep[]> {
    return this.dataSource.query(
      `SELECT u.id, u.name, u.manager_id, m.name AS manager_name,
              COALESCE(u.manager_id::text, u.team, '') AS team
         FROM crm_users u LEFT JOIN crm_users m ON m.workspace_id = u.workspace_id AND m.id = u.manager_id
        WHERE u.workspace_id = $1 AND u.role = 'rep' AND u.deleted_at IS NULL
        ORDER BY u.name, u.id`,
      [workspaceId],
    );
  }

  /**
   * Each owner's figures for deals closing in [start, end] and quotas of [quotaStart, quotaEnd].
   * With `owners` (the read models are fresh), only those owners' deal figures, from the reps'
   * running totals: the row at the window's last day minus the row before its first.
   */
  async figures(
    workspaceId: string,
    period: Pick<Period, 'start' | 'end'>,
    quotaWindow: Pick<Period, 'start' | 'end'> = period,
    owners?: string[],
  ): Promise<Map<string, RepFigures>> {
    const rows = owners
      ? await this.figureRowsFromReadModel(workspaceId, period, owners)
      : await this.figureRows(workspaceId, period);
    const quotas = await this.quotas.byUser(workspaceId, quotaWindow.start, quotaWindow.end);
    const out = new Map<string, RepFigures>();
    for (const [userId, amount] of quotas) out.set(userId, { ...EMPTY, quota: toCents(amount) });
    for (const r of rows)
      out.set(r.owner_id, {
        quota: out.get(r.owner_id)?.quota ?? null,
        wonAmount: toCents(r.won_amount),
        won: r.won,
        lost: r.lost,
        pipeline: toCents(r.pipeline),
        cycleDays: r.cycle_days,
        cycleDeals: r.cycle_deals,
      });
    return out;
  }

  private figureRowsFromReadModel(
    workspaceId: string,
    period: Pick<Period, 'start' | 'end'>,
    owners: string[],
  ): Promise<FigureRow[]> {
    const diff = (c: string, cast: string) => `(e.${c} - COALESCE(b.${c}, 0))::${cast} AS ${c}`;
    const at = (op: string) => `(SELECT r.* FROM coaching_rep_days r
        WHERE r.workspace_id = $1 AND r.owner_id = u.owner_id AND r.close_date ${op}
        ORDER BY r.close_date DESC LIMIT 1)`;
    return this.dataSource.query(
      `SELECT u.owner_id, ${diff('won', 'int')}, ${diff('lost', 'int')}, ${diff('won_amount', 'text')},
              ${diff('pipeline', 'text')}, ${diff('cycle_days', 'int')}, ${diff('cycle_deals', 'int')}
         FROM unnest($4::uuid[]) AS u(owner_id)
         JOIN LATERAL ${at('<= $3::date')} e ON true
         LEFT JOIN LATERAL ${at('< $2::date')} b ON true
        WHERE e.deals > COALESCE(b.deals, 0)`,
      [workspaceId, period.start, period.end, owners],
    );
  }

  private figureRows(
    workspaceId: string,
    period: Pick<Period, 'start' | 'end'>,
  ): Promise<FigureRow[]> {
    // Summed per owner, status, stage and CRM category first (from a covering index), so the
    // category rule runs on a few groups instead of every deal.
    const s = dealState('g');
    return this.dataSource.query(
      `WITH g AS (
         SELECT o.workspace_id, o.owner_id, o.status, o.stage, o.forecast_category, count(*)::int AS count,
                sum(o.amount) AS amount,
                sum(o.close_date - o.created_date) FILTER (WHERE o.created_date IS NOT NULL) AS cycle_days,
                count(*) FILTER (WHERE o.created_date IS NOT NULL)::int AS cycle_deals
           FROM opportunities o
          WHERE o.workspace_id = $1 AND o.deleted_at IS NULL AND o.owner_id IS NOT NULL
            AND o.close_date BETWEEN $2::date AND $3::date
          GROUP BY o.workspace_id, o.owner_id, o.status, o.stage, o.forecast_category)
       SELECT g.owner_id,
              COALESCE(sum(g.count) FILTER (WHERE g.status = 'won'), 0)::int AS won,
              COALESCE(sum(g.count) FILTER (WHERE g.status = 'lost'), 0)::int AS lost,
              COALESCE(sum(g.amount) FILTER (WHERE g.status = 'won'), 0)::text AS won_amount,
              COALESCE(sum(g.amount) FILTER (WHERE g.status = 'open' AND ${s.category} <> 'omitted'), 0)::text AS pipeline,
              COALESCE(sum(g.cycle_days) FILTER (WHERE g.status = 'won'), 0)::int AS cycle_days,
              COALESCE(sum(g.cycle_deals) FILTER (WHERE g.status = 'won'), 0)::int AS cycle_deals
         FROM g ${stageMappingJoin('g')}
        GROUP BY g.owner_id`,
      [workspaceId, period.start, period.end],
    );
  }

  /**
   * The route: cached per question while the read models are fresh (docs/FORECAST.md,
   * "Performance"); a hit is one query and returns the stored JSON text.
   */
  performance(
    workspaceId: string,
    name: CoachingPeriod,
    filter: { repId?: string; managerId?: string },
    asOf: string,
  ) {
    return this.readModel.answer(
      workspaceId,
      'coaching.performance',
      {
        period: name,
        as_of: asOf,
        rep_id: filter.repId ?? null,
        manager_id: filter.managerId ?? null,
      },
      () => this.computePerformance(workspaceId, name, filter, asOf),
    );
  }

  /** The performance answer, computed: what a cache miss costs. */
  async computePerformance(
    workspaceId: string,
    name: CoachingPeriod,
    filter: { repId?: string; managerId?: string },
    asOf: string,
  ) {
    const reps = await this.reps(workspaceId);
    if (filter.repId && !reps.some((r) => r.id === filter.repId))
      throw new CoachingException('NOT_FOUND', `Rep ${filter.repId} not found`);
    if (filter.managerId) {
      const [manager] = await this.dataSource.query(
        `SELECT 1 FROM crm_users WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL`,
        [workspaceId, filter.managerId],
      );
      if (!manager)
        throw new CoachingException('NOT_FOUND', `Manager ${filter.managerId} not found`);
    }
    const { period, previous, previousQuota } = await this.window(workspaceId, name, asOf);
    // Only reps' figures are reported, so the read models need only theirs.
    const owners = (await this.fresh(workspaceId)) ? reps.map((r) => r.id) : undefined;
    const now = await this.figures(workspaceId, period, period, owners);
    const before = await this.figures(workspaceId, previous, previousQuota, owners);
    const all = reps.map((rep) => performanceOf(rep, now.get(rep.id), before.get(rep.id)));
    rankWithinTeams(all);
    return {
      period: period.label,
      period_name: period.name,
      start_date: period.start,
      end_date: period.end,
      previous_period: { start_date: previous.start, end_date: previous.end },
      reps: all.filter(
        (r) =>
          (!filter.repId || r.rep_id === filter.repId) &&
          (!filter.managerId || r.manager_id === filter.managerId),
      ),
    };
  }
}

export function performanceOf(
  rep: Rep,
  f: RepFigures | undefined,
  previous: RepFigures | undefined,
): RepPerformance {
  const figures = f ?? { ...EMPTY, quota: null };
  const attainment = attainmentOf(figures);
  const previousAttainment = previous ? attainmentOf(previous) : null;
  const remaining = figures.quota === null ? null : figures.quota - figures.wonAmount;
  return {
    rep_id: rep.id,
    rep_name: rep.name,
    manager_id: rep.manager_id,
    manager_name: rep.manager_name,
    team: rep.team,
    metrics: {
      quota: figures.quota === null ? null : fromCents(figures.quota),
      closed_won: fromCents(figures.wonAmount),
      attainment,
      pipeline: fromCents(figures.pipeline),
      coverage: remaining === null || remaining <= 0n ? null : ratio(figures.pipeline, remaining),
      win_rate: ratio(BigInt(figures.won), BigInt(figures.won + figures.lost)),
      avg_deal_size:
        figures.won === 0 ? null : fromCents(divideCents(figures.wonAmount, BigInt(figures.won))),
      avg_cycle_days:
        figures.cycleDeals === 0 ? null : oneDecimal(figures.cycleDays, figures.cycleDeals),
      deals_won: figures.won,
      deals_lost: figures.lost,
    },
    rank: 0,
    team_size: 0,
    trend:
      attainment === null || previousAttainment === null
        ? null
        : trendOf(attainment, previousAttainment),
    previous_attainment: previousAttainment,
  };
}

const attainmentOf = (f: RepFigures) =>
  f.quota === null || f.quota === 0n ? null : ratio(f.wonAmount, f.quota);

export function trendOf(current: number, previous: number): Trend {
  // Compared in basis points, so the threshold is exact.
  const delta = Math.round(current * 10_000) - Math.round(previous * 10_000);
  if (delta >= TREND_THRESHOLD * 10_000) return 'improving';
  if (delta <= -TREND_THRESHOLD * 10_000) return 'declining';
  return 'steady';
}

/** Competition ranking ("1224") by attainment within each team; reps without one rank last. */
export function rankWithinTeams(reps: RepPerformance[]): void {
  const teams = new Map<string, RepPerformance[]>();
  for (const r of reps) teams.set(r.team, [...(teams.get(r.team) ?? []), r]);
  for (const members of teams.values()) {
    const score = (r: RepPerformance) => r.metrics.attainment ?? -Infinity;
    for (const r of members) {
      r.rank = 1 + members.filter((o) => score(o) > score(r)).length;
      r.team_size = members.length;
    }
  }
}
