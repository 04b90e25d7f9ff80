import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { EventPublisher } from '../../platform/events/event-publisher.service';
import {
  ALERT_COUNTS_SQL,
  DESIRED_ALERTS_SQL,
  FACTS_SQL,
  NORM_DEFAULTS,
  RESOLVE_ALERTS_SQL,
  ROLLUP_SQL,
  TRIGGER_ALERTS_SQL,
  UPSERT_SQL,
} from './health-sql';
import { PipelineClock } from './pipeline-clock';
import { PipelineQueryService } from './pipeline-query.service';
import { FACTORS, PipelineSettingsService } from './pipeline-settings.service';

export interface RecomputeResult {
  workspaceId: string;
  computedAt: string;
  deals: number;
  written: number;
  statusChanges: number;
  alertsTriggered: number;
  alertsResolved: number;
  ms: number;
  /** Milliseconds per step, for the benchmark and logs. */
  steps: Record<string, number>;
}

/**
 * Recomputes a workspace's deal health and hygiene alerts in one transaction, set-based: a few
 * statements for the whole workspace whatever its size (health-sql.ts). Status changes publish
 * deal.health_changed, new alerts alert.triggered, cleared ones alert.resolved, all in that
 * transaction, so an event exists exactly when its change committed.
 */
@Injectable()
export class HealthRecomputeService {
  private readonly logger = new Logger(HealthRecomputeService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly settings: PipelineSettingsService,
    private readonly events: EventPublisher,
    private readonly clock: PipelineClock,
    private readonly query: PipelineQueryService,
  ) {}

  async recompute(workspaceId: string, now: Date = this.clock.now()): Promise<RecomputeResult> {
    const started = Date.now();
    const result = await this.dataSource.transaction((m) => this.run(m, workspaceId, now));
    result.ms = Date.now() - started;
    // Fresh statistics once a recompute rewrote much of the read model or the alerts (PGlite has
    // no autovacuum, and PostgreSQL's may come late): the list and hygiene pages are planned as
    // index ranges only when the planner knows the tables' sizes.
    if (result.written > 1000) await this.dataSource.query('ANALYZE pipeline_deals');
    if (result.alertsTriggered + result.alertsResolved > 1000)
      await this.dataSource.query('ANALYZE pipeline_alerts');
    this.logger.log({ ...result }, 'Deal health recomputed');
    return result;
  }

  private async run(m: EntityManager, workspaceId: string, now: Date): Promise<RecomputeResult> {
    const steps: Record<string, number> = {};
    let mark = performance.now();
    const step = (name: string) => {
      const t = performance.now();
      steps[name] = Math.round(t - mark);
      mark = t;
    };
    // One recompute per workspace at a time, whichever instance runs it.
    await m.query('SELECT pg_advisory_xact_lock(7301, hashtext($1::text))', [workspaceId]);
    // Sorts and hash aggregates over every activity of the workspace stay in memory.
    await m.query(`SET LOCAL work_mem = '64MB'`);
    const s = await this.settings.get(workspaceId, m);
    await m.query(FACTS_SQL, [workspaceId, now, s.engagement_window_days, NORM_DEFAULTS.minSample]);
    await m.query('ANALYZE pipeline_facts');
    step('facts');
    const weights = FACTORS.map((f) => s.weights[f]);
    const [{ written, changes }]: Array<{
      written: number;
      changes: Array<{
        opportunity_id: string;
        crm_id: string | null;
        previous_status: string;
        previous_score: number;
        new_status: string;
        health_score: number;
      }>;
    }> = await m.query(UPSERT_SQL, [
      workspaceId,
      now,
      s.bands.healthy_min,
      s.bands.monitor_min,
      ...weights,
      weights.reduce((a, b) => a + b, 0),
      s.bands.at_risk_min,
    ]);
    step('scores');
    if (written > 0) for (const sql of ROLLUP_SQL) await m.query(sql, [workspaceId]);
    step('rollups');
    const computedAt = now.toISOString();
    await this.events.publishMany(
      m,
      workspaceId,
      'deal.health_changed',
      changes.map((c) => ({
        opportunity_id: c.opportunity_id,
        crm_id: c.crm_id,
        previous_status: c.previous_status,
        new_status: c.new_status,
        health_score: c.health_score,
        previous_score: c.previous_score,
        computed_at: computedAt,
      })),
    );
    step('health_events');

    const a = s.alerts;
    await m.query(DESIRED_ALERTS_SQL, [
      now,
      a.stale_warning_days,
      a.stale_critical_days,
      a.past_close_critical_days,
      a.next_step_critical_days,
    ]);
    step('desired_alerts');
    // The alerts are written and their events published by the same statements (no rows to Node).
    const triggered = await this.events.publishFromSql(m, workspaceId, 'alert.triggered', {
      ...TRIGGER_ALERTS_SQL,
      params: [workspaceId, now, randomBytes(16).toString('hex')],
    });
    const resolved = await this.events.publishFromSql(m, workspaceId, 'alert.resolved', {
      ...RESOLVE_ALERTS_SQL,
      params: [workspaceId, now],
    });
    for (const sql of ALERT_COUNTS_SQL) await m.query(sql, [workspaceId]);
    step('alerts');

    const [{ deals }] = await m.query(
      `SELECT count(*)::int AS deals FROM pipeline_facts WHERE deal_status = 'open'`,
    );
    await m.query(`UPDATE pipeline_settings SET recomputed_at = $2 WHERE workspace_id = $1`, [
      workspaceId,
      now,
    ]);
    await this.query.invalidateAnswers(m, workspaceId);
    return {
      workspaceId,
      computedAt,
      deals,
      written,
      statusChanges: changes.length,
      alertsTriggered: triggered,
      alertsResolved: resolved,
      ms: 0,
      steps,
    };
  }
}
