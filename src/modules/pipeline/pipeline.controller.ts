import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Caller, RequireScope } from '../../platform/auth/auth.decorators';
import type { Principal } from '../../platform/auth/auth.types';
import { ApiEnvelope, ApiErrors, STANDARD_ERRORS } from '../../platform/http/api-docs';
import { RawJson } from '../../platform/http/envelope.interceptor';
import { HygieneService } from './hygiene.service';
import { PipelineJobsService } from './pipeline-jobs.service';
import { PipelineQueryService } from './pipeline-query.service';
import { PipelineSettingsService } from './pipeline-settings.service';
import {
  DealDetailDto,
  DealListDto,
  DealListQueryDto,
  HealthQueryDto,
  HealthSummaryDto,
  HygieneDto,
  HygieneQueryDto,
  SettingsDto,
  UpdateSettingsDto,
} from './pipeline.dto';

@ApiTags('Pipeline')
@ApiBearerAuth()
@ApiSecurity('api-key')
@ApiErrors(...STANDARD_ERRORS)
@RequireScope('read')
@Controller('pipeline')
export class PipelineController {
  constructor(
    private readonly query: PipelineQueryService,
    private readonly hygiene: HygieneService,
    private readonly settings: PipelineSettingsService,
    private readonly jobs: PipelineJobsService,
  ) {}

  @Get('health')
  @ApiOperation({
    summary: 'Pipeline health: open pipeline, deal count and amount per status band',
  })
  @ApiEnvelope(HealthSummaryDto)
  health(@Caller() caller: Principal, @Query() q: HealthQueryDto): Promise<RawJson> {
    return this.query.summary(caller.workspaceId, q);
  }

  @Get('deals')
  @ApiOperation({ summary: 'Deals with their health score, filtered, sorted and paginated' })
  @ApiEnvelope(DealListDto)
  deals(@Caller() caller: Principal, @Query() q: DealListQueryDto): Promise<RawJson> {
    return this.query.list(caller.workspaceId, q);
  }

  @Get('deals/:opportunity_id')
  @ApiOperation({
    summary:
      'One deal: health factors and their points, prediction, activity, contacts, next steps',
  })
  @ApiEnvelope(DealDetailDto)
  @ApiErrors('NOT_FOUND')
  deal(
    @Caller() caller: Principal,
    @Param('opportunity_id') opportunityId: string,
  ): Promise<DealDetailDto> {
    return this.query.detail(caller.workspaceId, opportunityId);
  }

  @Get('hygiene')
  @ApiOperation({ summary: 'Open hygiene alerts (stale, past close date, missing next step)' })
  @ApiEnvelope(HygieneDto)
  hygieneAlerts(@Caller() caller: Principal, @Query() q: HygieneQueryDto): Promise<HygieneDto> {
    return this.hygiene.list(caller.workspaceId, q);
  }

  @Get('settings')
  @ApiOperation({ summary: 'Factor weights, status bands and alert thresholds of the workspace' })
  @ApiEnvelope(SettingsDto)
  getSettings(@Caller() caller: Principal): Promise<SettingsDto> {
    return this.settings.get(caller.workspaceId);
  }

  @Patch('settings')
  @RequireScope('write')
  @ApiOperation({ summary: 'Change settings; health and alerts are recomputed in the background' })
  @ApiEnvelope(SettingsDto)
  async updateSettings(
    @Caller() caller: Principal,
    @Body() body: UpdateSettingsDto,
  ): Promise<SettingsDto> {
    // The cached answers are invalidated and the recompute enqueued in the change's transaction.
    return this.settings.update(caller.workspaceId, body, async (m) => {
      await this.query.invalidateAnswers(m, caller.workspaceId);
      await this.jobs.enqueueRecompute(caller.workspaceId, m);
    });
  }
}
