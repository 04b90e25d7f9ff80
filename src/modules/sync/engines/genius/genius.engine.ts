import { Injectable } from '@nestjs/common';
import { Client, types } from 'pg';
import type { CanonicalRecord, CrmTarget } from '../../../crm/crm-targets';
import { EngineContext, FetchedBatch, SyncEngine } from '../../engine/sync-engine';
import { CrmConnection } from '../../entities/crm-connection.entity';
import { SyncException } from '../../sync.exception';
import {
  GENIUS_ENTITIES,
  GENIUS_TABLES,
  GENIUS_TEXT_TYPES,
  GeniusEntity,
  GeniusMappingSettings,
  GeniusRow,
  externalIdOf,
  isoTimestamp,
  sourceIdOf,
  toCanonical,
} from './genius-mapping';

/** Where the next run continues: the (modified, id) of the last committed row. */
export interface GeniusCursor {
  modified: string;
  id: string | number;
}

export interface GeniusSettings extends GeniusMappingSettings {
  /** Used when the credentials carry no database_url (credentials are stored encrypted). */
  database_url?: string;
  schema?: string;
  batch_size?: number;
  statement_timeout_ms?: number;
  /** Table names when they differ from the entity names. */
  tables?: Partial<Record<GeniusEntity, string>>;
  /** The entities `all` runs (default every one): a database without a table leaves it out. */
  entities?: GeniusEntity[];
  /** Whether runs look for rows deleted from the source (default true). */
  detect_deletions?: boolean;
}

interface GeniusState {
  client: Client;
  /** The source's clock when the run started: rows modified later wait for the next run. */
  upperBound: string;
  settings: GeniusSettings;
  /** The id column's SQL type, read from the catalog for the deletion check. */
  idType?: string;
}

const DEFAULT_BATCH_SIZE = 1000;
const DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;

/**
 * Reads a customer's Genius database directly (PostgreSQL, read-only session with a statement
 * timeout). Every entity is read by keyset pagination on (modified, id): each batch starts
 * strictly after the last row of the previous one, so a row that changes while the run goes on
 * moves past the run's upper bound instead of shifting the pages (the LIMIT/OFFSET failure that
 * skips rows), and memory holds one batch whatever the table size. Full and delta runs are the
 * same query, from the beginning or from the committed cursor.
 */
@Injectable()
export class GeniusEngine extends SyncEngine<GeniusRow, GeniusCursor> {
  readonly provider = 'genius';
  /** Reference data, then users (owners), then people, leads and appointments (see GENIUS_ENTITIES). */
  readonly entities = GENIUS_ENTITIES;
  override readonly supportsSince = true;

  targetOf(entity: string): CrmTarget {
    return GENIUS_TABLES[entity as GeniusEntity].target;
  }

  override isConfigured(connection: CrmConnection, entity: string): boolean {
    const only = GeniusEngine.settings(connection).entities;
    return !only || only.includes(entity as GeniusEntity);
  }

  static settings(connection: CrmConnection): GeniusSettings {
    return connection.settings as GeniusSettings;
  }

