import { Body, Controller, Get, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Caller, RequireScope } from '../../platform/auth/auth.decorators';
import type { Principal } from '../../platform/auth/auth.types';
import { ApiEnvelope, ApiErrors, STANDARD_ERRORS } from '../../platform/http/api-docs';
import { ForecastChangesService } from './forecast-changes.service';
import { ForecastSettingsService } from './forecast-settings.service';
import {
  ForecastChangesDto,
  ForecastChangesQueryDto,
  ForecastScopeQueryDto,
  ForecastSettingsDto,
  ForecastSummaryDto,
  ForecastTrendsDto,
  ForecastTrendsQueryDto,
  UpdateForecastSettingsDto,
} from './forecast.dto';
import { ForecastService } from './forecast.service';

const scope = (q: ForecastScopeQueryDto) => ({ ownerId: q.owner_id, segment: q.segment });

@ApiTags('Forecast')
@ApiBearerAuth()
@ApiSecurity('api-key')
@ApiErrors(...STANDARD_ERRORS)
@RequireScope('read')
@Controller('forecast')
export class ForecastController {
  constructor(
    private readonly forecast: ForecastService,
    private readonly changesService: ForecastChangesService,
    private readonly settings: ForecastSettingsService,
  ) {}

  @Get('summary')
  @ApiOperation({
    summary:
      'Forecast by category for a period, with quota, attainment, coverage, weighted pipeline and accuracy',
    description:
      "Deals count in the period when their close date falls in it. Category: won deals are closed, lost deals omitted; an open deal takes its CRM forecast category, else its stage's mapped category (PUT /v1/forecast/settings), else pipeline. " +
      'attainment = closed / quota; coverage = (commit + best_case + pipeline) / (quota - closed); ' +
      'weighted_pipeline = sum(amount x probability) over open deals (CRM probability, else the stage mapping); ' +
      'forecast_accuracy = 1 - |forecast - actual| / actual for the last completed period, forecast = closed + commit in the snapshot of the day before it began.',
  })
  @ApiEnvelope(ForecastSummaryDto)
  @ApiErrors('NOT_FOUND')
  summary(@Caller() caller: Principal, @Query() q: ForecastScopeQueryDto) {
    return this.forecast.summary(
      caller.workspaceId,
      q.period,
      scope(q),
      this.forecast.asOf(q.as_of),
    );
  }

  @Get('trends')
  @ApiOperation({
    summary: "The period's category totals over time, from the daily snapshots",
    description:
      'One point per snapshot day (daily), or the first snapshot of each week from the series start (weekly) or of each calendar month (monthly). ' +
      'The series runs from the period start (or the current quarter start for a period that has not begun) to the period end or as_of. ' +
      'Days before the first snapshot are rebuilt from stage history (source: rebuilt).',
  })
  @ApiEnvelope(ForecastTrendsDto)
  @ApiErrors('NOT_FOUND')
  trends(@Caller() caller: Principal, @Query() q: ForecastTrendsQueryDto) {
    return this.forecast.trends(
      caller.workspaceId,
      q.period,
      q.granularity,
      scope(q),
      this.forecast.asOf(q.as_of),
    );
  }

  @Get('changes')
  @ApiOperation({
    summary: "What changed in a period's forecast between the ends of two days",
    description:
      'From stage history. The total is closed + commit + best_case + pipeline of the deals closing in the period. Every deal whose contribution changed is in exactly one bucket ' +
      '(created, pulled_in, reopened, won, lost, pushed_out, amount_changed, category_changed) with its change, so the bucket amounts add up to net_change = to.total - from.total, to the cent.',
  })
  @ApiEnvelope(ForecastChangesDto)
  @ApiErrors('NOT_FOUND')
  changes(@Caller() caller: Principal, @Query() q: ForecastChangesQueryDto) {
    return this.changesService.changes(
      caller.workspaceId,
      q.period,
      { from: q.from, to: q.to },
      scope(q),
      this.forecast.asOf(q.as_of),
      q.limit,
    );
  }

  @Get('settings')
  @ApiOperation({
    summary: 'Fiscal year start month and the stage -> category / probability mapping',
  })
  @ApiEnvelope(ForecastSettingsDto)
  getSettings(@Caller() caller: Principal): Promise<ForecastSettingsDto> {
    return this.settings.get(caller.workspaceId);
  }

  @Put('settings')
  @RequireScope('write')
  @ApiOperation({
    summary: 'Change the fiscal year start month and/or replace the stage mapping',
    description:
      'The stage mapping applies to deals whose CRM record has no forecast category or probability of its own.',
  })
  @ApiEnvelope(ForecastSettingsDto)
  putSettings(
    @Caller() caller: Principal,
    @Body() body: UpdateForecastSettingsDto,
  ): Promise<ForecastSettingsDto> {
    return this.settings.update(caller.workspaceId, body);
  }
}
