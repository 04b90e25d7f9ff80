import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto, PaginationDto } from '../../platform/http/pagination.dto';
import { HEALTH_STATUSES } from './pipeline-settings.service';

export const SORT_FIELDS = [
  'amount',
  'close_date',
  'health_score',
  'days_in_stage',
  'win_probability',
] as const;
export type SortField = (typeof SORT_FIELDS)[number];
const SORTS = SORT_FIELDS.flatMap((f) => [f, `-${f}`]);
const DEAL_STATUSES = ['open', 'won', 'lost', 'all'] as const;
export const ALERT_TYPES = ['stale', 'past_close', 'missing_next_step'] as const;
const SEVERITIES = ['warning', 'critical'] as const;

/** An amount as numeric(18,2) holds it: kept a string, so no float ever touches it. */
const AMOUNT = /^\d{1,16}(\.\d{1,2})?$/;
/**
 * For the fields of a settings patch: absent means "keep", but an explicit null is refused (it
 * would otherwise pass @IsOptional and overwrite a required setting).
 */
const present = (_: object, value: unknown) => value !== undefined;

/** The filters the summary and the list share. */
export class PipelineFilterDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Deal owner (a CRM user id)' })
  @IsOptional()
  @IsUUID()
  owner_id?: string;

  @ApiPropertyOptional({ example: 'Enterprise' })
  @IsOptional()
  @MaxLength(40)
  @IsString()
  segment?: string;

  @ApiPropertyOptional({
    type: String,
    example: '10000',
    description:
      'Minimum deal amount, a decimal with up to 2 places (compared exactly, never as a float)',
  })
  @IsOptional()
  @Matches(AMOUNT, { message: 'min_amount must be a decimal amount such as 10000 or 2500.50' })
  min_amount?: string;
}

export class HealthQueryDto extends PipelineFilterDto {}

export class DealListQueryDto extends IntersectionType(PageQueryDto, PipelineFilterDto) {
  @ApiPropertyOptional({
    type: String,
    example: '250000',
    description: 'Maximum deal amount, a decimal with up to 2 places',
  })
  @IsOptional()
  @Matches(AMOUNT, { message: 'max_amount must be a decimal amount such as 250000 or 2500.50' })
  max_amount?: string;

  @ApiPropertyOptional({ enum: DEAL_STATUSES, default: 'open' })
  @IsOptional()
  @IsIn(DEAL_STATUSES)
  status: (typeof DEAL_STATUSES)[number] = 'open';

  @ApiPropertyOptional({ enum: HEALTH_STATUSES })
  @IsOptional()
  @IsIn(HEALTH_STATUSES)
  health?: (typeof HEALTH_STATUSES)[number];

  @ApiPropertyOptional({ example: 'Engaging' })
  @IsOptional()
  @MaxLength(100)
  @IsString()
  stage?: string;

  @ApiPropertyOptional({
    enum: SORTS,
    default: '-amount',
    description: 'Sort field; prefix with - for descending',
  })
  @IsOptional()
  @IsIn(SORTS, { message: `sort must be one of ${SORTS.join(', ')}` })
  sort = '-amount';
}

export class HygieneQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ALERT_TYPES })
  @IsOptional()
  @IsIn(ALERT_TYPES)
  alert_type?: (typeof ALERT_TYPES)[number];

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  owner_id?: string;

  @ApiPropertyOptional({ enum: SEVERITIES })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: (typeof SEVERITIES)[number];
}

class BandDto {
  @ApiProperty({ example: 45 }) count: number;
  @ApiProperty({ example: '2100000.00', description: 'Decimal string' }) amount: string;
}

class HealthDistributionDto {
  @ApiProperty({ type: BandDto }) healthy: BandDto;
  @ApiProperty({ type: BandDto }) monitor: BandDto;
  @ApiProperty({ type: BandDto }) at_risk: BandDto;
  @ApiProperty({ type: BandDto }) critical: BandDto;
}

export class HealthSummaryDto {
  @ApiProperty({ example: '5420000.00', description: 'Open pipeline amount (decimal string)' })
  total_pipeline: string;
  @ApiProperty({ example: 127 }) deal_count: number;
  @ApiProperty({ type: HealthDistributionDto }) health_distribution: HealthDistributionDto;
  @ApiProperty({ example: 67.3, nullable: true, type: Number }) avg_health_score: number | null;
  @ApiProperty({
    example: '2024-01-15T10:00:00Z',
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When health was last recomputed',
  })
  updated_at: string | null;
}

