import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { AppConfig } from '../../platform/config/app-config';
import { ConnectionsService } from './connections/connections.service';
import { CrmConnection } from './entities/crm-connection.entity';
import { AlreadyRunningError, SyncService } from './sync.service';

/**
 * Each enabled connection's per-entity cron schedules, kept in step with the connections. A cron
 * tick only enqueues: every instance may tick, the one-active-run rule keeps it to one run.
 */
@Injectable()
export class SyncSchedulerService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SyncSchedulerService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly connections: ConnectionsService,
    private readonly sync: SyncService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.JOBS_ENABLED) return;
    this.connections.onChange((connection, removed) => this.schedule(connection, removed));
    for (const connection of await this.connections.listEnabledEverywhere())
      this.schedule(connection, false);
  }

  static jobName(connectionId: string, entity: string): string {
    return `sync:${connectionId}:${entity}`;
  }

  /** What a cron tick does; public so the schedule's effect is testable without waiting for time. */
  async tick(
    connection: Pick<CrmConnection, 'id' | 'workspaceId' | 'provider'>,
    entity: string,
  ): Promise<void> {
    try {
      const result = await this.sync.enqueue({
        workspaceId: connection.workspaceId,
        provider: connection.provider,
        entity,
        connectionId: connection.id,
        options: {},
        trigger: 'cron',
      });
      this.logger.log(
        { connection_id: connection.id, entity, runs: result.runs.map((r) => r.id) },
        'Scheduled sync enqueued',
      );
    } catch (err) {
      if (err instanceof AlreadyRunningError) {
        this.logger.log(
          { connection_id: connection.id, entity, run_id: err.run.id },
          'Scheduled sync skipped: already running',
        );
      } else {
        this.logger.error(
          { connection_id: connection.id, entity, err },
          'Scheduled sync could not be enqueued',
        );
      }
    }
  }

  private schedule(connection: CrmConnection, removed: boolean): void {
    const prefix = `sync:${connection.id}:`;
    for (const name of this.registry.getCronJobs().keys()) {
      if (name.startsWith(prefix)) this.registry.deleteCronJob(name);
    }
    if (removed || !connection.enabled) return;
    for (const [entity, expression] of Object.entries(connection.schedules)) {
      const job = CronJob.from({
        cronTime: expression,
        timeZone: 'UTC',
        onTick: () => void this.tick(connection, entity),
      });
      this.registry.addCronJob(SyncSchedulerService.jobName(connection.id, entity), job);
      job.start();
    }
  }
}
