import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { FORECAST_PERIODS } from './fiscal-calendar';

/** A calendar day of the years 1900-2999 (the shape; @IsISO8601 strict refuses 2026-02-30). */
const DAY = /^(19|2\d)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const CATEGORY_VALUES = ['pipeline', 'best_case', 'commit', 'closed', 'omitted'];

/** Optional "as of" day shared by the analytics routes. */
export class AsOfQueryDto {
  @ApiPropertyOptional({
    description:
      'Compute as of the end of this UTC day (YYYY-MM-DD) instead of now: periods are taken relative to it. ' +
      'Makes results reproducible.',
    example: '2026-11-22',
  })
  @IsOptional()
  @Matches(DAY, { message: 'as_of must be a date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'as_of must be a date that exists' })
  as_of?: string;
}

export class ForecastScopeQueryDto extends AsOfQueryDto {
  @ApiPropertyOptional({
    enum: FORECAST_PERIODS,
    default: 'current_quarter',
    description: "On the workspace's fiscal calendar",
  })
  @IsOptional()
  @IsIn(FORECAST_PERIODS)
  period: (typeof FORECAST_PERIODS)[number] = 'current_quarter';

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Only deals owned by this user (404 if unknown)',
  })
  @IsOptional()
  @IsUUID()
  owner_id?: string;

  @ApiPropertyOptional({
    example: 'Enterprise',
    description: "Only deals of this segment (the deal's own, else its account's)",
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(40)
  segment?: string;
}

export class ForecastTrendsQueryDto extends ForecastScopeQueryDto {
  @ApiPropertyOptional({ enum: ['daily', 'weekly', 'monthly'], default: 'weekly' })
  @IsOptional()
  @IsIn(['daily', 'weekly', 'monthly'])
  granularity: 'daily' | 'weekly' | 'monthly' = 'weekly';
}

export class ForecastChangesQueryDto extends ForecastScopeQueryDto {
  @ApiPropertyOptional({
    description:
      'Compare the state at the end of this day (default: the day before the period starts, or before the current quarter starts for next_quarter)',
    example: '2026-09-30',
  })
  @IsOptional()
  @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'from must be a date that exists' })
  from?: string;

  @ApiPropertyOptional({
    description:
      'with the state at the end of this day (default: as_of, i.e. today, or the period end if earlier)',
    example: '2026-11-22',
  })
  @IsOptional()
  @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'to must be a date that exists' })
  to?: string;

  @ApiPropertyOptional({
    default: 50,
    minimum: 1,
    maximum: 500,
    description: 'Deals listed per bucket, largest change first',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 50;
}

export class StageSettingDto {
  @ApiProperty({ example: 'Engaging' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  stage: string;

  @ApiPropertyOptional({ enum: CATEGORY_VALUES, nullable: true, type: String })
  @IsOptional()
  @IsIn(CATEGORY_VALUES)
  forecast_category: string | null = null;

  @ApiPropertyOptional({
    example: '0.4000',
    nullable: true,
    type: String,
    description: '0 to 1, up to 4 decimals',
  })
  @IsOptional()
  @Matches(/^(0(\.\d{1,4})?|1(\.0{1,4})?)$/, {
    message: 'probability must be a decimal from 0 to 1',
  })
  probability: string | null = null;
}

export class UpdateForecastSettingsDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 12,
    example: 2,
    description: 'Month the fiscal year starts in',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(12)
  fiscal_year_start_month?: number;

  @ApiPropertyOptional({ type: [StageSettingDto], description: 'Replaces the whole stage mapping' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => StageSettingDto)
  stages?: StageSettingDto[];
}

export class ForecastSettingsDto {
  @ApiProperty({ example: 1 }) fiscal_year_start_month: number;
  @ApiProperty({ type: [StageSettingDto] }) stages: StageSettingDto[];
}

export class CategoryTotalDto {
  @ApiProperty({ example: '1250000.00', description: 'Sum of deal amounts (decimal string)' })
  amount: string;
  @ApiProperty({ example: 15 }) count: number;
}

export class CategoriesDto {
  @ApiProperty({ type: CategoryTotalDto, description: 'Won deals' }) closed: CategoryTotalDto;
  @ApiProperty({ type: CategoryTotalDto }) commit: CategoryTotalDto;
  @ApiProperty({ type: CategoryTotalDto }) best_case: CategoryTotalDto;
  @ApiProperty({ type: CategoryTotalDto }) pipeline: CategoryTotalDto;
  @ApiProperty({
    type: CategoryTotalDto,
    description:
      'Lost deals and open deals categorised omitted: the five categories add up to every deal closing in the period',
  })
  omitted: CategoryTotalDto;
}

export class ForecastMetricsDto {
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 0.25,
    description: 'closed / quota (null without a quota)',
  })
  attainment: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 3.4,
    description:
      'open pipeline closing in the period (commit + best_case + pipeline) / (quota - closed); null when quota - closed <= 0',
  })
  coverage: number | null;
  @ApiProperty({
    example: '2890000.00',
    description:
      "sum of amount x win probability over the open deals closing in the period; the probability is the deal's CRM probability, else its stage's mapped probability; deals with neither count 0 (see weighted_pipeline_sources)",
  })
  weighted_pipeline: string;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 0.82,
    description:
      '1 - |forecast - actual| / actual for the last completed period of the same length: forecast = closed + commit in the snapshot of the day before it began, actual = its closed-won amount now. Null without that snapshot or with no actual',
  })
  forecast_accuracy: number | null;
}

