import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ForecastReadModelService } from '../forecast/forecast-read-model.service';
import { CoachingException } from './coaching.exception';
import { CoachingPeriod, CoachingService, performanceOf, RepFigures } from './coaching.service';
import { DealFacts, generateInsights, MINIMUMS, Pooled } from './insight-rules';

/** The team's deals closed in the window ($2, $3) by the owners $4. */
const CLOSED_DEALS = `o.workspace_id = $1 AND o.deleted_at IS NULL AND o.status IN ('won', 'lost')
  AND o.close_date BETWEEN $2::date AND $3::date AND o.owner_id = ANY($4::uuid[])`;

const pool = (figures: Array<RepFigures | undefined>): Pooled =>
  figures.reduce<Pooled>(
    (p, f) =>
      f
        ? {
            won: p.won + f.won,
            lost: p.lost + f.lost,
            wonAmount: p.wonAmount + f.wonAmount,
            cycleDays: p.cycleDays + f.cycleDays,
            cycleDeals: p.cycleDeals + f.cycleDeals,
          }
        : p,
    { won: 0, lost: 0, wonAmount: 0n, cycleDays: 0, cycleDeals: 0 },
  );

/**
 * Coaching insights (docs/COACHING.md): the rep's numbers for a period against the rest of their
 * team's, over the deals closed in it: win rate, deal size, cycle time, contacts and activities
 * per deal, days in each stage. The rep's own figures are the performance endpoint's.
 */
