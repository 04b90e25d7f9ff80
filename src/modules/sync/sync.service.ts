import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError, Repository } from 'typeorm';
import { QueueService } from '../../platform/jobs/queue.service';
import { ConnectionsService } from './connections/connections.service';
import { EngineRegistry } from './engine/engine-registry';
import { RunLease, RunLockService } from './engine/run-lock.service';
import { RunProgress, SyncRunnerService } from './engine/sync-runner.service';
import { CrmConnection } from './entities/crm-connection.entity';
import { SyncRun, SyncRunOptions, SyncTrigger } from './entities/sync-run.entity';
import { SyncException } from './sync.exception';

export const SYNC_RUN_QUEUE = 'sync.run';

export interface TriggerRequest {
  workspaceId: string;
  provider: string;
  /** An entity of the provider, or 'all'. */
  entity: string;
  connectionId?: string;
  options: SyncRunOptions;
  trigger: SyncTrigger;
}

export interface TriggerResult {
  runs: SyncRun[];
  /** Entities skipped because a run of them is already queued or running. */
  alreadyRunning: SyncRun[];
}

/** A run that a trigger could not start because another is active. */
export class AlreadyRunningError extends SyncException {
  constructor(readonly run: SyncRun) {
    super(
      'CONFLICT',
      `A ${run.provider} ${run.entity} sync is already ${run.status} for this connection: run ${run.id}`,
      [{ field: 'run_id', message: run.id }],
    );
  }
}

const isActiveRunConflict = (err: unknown) =>
  err instanceof QueryFailedError &&
  (err.driverError as { constraint?: string })?.constraint === 'sync_runs_one_active';

/**
 * The single way into a sync, whoever asks: the CLI runs it here and now, cron and the admin API
 * enqueue it (the run row and its job commit together). Either way one code path executes it.
 */
