import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FiscalCalendar } from './fiscal-calendar';
import { ForecastException } from './forecast.exception';
import { ForecastReadModelService } from './forecast-read-model.service';

export interface StageSetting {
  stage: string;
  forecast_category: string | null;
  probability: string | null;
}

export interface ForecastSettings {
  fiscal_year_start_month: number;
  stages: StageSetting[];
}

/**
 * A workspace's forecast settings: the month its fiscal year starts in (default January) and the
 * category and probability of each stage, used for deals whose CRM record has none.
 */
@Injectable()
export class ForecastSettingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly readModel: ForecastReadModelService,
  ) {}

  async get(workspaceId: string): Promise<ForecastSettings> {
    const [row] = await this.dataSource.query(
      `SELECT fiscal_year_start_month FROM forecast_settings WHERE workspace_id = $1`,
      [workspaceId],
    );
    const stages: StageSetting[] = await this.dataSource.query(
      `SELECT stage, forecast_category, probability::text AS probability
         FROM forecast_stage_settings WHERE workspace_id = $1 ORDER BY stage`,
      [workspaceId],
    );
    return { fiscal_year_start_month: row?.fiscal_year_start_month ?? 1, stages };
  }

  async calendar(workspaceId: string): Promise<FiscalCalendar> {
    const [row] = await this.dataSource.query(
      `SELECT fiscal_year_start_month FROM forecast_settings WHERE workspace_id = $1`,
      [workspaceId],
    );
    return new FiscalCalendar(row?.fiscal_year_start_month ?? 1);
  }

  /** Sets the fiscal year start and, when `stages` is given, replaces the whole stage mapping. */
  async update(
    workspaceId: string,
    changes: { fiscal_year_start_month?: number; stages?: StageSetting[] },
  ): Promise<ForecastSettings> {
    const seen = new Set<string>();
    for (const [i, s] of (changes.stages ?? []).entries()) {
      if (seen.has(s.stage))
        throw new ForecastException('VALIDATION_ERROR', `stage ${s.stage} is listed twice`, [
          { field: `stages.${i}.stage`, message: 'each stage may appear once' },
        ]);
      seen.add(s.stage);
    }
    await this.dataSource.transaction(async (m) => {
      if (changes.fiscal_year_start_month !== undefined)
        await m.query(
          `INSERT INTO forecast_settings (workspace_id, fiscal_year_start_month) VALUES ($1, $2)
           ON CONFLICT (workspace_id) DO UPDATE SET fiscal_year_start_month = EXCLUDED.fiscal_year_start_month, updated_at = now()`,
          [workspaceId, changes.fiscal_year_start_month],
        );
      if (changes.stages) {
        await m.query(`DELETE FROM forecast_stage_settings WHERE workspace_id = $1`, [workspaceId]);
        await m.query(
          `INSERT INTO forecast_stage_settings (workspace_id, stage, forecast_category, probability)
           SELECT $1, s.stage, s.category, s.probability
             FROM unnest($2::text[], $3::text[], $4::numeric[]) AS s(stage, category, probability)`,
          [
            workspaceId,
            changes.stages.map((s) => s.stage),
            changes.stages.map((s) => s.forecast_category),
            changes.stages.map((s) => s.probability),
          ],
        );
      }
      // The writes above mark the read models stale (a trigger); the refresh commits with them.
      await this.readModel.enqueue(workspaceId, m);
    });
    return this.get(workspaceId);
  }
}
