import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { EventPublisher } from '../../../platform/events/event-publisher.service';
import { CanonicalRecord, CrmTarget } from '../../crm/crm-targets';
import { CrmWriterService, WriteResult, WriteScope } from '../../crm/crm-writer.service';
import { validateRecord } from '../../crm/record-validator';
import { ConnectionsService } from '../connections/connections.service';
import { SyncCursor } from '../entities/sync-cursor.entity';
import { SyncErrorStage } from '../entities/sync-run-error.entity';
import { SyncRun } from '../entities/sync-run.entity';
import { RecordError } from '../sync.exception';
import { EngineRegistry } from './engine-registry';
import { RunLease, RunLockService } from './run-lock.service';
import { EngineContext, FetchedBatch, SyncEngine } from './sync-engine';

export interface RunProgress {
  processed: number;
  total: number | null;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
}

interface ErrorRow {
  externalId: string | null;
  stage: SyncErrorStage;
  reason: string;
  record: unknown;
}

interface Counts {
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  failed: number;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const MAX_STORED_ERRORS_PER_BATCH = 500;
const DELETION_SWEEP_PAGE = 5000;

/**
 * The one lifecycle every engine runs through: claim the run -> initialize the client -> choose
 * full or delta -> for each fetched batch: transform, validate, save (bulk upsert in one
 * transaction, falling back to record-by-record on failure) and move the cursor in that same
 * transaction -> complete with counts -> cleanup, always. A batch is all or nothing, so the
 * stored cursor is never ahead of committed data, whatever kills the process.
 */
@Injectable()
export class SyncRunnerService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SyncRunnerService.name);
  private readonly shutdown = new AbortController();

  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: EngineRegistry,
    private readonly connections: ConnectionsService,
    private readonly writer: CrmWriterService,
    private readonly locks: RunLockService,
    private readonly events: EventPublisher,
    @InjectRepository(SyncRun) private readonly runs: Repository<SyncRun>,
    @InjectRepository(SyncCursor) private readonly cursors: Repository<SyncCursor>,
  ) {}

  /** Stops every run at its next batch boundary; the next run resumes from the cursor. */
  beforeApplicationShutdown(): void {
    this.shutdown.abort();
  }

  /**
   * Executes a run. With a lease (the CLI took it when it created the run) or after taking one;
   * returns without doing anything when another process holds it.
   */
  async execute(
    runId: string,
    opts: { lease?: RunLease; onProgress?: (p: RunProgress) => void } = {},
  ): Promise<SyncRun> {
    const first = await this.runs.findOneByOrFail({ id: runId });
    if (!['queued', 'running'].includes(first.status)) return first;
    const lease =
      opts.lease ??
      (await this.locks.acquire(RunLockService.key(first.connectionId, first.entity)));
    if (!lease) {
      this.logger.log({ run_id: runId }, 'Run is being executed elsewhere');
      return first;
    }
    const started = Date.now();
    let engine: SyncEngine | undefined;
    let ctx: EngineContext<unknown> | undefined;
    const counts: Counts = {
      processed: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      failed: 0,
    };
    try {
      const claimed = await this.runs.update(
        { id: runId, status: In(['queued', 'running']) },
        { status: 'running', startedAt: new Date(), heartbeatAt: new Date() },
      );
      if (!claimed.affected) return await this.runs.findOneByOrFail({ id: runId });
      const run = await this.runs.findOneByOrFail({ id: runId });
      engine = this.registry.get(run.provider, run.entity);
      const connection = await this.connections.get(run.workspaceId, run.connectionId);
      const stored = await this.cursors.findOneBy({
        connectionId: run.connectionId,
        entity: run.entity,
      });
      const mode = run.options.full || !stored ? 'full' : 'delta';
      await this.dataSource.query(
        'UPDATE sync_runs SET mode = $2, cursor_before = $3::jsonb WHERE id = $1',
        [runId, mode, stored ? JSON.stringify(stored.cursor) : null],
      );
      const credentials = await this.connections.credentials(connection);
      ctx = {
        connection,
        credentials,
        entity: run.entity,
        mode,
        options: run.options,
        cursor: mode === 'delta' ? (stored?.cursor ?? null) : null,
        runStartedAt: run.startedAt ?? new Date(),
        signal: this.shutdown.signal,
        state: {},
        completeSnapshot: false,
        updateCredentials: async (fresh) => {
          await this.connections.storeCredentials(connection, fresh);
          Object.assign(credentials, fresh);
        },
      };
      const seen = engine.detectsDeletions ? new Set<string>() : undefined;
      this.logger.log(
        { run_id: runId, provider: run.provider, entity: run.entity, mode },
        'Sync run started',
      );
      await engine.initialize(ctx);
      const scope: WriteScope = {
        workspaceId: run.workspaceId,
        connectionId: run.connectionId,
        source: run.provider,
      };
      const target = engine.targetOf(run.entity);
      let total: number | null = null;
      for await (const batch of engine.fetch(ctx)) {
        if (this.shutdown.signal.aborted)
          throw new Error(
            'Stopped by shutdown; the next run resumes from the last committed batch',
          );
        const remaining = run.options.maxRecords
          ? run.options.maxRecords - counts.processed
          : Infinity;
        const partial = batch.records.length > remaining;
        const records = partial ? batch.records.slice(0, remaining) : batch.records;
        total = batch.total ?? total;
        const delta = await this.processBatch(
          run,
          engine,
          ctx,
          target,
          scope,
          { ...batch, records },
          !partial,
          total,
          seen,
        );
        for (const key of Object.keys(counts) as Array<keyof Counts>) counts[key] += delta[key];
        opts.onProgress?.({ ...counts, total });
        if (counts.processed >= (run.options.maxRecords ?? Infinity)) break;
      }
      if (seen && ctx.completeSnapshot && !run.options.maxRecords) {
        // Records the source no longer has: soft-deleted (a dry run only counts them).
        const deleted = await this.dataSource.transaction(async (m) => {
          const n = await this.writer.softDeleteMissing(m, scope, target, [...seen], run.dryRun);
          await m.query('UPDATE sync_runs SET deleted = deleted + $2 WHERE id = $1', [runId, n]);
          return n;
        });
        opts.onProgress?.({ ...counts, total });
        if (deleted)
          this.logger.log({ run_id: runId, deleted }, 'Records gone from the source soft-deleted');
      }
      if (engine.findDeleted && !run.options.maxRecords && !this.shutdown.signal.aborted) {
        await this.sweepDeleted(run, engine, ctx, target, scope);
        opts.onProgress?.({ ...counts, total });
      }
      if (!run.dryRun) {
        await this.dataSource.transaction((m) => this.writer.resolveReferences(m, scope, target));
      }
      return await this.finish(runId, 'succeeded', started, null);
    } catch (err) {
      const status = engine?.classifyError(err) === 'rate_limited' ? 'rate_limited' : 'failed';
      this.logger.warn({ run_id: runId, err: message(err) }, `Sync run ${status}`);
      return await this.finish(runId, status, started, message(err));
    } finally {
      if (engine && ctx)
        await engine
          .cleanup(ctx)
          .catch((err) => this.logger.warn({ run_id: runId, err }, 'Engine cleanup failed'));
      await lease.release();
    }
  }

  /**
   * Asks the engine, one page of stored external ids at a time, which records the source no
   * longer has, and soft-deletes them (a dry run only counts them) with the run's deleted count
   * in the same transaction.
   */
  private async sweepDeleted(
    run: SyncRun,
    engine: SyncEngine,
    ctx: EngineContext<unknown>,
    target: CrmTarget,
    scope: WriteScope,
  ): Promise<void> {
    let after: string | null = null;
    let deleted = 0;
    for (;;) {
      const ids = await this.writer.liveExternalIds(
        this.dataSource.manager,
        scope,
        target,
        after,
        DELETION_SWEEP_PAGE,
      );
      if (ids.length === 0) break;
      const gone = await engine.findDeleted!(ctx, ids);
      if (gone.length > 0) {
        deleted += await this.dataSource.transaction(async (m) => {
          const n = await this.writer.softDeleteIds(m, scope, target, gone, run.dryRun);
          await m.query('UPDATE sync_runs SET deleted = deleted + $2 WHERE id = $1', [run.id, n]);
          return n;
        });
      }
      if (ids.length < DELETION_SWEEP_PAGE) break;
      after = ids[ids.length - 1];
    }
    if (deleted)
      this.logger.log({ run_id: run.id, deleted }, 'Records gone from the source soft-deleted');
  }

  private async processBatch(
    run: SyncRun,
    engine: SyncEngine,
    ctx: EngineContext<unknown>,
    target: CrmTarget,
    scope: WriteScope,
    batch: FetchedBatch<unknown, unknown>,
    advanceCursor: boolean,
    total: number | null,
    seen?: Set<string>,
  ): Promise<Counts> {
    const errors: ErrorRow[] = [];
    const byId = new Map<string, { record: CanonicalRecord; raw: unknown }>();
    for (const raw of batch.records) {
      let out: CanonicalRecord | CanonicalRecord[] | null;
      try {
        out = engine.transform(raw, ctx);
      } catch (err) {
        if (!(err instanceof RecordError)) throw err;
        errors.push({
          externalId: engine.describe(raw, ctx),
          stage: 'transform',
          reason: err.message,
          record: raw,
        });
        continue;
      }
      for (const record of out === null ? [] : Array.isArray(out) ? out : [out]) {
        const problems = validateRecord(target, record);
        if (problems.length > 0) {
          errors.push({
            externalId: record.externalId,
            stage: 'validate',
            reason: problems.join('; '),
            record: raw,
          });
        } else {
          byId.delete(record.externalId); // the latest version of a record in a batch wins
          byId.set(record.externalId, { record, raw });
        }
      }
    }
    const records = [...byId.values()].map((v) => v.record);
    if (seen) {
      // A record that failed is still in the source: it must not count as deleted.
      for (const id of byId.keys()) seen.add(id);
      for (const e of errors) if (e.externalId) seen.add(e.externalId);
    }
    const counts: Counts = {
      processed: batch.records.length,
      created: 0,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      failed: 0,
    };
    const removals = async (m: EntityManager) =>
      (batch.deletedIds?.length
        ? await this.writer.softDeleteIds(m, scope, target, batch.deletedIds, run.dryRun)
        : 0) + (batch.reconcile ? await batch.reconcile(m, run.dryRun) : 0);

    if (run.dryRun) {
      const cmp = await this.writer.compare(this.dataSource.manager, scope, target, records);
      counts.created = cmp.wouldCreate.length;
      counts.updated = cmp.wouldUpdate.length;
      counts.unchanged = cmp.unchanged;
      counts.failed = errors.length;
      await this.dataSource.transaction(async (m) => {
        counts.deleted = await removals(m);
        await this.recordBatch(m, run, counts, errors, total);
      });
      return counts;
    }

    await this.dataSource.transaction(async (m) => {
      const saved = await this.save(m, scope, target, records, byId, errors);
      counts.created = saved.created;
      counts.updated = saved.updated;
      counts.unchanged = saved.unchanged;
      counts.failed = errors.length;
      counts.deleted = await removals(m);
      if (advanceCursor) {
        await m.query(
          `INSERT INTO sync_cursors (connection_id, entity, workspace_id, cursor, run_id, updated_at)
           VALUES ($1, $2, $3, $4::jsonb, $5, now())
           ON CONFLICT (connection_id, entity) DO UPDATE SET cursor = EXCLUDED.cursor, run_id = EXCLUDED.run_id, updated_at = now()`,
          [run.connectionId, run.entity, run.workspaceId, JSON.stringify(batch.cursor), run.id],
        );
      }
      await this.recordBatch(m, run, counts, errors, total);
    });
    return counts;
  }

  /** Bulk first; if the bulk statement fails, record by record so one bad row costs only itself. */
  private async save(
    m: EntityManager,
    scope: WriteScope,
    target: CrmTarget,
    records: CanonicalRecord[],
    byId: Map<string, { raw: unknown }>,
    errors: ErrorRow[],
  ): Promise<Omit<WriteResult, 'changed'>> {
    await m.query('SAVEPOINT bulk_save');
    try {
      const result = await this.writer.upsert(m, scope, target, records);
      await m.query('RELEASE SAVEPOINT bulk_save');
      return result;
    } catch (bulkError) {
      await m.query('ROLLBACK TO SAVEPOINT bulk_save');
      this.logger.warn(
        { err: message(bulkError), target },
        'Bulk save failed: saving record by record',
      );
    }
    const total = { created: 0, updated: 0, unchanged: 0 };
    for (const record of records) {
      await m.query('SAVEPOINT record_save');
      try {
        const r = await this.writer.upsert(m, scope, target, [record]);
        await m.query('RELEASE SAVEPOINT record_save');
        total.created += r.created;
        total.updated += r.updated;
        total.unchanged += r.unchanged;
      } catch (err) {
        await m.query('ROLLBACK TO SAVEPOINT record_save');
        errors.push({
          externalId: record.externalId,
          stage: 'save',
          reason: message(err),
          record: byId.get(record.externalId)?.raw ?? null,
        });
      }
    }
    return total;
  }

  private async recordBatch(
    m: EntityManager,
    run: SyncRun,
    c: Counts,
    errors: ErrorRow[],
    total: number | null,
  ): Promise<void> {
    const stored = errors.slice(0, MAX_STORED_ERRORS_PER_BATCH);
    if (stored.length > 0) {
      await m.query(
        `INSERT INTO sync_run_errors (workspace_id, run_id, external_id, stage, reason, record)
         SELECT $1, $2, e.external_id, e.stage, e.reason, e.record::jsonb
           FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS e(external_id, stage, reason, record)`,
        [
          run.workspaceId,
          run.id,
          stored.map((e) => e.externalId),
          stored.map((e) => e.stage),
          stored.map((e) => e.reason),
          stored.map((e) => JSON.stringify(e.record ?? null)),
        ],
      );
    }
    await m.query(
      `UPDATE sync_runs SET processed = processed + $2, created = created + $3, updated = updated + $4,
              unchanged = unchanged + $5, failed = failed + $6, total = COALESCE($7, total),
              deleted = deleted + $8, heartbeat_at = now()
        WHERE id = $1`,
      [run.id, c.processed, c.created, c.updated, c.unchanged, c.failed, total, c.deleted],
    );
  }

  private async finish(
    runId: string,
    status: SyncRun['status'],
    started: number,
    error: string | null,
  ): Promise<SyncRun> {
    // The run's outcome and its build.* event commit together.
    const run = await this.dataSource.transaction(async (m) => {
      await m.query(
        `UPDATE sync_runs r SET status = $2, finished_at = now(), duration_ms = $3, error = $4,
                cursor_after = (SELECT c.cursor FROM sync_cursors c WHERE c.connection_id = r.connection_id AND c.entity = r.entity)
          WHERE id = $1`,
        [runId, status, Date.now() - started, error],
      );
      const done = await m.getRepository(SyncRun).findOneByOrFail({ id: runId });
      await this.events.publish(
        m,
        done.workspaceId,
        status === 'succeeded' ? 'build.completed' : 'build.failed',
        {
          run_id: done.id,
          connection_id: done.connectionId,
          provider: done.provider,
          entity: done.entity,
          mode: done.mode,
          trigger: done.trigger,
          status: done.status,
          dry_run: done.dryRun,
          counts: {
            processed: done.processed,
            created: done.created,
            updated: done.updated,
            unchanged: done.unchanged,
            deleted: done.deleted,
            failed: done.failed,
          },
          duration_ms: done.durationMs,
          error: done.error,
        },
      );
      // Even a failed run may have committed batches: what derives from the data is rebuilt.
      if (!done.dryRun && done.created + done.updated + done.deleted > 0)
        await this.writer.buildFinished(m, done.workspaceId);
      return done;
    });
    this.logger.log(
      {
        run_id: runId,
        provider: run.provider,
        entity: run.entity,
        status,
        processed: run.processed,
        created: run.created,
        updated: run.updated,
        failed: run.failed,
      },
      'Sync run finished',
    );
    return run;
  }
}
