import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Caller, RequireScope } from '../../platform/auth/auth.decorators';
import type { Principal } from '../../platform/auth/auth.types';
import { ApiEnvelope, ApiErrors, STANDARD_ERRORS } from '../../platform/http/api-docs';
import { pagination } from '../../platform/http/pagination.dto';
import { EngineRegistry } from './engine/engine-registry';
import {
  EngineListDto,
  RunListDto,
  RunListQueryDto,
  SyncRunDetailDto,
  toRunDto,
  toRunErrorDto,
  TriggerResultDto,
  TriggerSyncDto,
} from './sync.dto';
import { SyncRunsService } from './sync-runs.service';
import { SyncService } from './sync.service';

@ApiTags('Admin: sync')
@ApiBearerAuth()
@ApiSecurity('api-key')
@ApiErrors(...STANDARD_ERRORS)
@RequireScope('admin')
@Controller('admin/sync')
export class AdminSyncController {
  constructor(
    private readonly registry: EngineRegistry,
    private readonly sync: SyncService,
    private readonly runs: SyncRunsService,
  ) {}

  @Get('engines')
  @ApiOperation({ summary: 'The sync engines: providers and the entities each syncs' })
  @ApiEnvelope(EngineListDto)
  engines(): EngineListDto {
    return { engines: this.registry.describe() };
  }

  @Get('runs')
  @ApiOperation({ summary: 'Sync runs, newest first' })
  @ApiEnvelope(RunListDto)
  async list(@Caller() caller: Principal, @Query() q: RunListQueryDto): Promise<RunListDto> {
    const [runs, total] = await this.runs.list(
      caller.workspaceId,
      {
        provider: q.provider,
        entity: q.entity,
        status: q.status,
        trigger: q.trigger,
        connectionId: q.connection_id,
      },
      q.limit,
      q.offset,
    );
    return {
      runs: runs.map(toRunDto),
      pagination: pagination(total, q.limit, q.offset, runs.length),
    };
  }

  @Get('runs/:id')
  @ApiOperation({ summary: 'One sync run with its counts and errors' })
  @ApiEnvelope(SyncRunDetailDto)
  @ApiErrors('NOT_FOUND')
  async get(
    @Caller() caller: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<SyncRunDetailDto> {
    const run = await this.runs.get(caller.workspaceId, id);
    const [errors, count] = await this.runs.errorsOf(run);
    return {
      ...toRunDto(run),
      cursor_before: run.cursorBefore,
      cursor_after: run.cursorAfter,
      errors: errors.map(toRunErrorDto),
      error_count: count,
    };
  }

  @Post(':provider/:entity')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a sync of one entity, or of all entities of a provider',
    description:
      'Enqueues the run(s) and answers at once with their ids (202); poll GET /v1/admin/sync/runs/{id}. ' +
      'A run of the same connection and entity already queued or running is not started twice: 409 with its run_id ' +
      '(for "all", such entities are listed under already_running).',
  })
  @ApiParam({ name: 'provider', example: 'csv' })
  @ApiParam({
    name: 'entity',
    example: 'opportunities',
    description: 'An entity of the provider, or all',
  })
  @ApiEnvelope(TriggerResultDto, { status: 202 })
  @ApiErrors('NOT_FOUND', 'CONFLICT')
  async trigger(
    @Caller() caller: Principal,
    @Param('provider') provider: string,
    @Param('entity') entity: string,
    @Body() body: TriggerSyncDto,
  ): Promise<TriggerResultDto> {
    if (entity !== 'all') this.registry.get(provider, entity);
    else if (this.registry.entitiesOf(provider).length === 0) this.registry.get(provider, entity);
    const result = await this.sync.enqueue({
      workspaceId: caller.workspaceId,
      provider,
      entity,
      connectionId: body.connection_id,
      trigger: 'api',
      options: {
        full: body.full,
        dryRun: body.dry_run,
        since: body.since,
        maxRecords: body.max_records,
      },
    });
    return {
      runs: result.runs.map(toRunDto),
      already_running: result.alreadyRunning.map(toRunDto),
    };
  }
}
