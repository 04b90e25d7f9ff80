import { Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { EventPublisher } from '../../platform/events/event-publisher.service';
import { e164DigitsSql } from './phone';
import {
  CanonicalRecord,
  ColumnSpec,
  CRM_TARGETS,
  CrmTarget,
  pgTypeOf,
  TargetSpec,
} from './crm-targets';

export interface WriteScope {
  workspaceId: string;
  connectionId: string | null;
  /** The provider the rows came from ('csv', 'hubspot', 'generated', ...). */
  source: string;
}

export interface WriteResult {
  created: number;
  updated: number;
  unchanged: number;
  /** external id => row id, for the rows inserted or changed. */
  changed: Map<string, string>;
}

export interface CompareResult {
  wouldCreate: string[];
  wouldUpdate: string[];
  unchanged: number;
}

/**
 * Which rows of a table one source entity owns, when several share it (e.g. HubSpot owners and
 * genius users in crm_users): external ids with `prefix`, or without any of `notPrefixes`.
 */
export interface IdFilter {
  prefix?: string;
  notPrefixes?: string[];
}

/** The tables an association (`crm_associations`) may link, by target name. */
export type AssociationEnd = 'accounts' | 'contacts' | 'opportunities' | 'activities';

/**
 * Told, inside the transaction that ends it, that a build (a sync run, the demo load) changed a
 * workspace's CRM data; e.g. the pipeline enqueues its health recompute on that transaction.
 */
export type BuildListener = (manager: EntityManager, workspaceId: string) => Promise<void>;

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Stable JSON: keys sorted, so equal content always hashes equal. Written as a loop over sorted
 * keys (the default sort is the code-unit order `<` gives) because it runs for every record of
 * every sync: the filter/sort/map/join chain it replaces cost ~10 us a row.
 */
function stable(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++)
      out += (i > 0 ? ',' : '') + (i in value ? stable(value[i]) : '');
    return out + ']';
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let out = '{';
  for (const key of keys) {
    const v = object[key];
    if (v === undefined) continue;
    out += (out.length > 1 ? ',' : '') + JSON.stringify(key) + ':' + stable(v);
  }
  return out + '}';
}

export function contentHash(record: CanonicalRecord): string {
  return createHash('sha256')
    .update(stable({ f: record.fields, r: record.raw }))
    .digest('hex');
}

const columnsOf = (spec: TargetSpec) => Object.entries(spec.columns) as Array<[string, ColumnSpec]>;

/**
 * Writes canonical records set-based: one INSERT ... SELECT FROM unnest(...) ON CONFLICT DO
 * UPDATE per batch, which rewrites a row only when its content hash changed, then resolves
 * references between records and records stage history, all on the caller's transaction.
 * Other modules write the CRM tables only through this service.
 */
@Injectable()
export class CrmWriterService {
  constructor(private readonly events: EventPublisher) {}

  private readonly upsertSql = new Map<CrmTarget, string>();
  private readonly buildListeners: BuildListener[] = [];
  /** Rows inserted per table since its statistics were last refreshed, and the size then. */
  private readonly growth = new Map<string, { inserted: number; baseline: number }>();

  /** Modules that derive data from the CRM model subscribe here (they depend on crm, not on sync). */
  onBuildFinished(listener: BuildListener): void {
    this.buildListeners.push(listener);
  }

  /**
   * Called by whoever ran a build that changed data (the sync runner, the demo loader) in the
   * transaction that records its end, so what the listeners enqueue commits with it.
   */
  async buildFinished(manager: EntityManager, workspaceId: string): Promise<void> {
    for (const listener of this.buildListeners) await listener(manager, workspaceId);
  }

