import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AnswerCache } from '../../platform/cache/answer-cache';
import { RawJson } from '../../platform/http/envelope.interceptor';
import { isUuid } from '../../platform/workspace/workspace-scoped.repository';
import { pagination } from '../../platform/http/pagination.dto';
import { HealthFacts, recommendations, riskFactors } from './health-explainer';
import { PipelineClock } from './pipeline-clock';
import {
  DealDetailDto,
  DealListDto,
  DealListQueryDto,
  DealRowDto,
  HealthQueryDto,
  HealthSummaryDto,
  SortField,
} from './pipeline.dto';
import { PipelineException } from './pipeline.exception';
import { Factor, FACTORS } from './pipeline-settings.service';

/** Sort keys of the list: whitelisted names mapped to columns of the read model. */
const SORT_COLUMNS: Record<SortField, string> = {
  amount: 'd.amount',
  close_date: 'd.close_date',
  health_score: 'd.health_score',
  days_in_stage: 'd.days_in_stage',
  win_probability: 'd.probability',
};

/** WHERE clauses and their parameters, numbered after the workspace ($1). */
class Where {
  readonly clauses = ['d.workspace_id = $1'];
  readonly params: unknown[];

  constructor(workspaceId: string) {
    this.params = [workspaceId];
  }

  add(sql: (p: string) => string, value: unknown): void {
    if (value === undefined) return;
    this.params.push(value);
    this.clauses.push(sql(`$${this.params.length}`));
  }

  toString(): string {
    return this.clauses.join(' AND ');
  }
}

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
const DAY = 86_400_000;

function daysPastClose(closeDate: unknown, now: Date): number {
  if (!closeDate) return 0;
  const days = Math.floor(
    (Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) -
      Date.parse(`${closeDate as string}T00:00:00Z`)) /
      DAY,
  );
  return Math.max(0, days);
}

/** The facts of a scored read-model row, for the explainer. */
function factsOf(r: Row, now: Date): HealthFacts | null {
  if (r.health_score === null || r.health_score === undefined) return null;
  return {
    stage: r.stage as string,
    factors: Object.fromEntries(FACTORS.map((f) => [f, Number(r[f])])) as HealthFacts['factors'],
    days_since_activity: Number(r.days_since_activity),
    has_activity: r.has_activity === true,
    days_in_stage: Number(r.days_in_stage),
    stage_median_days: Number(r.stage_median_days),
    recent_activities: Number(r.recent_activities),
    engagement_norm: Number(r.engagement_norm),
    engagement_window_days: Number(r.engagement_window_days),
    engaged_contacts: Number(r.engaged_contacts),
    contacts_norm: Number(r.contacts_norm),
    close_date_pushes: Number(r.close_date_pushes),
    next_step_missing: r.next_step_missing === true,
    days_past_close: daysPastClose(r.close_date, now),
  };
}

/** The fields a deal row and the deal details share. */
function identity(r: Row) {
  return {
    opportunity_id: r.opportunity_id as string,
    crm_id: r.crm_id as string | null,
    opportunity_name: r.name as string,
    account_name: r.account_name as string | null,
    owner_name: r.owner_name as string | null,
    amount: r.amount as string | null,
    stage_name: r.stage as string,
    close_date: r.close_date as string | null,
  };
}

/**
 * What the explainer needs of a read-model row (risk sentences, recommendations). Only plain
 * numbers and booleans: no timestamp is parsed per row.
 */
const FACT_COLUMNS = `d.health_score, d.health_status, d.days_in_stage, d.stage_median_days, d.days_since_activity,
  d.last_activity_at IS NOT NULL AS has_activity, d.recent_activities, d.engagement_norm, d.engaged_contacts, d.contacts_norm,
  d.close_date_pushes, d.next_step_missing, s.engagement_window_days, ${FACTORS.map((f) => `d.${f}::float8 AS ${f}`).join(', ')}`;

/** The details add each factor's points and when the score was computed. */
const HEALTH_COLUMNS = `${FACT_COLUMNS}, d.computed_at, ${FACTORS.map((f) => `d.points_${f}`).join(', ')}`;

export interface SqlQuery {
  sql: string;
  params: unknown[];
}

