import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config';
import { QueueService } from '../../platform/jobs/queue.service';
import { ClockService } from './clock.service';
import { ForecastReadModelService } from './forecast-read-model.service';
import { accountJoin, dealSegment, dealState, stageMappingJoin } from './deal-state.sql';
import { addDays, addMonths } from './fiscal-calendar';

export const FORECAST_SNAPSHOT_QUEUE = 'forecast.snapshot';

/** Snapshots keep the deals closing from 12 months before to 12 months after their day. */
export const SNAPSHOT_MONTHS_BACK = 12;
export const SNAPSHOT_MONTHS_AHEAD = 12;
/** How far back history is rebuilt when a workspace gets its first snapshot. */
export const REBUILD_MAX_DAYS = 730;

export interface SnapshotJob {
  workspaceId: string;
  date: string;
}

export interface SnapshotResult {
  date: string;
  rebuilt: { from: string; to: string } | null;
  rows: number;
}

const SNAPSHOT_COLUMNS = `workspace_id, grain, snapshot_date, owner_id, segment, close_month, category, deal_count, amount, weighted_amount`;

/**
 * The daily forecast snapshot: category totals at the end of a day per owner, segment and close
 * month. A cron tick only enqueues one job per workspace; the job first rebuilds from the stage
 * history every day since the workspace's last snapshot (or since its history began), then
 * stores the day itself from the deals as they are now.
 */
@Injectable()
export class ForecastSnapshotService implements OnModuleInit {
  private readonly logger = new Logger(ForecastSnapshotService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    private readonly clock: ClockService,
    private readonly readModel: ForecastReadModelService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.queue.register<SnapshotJob>(
      FORECAST_SNAPSHOT_QUEUE,
      async ({ workspaceId, date }) => {
        await this.snapshot(workspaceId, date);
      },
      { retryLimit: 3, retryDelaySeconds: 60, expireInSeconds: 3600 },
    );
  }

  /** Shortly after midnight UTC: yesterday's snapshot for every workspace with deals. */
  @Cron('10 0 * * *', { name: 'forecast-snapshots', timeZone: 'UTC' })
  async daily(): Promise<void> {
    if (!this.config.JOBS_ENABLED) return;
    await this.enqueueAll(addDays(this.clock.today(), -1));
  }

  /** What the cron tick does, for a given day. Returns the job ids. */
  async enqueueAll(date: string): Promise<string[]> {
    const workspaces: Array<{ id: string }> = await this.dataSource.query(
      `SELECT w.id FROM workspaces w
        WHERE EXISTS (SELECT 1 FROM opportunities o WHERE o.workspace_id = w.id) ORDER BY w.id`,
    );
    const ids: string[] = [];
    for (const { id } of workspaces) {
      const jobId = await this.queue.send<SnapshotJob>(
        FORECAST_SNAPSHOT_QUEUE,
        { workspaceId: id, date },
        { singletonKey: `${id}:${date}` },
      );
      if (jobId) ids.push(jobId);
    }
    this.logger.log({ date, jobs: ids.length }, 'Forecast snapshots enqueued');
    return ids;
  }