  async upsert(
    manager: EntityManager,
    scope: WriteScope,
    target: CrmTarget,
    records: CanonicalRecord[],
  ): Promise<WriteResult> {
    const result: WriteResult = { created: 0, updated: 0, unchanged: 0, changed: new Map() };
    if (records.length === 0) return result;
    const spec: TargetSpec = CRM_TARGETS[target];
    const columns = columnsOf(spec);
    const params: unknown[] = [
      scope.workspaceId,
      scope.connectionId,
      scope.source,
      records.map((r) => r.externalId),
      records.map((r) => JSON.stringify(r.raw ?? {})),
      records.map(contentHash),
      // The id a row gets if it is new (ignored when it exists): made here rather than by the
      // column default, because gen_random_uuid() costs ~25 us a row on the embedded database.
      records.map(() => randomUUID()),
      ...columns.map(([name]) => records.map((r) => r.fields[name] ?? null)),
    ];
    const rows: Array<{ id: string; external_id: string; inserted: boolean }> = await manager.query(
      this.sql(target),
      params,
    );
    for (const row of rows) {
      if (row.inserted) result.created++;
      else result.updated++;
      result.changed.set(row.external_id, row.id);
    }
    result.unchanged = records.length - rows.length;
    if (rows.length > 0 && spec.historyOn)
      await this.recordHistory(manager, scope, records, result.changed);
    await this.keepStatisticsFresh(manager, spec.table, result.created);
    return result;
  }

  /**
   * A bulk load can grow a table from nothing to 100,000 rows within one run, long before
   * autovacuum looks at it (and PGlite has no autovacuum): without fresh statistics the planner
   * keeps plans made for an empty table and lookups turn into scans. So refresh them whenever a
   * table has doubled since the last time: once the statistics describe a table of some size the
   * planner scales its estimates with the table's actual size. Only the columns the writer looks
   * rows up by: ANALYZE is not free (on the embedded database analysing every column, the raw
   * JSON above all, at every 50% of growth took a third of a 100,000-row sync); autovacuum
   * analyses the rest on PostgreSQL.
   */
  private async keepStatisticsFresh(
    manager: EntityManager,
    table: string,
    inserted: number,
  ): Promise<void> {
    if (inserted === 0) return;
    const g = this.growth.get(table) ?? { inserted: 0, baseline: 0 };
    g.inserted += inserted;
    this.growth.set(table, g);
    if (g.inserted < Math.max(500, g.baseline)) return;
    await manager.query(`ANALYZE ${table} (workspace_id, connection_id, external_id)`);
    g.baseline += g.inserted;
    g.inserted = 0;
  }

  /**
   * Soft-deletes the connection's rows of this source that a complete read of the source did
   * not see; with `countOnly`, just counts them (dry runs). A later sync of the record revives it.
   */
  async softDeleteMissing(
    manager: EntityManager,
    scope: WriteScope,
    target: CrmTarget,
    seen: string[],
    countOnly: boolean,
  ): Promise<number> {
    return this.softDelete(
      manager,
      scope,
      target,
      'NOT (external_id = ANY($4::text[]))',
      [seen],
      countOnly,
    );
  }

  /**
   * One page of the external ids of a source's live (not soft-deleted) rows in a table, in
   * external-id order after `after`: lets a deletion check walk millions of rows in flat memory.
   */
  async liveExternalIds(
    manager: EntityManager,
    scope: WriteScope,
    target: CrmTarget,
    after: string | null,
    limit: number,
  ): Promise<string[]> {
    const table = CRM_TARGETS[target].table;
    const rows: Array<{ external_id: string }> = await manager.query(
      `SELECT external_id FROM ${table}
        WHERE workspace_id = $1 AND COALESCE(connection_id, '${ZERO_UUID}'::uuid) = COALESCE($2::uuid, '${ZERO_UUID}'::uuid)
          AND ($4::text IS NULL OR external_id > $4) AND source = $3 AND deleted_at IS NULL
        ORDER BY external_id LIMIT $5`,
      [scope.workspaceId, scope.connectionId, scope.source, after, limit],
    );
    return rows.map((r) => r.external_id);
  }

