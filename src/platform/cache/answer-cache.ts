import { DataSource, EntityManager } from 'typeorm';
import { RawJson } from '../http/envelope.interceptor';

/**
 * Answers' JSON text by workspace, route and question, with the read-model version each was
 * cached at: a hit then reads only the version from the database, not the text (100 kB for a
 * whole-workspace forecast changes view). Least recently used out first once over `maxBytes`.
 * Never trusted alone: an entry is used only when the database's current version equals its own.
 */
export class AnswerBodies {
  private readonly entries = new Map<string, { version: string; body: string }>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(workspaceId: string, route: string, key: string) {
    const id = `${workspaceId} ${route} ${key}`;
    const entry = this.entries.get(id);
    if (entry) {
      this.entries.delete(id);
      this.entries.set(id, entry);
    }
    return entry;
  }

  set(workspaceId: string, route: string, key: string, version: string, body: string): void {
    const id = `${workspaceId} ${route} ${key}`;
    this.drop(id);
    if (body.length * 2 > this.maxBytes) return;
    this.entries.set(id, { version, body });
    this.bytes += body.length * 2;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private drop(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.bytes -= entry.body.length * 2;
  }
}

/** Where an answer cache keeps its state and its answers (trusted SQL, never user input). */
export interface AnswerCacheTables {
  /**
   * A statement over workspace $1 yielding at most one row: `version` (bigint), the version of
   * the read models the answers derive from, and `dirty` (boolean), true while they must not be
   * used. No row: nothing is cached for the workspace yet.
   */
  stateSql: string;
  /** A statement that moves workspace $1 to a new version (see AnswerCache.invalidate). */
  bumpSql: string;
  /** The answers: (workspace_id uuid, route, params text, version bigint, body text), keyed by the first three. */
  table: string;
}

/**
 * A response cache over versioned read models: each answer is stored with the version it was
 * computed at and served only while that version is current and the read models are clean, so
 * bumping the version (in the transaction that rewrites the read models) invalidates every
 * answer at once. A hit is one query, and its text is never parsed: `RawJson` goes to the
 * envelope as is. The text comes back from the database only when this instance does not hold it
 * at the current version (AnswerBodies).
 */
export class AnswerCache {
  private readonly bodies: AnswerBodies;
  private readonly lookupSql: string;
  private readonly storeSql: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly tables: AnswerCacheTables,
    maxBytes: number,
  ) {
    this.bodies = new AnswerBodies(maxBytes);
    this.lookupSql = `SELECT st.version::text AS version, st.dirty,
              CASE WHEN st.version::text IS DISTINCT FROM $4 THEN c.body END AS body
         FROM (${tables.stateSql}) st
         LEFT JOIN ${tables.table} c
                ON c.workspace_id = $1 AND c.route = $2 AND c.params = $3 AND c.version = st.version`;
    // An answer computed at a version that is no longer current is not stored: it may have read
    // rows of either side of the change.
    this.storeSql = `INSERT INTO ${tables.table} (workspace_id, route, params, version, body)
       SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM (${tables.stateSql}) st WHERE st.version = $4 AND NOT st.dirty)
       ON CONFLICT (workspace_id, route, params) DO UPDATE SET version = EXCLUDED.version, body = EXCLUDED.body, created_at = now()
       RETURNING 1`;
  }

  /**
   * The answer of `route` to the question `params`, as JSON text: when the read models are
   * fresh, the one cached at their version (computed and stored on a miss), otherwise computed.
   * `tail` holds fields that are not part of the question and never cached (e.g. the instant an
   * answer was generated at): they are appended to the object's text, in their order, after its
   * cached fields.
   */
  async answer(
    workspaceId: string,
    route: string,
    params: Record<string, unknown>,
    compute: () => Promise<object>,
    tail: Record<string, unknown> = {},
  ): Promise<RawJson> {
    const key = JSON.stringify(params);
    const local = this.bodies.get(workspaceId, route, key);
    const [row] = await this.dataSource.query(this.lookupSql, [
      workspaceId,
      route,
      key,
      local?.version ?? null,
    ]);
    const fresh = row && !row.dirty;
    if (fresh && local && local.version === row.version)
      return new RawJson(withTail(local.body, tail));
    if (fresh && row.body !== null) {
      this.bodies.set(workspaceId, route, key, row.version, row.body);
      return new RawJson(withTail(row.body, tail));
    }
    const body = JSON.stringify(await compute());
    if (fresh) {
      const stored: unknown[] = await this.dataSource.query(this.storeSql, [
        workspaceId,
        route,
        key,
        row.version,
        body,
      ]);
      if (stored.length > 0) this.bodies.set(workspaceId, route, key, row.version, body);
    }
    return new RawJson(withTail(body, tail));
  }

  /**
   * Invalidates every answer of the workspace on the caller's transaction, which must be the one
   * that changes what the answers derive from: the version moves on (an answer being computed
   * meanwhile is then not stored) and the stored answers are deleted. Instances' in-memory
   * copies are never used at an old version.
   */
  async invalidate(manager: EntityManager, workspaceId: string): Promise<void> {
    await manager.query(this.tables.bumpSql, [workspaceId]);
    await manager.query(`DELETE FROM ${this.tables.table} WHERE workspace_id = $1`, [workspaceId]);
  }
}

/** An object's JSON text with the fields of `tail` appended (`{"a":1}` + {b: 2} = `{"a":1,"b":2}`). */
export function withTail(json: string, tail: Record<string, unknown>): string {
  if (Object.keys(tail).length === 0) return json;
  const extra = JSON.stringify(tail);
  return json === '{}' ? extra : `${json.slice(0, -1)},${extra.slice(1)}`;
}
