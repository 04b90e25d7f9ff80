import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AnswerCache } from '../../platform/cache/answer-cache';
import { RawJson } from '../../platform/http/envelope.interceptor';
import { QueueService } from '../../platform/jobs/queue.service';
import { CrmWriterService } from '../crm/crm-writer.service';
import { accountJoin, dealSegment, dealState, grainOf, stageMappingJoin } from './deal-state.sql';

export const READ_MODEL_QUEUE = 'forecast.read-model';
/** Delay of the follow-up refresh when writes committed during a refresh (docs/FORECAST.md). */
const FOLLOW_UP_SECONDS = 30;

/** Bytes of cached answers one instance keeps in memory (UTF-16 length, about 2 bytes a char). */
const ANSWER_BODIES_MAX_BYTES = 32 * 1024 * 1024;

/** The forecast answers' state: the read models' version, dirty while a write is not yet in them. */
const STATE_SQL = `SELECT s.version, EXISTS (SELECT 1 FROM forecast_read_dirty d WHERE d.workspace_id = $1) AS dirty
  FROM forecast_read_state s WHERE s.workspace_id = $1`;

/** What a route needs to know before using the read models: their version, when fresh. */
export interface ReadModelState {
  version: string;
}

/**
 * The forecast and coaching read models (docs/FORECAST.md, "Performance"), rebuilt per
 * workspace set-based in SQL after every build and settings change:
 *
 * - `forecast_month_totals`: live deals per close month, owner, segment, category and
 *   probability source (count, amount, weighted amount), at four grains;
 * - `coaching_rep_days`: per rep and close day, running totals of won / lost deals, won amount,
 *   pipeline and cycle days;
 * - `coaching_closed_deals`: each closed deal's contact roles, activities and seconds per open
 *   stage;
 * - `forecast_response_cache`: the answers of the forecast summary, trends and changes and of
 *   the coaching routes, each valid for one version.
 *
 * A trigger on every table they derive from marks the workspace dirty in the writing
 * transaction; `state()` says whether the read models may be used (refreshed, and no mark since).
 */