  /**
   * Links a connection's calls and texts to the contact or lead with the same phone number (the
   * engine keeps the caller's number, E.164 digits, as raw.customer_phone_e164). One statement
   * after a run rather than per record, because contacts may be synced from another source at
   * any time; only rows whose link changes are written.
   */
  async linkActivitiesByPhone(manager: EntityManager, scope: WriteScope): Promise<void> {
    await manager.query(
      `WITH calls AS (
         SELECT a.id, a.raw->>'customer_phone_e164' AS phone FROM activities a
          WHERE a.workspace_id = $1 AND a.connection_id = $2 AND a.deleted_at IS NULL
            AND a.type IN ('call', 'sms')
       ), contact_phones AS (
         SELECT DISTINCT ON (phone) phone, id FROM (
           SELECT ${e164DigitsSql('c.phone')} AS phone, c.id, c.created_at FROM contacts c
            WHERE c.workspace_id = $1 AND c.deleted_at IS NULL AND c.phone IS NOT NULL) x
          WHERE phone IS NOT NULL ORDER BY phone, created_at, id
       ), lead_phones AS (
         SELECT DISTINCT ON (phone) phone, id FROM (
           SELECT ${e164DigitsSql('l.phone')} AS phone, l.id, l.created_at FROM leads l
            WHERE l.workspace_id = $1 AND l.deleted_at IS NULL AND l.phone IS NOT NULL) x
          WHERE phone IS NOT NULL ORDER BY phone, created_at, id
       ), links AS (
         SELECT calls.id, cp.id AS contact_id, lp.id AS lead_id FROM calls
           LEFT JOIN contact_phones cp ON cp.phone = calls.phone
           LEFT JOIN lead_phones lp ON lp.phone = calls.phone
       ), linked AS (
         UPDATE activities a SET contact_id = links.contact_id, lead_id = links.lead_id
           FROM links
          WHERE a.id = links.id
            AND (a.contact_id IS DISTINCT FROM links.contact_id OR a.lead_id IS DISTINCT FROM links.lead_id)
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM linked`,
      [scope.workspaceId, scope.connectionId],
    );
  }

  /**
   * softDeleteMissing for one entity of several sharing a table: only the rows `ids` selects
   * (e.g. HubSpot genius users, prefixed, beside owners in crm_users).
   */
  async softDeleteUnseen(
    manager: EntityManager,
    scope: WriteScope,
    target: CrmTarget,
    seen: string[],
    countOnly: boolean,
    ids: IdFilter,
  ): Promise<number> {
    const conditions = ['NOT (external_id = ANY($4::text[]))'];
    const params: unknown[] = [seen];
    if (ids.prefix !== undefined) {
      params.push(ids.prefix);
      conditions.push(`starts_with(external_id, $${params.length + 3})`);
    }
    if (ids.notPrefixes?.length) {
      params.push(ids.notPrefixes);
      conditions.push(
        `NOT EXISTS (SELECT 1 FROM unnest($${params.length + 3}::text[]) AS p WHERE starts_with(external_id, p))`,
      );
    }
    return this.softDelete(manager, scope, target, conditions.join(' AND '), params, countOnly);
  }

  /**
   * Soft-deletes the named rows (records the source says are gone: HubSpot's archived records,
   * Genius rows no longer in their table); with `countOnly`, just counts the live ones among them (dry runs). A later sync of
   * the record revives it.
   */
  async softDeleteIds(
    manager: EntityManager,
    scope: WriteScope,
    target: CrmTarget,
    externalIds: string[],
    countOnly: boolean,
  ): Promise<number> {
    if (externalIds.length === 0) return 0;
    return this.softDelete(
      manager,
      scope,
      target,
      'external_id = ANY($4::text[])',
      [externalIds],
      countOnly,
    );
  }

  /**
   * Soft-deletes the children of `parents` (rows whose `parentColumn` is one of them, and which
   * match `match`) other than `keep`: the source has just listed every child of those parents,
   * e.g. all associations of a set of deals, so the others are gone.
   */
  async softDeleteOtherChildren(
    manager: EntityManager,
    scope: WriteScope,
    target: CrmTarget,
    parent: { column: string; values: string[]; match?: Record<string, string> },
    keep: string[],
    countOnly: boolean,
  ): Promise<number> {
    if (parent.values.length === 0) return 0;
    const columns: Record<string, ColumnSpec> = CRM_TARGETS[target].columns;
    const match = Object.entries(parent.match ?? {});
    for (const column of [parent.column, ...match.map(([c]) => c)]) {
      if (!(column in columns)) throw new Error(`${column} is not a column of ${target}`);
    }
    const conditions = [
      `${parent.column} = ANY($4::text[])`,
      'NOT (external_id = ANY($5::text[]))',
      ...match.map(([column], i) => `${column} = $${i + 6}`),
    ];
    return this.softDelete(
      manager,
      scope,
      target,
      conditions.join(' AND '),
      [parent.values, keep, ...match.map(([, value]) => value)],
      countOnly,
    );
  }