  override async initialize(ctx: EngineContext<GeniusCursor>): Promise<void> {
    const settings = GeniusEngine.settings(ctx.connection);
    const url = ctx.credentials.database_url ?? settings.database_url;
    if (!url) {
      throw new SyncException(
        'VALIDATION_ERROR',
        'The Genius connection has no database_url (credentials.database_url or settings.database_url)',
      );
    }
    const timeout = settings.statement_timeout_ms ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    if (!Number.isInteger(timeout) || timeout < 0)
      throw new SyncException('VALIDATION_ERROR', 'statement_timeout_ms must be a whole number');
    const client = new Client({
      connectionString: url,
      application_name: 'revops-hub-sync',
      connectionTimeoutMillis: 15_000,
      // Dates and times stay PostgreSQL text: a JS Date would drop the microseconds the keyset
      // cursor compares, and would read zone-less timestamps in this process's time zone.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          GENIUS_TEXT_TYPES.includes(oid)
            ? (value: string) => value
            : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
      },
    });
    try {
      await client.connect();
      // We never write to a customer's database, even by mistake.
      await client.query('SET default_transaction_read_only = on');
      await client.query(`SET statement_timeout = ${timeout}`);
      // Timestamps come out as UTC text, so cursors and canonical times are zone-exact.
      await client.query("SET TimeZone = 'UTC'");
      const [{ now }] = (await client.query<{ now: string }>('SELECT now()::text AS now')).rows;
      const state: GeniusState = { client, upperBound: now, settings };
      ctx.state.genius = state;
    } catch (err) {
      await client.end().catch(() => undefined);
      throw new Error(`Genius database: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  override async *fetch(
    ctx: EngineContext<GeniusCursor>,
  ): AsyncIterable<FetchedBatch<GeniusRow, GeniusCursor>> {
    const { client, upperBound, settings } = ctx.state.genius as GeniusState;
    const entity = ctx.entity as GeniusEntity;
    const spec = GENIUS_TABLES[entity];
    const batchSize = Math.max(1, Math.floor(settings.batch_size ?? DEFAULT_BATCH_SIZE));
    const q = (name: string) => client.escapeIdentifier(name);
    const table = this.tableOf(ctx);
    const id = q(spec.id);
    const modified = q(spec.modified);
    const columns = [spec.id, spec.modified, ...spec.columns].map(q).join(', ');

    let since: string | null = null;
    if (ctx.options.since) {
      if (Number.isNaN(Date.parse(ctx.options.since)))
        throw new SyncException('VALIDATION_ERROR', `--since "${ctx.options.since}" is not a date`);
      since = ctx.options.since;
    }
    // --since restarts from that date; otherwise a delta continues after the committed cursor.
    let after: GeniusCursor | null = since ? null : ctx.cursor;

    for (;;) {
      if (ctx.signal.aborted) return;
      // Rows without a modification time cannot be placed in the keyset order; Genius sets it
      // on every write.
      const where = [`${modified} IS NOT NULL`, `${modified} <= $1`];
      const params: unknown[] = [upperBound];
      if (since) {
        params.push(since);
        where.push(`${modified} >= $${params.length}`);
      }
      if (after) {
        params.push(after.modified, String(after.id));
        where.push(`(${modified}, ${id}) > ($${params.length - 1}, $${params.length})`);
      }
      params.push(batchSize);
      const { rows } = await client.query<GeniusRow>(
        `SELECT ${columns} FROM ${table} WHERE ${where.join(' AND ')}
          ORDER BY ${modified}, ${id} LIMIT $${params.length}`,
        params,
      );
      if (rows.length === 0) return;
      const last = rows[rows.length - 1];
      after = {
        modified: isoTimestamp(last[spec.modified], spec.modified),
        id: last[spec.id] as string | number,
      };
      yield { records: rows, cursor: after };
      if (rows.length < batchSize) return;
    }
  }

  override transform(row: GeniusRow, ctx: EngineContext<GeniusCursor>): CanonicalRecord {
    return toCanonical(ctx.entity as GeniusEntity, row, GeniusEngine.settings(ctx.connection));
  }

  /**
   * Genius deletes rows outright (no tombstones a delta by `modified` could see), so after every
   * run that read to its end the stored ids are checked against the source table, a page at a
   * time, through its primary key.
   */
  override async findDeleted(
    ctx: EngineContext<GeniusCursor>,
    externalIds: string[],
  ): Promise<string[]> {
    const state = ctx.state.genius as GeniusState;
    if (state.settings.detect_deletions === false) return [];
    const entity = ctx.entity as GeniusEntity;
    const owned = new Map<string, string>();
    for (const externalId of externalIds) {
      const sourceId = sourceIdOf(entity, externalId);
      if (sourceId !== null) owned.set(sourceId, externalId);
    }
    if (owned.size === 0) return [];
    const table = this.tableOf(ctx);
    const id = state.client.escapeIdentifier(GENIUS_TABLES[entity].id);
    state.idType ??= await this.columnType(state.client, table, GENIUS_TABLES[entity].id);
    const { rows } = await state.client.query<{ k: string }>(
      `SELECT k FROM unnest($1::text[]) AS k
        WHERE NOT EXISTS (SELECT 1 FROM ${table} t WHERE t.${id} = k::${state.idType})`,
      [[...owned.keys()]],
    );
    return rows.map((r) => owned.get(r.k)!);
  }

  /** The external id a failed row would have had (the entity's key, prefixed like its records). */
  override describe(row: GeniusRow, ctx?: EngineContext<GeniusCursor>): string | null {
    if (!ctx) return super.describe(row);
    const entity = ctx.entity as GeniusEntity;
    const id = row[GENIUS_TABLES[entity].id];
    return typeof id === 'string' || typeof id === 'number'
      ? externalIdOf(entity, String(id))
      : null;
  }

  /** The entity's table, schema-qualified and quoted. */
  private tableOf(ctx: EngineContext<GeniusCursor>): string {
    const { client, settings } = ctx.state.genius as GeniusState;
    const entity = ctx.entity as GeniusEntity;
    const q = (name: string) => client.escapeIdentifier(name);
    return (
      (settings.schema ? `${q(settings.schema)}.` : '') +
      q(settings.tables?.[entity] ?? GENIUS_TABLES[entity].table)
    );
  }

  /** A column's type as SQL (e.g. integer, character varying(20)), to cast ids to it. */
  private async columnType(client: Client, table: string, column: string): Promise<string> {
    const { rows } = await client.query<{ type: string | null }>(
      `SELECT format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
        WHERE a.attrelid = $1::regclass AND a.attname = $2 AND NOT a.attisdropped`,
      [table, column],
    );
    const type = rows[0]?.type;
    // The catalog's own spelling of a type; anything else is refused rather than interpolated.
    if (!type || !/^[a-z][a-z0-9_ ]*(\(\d+(,\d+)?\))?$/i.test(type))
      throw new Error(`Genius database: ${table}.${column} has no usable type (${type})`);
    return type;
  }

  override async cleanup(ctx: EngineContext<GeniusCursor>): Promise<void> {
    const state = ctx.state.genius as GeniusState | undefined;
    if (state) await state.client.end();
  }
}