export class ProbabilitySourceDto {
  @ApiProperty() count: number;
  @ApiProperty({ example: '120000.00' }) amount: string;
  @ApiProperty({ example: '54000.00' }) weighted: string;
}

export class ProbabilitySourcesDto {
  @ApiProperty({ type: ProbabilitySourceDto, description: 'Open deals with a CRM probability' })
  crm: ProbabilitySourceDto;
  @ApiProperty({
    type: ProbabilitySourceDto,
    description: "Open deals weighted by their stage's mapped probability",
  })
  stage_mapping: ProbabilitySourceDto;
  @ApiProperty({
    type: ProbabilitySourceDto,
    description: 'Open deals with no probability at all (weighted 0)',
  })
  none: ProbabilitySourceDto;
}

export class AccuracyBasisDto {
  @ApiProperty({ example: 'Q3 2026' }) period: string;
  @ApiProperty({ format: 'date' }) start_date: string;
  @ApiProperty({ format: 'date' }) end_date: string;
  @ApiProperty({ format: 'date' }) snapshot_date: string;
  @ApiProperty({ example: '900000.00' }) forecast: string;
  @ApiProperty({ example: '1000000.00' }) actual: string;
  @ApiProperty({ nullable: true, type: Number }) accuracy: number | null;
}

export class ForecastSummaryDto {
  @ApiProperty({ example: 'Q1 2024' }) period: string;
  @ApiProperty({ enum: FORECAST_PERIODS }) period_name: string;
  @ApiProperty({ format: 'date' }) start_date: string;
  @ApiProperty({ format: 'date' }) end_date: string;
  @ApiProperty({ format: 'date' }) as_of: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '5000000.00',
    description:
      'Sum of the quotas in scope (pro rata by days where a quota only partly overlaps the period); null when filtering by segment or without quotas',
  })
  quota: string | null;
  @ApiProperty({ type: CategoriesDto }) categories: CategoriesDto;
  @ApiProperty({ type: ForecastMetricsDto }) metrics: ForecastMetricsDto;
  @ApiProperty({ type: ProbabilitySourcesDto }) weighted_pipeline_sources: ProbabilitySourcesDto;
  @ApiProperty({ type: AccuracyBasisDto, nullable: true })
  forecast_accuracy_basis: AccuracyBasisDto | null;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class TrendPointDto {
  @ApiProperty({ format: 'date', description: 'Snapshot day: the state at its end (UTC)' })
  date: string;
  @ApiProperty({ example: '800000.00' }) closed: string;
  @ApiProperty({ example: '1200000.00' }) commit: string;
  @ApiProperty({ example: '1800000.00' }) best_case: string;
  @ApiProperty({ example: '4500000.00' }) pipeline: string;
  @ApiProperty({
    enum: ['snapshot', 'rebuilt'],
    description: 'Taken by the daily job, or rebuilt from stage history',
  })
  source: string;
}

