import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, Repository } from 'typeorm';
import { WorkspaceScopedRepository } from '../../platform/workspace/workspace-scoped.repository';
import { SyncRunError } from './entities/sync-run-error.entity';
import { SyncRun, SyncRunStatus, SyncTrigger } from './entities/sync-run.entity';

export interface RunFilter {
  provider?: string;
  entity?: string;
  status?: string;
  trigger?: string;
  connectionId?: string;
}

/** Reading sync runs and their errors, scoped to the caller's workspace. */
@Injectable()
export class SyncRunsService {
  private readonly runs: WorkspaceScopedRepository<SyncRun>;

  constructor(
    @InjectRepository(SyncRun) runs: Repository<SyncRun>,
    @InjectRepository(SyncRunError) private readonly errors: Repository<SyncRunError>,
  ) {
    this.runs = new WorkspaceScopedRepository(runs, 'Sync run');
  }

  list(
    workspaceId: string,
    filter: RunFilter,
    limit: number,
    offset: number,
  ): Promise<[SyncRun[], number]> {
    const where: FindOptionsWhere<SyncRun> = {};
    if (filter.provider) where.provider = filter.provider;
    if (filter.entity) where.entity = filter.entity;
    if (filter.status) where.status = filter.status as SyncRunStatus;
    if (filter.trigger) where.trigger = filter.trigger as SyncTrigger;
    if (filter.connectionId) where.connectionId = filter.connectionId;
    return this.runs.findAndCount(workspaceId, {
      where,
      order: { queuedAt: 'DESC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  get(workspaceId: string, id: string): Promise<SyncRun> {
    return this.runs.get(workspaceId, id);
  }

  async errorsOf(run: SyncRun, limit = 100): Promise<[SyncRunError[], number]> {
    return this.errors.findAndCount({
      where: { runId: run.id, workspaceId: run.workspaceId },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
    });
  }
}