/** The summary's statement: the rollups, unless the amount filter needs the deals themselves. */
export function summaryQuery(workspaceId: string, q: HealthQueryDto): SqlQuery {
  const table = q.min_amount === undefined ? 'pipeline_rollups' : 'pipeline_deals';
  const where = new Where(workspaceId);
  where.clauses.push(`d.deal_status = 'open'`);
  where.add((p) => `d.owner_id = ${p}`, q.owner_id);
  where.add((p) => `d.segment = ${p}`, q.segment);
  where.add((p) => `d.amount >= ${p}`, q.min_amount);
  const aggregates =
    table === 'pipeline_rollups'
      ? `sum(d.deals)::int AS n, sum(d.amount)::text AS amount, sum(d.score_sum)::text AS score_sum`
      : `count(*)::int AS n, COALESCE(sum(d.amount), 0)::text AS amount, COALESCE(sum(d.health_score), 0)::text AS score_sum`;
  return {
    sql: `SELECT d.health_status, ${aggregates},
                 (SELECT recomputed_at FROM pipeline_settings WHERE workspace_id = $1) AS recomputed_at
            FROM ${table} d WHERE ${where} GROUP BY d.health_status`,
    params: where.params,
  };
}

/**
 * The list's page (an index range of the read model, then names) and its total, in one statement
 * (one round trip): the total's row always comes back, with the page's rows joined to it, or one
 * row with no deal when the page is empty.
 */
export function listQuery(workspaceId: string, q: DealListQueryDto): SqlQuery {
  const where = new Where(workspaceId);
  if (q.status !== 'all') where.add((p) => `d.deal_status = ${p}`, q.status);
  where.add((p) => `d.health_status = ${p}`, q.health);
  where.add((p) => `d.owner_id = ${p}`, q.owner_id);
  where.add((p) => `d.segment = ${p}`, q.segment);
  where.add((p) => `d.stage = ${p}`, q.stage);
  where.add((p) => `d.amount >= ${p}`, q.min_amount);
  where.add((p) => `d.amount <= ${p}`, q.max_amount);
  const desc = q.sort.startsWith('-');
  const column = SORT_COLUMNS[q.sort.replace(/^-/, '') as SortField];
  const order = `${column} ${desc ? 'DESC' : 'ASC'} NULLS LAST, d.opportunity_id`;
  const n = where.params.length;
  const total =
    q.min_amount === undefined && q.max_amount === undefined
      ? `SELECT COALESCE(sum(d.deals), 0)::int AS total FROM pipeline_rollups d WHERE ${where}`
      : `SELECT count(*)::int AS total FROM pipeline_deals d WHERE ${where}`;
  return {
    sql: `SELECT t.total, p.* FROM (${total}) t
          LEFT JOIN LATERAL (
            SELECT row_number() OVER (ORDER BY ${order}) AS position,
                   d.opportunity_id, o.external_id AS crm_id, o.name, a.name AS account_name, u.name AS owner_name,
                   d.amount::text AS amount, d.stage, to_char(d.close_date, 'YYYY-MM-DD') AS close_date,
                   d.probability::float8 AS probability, ${FACT_COLUMNS}
              FROM (SELECT d.* FROM pipeline_deals d WHERE ${where} ORDER BY ${order} LIMIT $${n + 1} OFFSET $${n + 2}) d
              JOIN opportunities o ON o.workspace_id = d.workspace_id AND o.id = d.opportunity_id
              LEFT JOIN accounts a ON a.workspace_id = d.workspace_id AND a.id = o.account_id
              LEFT JOIN crm_users u ON u.workspace_id = d.workspace_id AND u.id = d.owner_id
              LEFT JOIN pipeline_settings s ON s.workspace_id = d.workspace_id) p ON true
         ORDER BY p.position`,
    params: [...where.params, q.limit, q.offset],
  };
}

/** A deal's details: the deal with its health, its activity totals as of `now`, its contacts. */
export function detailQueries(
  workspaceId: string,
  opportunityId: string,
  now: Date,
): [SqlQuery, SqlQuery, SqlQuery] {
  return [
    {
      sql: `SELECT o.id AS opportunity_id, o.external_id AS crm_id, o.name, o.account_id, a.name AS account_name, o.owner_id,
                   u.name AS owner_name, o.amount::text AS amount, o.currency, o.stage, o.status, o.probability::float8 AS probability,
                   to_char(o.close_date, 'YYYY-MM-DD') AS close_date, to_char(o.created_date, 'YYYY-MM-DD') AS created_date,
                   o.next_step, ${HEALTH_COLUMNS}
              FROM opportunities o
              LEFT JOIN accounts a ON a.workspace_id = o.workspace_id AND a.id = o.account_id
              LEFT JOIN crm_users u ON u.workspace_id = o.workspace_id AND u.id = o.owner_id
              LEFT JOIN pipeline_deals d ON d.workspace_id = o.workspace_id AND d.opportunity_id = o.id
              LEFT JOIN pipeline_settings s ON s.workspace_id = o.workspace_id
             WHERE o.workspace_id = $1 AND o.id = $2 AND o.deleted_at IS NULL`,
      params: [workspaceId, opportunityId],
    },
    {
      sql: `SELECT count(*)::int AS total, count(*) FILTER (WHERE occurred_at > $3::timestamptz - interval '7 days')::int AS last_7_days,
                   to_char(max(occurred_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS last_activity_date
              FROM activities WHERE workspace_id = $1 AND opportunity_id = $2 AND deleted_at IS NULL AND occurred_at <= $3`,
      params: [workspaceId, opportunityId, now],
    },
    {
      sql: `SELECT c.id AS contact_id, btrim(concat_ws(' ', c.first_name, c.last_name)) AS name, c.title, oc.role, oc.is_primary
              FROM opportunity_contacts oc JOIN contacts c ON c.workspace_id = oc.workspace_id AND c.id = oc.contact_id
             WHERE oc.workspace_id = $1 AND oc.opportunity_id = $2 AND oc.deleted_at IS NULL AND c.deleted_at IS NULL
             ORDER BY oc.is_primary DESC, name, c.id`,
      params: [workspaceId, opportunityId],
    },
  ];
}

