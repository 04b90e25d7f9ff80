import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { FastifyInstance } from 'fastify';
import { CrmModule } from '../crm/crm.module';
import { AdminSyncController } from './admin-sync.controller';
import { ConnectionsController } from './connections/connections.controller';
import { ConnectionsService } from './connections/connections.service';
import { SyncFilesService } from './connections/sync-files.service';
import { EngineRegistry, SYNC_ENGINES } from './engine/engine-registry';
import { RunLockService } from './engine/run-lock.service';
import { SyncRunnerService } from './engine/sync-runner.service';
import { CallRailListsEngine } from './engines/callrail/callrail-lists.engine';
import { CallRailEngine } from './engines/callrail/callrail.engine';
import { CsvEngine } from './engines/csv/csv.engine';
import { GeniusEngine } from './engines/genius/genius.engine';
import { HubSpotEngine } from './engines/hubspot/hubspot.engine';
import { CrmConnection } from './entities/crm-connection.entity';
import { SyncCursor } from './entities/sync-cursor.entity';
import { SyncFile } from './entities/sync-file.entity';
import { SyncRunError } from './entities/sync-run-error.entity';
import { SyncRun } from './entities/sync-run.entity';
import { RequestBudgetService } from './http/request-budget.service';
import { SyncRunsService } from './sync-runs.service';
import { SyncSchedulerService } from './sync-scheduler.service';
import { SyncService } from './sync.service';

/**
 * Every engine class; the registry finds them by provider and entity. A provider's engines run
 * under `all` in this order (CallRail's lists before its dated records).
 */
const ENGINES = [CsvEngine, CallRailListsEngine, CallRailEngine, GeniusEngine, HubSpotEngine];

const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

/**
 * CRM ingestion: connections, the engine registry and the one run lifecycle, runs and their
 * errors, cron schedules, the admin API. Writes the canonical model through CrmModule.
 */
@Module({
  imports: [
    CrmModule,
    TypeOrmModule.forFeature([CrmConnection, SyncRun, SyncRunError, SyncCursor, SyncFile]),
  ],
  controllers: [AdminSyncController, ConnectionsController],
  providers: [
    ...ENGINES,
    { provide: SYNC_ENGINES, useFactory: (...engines: unknown[]) => engines, inject: ENGINES },
    EngineRegistry,
    RunLockService,
    RequestBudgetService,
    ConnectionsService,
    SyncFilesService,
    SyncRunnerService,
    SyncRunsService,
    SyncService,
    SyncSchedulerService,
  ],
  exports: [SyncService, SyncRunsService, ConnectionsService, EngineRegistry],
})
export class SyncModule implements OnModuleInit {
  constructor(private readonly http: HttpAdapterHost) {}

  onModuleInit(): void {
    // CSV uploads arrive as raw bodies, larger than the default JSON limit.
    const fastify = this.http.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (fastify && !fastify.hasContentTypeParser('text/csv')) {
      fastify.addContentTypeParser(
        'text/csv',
        { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES },
        (_req, body, done) => done(null, body),
      );
    }
  }
}
