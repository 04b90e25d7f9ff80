import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
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
 * Told, inside the transaction that ends it, that a build (a sync run, the demo load) changed a
 * workspace's CRM data; e.g. the pipeline enqueues its health recompute on that transaction.
 */
export type BuildListener = (manager: EntityManager, workspaceId: string) => Promise<void>;

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** Stable JSON: keys sorted, so equal content always hashes equal. */
function stable(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(
    ([, v]) => v !== undefined,
  );
  return `{${entries
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`)
    .join(',')}}`;
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
   * table has grown by half since the last time.
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
    if (g.inserted < Math.max(500, g.baseline / 2)) return;
    await manager.query(`ANALYZE ${table}`);
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
    const table = CRM_TARGETS[target].table;
    const where = `workspace_id = $1 AND COALESCE(connection_id, '${ZERO_UUID}'::uuid) = COALESCE($2::uuid, '${ZERO_UUID}'::uuid)
                   AND source = $3 AND deleted_at IS NULL AND NOT (external_id = ANY($4::text[]))`;
    const params = [scope.workspaceId, scope.connectionId, scope.source, seen];
    const [row] = countOnly
      ? await manager.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params)
      : await manager.query(
          `WITH gone AS (UPDATE ${table} SET deleted_at = now(), updated_at = now() WHERE ${where} RETURNING 1)
           SELECT count(*)::int AS n FROM gone`,
          params,
        );
    return row.n;
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
           SELECT o.workspace_id, o.id, o.external_id, COALESCE(c.changed_at, now()) AS changed_at, o.stage, o.status, o.amount,
                  o.close_date, o.forecast_category, o.probability, last.stage AS previous_stage
             FROM unnest($3::uuid[], $4::timestamptz[]) AS c(id, changed_at)
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
             (workspace_id, opportunity_id, changed_at, stage, status, amount, close_date, forecast_category, probability, source)
           SELECT workspace_id, id, changed_at, stage, status, amount, close_date, forecast_category, probability, $2 FROM src
           RETURNING 1
         )
         SELECT id, external_id, previous_stage, stage, changed_at, amount::text AS amount FROM src
          WHERE previous_stage IS NOT NULL AND previous_stage <> stage`,
      [scope.workspaceId, scope.source, ids, times],
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
      ...columns.map(([, c], i) => `$${i + 7}::${pgTypeOf(c.kind)}[]`),
    ];
    const alias = ['external_id', 'raw', 'content_hash', ...names];
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
    // References are looked up as the rows go in; one not found yet (its record comes later in
    // the same run) stays null until the run's final resolveReferences pass.
    const refs = columns.filter(([, c]) => c.ref);
    const refIds = refs.map(([, c]) => c.ref!.idColumn);
    const refLookups = refs.map(
      ([n, c]) =>
        `(SELECT r.id FROM ${c.ref!.table} r WHERE r.workspace_id = $1 AND COALESCE(r.connection_id, '${ZERO_UUID}'::uuid) = COALESCE($2::uuid, '${ZERO_UUID}'::uuid) AND r.external_id = u.${n} LIMIT 1)`,
    );
    set.push(...refIds.map((id) => `${id} = EXCLUDED.${id}`));
    const sql = `
      INSERT INTO ${spec.table} AS t (workspace_id, connection_id, source, external_id, raw, content_hash, synced_at, ${[...names, ...refIds].join(', ')})
      SELECT $1, $2, $3, u.external_id, u.raw::jsonb, u.content_hash, now(), ${[...names.map((n) => `u.${n}`), ...refLookups].join(', ')}
        FROM unnest(${unnestArgs.join(', ')}) AS u(${alias.join(', ')})
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
