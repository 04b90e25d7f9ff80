import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config';
import { QueueService } from '../../platform/jobs/queue.service';
import { CrmWriterService } from '../crm/crm-writer.service';
import { HealthRecomputeService } from './health-recompute.service';
import { PipelineQueryService } from './pipeline-query.service';

export const RECOMPUTE_QUEUE = 'pipeline.recompute';
export const NIGHTLY_QUEUE = 'pipeline.recompute-all';

/**
 * When health is recomputed: after every build that changed a workspace's CRM data (the writer
 * tells us inside the build's final transaction, so the job commits with it), after a settings
 * change, and nightly for every workspace (scores decay with time even when nothing syncs). The
 * queue is 'stately' per workspace: a burst of builds leaves at most one recompute waiting.
 */
@Injectable()
export class PipelineJobsService implements OnModuleInit {
  private readonly logger = new Logger(PipelineJobsService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    private readonly writer: CrmWriterService,
    private readonly health: HealthRecomputeService,
    private readonly query: PipelineQueryService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.queue.register<{ workspaceId: string }>(
      RECOMPUTE_QUEUE,
      async ({ workspaceId }) => {
        await this.health.recompute(workspaceId);
      },
      { policy: 'stately', retryLimit: 3, retryDelaySeconds: 30, expireInSeconds: 1800 },
    );
    await this.queue.register<Record<string, never>>(NIGHTLY_QUEUE, () => this.enqueueAll(), {
      policy: 'stately',
      retryLimit: 2,
    });
    this.writer.onBuildFinished(async (manager, workspaceId) => {
      await this.enqueueRecompute(workspaceId, manager);
      // From the build's commit on, not the recompute's: the pages show the CRM's names.
      await this.query.invalidateAnswers(manager, workspaceId);
    });
  }

  async enqueueRecompute(workspaceId: string, manager?: EntityManager): Promise<void> {
    await this.queue.send(RECOMPUTE_QUEUE, { workspaceId }, { manager, singletonKey: workspaceId });
  }

  /** Nightly, 02:00 UTC: only enqueues; the queue decides which instance runs it. */
  @Cron('0 2 * * *', { name: 'pipeline-nightly', timeZone: 'UTC' })
  async nightly(): Promise<void> {
    if (!this.config.JOBS_ENABLED) return;
    await this.queue.send(NIGHTLY_QUEUE, {}, { singletonKey: 'nightly' });
  }

  /** One recompute job per workspace that has open deals. */
  async enqueueAll(): Promise<void> {
    const rows: Array<{ workspace_id: string }> = await this.dataSource.query(
      `SELECT w.id AS workspace_id FROM workspaces w
        WHERE EXISTS (SELECT 1 FROM opportunities o WHERE o.workspace_id = w.id AND o.status = 'open' AND o.deleted_at IS NULL)`,
    );
    for (const r of rows) await this.enqueueRecompute(r.workspace_id);
    this.logger.log({ workspaces: rows.length }, 'Nightly health recompute enqueued');
  }
}