export class ForecastTrendsDto {
  @ApiProperty({ example: 'Q1 2024' }) period: string;
  @ApiProperty({ enum: FORECAST_PERIODS }) period_name: string;
  @ApiProperty({ format: 'date' }) start_date: string;
  @ApiProperty({ format: 'date' }) end_date: string;
  @ApiProperty({ enum: ['daily', 'weekly', 'monthly'] }) granularity: string;
  @ApiProperty({ type: [TrendPointDto] }) trends: TrendPointDto[];
}

export class DealStateDto {
  @ApiProperty({ nullable: true, type: String }) amount: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date' }) close_date: string | null;
  @ApiProperty({ nullable: true, type: String }) category: string | null;
}

export class ChangedDealDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) owner_id: string | null;
  @ApiProperty({ type: DealStateDto }) from: DealStateDto;
  @ApiProperty({ type: DealStateDto }) to: DealStateDto;
  @ApiProperty({
    example: '-12000.00',
    description: "Change of the deal's contribution to the total",
  })
  change: string;
}

export class ChangeBucketDto {
  @ApiProperty() count: number;
  @ApiProperty({ example: '-45000.00', description: 'Sum of the changes of its deals' })
  amount: string;
  @ApiProperty({ type: [ChangedDealDto], description: 'Up to `limit` deals, largest change first' })
  deals: ChangedDealDto[];
}

export class ChangeBucketsDto {
  @ApiProperty({ type: ChangeBucketDto, description: 'Did not exist at `from`' })
  created: ChangeBucketDto;
  @ApiProperty({ type: ChangeBucketDto, description: 'Close date moved into the period' })
  pulled_in: ChangeBucketDto;
  @ApiProperty({ type: ChangeBucketDto, description: 'Was lost or omitted, now counts again' })
  reopened: ChangeBucketDto;
  @ApiProperty({
    type: ChangeBucketDto,
    description: 'Became closed won (change = amount change at the win)',
  })
  won: ChangeBucketDto;
  @ApiProperty({ type: ChangeBucketDto, description: 'Lost or omitted' }) lost: ChangeBucketDto;
  @ApiProperty({ type: ChangeBucketDto, description: 'Close date moved out of the period' })
  pushed_out: ChangeBucketDto;
  @ApiProperty({ type: ChangeBucketDto }) amount_changed: ChangeBucketDto;
  @ApiProperty({ type: ChangeBucketDto, description: 'Same amount, other category (change 0)' })
  category_changed: ChangeBucketDto;
}

export class SideCategoriesDto {
  @ApiProperty({ type: CategoryTotalDto }) closed: CategoryTotalDto;
  @ApiProperty({ type: CategoryTotalDto }) commit: CategoryTotalDto;
  @ApiProperty({ type: CategoryTotalDto }) best_case: CategoryTotalDto;
  @ApiProperty({ type: CategoryTotalDto }) pipeline: CategoryTotalDto;
}

export class ForecastSideDto {
  @ApiProperty({ format: 'date' }) date: string;
  @ApiProperty({ example: '5000000.00', description: 'closed + commit + best_case + pipeline' })
  total: string;
  @ApiProperty({ type: SideCategoriesDto }) categories: SideCategoriesDto;
}

export class ForecastChangesDto {
  @ApiProperty({ example: 'Q4 2026' }) period: string;
  @ApiProperty({ enum: FORECAST_PERIODS }) period_name: string;
  @ApiProperty({ format: 'date' }) start_date: string;
  @ApiProperty({ format: 'date' }) end_date: string;
  @ApiProperty({ type: ForecastSideDto }) from: ForecastSideDto;
  @ApiProperty({ type: ForecastSideDto }) to: ForecastSideDto;
  @ApiProperty({
    example: '125000.00',
    description: 'to.total - from.total = the sum of every bucket amount, to the cent',
  })
  net_change: string;
  @ApiProperty({ type: ChangeBucketsDto }) changes: ChangeBucketsDto;
}