@Injectable()
export class CoachingInsightsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly coaching: CoachingService,
    private readonly readModel: ForecastReadModelService,
  ) {}

  /**
   * The route: cached per question while the read models are fresh (docs/FORECAST.md,
   * "Performance"); `generated_at` (the request's instant) is never cached.
   */
  insights(
    workspaceId: string,
    repId: string,
    name: CoachingPeriod,
    asOf: { day: string; instant: string },
  ) {
    return this.readModel.answer(
      workspaceId,
      'coaching.insights',
      { rep_id: repId, period: name, as_of: asOf.day },
      () => this.computeInsights(workspaceId, repId, name, asOf.day),
      { generated_at: asOf.instant },
    );
  }

  /** The insights without `generated_at`, computed: what a cache miss costs. */
  async computeInsights(workspaceId: string, repId: string, name: CoachingPeriod, day: string) {
    const reps = await this.coaching.reps(workspaceId);
    const rep = reps.find((r) => r.id === repId);
    if (!rep) throw new CoachingException('NOT_FOUND', `Rep ${repId} not found`);
    const teammates = reps.filter((r) => r.team === rep.team && r.id !== rep.id).map((r) => r.id);
    const { period } = await this.coaching.window(workspaceId, name, day);
    const team = [rep.id, ...teammates];
    // From the read models when they are fresh (docs/FORECAST.md, "Performance").
    const fresh = await this.coaching.fresh(workspaceId);
    const figures = await this.coaching.figures(
      workspaceId,
      period,
      period,
      fresh ? team : undefined,
    );
    const deals = await this.dealFacts(workspaceId, period.start, period.end, team, fresh);
    const repPooled = pool([figures.get(rep.id)]);
    const teamPooled = pool(teammates.map((id) => figures.get(id)));
    const { metrics } = performanceOf(rep, figures.get(rep.id), undefined);
    const result = generateInsights({
      rep: metrics,
      repPooled,
      teamPooled,
      repDeals: deals.filter((d) => d.ownerId === rep.id),
      teamDeals: deals.filter((d) => d.ownerId !== rep.id),
    });
    return {
      rep_id: rep.id,
      rep_name: rep.name,
      period: period.label,
      period_name: period.name,
      start_date: period.start,
      end_date: period.end,
      insights: {
        strengths: result.strengths,
        opportunities: result.opportunities,
        recommendations: result.recommendations.map(({ action, impact, priority }) => ({
          action,
          impact,
          priority,
        })),
      },
      evidence: result.evidence,
      sample: {
        closed_deals: repPooled.won + repPooled.lost,
        won_deals: repPooled.won,
        team_reps: teammates.length,
        team_closed_deals: teamPooled.won + teamPooled.lost,
        team_won_deals: teamPooled.won,
      },
      minimums: MINIMUMS,
    };
  }

  /** Contacts, activities and days per open stage of each deal closed in the window. */
  private async dealFacts(
    workspaceId: string,
    start: string,
    end: string,
    owners: string[],
    fromReadModel: boolean,
  ): Promise<DealFacts[]> {
    if (fromReadModel) return this.dealFactsFromReadModel(workspaceId, start, end, owners);
    const deals: DealRow[] = await this.dataSource.query(
      `SELECT o.id, o.owner_id, o.status = 'won' AS won,
                (SELECT count(*) FROM opportunity_contacts c
                  WHERE c.workspace_id = $1 AND c.opportunity_id = o.id AND c.deleted_at IS NULL)::int AS contacts,
                (SELECT count(*) FROM activities a
                  WHERE a.workspace_id = $1 AND a.opportunity_id = o.id AND a.deleted_at IS NULL)::int AS activities
           FROM opportunities o
          WHERE ${CLOSED_DEALS}
          ORDER BY o.id`,
      [workspaceId, start, end, owners],
    );
    if (deals.length === 0) return [];
    const stages: StageRow[] = await this.dataSource.query(
      `SELECT h.opportunity_id, h.stage,
                (sum(EXTRACT(EPOCH FROM (h.next_at - h.changed_at))) / 86400)::float8 AS days
           FROM (SELECT opportunity_id, stage, status, changed_at,
                        lead(changed_at) OVER (PARTITION BY opportunity_id ORDER BY changed_at, created_at, id) AS next_at
                   FROM opportunity_stage_history
                  WHERE workspace_id = $1 AND opportunity_id IN (SELECT o.id FROM opportunities o WHERE ${CLOSED_DEALS})) h
          WHERE h.status = 'open' AND h.next_at IS NOT NULL
          GROUP BY h.opportunity_id, h.stage`,
      [workspaceId, start, end, owners],
    );
    return factsOf(deals, stages);
  }

  /** The same facts from the closed-deal read models (counts and stage seconds per deal). */
  private async dealFactsFromReadModel(
    workspaceId: string,
    start: string,
    end: string,
    owners: string[],
  ): Promise<DealFacts[]> {
    // One row per deal, its stages and days as parallel arrays (days = seconds / 86400 as
    // float8, the direct query's expression).
    const rows: Array<DealRow & { stages: string[]; days: number[] }> = await this.dataSource.query(
      `SELECT d.opportunity_id AS id, d.owner_id, d.won, d.contacts, d.activities, d.stages,
              ARRAY(SELECT (s.seconds / 86400)::float8 FROM unnest(d.stage_seconds) WITH ORDINALITY AS s(seconds, i)
                     ORDER BY s.i) AS days
         FROM coaching_closed_deals d
        WHERE d.workspace_id = $1 AND d.owner_id = ANY($4::uuid[]) AND d.close_date BETWEEN $2::date AND $3::date
        ORDER BY d.opportunity_id`,
      [workspaceId, start, end, owners],
    );
    return factsOf(
      rows,
      rows.flatMap((d) =>
        d.stages.map((stage, i) => ({ opportunity_id: d.id, stage, days: d.days[i] })),
      ),
    );
  }
}

interface DealRow {
  id: string;
  owner_id: string;
  won: boolean;
  contacts: number;
  activities: number;
}

interface StageRow {
  opportunity_id: string;
  stage: string;
  days: number;
}

function factsOf(deals: DealRow[], stages: StageRow[]): DealFacts[] {
  const byDeal = new Map<string, Record<string, number>>();
  for (const s of stages) {
    if (!byDeal.has(s.opportunity_id)) byDeal.set(s.opportunity_id, {});
    byDeal.get(s.opportunity_id)![s.stage] = s.days;
  }
  return deals.map((d) => ({
    ownerId: d.owner_id,
    won: d.won,
    contacts: d.contacts,
    activities: d.activities,
    stageDays: byDeal.get(d.id) ?? {},
  }));
}
