import { Module } from '@nestjs/common';
import { CrmModule } from '../crm/crm.module';
import { ClockService } from './clock.service';
import { ForecastChangesService } from './forecast-changes.service';
import { ForecastController } from './forecast.controller';
import { ForecastReadModelService } from './forecast-read-model.service';
import { ForecastService } from './forecast.service';
import { ForecastSettingsService } from './forecast-settings.service';
import { ForecastSnapshotService } from './forecast-snapshot.service';
import { QuotaService } from './quota.service';

/**
 * The forecast (docs/FORECAST.md): summary, trends and changes on the workspace's fiscal
 * calendar, its settings, and the daily snapshot job. Reads the CRM model; exports the fiscal
 * calendar settings, quotas, the clock and the read models to the coaching module.
 */
@Module({
  imports: [CrmModule],
  controllers: [ForecastController],
  providers: [
    ClockService,
    ForecastReadModelService,
    ForecastSettingsService,
    QuotaService,
    ForecastService,
    ForecastChangesService,
    ForecastSnapshotService,
  ],
  exports: [
    ClockService,
    ForecastSettingsService,
    QuotaService,
    ForecastSnapshotService,
    ForecastReadModelService,
  ],
})
export class ForecastModule {}
