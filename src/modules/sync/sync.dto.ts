import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PageQueryDto, PaginationDto } from '../../platform/auth/auth.dto';
import { CrmConnection } from './entities/crm-connection.entity';
import { SyncRunError } from './entities/sync-run-error.entity';
import { SyncRun } from './entities/sync-run.entity';

const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'rate_limited', 'abandoned'];

export class TriggerSyncDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Needed only when the workspace has several connections of the provider',
  })
  @IsOptional()
  @IsUUID()
  connection_id?: string;

  @ApiPropertyOptional({ description: 'Ignore the stored cursor and read everything' })
  @IsOptional()
  @IsBoolean()
  full?: boolean;

  @ApiPropertyOptional({
    description: 'Fetch, transform and validate, report what would change, write nothing',
  })
  @IsOptional()
  @IsBoolean()
  dry_run?: boolean;

  @ApiPropertyOptional({
    example: '2026-01-01',
    description: 'Only records changed since this date (engines that support it)',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ example: 1000, minimum: 1 })
  @IsOptional()
  @Min(1)
  @Max(100_000_000)
  @IsInt()
  max_records?: number;
}

export class RunCountsDto {
  @ApiProperty() processed: number;
  @ApiProperty({ description: 'Created (on a dry run: would create)' }) created: number;
  @ApiProperty({ description: 'Updated (on a dry run: would update)' }) updated: number;
  @ApiProperty() unchanged: number;
  @ApiProperty() deleted: number;
  @ApiProperty() failed: number;
}

export class SyncRunDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) connection_id: string;
  @ApiProperty({ example: 'csv' }) provider: string;
  @ApiProperty({ example: 'opportunities' }) entity: string;
  @ApiProperty({ enum: ['full', 'delta'] }) mode: string;
  @ApiProperty({ enum: ['cli', 'cron', 'api', 'demo'] }) trigger: string;
  @ApiProperty({ enum: RUN_STATUSES }) status: string;
  @ApiProperty() dry_run: boolean;
  @ApiProperty({ type: Object, example: { full: true } }) options: Record<string, unknown>;
  @ApiProperty({ type: RunCountsDto }) counts: RunCountsDto;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Records the source expects, when it knows',
  })
  total: number | null;
  @ApiProperty({ format: 'date-time' }) queued_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) started_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finished_at: string | null;
  @ApiProperty({ nullable: true, type: Number }) duration_ms: number | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
}

export class SyncRunErrorDto {
  @ApiProperty({ nullable: true, type: String, example: 'Z063OYW0' }) external_id: string | null;
  @ApiProperty({ enum: ['fetch', 'transform', 'validate', 'save'] }) stage: string;
  @ApiProperty({ example: 'status: "Negotiation" is not one of Prospecting, Engaging, Won, Lost' })
  reason: string;
  @ApiProperty({ type: Object, nullable: true }) record: unknown;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class SyncRunDetailDto extends SyncRunDto {
  @ApiProperty({ type: Object, nullable: true }) cursor_before: unknown;
  @ApiProperty({ type: Object, nullable: true }) cursor_after: unknown;
  @ApiProperty({ type: [SyncRunErrorDto], description: 'The first 100 errors' })
  errors: SyncRunErrorDto[];
  @ApiProperty() error_count: number;
}

export class TriggerResultDto {
  @ApiProperty({ type: [SyncRunDto] }) runs: SyncRunDto[];
  @ApiProperty({
    type: [SyncRunDto],
    description: 'Entities skipped because a run of them is active',
  })
  already_running: SyncRunDto[];
}

export class RunListQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @MaxLength(40) @IsString() provider?: string;
  @ApiPropertyOptional() @IsOptional() @MaxLength(60) @IsString() entity?: string;
  @ApiPropertyOptional({ enum: RUN_STATUSES }) @IsOptional() @IsIn(RUN_STATUSES) status?: string;
  @ApiPropertyOptional({ enum: ['cli', 'cron', 'api', 'demo'] })
  @IsOptional()
  @IsIn(['cli', 'cron', 'api', 'demo'])
  trigger?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() connection_id?: string;
}