  /** Params $1-$3 are the scope; `condition` uses $4 onwards. Only rows not yet deleted count. */
  private async softDelete(
    manager: EntityManager,
    scope: WriteScope,
    target: CrmTarget,
    condition: string,
    params: unknown[],
    countOnly: boolean,
  ): Promise<number> {
    const table = CRM_TARGETS[target].table;
    const where = `workspace_id = $1 AND COALESCE(connection_id, '${ZERO_UUID}'::uuid) = COALESCE($2::uuid, '${ZERO_UUID}'::uuid)
                   AND source = $3 AND deleted_at IS NULL AND ${condition}`;
    const all = [scope.workspaceId, scope.connectionId, scope.source, ...params];
    const [row] = countOnly
      ? await manager.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, all)
      : await manager.query(
          `WITH gone AS (UPDATE ${table} SET deleted_at = now(), updated_at = now() WHERE ${where} RETURNING 1)
           SELECT count(*)::int AS n FROM gone`,
          all,
        );
    return row.n;
  }

  /** Whether the connection has ever synced associations from this table to that one. */
  async hasAssociations(
    manager: EntityManager,
    scope: WriteScope,
    from: AssociationEnd,
    to: AssociationEnd,
  ): Promise<boolean> {
    const [row] = await manager.query(
      `SELECT EXISTS (SELECT 1 FROM crm_associations
                       WHERE workspace_id = $1 AND connection_id = $2 AND from_object = $3 AND to_object = $4) AS found`,
      [scope.workspaceId, scope.connectionId, from, to],
    );
    return row.found === true;
  }

  /**
   * Sets the reference of records in `from` to `to` (a contact's or deal's account, a meeting's
   * contact or deal) from their associations (`crm_associations`): the primary one, else the one
   * with the lowest id; none left means none. Only records that have (or had) such associations
   * are touched, so a source that does not sync them keeps the reference its records carry; only
   * rows whose reference changes are written. `ids` limits it to those records (a batch just saved).
   */
  async applyAssociations(
    manager: EntityManager,
    scope: WriteScope,
    from: AssociationEnd,
    to: AssociationEnd,
    ids?: string[],
  ): Promise<number> {
    const table = CRM_TARGETS[from].table;
    const toTable = CRM_TARGETS[to].table;
    const ref = columnsOf(CRM_TARGETS[from]).find(([, c]) => c.ref?.table === toTable);
    if (!ref) throw new Error(`${from} has no reference to ${to}`);
    const [extColumn, { ref: target }] = ref as [string, Required<Pick<ColumnSpec, 'ref'>>];
    const [row] = await manager.query(
      `WITH linked AS (
         SELECT DISTINCT ON (a.from_external_id) a.from_external_id,
                CASE WHEN a.deleted_at IS NULL THEN a.to_external_id END AS other
           FROM crm_associations a
          WHERE a.workspace_id = $1 AND a.connection_id = $2 AND a.from_object = $3 AND a.to_object = $4
            AND ($5::text[] IS NULL OR a.from_external_id = ANY($5::text[]))
          ORDER BY a.from_external_id, (a.deleted_at IS NULL) DESC, a.is_primary DESC,
                   length(a.to_external_id), a.to_external_id
       ), changed AS (
         UPDATE ${table} t
            SET ${extColumn} = l.other,
                ${target.idColumn} = (SELECT r.id FROM ${toTable} r WHERE r.workspace_id = t.workspace_id
                                 AND r.connection_id = t.connection_id AND r.external_id = l.other LIMIT 1)
           FROM linked l
          WHERE t.workspace_id = $1 AND t.connection_id = $2 AND t.external_id = l.from_external_id
            AND (t.${extColumn} IS DISTINCT FROM l.other
                 OR (t.${target.idColumn} IS NULL AND l.other IS NOT NULL))
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM changed`,
      [scope.workspaceId, scope.connectionId, from, to, ids ?? null],
    );
    return row.n;
  }

  /** What an upsert would do, without writing (dry runs). */
  async compare(
    manager: EntityManager,
    scope: WriteScope,
    target: CrmTarget,
    records: CanonicalRecord[],
  ): Promise<CompareResult> {
    const table = CRM_TARGETS[target].table;
    const existing: Array<{ external_id: string; content_hash: string; deleted: boolean }> =
      await manager.query(
        `SELECT external_id, content_hash, deleted_at IS NOT NULL AS deleted FROM ${table}
        WHERE workspace_id = $1 AND COALESCE(connection_id, '${ZERO_UUID}'::uuid) = COALESCE($2::uuid, '${ZERO_UUID}'::uuid)
          AND external_id = ANY($3::text[])`,
        [scope.workspaceId, scope.connectionId, records.map((r) => r.externalId)],
      );
    const byId = new Map(existing.map((e) => [e.external_id, e]));
    const out: CompareResult = { wouldCreate: [], wouldUpdate: [], unchanged: 0 };
    for (const r of records) {
      const row = byId.get(r.externalId);
      if (!row) out.wouldCreate.push(r.externalId);
      else if (row.deleted || row.content_hash !== contentHash(r))
        out.wouldUpdate.push(r.externalId);
      else out.unchanged++;
    }
    return out;
  }

  /**
   * Fills references still dangling after a run: rows that arrived before the record they point
   * to (e.g. a rep before their manager, a deal before its account), in `target` and in every
   * table that points at `target`.
   */
  async resolveReferences(
    manager: EntityManager,
    scope: WriteScope,
    target: CrmTarget,
  ): Promise<void> {
    const table = CRM_TARGETS[target].table;
    for (const spec of Object.values(CRM_TARGETS) as TargetSpec[]) {
      for (const [extColumn, column] of columnsOf(spec)) {
        if (column.ref && (spec.table === table || column.ref.table === table)) {
          await this.resolveDangling(manager, scope, spec.table, extColumn, column.ref);
        }
      }
    }
  }

  private async resolveDangling(
    manager: EntityManager,
    scope: WriteScope,
    table: string,
    extColumn: string,
    ref: { idColumn: string; table: string },
  ): Promise<void> {
    await manager.query(
      `UPDATE ${table} AS t SET ${ref.idColumn} = r.id
         FROM ${ref.table} AS r
        WHERE t.workspace_id = $1 AND COALESCE(t.connection_id, '${ZERO_UUID}'::uuid) = COALESCE($2::uuid, '${ZERO_UUID}'::uuid)
          AND t.${ref.idColumn} IS NULL AND t.${extColumn} IS NOT NULL
          AND r.workspace_id = t.workspace_id
          AND COALESCE(r.connection_id, '${ZERO_UUID}'::uuid) = COALESCE(t.connection_id, '${ZERO_UUID}'::uuid)
          AND r.external_id = t.${extColumn}`,
      [scope.workspaceId, scope.connectionId],
    );
  }

  /** A stage-history row for every changed deal whose tracked fields differ from its last entry. */
  private async recordHistory(
    manager: EntityManager,
    scope: WriteScope,
    records: CanonicalRecord[],
    changed: Map<string, string>,
  ): Promise<void> {
    const ids: string[] = [];
    const times: Array<string | null> = [];
    for (const r of records) {
      const id = changed.get(r.externalId);
      if (id) {
        ids.push(id);
        times.push(r.changedAt ?? null);
      }
    }
    const moved: Array<{
      id: string;
      external_id: string;
      previous_stage: string;
      stage: string;
      changed_at: Date;
      amount: string | null;
    }> = await manager.query(
      `WITH src AS (
           SELECT c.history_id, o.workspace_id, o.id, o.external_id, COALESCE(c.changed_at, now()) AS changed_at, o.stage, o.status, o.amount,
                  o.close_date, o.forecast_category, o.probability, last.stage AS previous_stage
             FROM unnest($3::uuid[], $4::timestamptz[], $5::uuid[]) AS c(id, changed_at, history_id)
             JOIN opportunities o ON o.id = c.id AND o.workspace_id = $1
             LEFT JOIN LATERAL (
               SELECT h.stage, h.status, h.amount, h.close_date, h.forecast_category FROM opportunity_stage_history h
                WHERE h.workspace_id = o.workspace_id AND h.opportunity_id = o.id
                ORDER BY h.changed_at DESC, h.created_at DESC LIMIT 1
             ) AS last ON true
            WHERE last.stage IS NULL
               OR (last.stage, last.status, last.amount, last.close_date, last.forecast_category)
                  IS DISTINCT FROM (o.stage, o.status, o.amount, o.close_date, o.forecast_category)
         ), inserted AS (
           INSERT INTO opportunity_stage_history
             (id, workspace_id, opportunity_id, changed_at, stage, status, amount, close_date, forecast_category, probability, source)
           SELECT history_id, workspace_id, id, changed_at, stage, status, amount, close_date, forecast_category, probability, $2 FROM src
           RETURNING 1
         )
         SELECT id, external_id, previous_stage, stage, changed_at, amount::text AS amount FROM src
          WHERE previous_stage IS NOT NULL AND previous_stage <> stage`,
      // The new entries' ids (see upsert).
      [scope.workspaceId, scope.source, ids, times, ids.map(() => randomUUID())],
    );
    // A deal that moved from one stage to another (not a new deal) is news for webhook receivers.
    for (const m of moved) {
      await this.events.publish(manager, scope.workspaceId, 'deal.stage_changed', {
        opportunity_id: m.id,
        crm_id: m.external_id,
        previous_stage: m.previous_stage,
        new_stage: m.stage,
        changed_at: new Date(m.changed_at).toISOString(),
        amount: m.amount,
      });
    }
  }

  private sql(target: CrmTarget): string {
    const cached = this.upsertSql.get(target);
    if (cached) return cached;
    const spec: TargetSpec = CRM_TARGETS[target];
    const columns = columnsOf(spec);
    const names = columns.map(([n]) => n);
    const unnestArgs = [
      '$4::text[]',
      '$5::text[]',
      '$6::text[]',
      '$7::uuid[]',
      ...columns.map(([, c], i) => `$${i + 8}::${pgTypeOf(c.kind)}[]`),
    ];
    const alias = ['external_id', 'raw', 'content_hash', 'new_id', ...names];
    const generatable = columns.filter(([, c]) => c.generatable).map(([n]) => n);
    const hasGenerated = generatable.length > 0;
    const set = names.map((n) =>
      generatable.includes(n)
        ? `${n} = CASE WHEN EXCLUDED.${n} IS NULL AND '${n}' = ANY(t.generated_fields) THEN t.${n} ELSE EXCLUDED.${n} END`
        : `${n} = EXCLUDED.${n}`,
    );
    if (hasGenerated) {
      // A generated value stays only while the source still has none.
      set.push(
        `generated_fields = ARRAY(SELECT f FROM unnest(t.generated_fields) AS f WHERE ${generatable
          .map((n) => `(f = '${n}' AND EXCLUDED.${n} IS NULL)`)
          .join(' OR ')})`,
      );
    }
    // References are looked up as the rows go in, one join per reference for the whole batch
    // (at most one match: the join is on the target's unique key), so the planner can hash-join a
    // small target instead of one index lookup per row and reference. One not found yet (its
    // record comes later in the same run) stays null until the run's final resolveReferences pass.
    const refs = columns.filter(([, c]) => c.ref);
    const refIds = refs.map(([, c]) => c.ref!.idColumn);
    const refJoins = refs.map(
      ([n, c], i) =>
        `LEFT JOIN ${c.ref!.table} r${i} ON r${i}.workspace_id = $1 AND COALESCE(r${i}.connection_id, '${ZERO_UUID}'::uuid) = COALESCE($2::uuid, '${ZERO_UUID}'::uuid) AND r${i}.external_id = u.${n}`,
    );
    set.push(...refIds.map((id) => `${id} = EXCLUDED.${id}`));
    const sql = `
      INSERT INTO ${spec.table} AS t (id, workspace_id, connection_id, source, external_id, raw, content_hash, synced_at, ${[...names, ...refIds].join(', ')})
      SELECT u.new_id, $1, $2, $3, u.external_id, u.raw::jsonb, u.content_hash, now(), ${[...names.map((n) => `u.${n}`), ...refs.map((_, i) => `r${i}.id`)].join(', ')}
        FROM unnest(${unnestArgs.join(', ')}) AS u(${alias.join(', ')})
        ${refJoins.join('\n        ')}
      ON CONFLICT (workspace_id, COALESCE(connection_id, '${ZERO_UUID}'::uuid), external_id) DO UPDATE SET
        source = EXCLUDED.source, raw = EXCLUDED.raw, content_hash = EXCLUDED.content_hash,
        synced_at = now(), updated_at = now(), deleted_at = NULL,
        ${set.join(',\n        ')}
      WHERE t.content_hash IS DISTINCT FROM EXCLUDED.content_hash OR t.deleted_at IS NOT NULL
      RETURNING t.id, t.external_id, (t.xmax = 0) AS inserted`;
    this.upsertSql.set(target, sql);
    return sql;
  }
}