  /** Rebuilds the missing days before `date` from history, then stores `date` from the live deals. */
  async snapshot(workspaceId: string, date: string): Promise<SnapshotResult> {
    return this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('forecast-snapshot:' || $1))`, [
        workspaceId,
      ]);
      const [{ last, first_history }] = await m.query(
        `SELECT (SELECT max(snapshot_date)::text FROM forecast_snapshot_days WHERE workspace_id = $1 AND snapshot_date < $2::date) AS last,
                (SELECT (min(changed_at) AT TIME ZONE 'UTC')::date::text FROM opportunity_stage_history WHERE workspace_id = $1) AS first_history`,
        [workspaceId, date],
      );
      const from: string | null = last
        ? addDays(last, 1)
        : first_history
          ? [first_history, addDays(date, -REBUILD_MAX_DAYS)].sort()[1]
          : null;
      const to = addDays(date, -1);
      let rebuilt: SnapshotResult['rebuilt'] = null;
      if (from && from <= to) {
        await this.rebuild(m, workspaceId, from, to);
        rebuilt = { from, to };
      }
      const rows = await this.live(m, workspaceId, date);
      // The trends are cached (docs/FORECAST.md, Performance) and read the snapshots.
      await this.readModel.invalidateCache(m, workspaceId);
      this.logger.log({ workspace_id: workspaceId, date, rebuilt, rows }, 'Forecast snapshot');
      return { date, rebuilt, rows };
    });
  }

  /** The day's totals from the deals as they are now. */
  private async live(m: EntityManager, workspaceId: string, date: string): Promise<number> {
    const s = dealState('o');
    await m.query(`DELETE FROM forecast_snapshots WHERE workspace_id = $1 AND snapshot_date = $2`, [
      workspaceId,
      date,
    ]);
    const inserted: unknown[] = await m.query(
      `INSERT INTO forecast_snapshots (${SNAPSHOT_COLUMNS})
       SELECT $1, 'owner_segment', $2::date, d.owner_id, d.segment, d.close_month, d.category, count(*), sum(d.amount), sum(d.weighted)
         FROM (SELECT o.owner_id, ${dealSegment()} AS segment, date_trunc('month', o.close_date)::date AS close_month,
                      ${s.category} AS category, COALESCE(o.amount, 0) AS amount,
                      COALESCE(o.amount, 0) * COALESCE(${s.probability}, 0) AS weighted
                 FROM opportunities o ${accountJoin()} ${stageMappingJoin('o')}
                WHERE o.workspace_id = $1 AND o.deleted_at IS NULL
                  AND o.close_date >= $3::date AND o.close_date < $4::date) d
        WHERE d.category <> 'omitted'
        GROUP BY d.owner_id, d.segment, d.close_month, d.category
       RETURNING 1`,
      [
        workspaceId,
        date,
        addMonths(date, -SNAPSHOT_MONTHS_BACK),
        addMonths(date, SNAPSHOT_MONTHS_AHEAD + 1),
      ],
    );
    await this.rollUp(m, workspaceId, date, date);
    await m.query(
      `INSERT INTO forecast_snapshot_days (workspace_id, snapshot_date, rebuilt) VALUES ($1, $2, false)
       ON CONFLICT (workspace_id, snapshot_date) DO UPDATE SET rebuilt = false, taken_at = now()`,
      [workspaceId, date],
    );
    return inserted.length;
  }

  /**
   * Every day of [from, to] from the stage history: each history row is the deal's state from
   * the day it was written until the day before the next one, so the state at the end of a day
   * is the last row written on or before it. One set-based statement for the whole range.
   */
  async rebuild(m: EntityManager, workspaceId: string, from: string, to: string): Promise<void> {
    const s = dealState('h');
    await m.query(
      `DELETE FROM forecast_snapshots WHERE workspace_id = $1 AND snapshot_date BETWEEN $2 AND $3`,
      [workspaceId, from, to],
    );
    await m.query(
      `INSERT INTO forecast_snapshots (${SNAPSHOT_COLUMNS})
       SELECT $1, 'owner_segment', d.day::date, o.owner_id, ${dealSegment()}, h.close_month, h.category, count(*), sum(h.amount), sum(h.weighted)
         FROM (SELECT h.opportunity_id, (h.changed_at AT TIME ZONE 'UTC')::date AS from_day,
                      ((lead(h.changed_at) OVER w) AT TIME ZONE 'UTC')::date - 1 AS to_day,
                      date_trunc('month', h.close_date)::date AS close_month,
                      ${s.category} AS category, COALESCE(h.amount, 0) AS amount,
                      COALESCE(h.amount, 0) * COALESCE(${s.probability}, 0) AS weighted
                 FROM opportunity_stage_history h ${stageMappingJoin('h')}
                WHERE h.workspace_id = $1
               WINDOW w AS (PARTITION BY h.opportunity_id ORDER BY h.changed_at, h.created_at, h.id)) h
         JOIN opportunities o ON o.workspace_id = $1 AND o.id = h.opportunity_id AND o.deleted_at IS NULL
         ${accountJoin()}
         CROSS JOIN LATERAL generate_series(
           GREATEST(h.from_day, $2::date, (h.close_month - make_interval(months => $4))::date)::timestamp,
           LEAST(COALESCE(h.to_day, $3::date), $3::date,
                 (h.close_month + make_interval(months => $5 + 1) - interval '1 day')::date)::timestamp,
           interval '1 day') AS d(day)
        WHERE h.category <> 'omitted' AND h.close_month IS NOT NULL
        GROUP BY d.day, o.owner_id, ${dealSegment()}, h.close_month, h.category`,
      [workspaceId, from, to, SNAPSHOT_MONTHS_BACK, SNAPSHOT_MONTHS_AHEAD],
    );
    await this.rollUp(m, workspaceId, from, to);
    await m.query(
      `INSERT INTO forecast_snapshot_days (workspace_id, snapshot_date, rebuilt)
       SELECT $1, d::date, true FROM generate_series($2::timestamp, $3::timestamp, interval '1 day') AS d
       ON CONFLICT (workspace_id, snapshot_date) DO UPDATE SET rebuilt = true, taken_at = now()`,
      [workspaceId, from, to],
    );
    // A rebuild can add hundreds of thousands of rows at once, long before autovacuum (absent on
    // the embedded database) would refresh the planner's statistics.
    await m.query(`ANALYZE forecast_snapshots`);
  }

  /** Per-owner, per-segment and workspace totals of the detailed rows of [from, to]. */
  private async rollUp(m: EntityManager, workspaceId: string, from: string, to: string) {
    await m.query(
      `INSERT INTO forecast_snapshots (${SNAPSHOT_COLUMNS})
       SELECT $1, CASE GROUPING(owner_id, segment) WHEN 1 THEN 'owner' WHEN 2 THEN 'segment' ELSE 'workspace' END,
              snapshot_date, owner_id, segment, close_month, category, sum(deal_count), sum(amount), sum(weighted_amount)
         FROM forecast_snapshots
        WHERE workspace_id = $1 AND grain = 'owner_segment' AND snapshot_date BETWEEN $2::date AND $3::date
        GROUP BY GROUPING SETS ((snapshot_date, close_month, category),
                                (snapshot_date, owner_id, close_month, category),
                                (snapshot_date, segment, close_month, category))`,
      [workspaceId, from, to],
    );
  }
}