/** Bytes of cached answers one instance keeps in memory (UTF-16 length, about 2 bytes a char). */
const ANSWER_BODIES_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The pipeline answers' state: the version every recompute, settings change and finished build
 * bumps (never dirty: those bumps are in the writing transactions).
 */
const ANSWERS_STATE_SQL = `SELECT s.answers_version AS version, false AS dirty
  FROM pipeline_settings s WHERE s.workspace_id = $1`;

/**
 * The read side of the pipeline: the summary, the deal list and a deal's details, all from the
 * read model the recompute keeps (pipeline_deals), joined to the CRM tables for names. The
 * summary and the list are cached per question (docs/PIPELINE.md, "Performance").
 */
@Injectable()
export class PipelineQueryService {
  private readonly answers: AnswerCache;

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: PipelineClock,
  ) {
    this.answers = new AnswerCache(
      dataSource,
      {
        stateSql: ANSWERS_STATE_SQL,
        bumpSql: `UPDATE pipeline_settings SET answers_version = answers_version + 1 WHERE workspace_id = $1`,
        table: 'pipeline_response_cache',
      },
      ANSWER_BODIES_MAX_BYTES,
    );
  }

  /**
   * Invalidates the cached summaries and deal pages on the caller's transaction: every recompute
   * (the read model was rewritten), settings change and finished build (the pages show the CRM's
   * names, which the build may have changed) calls it.
   */
  invalidateAnswers(manager: EntityManager, workspaceId: string): Promise<void> {
    return this.answers.invalidate(manager, workspaceId);
  }

  /** The route: the answer cached at the read model's version; a hit is one query. */
  summary(workspaceId: string, q: HealthQueryDto): Promise<RawJson> {
    const key = {
      owner_id: q.owner_id ?? null,
      segment: q.segment ?? null,
      min_amount: q.min_amount ?? null,
    };
    return this.answers.answer(workspaceId, 'summary', key, () =>
      this.computeSummary(workspaceId, q),
    );
  }

  /** The summary computed from the rollups or the read model: what a cache miss costs. */
  async computeSummary(workspaceId: string, q: HealthQueryDto): Promise<HealthSummaryDto> {
    const query = summaryQuery(workspaceId, q);
    const rows: Array<{
      health_status: string | null;
      n: number;
      amount: string;
      score_sum: string;
      recomputed_at: Date | null;
    }> = await this.dataSource.query(query.sql, query.params);
    const state: { recomputed_at: Date | null } =
      rows[0] ??
      (
        await this.dataSource.query(
          `SELECT recomputed_at FROM pipeline_settings WHERE workspace_id = $1`,
          [workspaceId],
        )
      )[0];
    const band = (status: string) => {
      const r = rows.find((x) => x.health_status === status);
      return { count: r?.n ?? 0, amount: r?.amount ?? '0.00' };
    };
    const scored = rows.filter((r) => r.health_status !== null);
    const scoredCount = scored.reduce((a, r) => a + r.n, 0);
    const scoreSum = scored.reduce((a, r) => a + Number(r.score_sum), 0);
    return {
      total_pipeline: sumDecimals(rows.map((r) => r.amount)),
      deal_count: rows.reduce((a, r) => a + r.n, 0),
      health_distribution: {
        healthy: band('healthy'),
        monitor: band('monitor'),
        at_risk: band('at_risk'),
        critical: band('critical'),
      },
      avg_health_score: scoredCount ? Math.round((scoreSum / scoredCount) * 10) / 10 : null,
      updated_at: iso(state?.recomputed_at ?? null),
    };
  }

  /**
   * The route: the page cached at the read model's version for the UTC day of the request (its
   * risk sentences count days past the close date).
   */
  list(workspaceId: string, q: DealListQueryDto): Promise<RawJson> {
    const now = this.clock.now();
    const key = {
      day: now.toISOString().slice(0, 10),
      status: q.status,
      health: q.health ?? null,
      owner_id: q.owner_id ?? null,
      segment: q.segment ?? null,
      stage: q.stage ?? null,
      min_amount: q.min_amount ?? null,
      max_amount: q.max_amount ?? null,
      sort: q.sort,
      limit: q.limit,
      offset: q.offset,
    };
    return this.answers.answer(workspaceId, 'deals', key, () =>
      this.computeList(workspaceId, q, now),
    );
  }

  /** The page computed: what a cache miss costs. */
  async computeList(
    workspaceId: string,
    q: DealListQueryDto,
    now: Date = this.clock.now(),
  ): Promise<DealListDto> {
    const query = listQuery(workspaceId, q);
    const result: Row[] = await this.dataSource.query(query.sql, query.params);
    const total = result[0].total as number;
    const rows = result[0].opportunity_id === null ? [] : result;
    const deals: DealRowDto[] = rows.map((r) => {
      const facts = factsOf(r, now);
      return {
        ...identity(r),
        health_score: num(r.health_score),
        health_status: r.health_status as string | null,
        win_probability: num(r.probability),
        risk_factors: facts ? riskFactors(facts) : [],
        days_in_stage: num(r.days_in_stage),
      };
    });
    return { deals, pagination: pagination(total, q.limit, q.offset, deals.length) };
  }

  async detail(workspaceId: string, opportunityId: string): Promise<DealDetailDto> {
    if (!isUuid(opportunityId)) throw PipelineException.notFound('Deal', opportunityId);
    const now = this.clock.now();
    // The deal, its activity totals and its contacts at once: for an unknown id all come back empty.
    const [[r], [acts], contacts]: Row[][] = await Promise.all(
      detailQueries(workspaceId, opportunityId, now).map((query) =>
        this.dataSource.query(query.sql, query.params),
      ),
    );
    if (!r) throw PipelineException.notFound('Deal', opportunityId);
    const facts = r.status === 'open' ? factsOf(r, now) : null;
    const risks = facts ? riskFactors(facts) : [];
    const probability = num(r.probability);
    return {
      ...identity(r),
      account_id: r.account_id as string | null,
      owner_id: r.owner_id as string | null,
      currency: r.currency as string,
      status: r.status as string,
      probability,
      created_date: r.created_date as string | null,
      next_step: r.next_step as string | null,
      health: facts
        ? {
            score: Number(r.health_score),
            status: r.health_status as string,
            factors: facts.factors,
            contributions: Object.fromEntries(
              FACTORS.map((f) => [f, Number(r[`points_${f}`])]),
            ) as Record<Factor, number>,
            facts: {
              days_since_activity: facts.days_since_activity,
              days_in_stage: facts.days_in_stage,
              stage_median_days: facts.stage_median_days,
              recent_activities: facts.recent_activities,
              engagement_norm: facts.engagement_norm,
              engagement_window_days: facts.engagement_window_days,
              engaged_contacts: facts.engaged_contacts,
              contacts_norm: facts.contacts_norm,
              close_date_pushes: facts.close_date_pushes,
            },
            computed_at: iso(r.computed_at)!,
          }
        : null,
      prediction: {
        win_probability: probability,
        confidence: null,
        source: probability === null ? 'none' : 'crm_probability',
        risk_factors: risks,
      },
      activities: {
        total: Number(acts.total),
        last_7_days: Number(acts.last_7_days),
        last_activity_date: acts.last_activity_date as string | null,
      },
      contacts: contacts.map((c) => ({
        contact_id: c.contact_id as string,
        name: c.name as string,
        title: c.title as string | null,
        role: c.role as string | null,
        is_primary: c.is_primary === true,
      })),
      recommendations: facts ? recommendations(facts) : [],
    };
  }
}

/** Sum of decimal strings with 2 places, in integer cents (money is never a float). */
export function sumDecimals(values: string[]): string {
  let cents = 0n;
  for (const v of values) {
    const [whole, frac = ''] = v.split('.');
    const sign = whole.startsWith('-') ? -1n : 1n;
    cents += BigInt(whole) * 100n + sign * BigInt((frac + '00').slice(0, 2));
  }
  const abs = cents < 0n ? -cents : cents;
  return `${cents < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}
