import { Module } from '@nestjs/common';
import { CrmModule } from '../crm/crm.module';
import { HealthRecomputeService } from './health-recompute.service';
import { HygieneService } from './hygiene.service';
import { PipelineClock } from './pipeline-clock';
import { PipelineJobsService } from './pipeline-jobs.service';
import { PipelineQueryService } from './pipeline-query.service';
import { PipelineSettingsService } from './pipeline-settings.service';
import { PipelineController } from './pipeline.controller';

/**
 * Deal health (four explainable factors against the workspace's won deals), deal lists and
 * details, hygiene alerts (docs/PIPELINE.md). Reads the CRM model; depends on crm only, which
 * tells it when a build changed the data.
 */
@Module({
  imports: [CrmModule],
  controllers: [PipelineController],
  providers: [
    PipelineClock,
    PipelineSettingsService,
    HealthRecomputeService,
    PipelineJobsService,
    PipelineQueryService,
    HygieneService,
  ],
  exports: [HealthRecomputeService, PipelineQueryService],
})
export class PipelineModule {}
