import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { COACHING_PERIODS } from '../forecast/fiscal-calendar';
import { AsOfQueryDto } from '../forecast/forecast.dto';

export class CoachingPeriodQueryDto extends AsOfQueryDto {
  @ApiPropertyOptional({
    enum: COACHING_PERIODS,
    default: 'current_quarter',
    description: "On the workspace's fiscal calendar; ytd runs from the fiscal year start to as_of",
  })
  @IsOptional()
  @IsIn(COACHING_PERIODS)
  period: (typeof COACHING_PERIODS)[number] = 'current_quarter';
}

export class PerformanceQueryDto extends CoachingPeriodQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'One rep (404 if not a rep of the workspace)',
  })
  @IsOptional()
  @IsUUID()
  rep_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The reps reporting to this manager' })
  @IsOptional()
  @IsUUID()
  manager_id?: string;
}

export class RepMetricsDto {
  @ApiProperty({
    nullable: true,
    type: String,
    example: '500000.00',
    description: "Sum of the rep's quotas in the period (pro rata by days for partial overlaps)",
  })
  quota: string | null;
  @ApiProperty({ example: '375000.00', description: 'Amount of won deals closing in the period' })
  closed_won: string;
  @ApiProperty({ nullable: true, type: Number, example: 0.75, description: 'closed_won / quota' })
  attainment: number | null;
  @ApiProperty({
    example: '1250000.00',
    description: 'Amount of open deals (not omitted) whose close date is in the period',
  })
  pipeline: string;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 2.5,
    description: 'pipeline / (quota - closed_won); null when that is <= 0',
  })
  coverage: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 0.32,
    description: 'won / (won + lost), deals closed in the period',
  })
  win_rate: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '45000.00',
    description: 'closed_won / deals_won',
  })
  avg_deal_size: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 38,
    description: 'Mean of close date - created date over won deals, 1 decimal',
  })
  avg_cycle_days: number | null;
  @ApiProperty({ example: 12 }) deals_won: number;
  @ApiProperty({ example: 25 }) deals_lost: number;
}

export class RepPerformanceDto {
  @ApiProperty({ format: 'uuid' }) rep_id: string;
  @ApiProperty({ example: 'John Smith' }) rep_name: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) manager_id: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Jane Doe' }) manager_name: string | null;
  @ApiProperty({ description: 'Team key: the manager id, else the CRM team name' }) team: string;
  @ApiProperty({ type: RepMetricsDto }) metrics: RepMetricsDto;
  @ApiProperty({
    example: 3,
    description:
      'Rank by attainment within the team (1 = best; ties share a rank; no quota ranks last)',
  })
  rank: number;
  @ApiProperty({ example: 6 }) team_size: number;
  @ApiProperty({
    enum: ['improving', 'declining', 'steady'],
    nullable: true,
    description:
      'Attainment against the previous period at the same point (as many days in): up 0.05 or more improving, down 0.05 or more declining, else steady; null without quotas in both',
  })
  trend: string | null;
  @ApiProperty({ nullable: true, type: Number }) previous_attainment: number | null;
}

export class PeriodRangeDto {
  @ApiProperty({ format: 'date' }) start_date: string;
  @ApiProperty({ format: 'date' }) end_date: string;
}

export class PerformanceDto {
  @ApiProperty({ example: 'Q4 2026' }) period: string;
  @ApiProperty({ enum: COACHING_PERIODS }) period_name: string;
  @ApiProperty({ format: 'date' }) start_date: string;
  @ApiProperty({ format: 'date' }) end_date: string;
  @ApiProperty({ type: PeriodRangeDto, description: 'The window the trend compares with' })
  previous_period: PeriodRangeDto;
  @ApiProperty({ type: [RepPerformanceDto] }) reps: RepPerformanceDto[];
}

export class RecommendationDto {
  @ApiProperty({
    example:
      'Engage at least 3 contacts per deal, the economic buyer among them, before the proposal',
  })
  action: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'Only when computed from the data (e.g. the team win rate of deals that have what this rep lacks)',
  })
  impact: string | null;
  @ApiProperty({ enum: ['high', 'medium', 'low'] }) priority: string;
}

export class InsightsBodyDto {
  @ApiProperty({ type: [String] }) strengths: string[];
  @ApiProperty({ type: [String] }) opportunities: string[];
  @ApiProperty({ type: [RecommendationDto] }) recommendations: RecommendationDto[];
}

export class EvidenceDto {
  @ApiProperty({ example: 'contacts_per_deal' }) metric: string;
  @ApiProperty({ enum: ['strength', 'opportunity'] }) kind: string;
  @ApiProperty() text: string;
  @ApiProperty({ oneOf: [{ type: 'number' }, { type: 'string' }] }) rep_value: number | string;
  @ApiProperty({ oneOf: [{ type: 'number' }, { type: 'string' }] }) team_value: number | string;
  @ApiProperty() rep_sample: number;
  @ApiProperty() team_sample: number;
}

export class SampleDto {
  @ApiProperty() closed_deals: number;
  @ApiProperty() won_deals: number;
  @ApiProperty() team_reps: number;
  @ApiProperty() team_closed_deals: number;
  @ApiProperty() team_won_deals: number;
}

export class MinimumsDto {
  @ApiProperty({ example: 10 }) rep_closed_deals: number;
  @ApiProperty({ example: 5 }) rep_won_deals: number;
  @ApiProperty({ example: 30 }) team_closed_deals: number;
  @ApiProperty({ example: 15 }) team_won_deals: number;
  @ApiProperty({ example: 10 }) impact_group_deals: number;
}

export class InsightsDto {
  @ApiProperty({ format: 'uuid' }) rep_id: string;
  @ApiProperty() rep_name: string;
  @ApiProperty({ example: 'Q4 2026' }) period: string;
  @ApiProperty({ enum: COACHING_PERIODS }) period_name: string;
  @ApiProperty({ format: 'date' }) start_date: string;
  @ApiProperty({ format: 'date' }) end_date: string;
  @ApiProperty({ type: InsightsBodyDto }) insights: InsightsBodyDto;
  @ApiProperty({
    type: [EvidenceDto],
    description: 'The numbers behind each strength and opportunity',
  })
  evidence: EvidenceDto[];
  @ApiProperty({ type: SampleDto }) sample: SampleDto;
  @ApiProperty({ type: MinimumsDto, description: 'Samples below these produce no insight' })
  minimums: MinimumsDto;
  @ApiProperty({
    format: 'date-time',
    description: 'The instant the numbers are as of (end of as_of when given)',
  })
  generated_at: string;
}