export class RunListDto {
  @ApiProperty({ type: [SyncRunDto] }) runs: SyncRunDto[];
  @ApiProperty({ type: PaginationDto }) pagination: PaginationDto;
}

export class EngineDto {
  @ApiProperty({ example: 'csv' }) provider: string;
  @ApiProperty({ example: ['users', 'accounts', 'products', 'opportunities'] }) entities: string[];
  @ApiProperty() supports_since: boolean;
}

export class EngineListDto {
  @ApiProperty({ type: [EngineDto] }) engines: EngineDto[];
}

export class CreateConnectionDto {
  @ApiProperty({ example: 'csv' }) @IsNotEmpty() @MaxLength(40) @IsString() provider: string;
  @ApiProperty({ example: 'Maven export' }) @IsNotEmpty() @MaxLength(200) @IsString() name: string;

  @ApiPropertyOptional({ type: Object, example: { folder: '/data/exports', preset: 'maven-crm' } })
  @IsOptional()
  @IsObject()
  settings?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: Object,
    description: 'Stored encrypted; never returned',
    example: { access_token: '...' },
  })
  @IsOptional()
  @IsObject()
  credentials?: Record<string, string>;

  @ApiPropertyOptional({
    type: Object,
    description: 'entity (or all) => cron expression, UTC',
    example: { all: '0 */4 * * *' },
  })
  @IsOptional()
  @IsObject()
  schedules?: Record<string, string>;

  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() enabled?: boolean;
}

export class UpdateConnectionDto {
  @ApiPropertyOptional() @IsOptional() @IsNotEmpty() @MaxLength(200) @IsString() name?: string;
  @ApiPropertyOptional({ type: Object }) @IsOptional() @IsObject() settings?: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({ type: Object }) @IsOptional() @IsObject() credentials?: Record<
    string,
    string
  >;
  @ApiPropertyOptional({ type: Object }) @IsOptional() @IsObject() schedules?: Record<
    string,
    string
  >;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
}

export class ConnectionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() provider: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: Object }) settings: Record<string, unknown>;
  @ApiProperty({ description: 'Whether credentials are stored (they are never returned)' })
  has_credentials: boolean;
  @ApiProperty({ type: Object }) schedules: Record<string, string>;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class ConnectionListDto {
  @ApiProperty({ type: [ConnectionDto] }) connections: ConnectionDto[];
}

export class UploadedFileDto {
  @ApiProperty() entity: string;
  @ApiProperty() filename: string;
  @ApiProperty() size_bytes: number;
  @ApiProperty() sha256: string;
}

export const FILENAME = /^[A-Za-z0-9._ -]{1,200}$/;
export class UploadQueryDto {
  @ApiPropertyOptional({ example: 'sales_pipeline.csv' })
  @IsOptional()
  @Matches(FILENAME, { message: 'filename may hold letters, digits, spaces and . _ -' })
  filename?: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toRunDto(run: SyncRun): SyncRunDto {
  return {
    id: run.id,
    connection_id: run.connectionId,
    provider: run.provider,
    entity: run.entity,
    mode: run.mode,
    trigger: run.trigger,
    status: run.status,
    dry_run: run.dryRun,
    options: run.options as Record<string, unknown>,
    counts: {
      processed: run.processed,
      created: run.created,
      updated: run.updated,
      unchanged: run.unchanged,
      deleted: run.deleted,
      failed: run.failed,
    },
    total: run.total,
    queued_at: run.queuedAt.toISOString(),
    started_at: iso(run.startedAt),
    finished_at: iso(run.finishedAt),
    duration_ms: run.durationMs,
    error: run.error,
  };
}

export function toRunErrorDto(e: SyncRunError): SyncRunErrorDto {
  return {
    external_id: e.externalId,
    stage: e.stage,
    reason: e.reason,
    record: e.record,
    created_at: e.createdAt.toISOString(),
  };
}

export function toConnectionDto(
  c: CrmConnection & { credentialsEncrypted?: string | null },
  hasCredentials: boolean,
): ConnectionDto {
  return {
    id: c.id,
    provider: c.provider,
    name: c.name,
    settings: c.settings,
    has_credentials: hasCredentials,
    schedules: c.schedules,
    enabled: c.enabled,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}
