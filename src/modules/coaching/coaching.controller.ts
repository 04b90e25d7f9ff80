import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Caller, RequireScope } from '../../platform/auth/auth.decorators';
import type { Principal } from '../../platform/auth/auth.types';
import { ApiEnvelope, ApiErrors, STANDARD_ERRORS } from '../../platform/http/api-docs';
import { ClockService } from '../forecast/clock.service';
import { CoachingInsightsService } from './coaching-insights.service';
import {
  CoachingPeriodQueryDto,
  InsightsDto,
  PerformanceDto,
  PerformanceQueryDto,
} from './coaching.dto';
import { CoachingService } from './coaching.service';

@ApiTags('Coaching')
@ApiBearerAuth()
@ApiSecurity('api-key')
@ApiErrors(...STANDARD_ERRORS)
@RequireScope('read')
@Controller('coaching')
export class CoachingController {
  constructor(
    private readonly coaching: CoachingService,
    private readonly insightsService: CoachingInsightsService,
    private readonly clock: ClockService,
  ) {}

  @Get('performance')
  @ApiOperation({
    summary:
      'Per-rep quota, closed won, attainment, pipeline, coverage, win rate, deal size, cycle, rank and trend',
    description:
      'Deals count in a period by close date. attainment = closed_won / quota; coverage = pipeline / (quota - closed_won); win_rate = won / (won + lost); ' +
      'avg_deal_size = closed_won / won; avg_cycle_days = mean(close date - created date) of won deals; rank by attainment within the team; ' +
      'trend against the previous period at the same point, threshold 0.05 of attainment.',
  })
  @ApiEnvelope(PerformanceDto)
  @ApiErrors('NOT_FOUND')
  performance(@Caller() caller: Principal, @Query() q: PerformanceQueryDto) {
    return this.coaching.performance(
      caller.workspaceId,
      q.period,
      { repId: q.rep_id, managerId: q.manager_id },
      this.clock.asOf(q.as_of).day,
    );
  }

  @Get('insights/:rep_id')
  @ApiOperation({
    summary:
      "Strengths, opportunities and recommendations from the rep's numbers against the team's",
    description:
      'Each sentence states its numbers; a rule speaks only when the rep and the rest of the team have enough closed deals (see minimums), ' +
      'and a recommendation carries an estimated impact only when it is computed from the data. Deterministic for a given as_of.',
  })
  @ApiEnvelope(InsightsDto)
  @ApiErrors('NOT_FOUND')
  insights(
    @Caller() caller: Principal,
    @Param('rep_id', ParseUUIDPipe) repId: string,
    @Query() q: CoachingPeriodQueryDto,
  ) {
    return this.insightsService.insights(
      caller.workspaceId,
      repId,
      q.period,
      this.clock.asOf(q.as_of),
    );
  }
}