@Injectable()
export class ForecastReadModelService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ForecastReadModelService.name);
  /** The answers of the forecast and coaching routes (docs/FORECAST.md, "Performance"). */
  private readonly answers: AnswerCache;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    private readonly writer: CrmWriterService,
  ) {
    this.answers = new AnswerCache(
      dataSource,
      {
        stateSql: STATE_SQL,
        bumpSql: `UPDATE forecast_read_state SET version = version + 1 WHERE workspace_id = $1`,
        table: 'forecast_response_cache',
      },
      ANSWER_BODIES_MAX_BYTES,
    );
  }

  /**
   * After every module's init: pg-boss creates a queue's partition with locks that deadlock
   * against the snapshot queue created concurrently by this module's other provider.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.queue.register<{ workspaceId: string }>(
      READ_MODEL_QUEUE,
      async ({ workspaceId }) => {
        await this.refresh(workspaceId);
        // A build that ended while this job was queued was not enqueued again (one job waits
        // per workspace); if it committed after this refresh read, its marks are left: refresh
        // once more a little later, so the read models end fresh after the last write.
        if (!(await this.state(workspaceId)))
          await this.queue.send(
            READ_MODEL_QUEUE,
            { workspaceId },
            { singletonKey: workspaceId, startAfterSeconds: FOLLOW_UP_SECONDS },
          );
      },
      { policy: 'stately', retryLimit: 3, retryDelaySeconds: 30, expireInSeconds: 1800 },
    );
    this.writer.onBuildFinished((manager, workspaceId) => this.enqueue(workspaceId, manager));
  }

  /** Enqueues a refresh, on the caller's transaction when given (it commits with the change). */
  async enqueue(workspaceId: string, manager?: EntityManager): Promise<void> {
    await this.queue.send(
      READ_MODEL_QUEUE,
      { workspaceId },
      { manager, singletonKey: workspaceId },
    );
  }

  /**
   * The read models' version when they may answer for the workspace: refreshed at least once
   * and nothing they derive from written since (no dirty mark). Otherwise null: use the direct
   * queries. One primary-key lookup and one index probe.
   */
  async state(workspaceId: string): Promise<ReadModelState | null> {
    const [row] = await this.dataSource.query(
      `SELECT version::text AS version, dirty FROM (${STATE_SQL}) st`,
      [workspaceId],
    );
    return row && !row.dirty ? { version: row.version } : null;
  }

  /**
   * Rebuilds every read model of the workspace from the live tables, in one transaction under
   * a per-workspace lock. The dirty marks it can see are deleted first: every write they stand
   * for committed before the statements below read, so it is included; a write committing later
   * keeps its mark, and the routes fall back to the direct queries until the next refresh.
   */
  async refresh(workspaceId: string): Promise<{ version: string; ms: number }> {
    const started = Date.now();
    const version = await this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('forecast-read-model:' || $1))`, [
        workspaceId,
      ]);
      await m.query(`DELETE FROM forecast_read_dirty WHERE workspace_id = $1`, [workspaceId]);
      // Sorts and hashes of 100,000+ rows stay in memory instead of spilling to disk.
      await m.query(`SET LOCAL work_mem = '64MB'`);
      for (const table of [
        'forecast_month_totals',
        'coaching_rep_days',
        'coaching_closed_deals',
        'forecast_response_cache',
      ])
        await m.query(`DELETE FROM ${table} WHERE workspace_id = $1`, [workspaceId]);
      await this.monthTotals(m, workspaceId);
      await this.repDays(m, workspaceId);
      await this.closedDeals(m, workspaceId);
      // Fresh statistics for the routes' plans (the embedded database has no autovacuum).
      await m.query(`ANALYZE forecast_month_totals, coaching_rep_days, coaching_closed_deals`);
      const [row] = await m.query(
        `INSERT INTO forecast_read_state (workspace_id, version) VALUES ($1, 1)
         ON CONFLICT (workspace_id) DO UPDATE SET version = forecast_read_state.version + 1, refreshed_at = now()
         RETURNING version::text AS version`,
        [workspaceId],
      );
      return row.version as string;
    });
    const ms = Date.now() - started;
    this.logger.log({ workspace_id: workspaceId, version, ms }, 'Forecast read models refreshed');
    return { version, ms };
  }

  private async monthTotals(m: EntityManager, workspaceId: string) {
    const s = dealState('o');
    await m.query(
      `INSERT INTO forecast_month_totals (workspace_id, grain, owner_id, segment, close_month, category, source, deal_count, amount, weighted)
       SELECT $1, CASE GROUPING(d.owner_id, d.segment) WHEN 0 THEN 'owner_segment' WHEN 1 THEN 'owner' WHEN 2 THEN 'segment' ELSE 'workspace' END,
              d.owner_id, d.segment, d.close_month, d.category, d.source, sum(d.n), sum(d.amount), sum(d.weighted)
         FROM (SELECT e.owner_id, e.segment, e.close_month, e.category, e.source,
                      count(*) AS n, sum(e.amount) AS amount, sum(e.weighted) AS weighted
                 FROM (SELECT o.owner_id, ${dealSegment()} AS segment, date_trunc('month', o.close_date)::date AS close_month,
                              ${s.category} AS category, ${s.probabilitySource} AS source, COALESCE(o.amount, 0) AS amount,
                              CASE WHEN o.status = 'won' THEN COALESCE(o.amount, 0) WHEN o.status = 'lost' THEN 0
                                   ELSE COALESCE(o.amount, 0) * COALESCE(o.probability, m.probability) END AS weighted
                         FROM opportunities o ${accountJoin()} ${stageMappingJoin('o')}
                        WHERE o.workspace_id = $1 AND o.deleted_at IS NULL AND o.close_date IS NOT NULL) e
                GROUP BY e.owner_id, e.segment, e.close_month, e.category, e.source) d
        GROUP BY GROUPING SETS ((d.close_month, d.owner_id, d.segment, d.category, d.source),
                                (d.close_month, d.owner_id, d.category, d.source),
                                (d.close_month, d.segment, d.category, d.source),
                                (d.close_month, d.category, d.source))`,
      [workspaceId],
    );
  }

  private async repDays(m: EntityManager, workspaceId: string) {
    const s = dealState('o');
    await m.query(
      `INSERT INTO coaching_rep_days (workspace_id, owner_id, close_date, deals, won, lost, won_amount, pipeline, cycle_days, cycle_deals)
       SELECT $1, d.owner_id, d.close_date,
              sum(d.deals) OVER w, sum(d.won) OVER w, sum(d.lost) OVER w, sum(d.won_amount) OVER w,
              sum(d.pipeline) OVER w, sum(d.cycle_days) OVER w, sum(d.cycle_deals) OVER w
         FROM (SELECT o.owner_id, o.close_date, count(*) AS deals,
                      count(*) FILTER (WHERE o.status = 'won') AS won,
                      count(*) FILTER (WHERE o.status = 'lost') AS lost,
                      COALESCE(sum(o.amount) FILTER (WHERE o.status = 'won'), 0) AS won_amount,
                      COALESCE(sum(o.amount) FILTER (WHERE o.status = 'open' AND ${s.category} <> 'omitted'), 0) AS pipeline,
                      COALESCE(sum(o.close_date - o.created_date) FILTER (WHERE o.status = 'won' AND o.created_date IS NOT NULL), 0) AS cycle_days,
                      count(*) FILTER (WHERE o.status = 'won' AND o.created_date IS NOT NULL) AS cycle_deals
                 FROM opportunities o ${stageMappingJoin('o')}
                WHERE o.workspace_id = $1 AND o.deleted_at IS NULL AND o.owner_id IS NOT NULL AND o.close_date IS NOT NULL
                GROUP BY o.owner_id, o.close_date) d
       WINDOW w AS (PARTITION BY d.owner_id ORDER BY d.close_date)`,
      [workspaceId],
    );
  }

  private async closedDeals(m: EntityManager, workspaceId: string) {
    const closed = `o.workspace_id = $1 AND o.deleted_at IS NULL AND o.status IN ('won', 'lost')
      AND o.owner_id IS NOT NULL AND o.close_date IS NOT NULL`;
    // Each deal's stage seconds from its own history rows (an index range per deal, in the
    // services' order): a plan that stays the same whatever the planner's statistics say.
    await m.query(
      `INSERT INTO coaching_closed_deals (workspace_id, opportunity_id, owner_id, close_date, won, contacts, activities, stages, stage_seconds)
       SELECT $1, o.id, o.owner_id, o.close_date, o.status = 'won',
              (SELECT count(*) FROM opportunity_contacts c
                WHERE c.workspace_id = $1 AND c.opportunity_id = o.id AND c.deleted_at IS NULL),
              (SELECT count(*) FROM activities a
                WHERE a.workspace_id = $1 AND a.opportunity_id = o.id AND a.deleted_at IS NULL),
              COALESCE(st.stages, '{}'), COALESCE(st.seconds, '{}')
         FROM opportunities o
         LEFT JOIN LATERAL (
           SELECT array_agg(x.stage ORDER BY x.stage) AS stages, array_agg(x.seconds ORDER BY x.stage) AS seconds
             FROM (SELECT h.stage, sum(EXTRACT(EPOCH FROM (h.next_at - h.changed_at))) AS seconds
                     FROM (SELECT stage, status, changed_at,
                                  lead(changed_at) OVER (ORDER BY changed_at, created_at, id) AS next_at
                             FROM opportunity_stage_history
                            WHERE workspace_id = $1 AND opportunity_id = o.id) h
                    WHERE h.status = 'open' AND h.next_at IS NOT NULL
                    GROUP BY h.stage) x) st ON true
        WHERE ${closed}
        ORDER BY o.owner_id, o.close_date`,
      [workspaceId],
    );
  }

  /**
   * The answer of `route` to the question `params`, as JSON text (AnswerCache.answer): the one
   * cached at the read models' version when they are fresh, otherwise computed.
   */
  answer(
    workspaceId: string,
    route: string,
    params: Record<string, unknown>,
    compute: () => Promise<object>,
    tail: Record<string, unknown> = {},
  ): Promise<RawJson> {
    return this.answers.answer(workspaceId, route, params, compute, tail);
  }

  /**
   * Invalidates the cached answers without rebuilding anything, on the caller's transaction:
   * the snapshot job calls it, since the trends are cached and read the snapshots.
   */
  invalidateCache(m: EntityManager, workspaceId: string): Promise<void> {
    return this.answers.invalidate(m, workspaceId);
  }
}

/**
 * Owner and segment filters on forecast_month_totals rows, on the grain that matches them (the
 * other dimension is NULL there), as parameters appended to `params`.
 */
export function monthTotalsFilters(
  params: unknown[],
  scope: { ownerId?: string; segment?: string },
): string {
  let sql = ` AND d.grain = '${grainOf(scope)}'`;
  if (scope.ownerId) {
    params.push(scope.ownerId);
    sql += ` AND d.owner_id = $${params.length}`;
  } else sql += ` AND d.owner_id IS NULL`;
  if (scope.segment) {
    params.push(scope.segment);
    sql += ` AND d.segment = $${params.length}`;
  } else sql += ` AND d.segment IS NULL`;
  return sql;
}
