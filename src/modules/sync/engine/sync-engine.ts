import type { EntityManager } from 'typeorm';
import type { CanonicalRecord, CrmTarget } from '../../crm/crm-targets';
import type { CrmConnection } from '../entities/crm-connection.entity';
import type { SyncMode, SyncRunOptions } from '../entities/sync-run.entity';
import { SourceRateLimitedError } from '../sync.exception';

/** What an engine sees of the run it serves. */
export interface EngineContext<TCursor> {
  connection: CrmConnection;
  /** Decrypted credentials (never logged, never returned by the API). */
  credentials: Record<string, string>;
  entity: string;
  mode: SyncMode;
  options: SyncRunOptions;
  /** The committed cursor of the last run (null on a full sync). */
  cursor: TCursor | null;
  /** When this run started: a delta window never extends past it. */
  runStartedAt: Date;
  /** Aborted when the run must stop (shutdown). */
  signal: AbortSignal;
  /** Engine-private state for the duration of the run (clients, file handles). */
  state: Record<string, unknown>;
  /**
   * Set by an engine whose `detectsDeletions` is true once this run has read every record the
   * source holds: records of the connection not seen in it are then soft-deleted.
   */
  completeSnapshot: boolean;
  /**
   * Stores new credentials for the connection, encrypted (e.g. an OAuth access token refreshed
   * during the run); `credentials` above is updated too. The runner always provides it.
   */
  updateCredentials?: (credentials: Record<string, string>) => Promise<void>;
}

export interface FetchedBatch<TRaw, TCursor> {
  records: TRaw[];
  /** Where the next run continues once this batch is committed. */
  cursor: TCursor;
  /** Total records the source expects this run to see, when it knows (for progress). */
  total?: number;
  /**
   * External ids the source reports deleted (e.g. archived): soft-deleted in the batch's
   * transaction (a dry run counts them) and counted as `deleted`. Not records: not `processed`.
   */
  deletedIds?: string[];
  /**
   * Engine-specific writes that belong with this batch, run in its transaction after its records
   * are saved (on a dry run with `dryRun` true: count, do not write). Returns the rows it
   * soft-deleted, counted as `deleted`.
   */
  reconcile?: (manager: EntityManager, dryRun: boolean) => Promise<number>;
}

export type ErrorClass = 'rate_limited' | 'fatal';

/**
 * One CRM entity's sync: the narrow hooks a provider implements. The lifecycle around them
 * (runs, strategy, validation, transactional save with a per-record fallback, cursor, counts,
 * cleanup) is SyncRunnerService's, the same for every engine.
 */
export abstract class SyncEngine<TRaw = unknown, TCursor = unknown> {
  abstract readonly provider: string;
  /** The entities this engine serves, in the order `all` runs them. */
  abstract readonly entities: readonly string[];
  /** Whether `--since` means something to this engine. */
  readonly supportsSince: boolean = false;
  /** Whether a run can see the whole source (see EngineContext.completeSnapshot). */
  readonly detectsDeletions: boolean = false;

  /** The canonical table an entity's records go to. */
  abstract targetOf(entity: string): CrmTarget;

  /** Whether this connection's settings enable the entity (`all` runs only those). */
  isConfigured(_connection: CrmConnection, _entity: string): boolean {
    return true;
  }

  /** Set up clients; runs before the first fetch. */
  async initialize(_ctx: EngineContext<TCursor>): Promise<void> {}

  /** Pages of source records, each with the cursor to store once it is committed. */
  abstract fetch(ctx: EngineContext<TCursor>): AsyncIterable<FetchedBatch<TRaw, TCursor>>;

  /** Maps one source record; throw RecordError for a record that cannot be mapped. */
  abstract transform(
    raw: TRaw,
    ctx: EngineContext<TCursor>,
  ): CanonicalRecord | CanonicalRecord[] | null;

  /** An id to report a raw record by when it fails before it has a canonical external id. */
  describe(raw: TRaw, _ctx?: EngineContext<TCursor>): string | null {
    const r = raw as Record<string, unknown> | null;
    const id = r && (r.id ?? r.external_id ?? r.externalId);
    return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
  }

  classifyError(err: unknown): ErrorClass {
    return err instanceof SourceRateLimitedError ||
      (err as { name?: string })?.name === 'CrmRateLimitedError'
      ? 'rate_limited'
      : 'fatal';
  }

  /**
   * For sources that can be asked whether a record still exists (a database): of these external
   * ids, stored by this connection in the entity's target table, the ones this entity owns and
   * the source no longer has. When implemented, every run that reads to its end walks the stored
   * rows page by page through it and soft-deletes what it returns (memory stays flat however
   * many rows there are). Ids of other entities sharing the target must not be returned.
   */
  findDeleted?(ctx: EngineContext<TCursor>, externalIds: string[]): Promise<string[]>;

  /** Always runs, after success or failure. */
  async cleanup(_ctx: EngineContext<TCursor>): Promise<void> {}
}
