import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PipelineException } from './pipeline.exception';

export const FACTORS = [
  'activity_recency',
  'stage_velocity',
  'engagement',
  'multi_threading',
] as const;
export type Factor = (typeof FACTORS)[number];

export const HEALTH_STATUSES = ['healthy', 'monitor', 'at_risk', 'critical'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** A workspace's pipeline settings; every value has a default (the migration's column defaults). */
export interface PipelineSettings {
  weights: Record<Factor, number>;
  bands: { healthy_min: number; monitor_min: number; at_risk_min: number };
  engagement_window_days: number;
  alerts: {
    stale_warning_days: number;
    stale_critical_days: number;
    past_close_critical_days: number;
    next_step_critical_days: number;
  };
  /** When health and alerts were last recomputed (null: never). */
  recomputed_at: string | null;
}

export type SettingsPatch = {
  weights?: Partial<Record<Factor, number>>;
  bands?: Partial<PipelineSettings['bands']>;
  engagement_window_days?: number;
  alerts?: Partial<PipelineSettings['alerts']>;
};

type Row = Record<string, string | number | Date | null>;

const COLUMNS = `weight_activity_recency::float8 AS weight_activity_recency, weight_stage_velocity::float8 AS weight_stage_velocity,
  weight_engagement::float8 AS weight_engagement, weight_multi_threading::float8 AS weight_multi_threading,
  healthy_min, monitor_min, at_risk_min, engagement_window_days, stale_warning_days, stale_critical_days,
  past_close_critical_days, next_step_critical_days, recomputed_at`;

function fromRow(r: Row): PipelineSettings {
  const n = (k: string) => Number(r[k]);
  return {
    weights: {
      activity_recency: n('weight_activity_recency'),
      stage_velocity: n('weight_stage_velocity'),
      engagement: n('weight_engagement'),
      multi_threading: n('weight_multi_threading'),
    },
    bands: {
      healthy_min: n('healthy_min'),
      monitor_min: n('monitor_min'),
      at_risk_min: n('at_risk_min'),
    },
    engagement_window_days: n('engagement_window_days'),
    alerts: {
      stale_warning_days: n('stale_warning_days'),
      stale_critical_days: n('stale_critical_days'),
      past_close_critical_days: n('past_close_critical_days'),
      next_step_critical_days: n('next_step_critical_days'),
    },
    recomputed_at: r.recomputed_at ? new Date(r.recomputed_at).toISOString() : null,
  };
}

/** The status band a score falls in. */
export function bandOf(score: number, bands: PipelineSettings['bands']): HealthStatus {
  if (score >= bands.healthy_min) return 'healthy';
  if (score >= bands.monitor_min) return 'monitor';
  if (score >= bands.at_risk_min) return 'at_risk';
  return 'critical';
}

/** Per-workspace settings: factor weights, status bands, the engagement window, alert thresholds. */
@Injectable()
export class PipelineSettingsService {
  constructor(private readonly dataSource: DataSource) {}

  /** The workspace's settings; the first read stores the defaults (the migration's column defaults). */
  async get(
    workspaceId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<PipelineSettings> {
    const [row] = await manager.query(
      `SELECT ${COLUMNS} FROM pipeline_settings WHERE workspace_id = $1`,
      [workspaceId],
    );
    if (row) return fromRow(row);
    await manager.query(
      `INSERT INTO pipeline_settings (workspace_id) VALUES ($1) ON CONFLICT (workspace_id) DO NOTHING`,
      [workspaceId],
    );
    return this.get(workspaceId, manager);
  }

  /**
   * Applies a patch in one transaction; `changed` runs in it after the write (what follows from
   * a settings change, e.g. invalidating answers and enqueueing a recompute, commits with it).
   */
  async update(
    workspaceId: string,
    patch: SettingsPatch,
    changed?: (manager: EntityManager) => Promise<void>,
  ): Promise<PipelineSettings> {
    return this.dataSource.transaction(async (m) => {
      const current = await this.get(workspaceId, m);
      const next = {
        // Stored as numeric(5,4): rounded here, so the checks below see what will be stored.
        weights: roundWeights({ ...current.weights, ...patch.weights }),
        bands: { ...current.bands, ...patch.bands },
        engagement_window_days: patch.engagement_window_days ?? current.engagement_window_days,
        alerts: { ...current.alerts, ...patch.alerts },
      };
      const problems = validate(next);
      if (problems.length > 0)
        throw new PipelineException('VALIDATION_ERROR', problems[0].message, problems);
      await m.query(
        `INSERT INTO pipeline_settings (workspace_id, weight_activity_recency, weight_stage_velocity, weight_engagement,
           weight_multi_threading, healthy_min, monitor_min, at_risk_min, engagement_window_days, stale_warning_days,
           stale_critical_days, past_close_critical_days, next_step_critical_days, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
         ON CONFLICT (workspace_id) DO UPDATE SET
           weight_activity_recency = EXCLUDED.weight_activity_recency, weight_stage_velocity = EXCLUDED.weight_stage_velocity,
           weight_engagement = EXCLUDED.weight_engagement, weight_multi_threading = EXCLUDED.weight_multi_threading,
           healthy_min = EXCLUDED.healthy_min, monitor_min = EXCLUDED.monitor_min, at_risk_min = EXCLUDED.at_risk_min,
           engagement_window_days = EXCLUDED.engagement_window_days, stale_warning_days = EXCLUDED.stale_warning_days,
           stale_critical_days = EXCLUDED.stale_critical_days, past_close_critical_days = EXCLUDED.past_close_critical_days,
           next_step_critical_days = EXCLUDED.next_step_critical_days, updated_at = now()`,
        [
          workspaceId,
          ...FACTORS.map((f) => next.weights[f]),
          next.bands.healthy_min,
          next.bands.monitor_min,
          next.bands.at_risk_min,
          next.engagement_window_days,
          next.alerts.stale_warning_days,
          next.alerts.stale_critical_days,
          next.alerts.past_close_critical_days,
          next.alerts.next_step_critical_days,
        ],
      );
      await changed?.(m);
      return this.get(workspaceId, m);
    });
  }
}

/** Rules across fields that a per-field DTO cannot state. */
function roundWeights(weights: Record<Factor, number>): Record<Factor, number> {
  return Object.fromEntries(
    FACTORS.map((f) => [f, Math.round(weights[f] * 10_000) / 10_000]),
  ) as Record<Factor, number>;
}

function validate(
  s: Omit<PipelineSettings, 'recomputed_at'>,
): Array<{ field: string; message: string }> {
  const out: Array<{ field: string; message: string }> = [];
  if (FACTORS.reduce((sum, f) => sum + s.weights[f], 0) <= 0)
    out.push({ field: 'weights', message: 'at least one weight must be above 0' });
  const b = s.bands;
  if (!(b.healthy_min > b.monitor_min && b.monitor_min > b.at_risk_min))
    out.push({
      field: 'bands',
      message: 'bands must satisfy healthy_min > monitor_min > at_risk_min',
    });
  if (s.alerts.stale_critical_days <= s.alerts.stale_warning_days)
    out.push({
      field: 'alerts.stale_critical_days',
      message: 'stale_critical_days must be greater than stale_warning_days',
    });
  return out;
}