export class DealRowDto {
  @ApiProperty({ format: 'uuid' }) opportunity_id: string;
  @ApiProperty({ nullable: true, type: String, description: "The deal's id in the CRM" })
  crm_id: string | null;
  @ApiProperty({ example: 'Acme Corp - Platform' }) opportunity_name: string;
  @ApiProperty({ nullable: true, type: String }) account_name: string | null;
  @ApiProperty({ nullable: true, type: String }) owner_name: string | null;
  @ApiProperty({ nullable: true, type: String, example: '125000.00' }) amount: string | null;
  @ApiProperty({ example: 'Negotiation' }) stage_name: string;
  @ApiProperty({ nullable: true, type: String, format: 'date' }) close_date: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 35 }) health_score: number | null;
  @ApiProperty({ nullable: true, enum: HEALTH_STATUSES }) health_status: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 0.28,
    description: "The CRM's probability until the ML module scores deals",
  })
  win_probability: number | null;
  @ApiProperty({ type: [String], example: ['No activity in 21 days', 'Single-threaded'] })
  risk_factors: string[];
  @ApiProperty({ nullable: true, type: Number, example: 21 }) days_in_stage: number | null;
}

export class DealListDto {
  @ApiProperty({ type: [DealRowDto] }) deals: DealRowDto[];
  @ApiProperty({ type: PaginationDto }) pagination: PaginationDto;
}

class FactorsDto {
  @ApiProperty({ example: 0.2 }) activity_recency: number;
  @ApiProperty({ example: 0.4 }) stage_velocity: number;
  @ApiProperty({ example: 0.3 }) engagement: number;
  @ApiProperty({ example: 0.5 }) multi_threading: number;
}

class HealthFactsDto {
  @ApiProperty() days_since_activity: number;
  @ApiProperty() days_in_stage: number;
  @ApiProperty({ description: 'Median days won deals spent in this stage' })
  stage_median_days: number;
  @ApiProperty() recent_activities: number;
  @ApiProperty({ description: 'Activities won deals had per engagement window at this stage' })
  engagement_norm: number;
  @ApiProperty() engagement_window_days: number;
  @ApiProperty() engaged_contacts: number;
  @ApiProperty({ description: 'Median distinct contacts engaged on won deals' })
  contacts_norm: number;
  @ApiProperty() close_date_pushes: number;
}

class DealHealthDto {
  @ApiProperty({ example: 35 }) score: number;
  @ApiProperty({ enum: HEALTH_STATUSES }) status: string;
  @ApiProperty({ type: FactorsDto }) factors: FactorsDto;
  @ApiProperty({
    type: FactorsDto,
    description: "Each factor's points; they add up exactly to the score",
  })
  contributions: FactorsDto;
  @ApiProperty({ type: HealthFactsDto }) facts: HealthFactsDto;
  @ApiProperty({ format: 'date-time' }) computed_at: string;
}

class PredictionDto {
  @ApiProperty({ nullable: true, type: Number, example: 0.75 }) win_probability: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    enum: ['low', 'medium', 'high'],
    description: 'Null until a model scores the deal',
  })
  confidence: string | null;
  @ApiProperty({
    enum: ['crm_probability', 'none'],
    description:
      "Where win_probability comes from: the CRM's own probability field, or none (no number is invented)",
  })
  source: string;
  @ApiProperty({ type: [String] }) risk_factors: string[];
}

class ActivityTotalsDto {
  @ApiProperty() total: number;
  @ApiProperty() last_7_days: number;
  @ApiProperty({ nullable: true, type: String, format: 'date' }) last_activity_date: string | null;
}

class DealContactDto {
  @ApiProperty({ format: 'uuid' }) contact_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) title: string | null;
  @ApiProperty({ nullable: true, type: String }) role: string | null;
  @ApiProperty() is_primary: boolean;
}

class RecommendationDto {
  @ApiProperty({ example: 'REACTIVATE_STALE' }) action_type: string;
  @ApiProperty({ example: 95 }) priority: number;
  @ApiProperty({ example: 'No activity in 14 days' }) reason: string;
}

export class DealDetailDto {
  @ApiProperty({ format: 'uuid' }) opportunity_id: string;
  @ApiProperty({ nullable: true, type: String }) crm_id: string | null;
  @ApiProperty() opportunity_name: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) account_id: string | null;
  @ApiProperty({ nullable: true, type: String }) account_name: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) owner_id: string | null;
  @ApiProperty({ nullable: true, type: String }) owner_name: string | null;
  @ApiProperty({ nullable: true, type: String, example: '125000.00' }) amount: string | null;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty() stage_name: string;
  @ApiProperty({ enum: ['open', 'won', 'lost'] }) status: string;
  @ApiProperty({ nullable: true, type: Number, example: 0.75 }) probability: number | null;
  @ApiProperty({ nullable: true, type: String, format: 'date' }) close_date: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date' }) created_date: string | null;
  @ApiProperty({ nullable: true, type: String }) next_step: string | null;
  @ApiProperty({
    type: DealHealthDto,
    nullable: true,
    description: 'Null for closed deals and deals not scored yet',
  })
  health: DealHealthDto | null;
  @ApiProperty({ type: PredictionDto }) prediction: PredictionDto;
  @ApiProperty({ type: ActivityTotalsDto }) activities: ActivityTotalsDto;
  @ApiProperty({ type: [DealContactDto] }) contacts: DealContactDto[];
  @ApiProperty({ type: [RecommendationDto] }) recommendations: RecommendationDto[];
}