@Injectable()
export class SyncService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(SyncService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    private readonly registry: EngineRegistry,
    private readonly connections: ConnectionsService,
    private readonly runner: SyncRunnerService,
    private readonly locks: RunLockService,
    @InjectRepository(SyncRun) private readonly runs: Repository<SyncRun>,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.queue.register<{ runId: string }>(
      SYNC_RUN_QUEUE,
      async ({ runId }) => {
        await this.runner.execute(runId);
      },
      { retryLimit: 2, retryDelaySeconds: 30, expireInSeconds: 6 * 3600 },
    );
  }

  /** Runs left 'running' by a process that died are marked abandoned (their lock is gone). */
  async onApplicationBootstrap(): Promise<void> {
    const running = await this.runs.find({ where: { status: 'running' } });
    for (const run of running) await this.abandonIfDead(run);
  }

  /** Creates the runs and enqueues them (cron, admin API). */
  async enqueue(request: TriggerRequest): Promise<TriggerResult> {
    const { connection, entities } = await this.prepare(request);
    const result: TriggerResult = { runs: [], alreadyRunning: [] };
    for (const entity of entities) {
      try {
        result.runs.push(
          await this.createRun(connection, entity, request, async (m, run) => {
            await this.queue.send(SYNC_RUN_QUEUE, { runId: run.id }, { manager: m });
          }),
        );
      } catch (err) {
        if (!(err instanceof AlreadyRunningError)) throw err;
        result.alreadyRunning.push(err.run);
      }
    }
    if (result.runs.length === 0 && result.alreadyRunning.length === 1)
      throw new AlreadyRunningError(result.alreadyRunning[0]);
    return result;
  }

  /** Creates and executes the runs in this process, one entity after the other (CLI). */
  async runNow(
    request: TriggerRequest,
    onProgress?: (run: SyncRun, p: RunProgress) => void,
  ): Promise<SyncRun[]> {
    const { connection, entities } = await this.prepare(request);
    const done: SyncRun[] = [];
    for (const entity of entities) {
      const lease = await this.locks.acquire(RunLockService.key(connection.id, entity));
      if (!lease) throw new AlreadyRunningError(await this.activeRun(connection.id, entity, true));
      let run: SyncRun;
      try {
        run = await this.createRun(connection, entity, request, undefined, lease);
      } catch (err) {
        await lease.release();
        throw err;
      }
      done.push(
        await this.runner.execute(run.id, { lease, onProgress: (p) => onProgress?.(run, p) }),
      );
    }
    return done;
  }

  private async prepare(
    request: TriggerRequest,
  ): Promise<{ connection: CrmConnection; entities: string[] }> {
    const connection = await this.connections.resolve(
      request.workspaceId,
      request.provider,
      request.connectionId,
    );
    const entities =
      request.entity === 'all'
        ? this.registry
            .entitiesOf(request.provider)
            .filter((e) => this.registry.get(request.provider, e).isConfigured(connection, e))
        : [request.entity];
    for (const entity of entities) {
      const engine = this.registry.get(request.provider, entity);
      if (!engine.isConfigured(connection, entity)) {
        throw new SyncException(
          'VALIDATION_ERROR',
          `Connection ${connection.id} is not set up to sync ${entity}`,
          [{ field: 'entity', message: 'not configured on this connection' }],
        );
      }
      if (request.options.since && !engine.supportsSince) {
        throw new SyncException(
          'VALIDATION_ERROR',
          `The ${request.provider} ${entity} engine does not support --since`,
          [{ field: 'since', message: 'not supported by this engine' }],
        );
      }
    }
    if (!connection.enabled)
      throw new SyncException('CONFLICT', `Connection ${connection.id} is disabled`);
    return { connection, entities };
  }

  /**
   * Inserts the run; the partial unique index lets only one active run per connection and
   * entity exist, across every instance. A conflicting run whose executor died is abandoned and
   * the insert retried once.
   */
  private async createRun(
    connection: CrmConnection,
    entity: string,
    request: TriggerRequest,
    inTransaction?: (m: EntityManager, run: SyncRun) => Promise<void>,
    lease?: RunLease,
  ): Promise<SyncRun> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (m) => {
          const run = m.getRepository(SyncRun).create({
            workspaceId: connection.workspaceId,
            connectionId: connection.id,
            provider: connection.provider,
            entity,
            mode: request.options.full ? 'full' : 'delta',
            trigger: request.trigger,
            status: lease ? 'running' : 'queued',
            dryRun: !!request.options.dryRun,
            options: request.options,
            queuedAt: new Date(),
            startedAt: lease ? new Date() : null,
            heartbeatAt: lease ? new Date() : null,
          });
          const saved = await m.getRepository(SyncRun).save(run);
          if (inTransaction) await inTransaction(m, saved);
          return m.getRepository(SyncRun).findOneByOrFail({ id: saved.id });
        });
      } catch (err) {
        if (!isActiveRunConflict(err)) throw err;
        const active = await this.activeRun(connection.id, entity);
        // Holding the lease ourselves proves nobody executes the active run.
        const dead =
          active.status === 'running' &&
          (lease ? true : !(await this.locks.isHeld(RunLockService.key(connection.id, entity))));
        if (!dead || attempt > 0) throw new AlreadyRunningError(active);
        await this.abandon(active.id);
      }
    }
  }

  /**
   * The active run of a connection's entity. `starting`: the lock is held, so its run row is
   * about to be committed by the process that holds it; give it a moment to appear.
   */
  private async activeRun(
    connectionId: string,
    entity: string,
    starting = false,
  ): Promise<SyncRun> {
    for (let attempt = 0; attempt < (starting ? 40 : 1); attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      const run = await this.runs
        .createQueryBuilder('r')
        .where('r.connection_id = :connectionId AND r.entity = :entity', { connectionId, entity })
        .andWhere("r.status IN ('queued', 'running')")
        .getOne();
      if (run) return run;
    }
    throw new SyncException(
      'CONFLICT',
      starting
        ? `A ${entity} sync of connection ${connectionId} is starting in another process`
        : 'The sync run finished while this trigger was being processed: trigger again',
    );
  }

  private async abandonIfDead(run: SyncRun): Promise<void> {
    if (!(await this.locks.isHeld(RunLockService.key(run.connectionId, run.entity))))
      await this.abandon(run.id);
  }

  private async abandon(runId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE sync_runs SET status = 'abandoned', finished_at = now(),
              error = COALESCE(error, 'The process running it stopped; the next run resumes from the last committed batch')
        WHERE id = $1 AND status = 'running'`,
      [runId],
    );
    this.logger.warn({ run_id: runId }, 'Abandoned a run whose process is gone');
  }
}
