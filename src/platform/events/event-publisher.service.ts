import { Injectable } from '@nestjs/common';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { EVENT_TYPES, EventType } from './event-types';

export interface PublishedEvent {
  id: string;
  type: EventType;
  workspaceId: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}

/** Listeners told (after commit) that events were published, e.g. to wake the webhook worker. */
export type PublishListener = () => void;

const TX_FLAG = 'revops.eventsPublished';

/** Event ids: time-ordered (48-bit ms timestamp) then random, base32hex so they sort as text. */
export function eventId(now = Date.now()): string {
  const time = now.toString(32).padStart(10, '0');
  return `evt_${time}${randomBytes(10).toString('hex')}`;
}

/**
 * The one way a module publishes a domain event: the event row is written with the caller's
 * transaction, so a change and its event commit, or roll back, together. Nothing is sent from
 * here; the webhook worker delivers committed events.
 */
@Injectable()
export class EventPublisher {
  private readonly validators = new Map<EventType, ValidateFunction>();
  private readonly listeners: PublishListener[] = [];

  constructor() {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    for (const [type, def] of Object.entries(EVENT_TYPES))
      this.validators.set(type as EventType, ajv.compile(def.schema));
  }

  onPublished(listener: PublishListener): void {
    this.listeners.push(listener);
  }

  /** Called by the transaction subscriber once a transaction that published events commits. */
  notifyCommitted(): void {
    for (const listener of this.listeners) listener();
  }

  static publishedIn(data: Record<string, unknown> | undefined): boolean {
    return !!data?.[TX_FLAG];
  }

  private check(type: EventType, payload: Record<string, unknown>): void {
    const validate = this.validators.get(type);
    if (!validate) throw new Error(`Unknown event type ${type}`);
    if (!validate(payload)) {
      throw new Error(
        `Invalid ${type} payload: ${(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`,
      );
    }
  }

  private markPublished(manager: EntityManager): void {
    if (manager.queryRunner?.isTransactionActive)
      manager.queryRunner.data = { ...manager.queryRunner.data, [TX_FLAG]: true };
    else this.notifyCommitted();
  }

  /**
   * Many events of one type in one statement (a set-based job that changes thousands of rows
   * publishes as many events without a round trip each); same validation and transaction rules.
   */
  async publishMany(
    manager: EntityManager,
    workspaceId: string,
    type: EventType,
    payloads: Array<Record<string, unknown>>,
  ): Promise<number> {
    if (payloads.length === 0) return 0;
    for (const payload of payloads) this.check(type, payload);
    const now = Date.now();
    // One JSON parameter: PostgreSQL parses a JSON array far faster than a text[] of JSON strings.
    const rows = payloads.map((payload) => ({ id: eventId(now), payload }));
    await manager.query(
      `INSERT INTO domain_events (id, workspace_id, type, payload)
       SELECT e.value->>'id', $1, $2, e.value->'payload' FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e(value, n)
        ORDER BY e.n`,
      [workspaceId, type, JSON.stringify(rows)],
    );
    this.markPublished(manager);
    return payloads.length;
  }

  /**
   * One event per row that SQL produces, without bringing the rows to Node: for set-based jobs
   * whose changes (tens of thousands of alerts, say) are themselves made by SQL. `source.with` are
   * the statement's leading CTEs (they may modify data; this runs as one statement) and
   * `source.select` yields a `payload jsonb` column, one row per event, in publication order.
   * Parameters are the source's; the event's id prefix, workspace and type follow them. The first
   * payload is validated against the type's schema after the insert (a failure throws, rolling the
   * caller's transaction back): SQL builds every row's payload with the same expression, so one
   * row vouches for the shape, and the tests check the rest.
   */
  async publishFromSql(
    manager: EntityManager,
    workspaceId: string,
    type: EventType,
    source: { with?: string; select: string; params: unknown[] },
  ): Promise<number> {
    if (!this.validators.has(type)) throw new Error(`Unknown event type ${type}`);
    const n = source.params.length;
    // Same format as eventId(): the time part, then 10 random hex digits for the batch and the
    // row's number in 10 more, unique within the batch without a random draw per row (PGlite's
    // gen_random_uuid costs ~25 us a call).
    const idPrefix = eventId().slice(0, 'evt_'.length + 20);
    const [{ published }]: Array<{ published: number }> = await manager.query(
      `WITH ${source.with ? `${source.with},` : ''}
       event_source AS (${source.select}),
       inserted AS (
         INSERT INTO domain_events (id, workspace_id, type, payload)
         SELECT $${n + 1}::text || lpad(to_hex(s.n), 10, '0'), $${n + 2}, $${n + 3}, s.payload
           FROM (SELECT payload, row_number() OVER () AS n FROM event_source) s
         RETURNING 1)
       SELECT count(*)::int AS published FROM inserted`,
      [...source.params, idPrefix, workspaceId, type],
    );
    if (published === 0) return 0;
    const [{ payload }]: Array<{ payload: Record<string, unknown> }> = await manager.query(
      `SELECT payload FROM domain_events WHERE id = $1`,
      [`${idPrefix}${(1).toString(16).padStart(10, '0')}`],
    );
    this.check(type, typeof payload === 'string' ? JSON.parse(payload) : payload);
    this.markPublished(manager);
    return published;
  }

  async publish(
    manager: EntityManager,
    workspaceId: string,
    type: EventType,
    payload: Record<string, unknown>,
  ): Promise<PublishedEvent> {
    this.check(type, payload);
    const id = eventId();
    const [row] = await manager.query(
      `INSERT INTO domain_events (id, workspace_id, type, payload) VALUES ($1, $2, $3, $4::jsonb) RETURNING occurred_at`,
      [id, workspaceId, type, JSON.stringify(payload)],
    );
    this.markPublished(manager);
    return { id, type, workspaceId, occurredAt: new Date(row.occurred_at).toISOString(), payload };
  }
}