class HygieneSummaryDto {
  @ApiProperty({ example: 45 }) total_alerts: number;
  @ApiProperty({ example: 12 }) critical: number;
  @ApiProperty({ example: 33 }) warning: number;
}

class AlertDto {
  @ApiProperty({ format: 'uuid' }) alert_id: string;
  @ApiProperty({ format: 'uuid' }) opportunity_id: string;
  @ApiProperty({ nullable: true, type: String }) crm_id: string | null;
  @ApiProperty() opportunity_name: string;
  @ApiProperty({ enum: ALERT_TYPES }) alert_type: string;
  @ApiProperty({ enum: SEVERITIES }) severity: string;
  @ApiProperty({ example: 'No activity in 21 days' }) message: string;
  @ApiProperty({ nullable: true, type: String, example: '125000.00' }) amount: string | null;
  @ApiProperty({ nullable: true, type: String }) owner_name: string | null;
  @ApiProperty({ format: 'date-time' }) triggered_at: string;
}

export class HygieneDto {
  @ApiProperty({ type: HygieneSummaryDto }) summary: HygieneSummaryDto;
  @ApiProperty({ type: [AlertDto] }) alerts: AlertDto[];
  @ApiProperty({ type: PaginationDto }) pagination: PaginationDto;
}

class WeightsDto {
  @ApiPropertyOptional({ example: 0.3 })
  @ValidateIf(present)
  @Min(0)
  @Max(1)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  activity_recency?: number;

  @ApiPropertyOptional({ example: 0.25 })
  @ValidateIf(present)
  @Min(0)
  @Max(1)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  stage_velocity?: number;

  @ApiPropertyOptional({ example: 0.25 })
  @ValidateIf(present)
  @Min(0)
  @Max(1)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  engagement?: number;

  @ApiPropertyOptional({ example: 0.2 })
  @ValidateIf(present)
  @Min(0)
  @Max(1)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  multi_threading?: number;
}

class BandsDto {
  @ApiPropertyOptional({ example: 75 })
  @ValidateIf(present)
  @Min(1)
  @Max(100)
  @IsInt()
  healthy_min?: number;
  @ApiPropertyOptional({ example: 60 })
  @ValidateIf(present)
  @Min(1)
  @Max(100)
  @IsInt()
  monitor_min?: number;
  @ApiPropertyOptional({ example: 40 })
  @ValidateIf(present)
  @Min(1)
  @Max(100)
  @IsInt()
  at_risk_min?: number;
}

class AlertThresholdsDto {
  @ApiPropertyOptional({ example: 14 })
  @ValidateIf(present)
  @Min(1)
  @Max(365)
  @IsInt()
  stale_warning_days?: number;
  @ApiPropertyOptional({ example: 21 })
  @ValidateIf(present)
  @Min(1)
  @Max(365)
  @IsInt()
  stale_critical_days?: number;
  @ApiPropertyOptional({ example: 14 })
  @ValidateIf(present)
  @Min(1)
  @Max(365)
  @IsInt()
  past_close_critical_days?: number;
  @ApiPropertyOptional({ example: 14 })
  @ValidateIf(present)
  @Min(0)
  @Max(365)
  @IsInt()
  next_step_critical_days?: number;
}

export class UpdateSettingsDto {
  @ApiPropertyOptional({ type: WeightsDto })
  @ValidateIf(present)
  @ValidateNested()
  @Type(() => WeightsDto)
  weights?: WeightsDto;

  @ApiPropertyOptional({ type: BandsDto })
  @ValidateIf(present)
  @ValidateNested()
  @Type(() => BandsDto)
  bands?: BandsDto;

  @ApiPropertyOptional({ example: 14 })
  @ValidateIf(present)
  @Min(1)
  @Max(90)
  @IsInt()
  engagement_window_days?: number;

  @ApiPropertyOptional({ type: AlertThresholdsDto })
  @ValidateIf(present)
  @ValidateNested()
  @Type(() => AlertThresholdsDto)
  alerts?: AlertThresholdsDto;
}

class WeightsOutDto {
  @ApiProperty() activity_recency: number;
  @ApiProperty() stage_velocity: number;
  @ApiProperty() engagement: number;
  @ApiProperty() multi_threading: number;
}
class BandsOutDto {
  @ApiProperty() healthy_min: number;
  @ApiProperty() monitor_min: number;
  @ApiProperty() at_risk_min: number;
}
class AlertThresholdsOutDto {
  @ApiProperty() stale_warning_days: number;
  @ApiProperty() stale_critical_days: number;
  @ApiProperty() past_close_critical_days: number;
  @ApiProperty() next_step_critical_days: number;
}

export class SettingsDto {
  @ApiProperty({ type: WeightsOutDto }) weights: WeightsOutDto;
  @ApiProperty({ type: BandsOutDto }) bands: BandsOutDto;
  @ApiProperty() engagement_window_days: number;
  @ApiProperty({ type: AlertThresholdsOutDto }) alerts: AlertThresholdsOutDto;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) recomputed_at: string | null;
}
