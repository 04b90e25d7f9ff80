import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { CanonicalRecord, CrmTarget } from '../../../crm/crm-targets';
import {
  AssociationEnd,
  CrmWriterService,
  IdFilter,
  WriteScope,
} from '../../../crm/crm-writer.service';
import { readAhead, SourcePage } from '../../engine/read-ahead';
import { EngineContext, FetchedBatch, SyncEngine } from '../../engine/sync-engine';
import { CrmConnection } from '../../entities/crm-connection.entity';
import {
  CrmErrorDecision,
  CrmHttpClient,
  CrmHttpError,
  defaultClassifyError,
  QueryParams,
} from '../../http/crm-http.client';
import { RequestBudgetService } from '../../http/request-budget.service';
import { SyncException } from '../../sync.exception';
import {
  associationExternalId,
  CUSTOM_OBJECTS,
  HUBSPOT_ENTITIES,
  HubSpotAssociation,
  HubSpotAssociationSpec,
  HubSpotEntity,
  HubSpotEntitySpec,
  HubSpotObject,
  HubSpotObjectEntity,
  HubSpotObjectSpec,
  HubSpotOwner,
  mapAssociation,
  mapHubSpotObject,
  mapOwner,
  StageDefinition,
  stageIndex,
} from './hubspot-mapping';
import { refreshHubSpotToken } from './hubspot-oauth';
import {
  HUBSPOT_DEFAULT_MAX,
  HUBSPOT_SEARCH_PER_SECOND,
  HubSpotRateLimiter,
  SECONDLY_MESSAGE,
} from './hubspot-rate-limiter';

export interface HubSpotSettings {
  /** Default https://api.hubapi.com. */
  base_url?: string;
  /** Default /crm/v3/objects; configurable because HubSpot is moving to dated paths. */
  object_path?: string;
  /** Default /crm/v4/associations. */
  associations_path?: string;
  /** Default /crm/v3/owners. */
  owners_path?: string;
  /** Default /crm/v3/pipelines. */
  pipelines_path?: string;
  /** Where OAuth tokens are refreshed (POST {oauth_url}/oauth/v1/token). Default base_url. */
  oauth_url?: string;
  /**
   * The object type id (e.g. 2-37778609) or fully qualified name (p{portal}_divisions) of each
   * custom object; an entity without one is not synced by `all`.
   */
  object_types?: Partial<Record<(typeof CUSTOM_OBJECTS)[number], string>>;
  /** Backoff base for retries; tests make it tiny. Default 2000. */
  retry_base_delay_ms?: number;
  /** Per request attempt. Default 30000. */
  timeout_ms?: number;
  /**
   * An associations run reads the associations of every record, not only of records changed
   * since the cursor, when its last complete read began longer ago than this. Default 24.
   */
  associations_full_after_hours?: number;
  /**
   * The account's budget per rolling 10 s until HubSpot's X-HubSpot-RateLimit-* headers say
   * otherwise: the documented 100 (Free, Starter; the default) or 190 (Professional, Enterprise).
   */
  requests_per_10s?: number;
  /** The search endpoints' budget per second (they send no headers). Default the documented 5. */
  search_requests_per_second?: number;
}

/** One delta time window (epoch ms, both ends inclusive) and how far it has been read. */
export interface HubSpotWindow {
  from: number;
  to: number;
  /** The search paging token of the next page; absent for the first page. */
  after?: string;
  /** Only ids above this one: how a window that cannot be split gets past the 10,000 cap. */
  min_id?: string;
}

/**
 * `full`: the list endpoint, `after` its next-page token, `started_at` when the full sync began
 * (the following delta starts there, so changes made while it ran are read again).
 * `delta`: `modified` is where the next delta window starts; `windows` is the work still pending
 * in an interrupted delta (read to `window_end`), last element first.
 */
export interface HubSpotCursor {
  phase: 'full' | 'delta';
  after?: string | null;
  started_at?: string;
  modified?: string;
  windows?: HubSpotWindow[];
  window_end?: string;
  /** Associations: when the last complete read of every record began. */
  full_at?: string;
}

export type HubSpotRecord = HubSpotObject | HubSpotOwner | HubSpotAssociation;

interface ListResponse {
  results?: HubSpotObject[];
  paging?: { next?: { after?: string } };
}

interface SearchResponse extends ListResponse {
  total?: number;
}

interface AssociationsResponse {
  results?: Array<{
    from?: { id?: string | number };
    to?: Array<Omit<HubSpotAssociation, 'from'>>;
    paging?: { next?: { after?: string } };
  }>;
}

/** A page of the changed records with the cursor after it. */
interface Page {
  records: HubSpotObject[];
  cursor: HubSpotCursor;
  /** The last page of a full read that began in this run: every record has been seen. */
  completeFromStart?: boolean;
}

const DEFAULT_BASE_URL = 'https://api.hubapi.com';
const DEFAULT_OBJECT_PATH = '/crm/v3/objects';
const DEFAULT_ASSOCIATIONS_PATH = '/crm/v4/associations';
const DEFAULT_OWNERS_PATH = '/crm/v3/owners';
const DEFAULT_PIPELINES_PATH = '/crm/v3/pipelines';
const LIST_LIMIT = 100;
/** Records saved per transaction in a full sync (10 list pages), read ahead while saving. */
const FULL_SYNC_BATCH = 1000;
const SEARCH_LIMIT = 200;
/** Records per associations batch read. */
const ASSOCIATION_INPUTS = 100;
/** HubSpot returns at most 10,000 results of one search query (400 for `after` >= 10000). */
const SEARCH_CAP = 10_000;
/** Records can become searchable a little after their last-modified time: re-read 5 minutes. */
const LOOKBACK_MS = 5 * 60_000;

/**
 * DAILY means no more calls until midnight: stop; the ten-second limit passes, so retry. An
 * expired OAuth token is refreshed (once); any other 401 will not get better by retrying.
 */
export function classifyHubSpotError(err: CrmHttpError): CrmErrorDecision {
  const data = err.responseData as { policyName?: unknown; category?: unknown } | undefined;
  if (err.status === 429) {
    if (data?.policyName === 'DAILY') return 'rate_limited_stop';
    if (data?.policyName === 'TEN_SECONDLY_ROLLING' || data?.policyName === 'SECONDLY')
      return 'retry';
    // The search API's per-second limit answers without a policy name.
    if ((err.responseData as { message?: unknown } | undefined)?.message === SECONDLY_MESSAGE)
      return 'retry';
  }
  if (err.status === 401)
    return data?.category === 'EXPIRED_AUTHENTICATION' ? 'refresh_auth' : 'fatal';
  return defaultClassifyError(err);
}

const specOf = (entity: string): HubSpotEntitySpec => HUBSPOT_ENTITIES[entity as HubSpotEntity];

/**
 * HubSpot CRM: owners, objects (contacts, companies, deals, meetings and custom objects) and
 * associations. A full sync pages the list endpoint; a delta searches on the last-modified
 * property in a time window up to the run's start, sorted by id, and splits the window whenever
 * it holds 10,000 results or more, because the search API silently caps a query at 10,000.
 * Every run then lists the archived records (`archived=true`) and soft-deletes them; a full read
 * that began in the run also soft-deletes what it did not see (records deleted for good).
 */
@Injectable()
export class HubSpotEngine extends SyncEngine<HubSpotRecord, HubSpotCursor> {
  readonly provider = 'hubspot';
  readonly entities = Object.keys(HUBSPOT_ENTITIES) as HubSpotEntity[];
  private readonly logger = new Logger(HubSpotEngine.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly writer: CrmWriterService,
    private readonly budgets: RequestBudgetService,
  ) {
    super();
  }

  targetOf(entity: string): CrmTarget {
    return specOf(entity).target;
  }

  static settings(connection: CrmConnection): HubSpotSettings {
    return connection.settings as HubSpotSettings;
  }

  /** Custom objects need their object type in the settings; the rest always sync. */
  override isConfigured(connection: CrmConnection, entity: string): boolean {
    const custom = CUSTOM_OBJECTS as readonly string[];
    return (
      !custom.includes(entity) ||
      !!HubSpotEngine.settings(connection).object_types?.[entity as (typeof CUSTOM_OBJECTS)[number]]
    );
  }

  override async initialize(ctx: EngineContext<HubSpotCursor>): Promise<void> {
    const settings = HubSpotEngine.settings(ctx.connection);
    const token = ctx.credentials.access_token;
    if (!token) {
      throw new SyncException('VALIDATION_ERROR', 'The HubSpot connection has no access_token');
    }
    const baseURL = (settings.base_url ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    ctx.state.client = new CrmHttpClient({
      provider: 'hubspot',
      baseURL,
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      retryBaseDelayMs: settings.retry_base_delay_ms ?? 2000,
      timeoutMs: settings.timeout_ms,
      classifyError: classifyHubSpotError,
      refreshAuth: () =>
        refreshHubSpotToken(ctx, (settings.oauth_url ?? baseURL).replace(/\/+$/, ''), {
          retryBaseDelayMs: settings.retry_base_delay_ms ?? 2000,
          timeoutMs: settings.timeout_ms,
        }),
      gate: this.rateLimiter(ctx.connection),
    });
  }

  /**
   * One limiter per connection (one HubSpot account) in this process, shared by the runs of all
   * its entities; its window lives in the budget store, so with Redis all instances share it.
   */
  rateLimiter(connection: CrmConnection): HubSpotRateLimiter {
    const settings = HubSpotEngine.settings(connection);
    const max = settings.requests_per_10s ?? HUBSPOT_DEFAULT_MAX;
    const searchPerSecond = settings.search_requests_per_second ?? HUBSPOT_SEARCH_PER_SECOND;
    const key = `hubspot:${connection.id}`;
    return this.budgets.shared(
      `${key}:${max}:${searchPerSecond}`,
      () => new HubSpotRateLimiter({ store: this.budgets.rolling, key, max, searchPerSecond }),
    );
  }

  override async *fetch(
    ctx: EngineContext<HubSpotCursor>,
  ): AsyncIterable<FetchedBatch<HubSpotRecord, HubSpotCursor>> {
    const spec = specOf(ctx.entity);
    if (spec.kind === 'owners') yield* this.owners(ctx);
    else if (spec.kind === 'object') yield* this.objects(ctx, spec);
    else yield* this.associations(ctx, spec);
  }

  override transform(raw: HubSpotRecord, ctx: EngineContext<HubSpotCursor>): CanonicalRecord {
    const spec = specOf(ctx.entity);
    if (spec.kind === 'owners') return mapOwner(raw as HubSpotOwner);
    if (spec.kind === 'associations') return mapAssociation(spec, raw as HubSpotAssociation);
    return mapHubSpotObject(
      ctx.entity as HubSpotObjectEntity,
      raw as HubSpotObject,
      ctx.state.stages as Map<string, StageDefinition> | undefined,
    );
  }

  override describe(raw: HubSpotRecord): string | null {
    const a = raw as HubSpotAssociation;
    if (typeof a?.from === 'string') return `${a.from}->${String(a.toObjectId ?? '')}`;
    return super.describe(raw);
  }

  // --- Objects -----------------------------------------------------------------------------

  private async *objects(
    ctx: EngineContext<HubSpotCursor>,
    spec: HubSpotObjectSpec,
  ): AsyncIterable<FetchedBatch<HubSpotRecord, HubSpotCursor>> {
    if (ctx.entity === 'deals') ctx.state.stages = await this.dealStages(ctx);
    const path = this.objectPath(ctx, spec);
    const prefix = spec.idPrefix ?? '';
    const links = await this.linksOf(ctx);
    const seen = new Set<string>();
    let last: Page | undefined;
    for await (const page of this.changed(ctx, path, spec.properties, spec.modifiedProperty)) {
      const ids = idsOf(page.records);
      for (const id of ids) seen.add(prefix + id);
      yield {
        records: page.records,
        cursor: page.cursor,
        // A rewritten contact, deal or meeting keeps the references its associations give it.
        reconcile: links.length
          ? async (m, dryRun) => {
              if (dryRun) return 0;
              for (const link of links)
                await this.writer.applyAssociations(m, this.scope(ctx), link.from, link.to, ids);
              return 0;
            }
          : undefined,
      };
      last = page;
    }
    if (!last) return;
    yield* this.archived(ctx, path, last.cursor, prefix);
    if (last.completeFromStart) yield this.sweep(ctx, last.cursor, seen);
  }

  /**
   * The references records of this entity take from associations (a contact's or deal's account,
   * a meeting's contact and deal), among those the connection syncs (checked once a run, so that
   * connections without associations skip the work).
   */
  private async linksOf(
    ctx: EngineContext<HubSpotCursor>,
  ): Promise<Array<{ from: AssociationEnd; to: AssociationEnd }>> {
    const links = [];
    for (const spec of Object.values(HUBSPOT_ENTITIES as Record<string, HubSpotEntitySpec>)) {
      if (spec.kind !== 'associations' || spec.from !== ctx.entity || !spec.link) continue;
      const { from, to } = spec.link;
      if (await this.writer.hasAssociations(this.dataSource.manager, this.scope(ctx), from, to))
        links.push({ from, to });
    }
    return links;
  }

  /** Pages of the records changed since the cursor: the whole list on a full sync. */
  private async *changed(
    ctx: EngineContext<HubSpotCursor>,
    path: string,
    properties: readonly string[],
    modifiedProperty: string,
    cursor: HubSpotCursor | null = ctx.cursor,
  ): AsyncIterable<Page> {
    if (!cursor || cursor.phase === 'full') {
      // A new full sync, or the rest of one that was interrupted (a DAILY 429, a shutdown).
      yield* this.fullSync(ctx, path, properties, cursor);
      return;
    }
    const search = { path: `${path}/search`, properties, modifiedProperty };
    let modified = cursor.modified ?? ctx.runStartedAt.toISOString();
    if (cursor.windows?.length && cursor.window_end) {
      // Finish the interrupted delta's windows first, then read on from where it ended.
      yield* this.searchWindows(ctx, search, [...cursor.windows], cursor.window_end);
      modified = cursor.window_end;
    }
    const runStart = ctx.runStartedAt.getTime();
    const from = Math.min(Date.parse(modified), runStart) - LOOKBACK_MS;
    yield* this.searchWindows(
      ctx,
      search,
      [{ from, to: runStart }],
      ctx.runStartedAt.toISOString(),
    );
  }

  private async *fullSync(
    ctx: EngineContext<HubSpotCursor>,
    path: string,
    properties: readonly string[],
    cursor: HubSpotCursor | null,
  ): AsyncIterable<Page> {
    const startedAt = cursor?.started_at ?? ctx.runStartedAt.toISOString();
    const resumed = !!cursor?.after;
    const client = ctx.state.client as CrmHttpClient;
    const page = async (
      after: string | undefined,
    ): Promise<SourcePage<HubSpotObject, HubSpotCursor>> => {
      const body = await client.get<ListResponse>(
        path,
        // limit always sent: the dated API paths default to 10 per page.
        { limit: LIST_LIMIT, properties: properties.join(','), after },
        { signal: ctx.signal },
      );
      const next = body.paging?.next?.after;
      return {
        records: this.resultsOf(body, `GET ${path}`),
        // The last page has no paging: what follows is a delta from when this full sync began.
        cursor: next
          ? { phase: 'full', after: next, started_at: startedAt }
          : { phase: 'delta', modified: startedAt },
        next: next ? () => page(next) : undefined,
      };
    };
    // Pages are read ahead while the runner saves, and saved 1,000 records a transaction.
    for await (const batch of readAhead(page(cursor?.after ?? undefined), FULL_SYNC_BATCH)) {
      yield {
        records: batch.records,
        cursor: batch.cursor,
        completeFromStart: batch.cursor.phase === 'delta' && !resumed,
      };
    }
  }

  /** GET list pages (`limit=100`, `after`) until one comes without `paging.next`. */
  private async *listPages(
    ctx: EngineContext<HubSpotCursor>,
    path: string,
    params: QueryParams,
    after?: string | null,
  ): AsyncIterable<{ records: HubSpotObject[]; next?: string }> {
    const client = ctx.state.client as CrmHttpClient;
    let token = after ?? undefined;
    for (;;) {
      const body = await client.get<ListResponse>(
        path,
        // limit always sent: the dated API paths default to 10 per page.
        { limit: LIST_LIMIT, ...params, after: token },
        { signal: ctx.signal },
      );
      const records = this.resultsOf(body, `GET ${path}`);
      const next = body.paging?.next?.after;
      yield { records, next };
      if (!next) return;
      token = next;
    }
  }

  /**
   * Archived records are not searchable and not in the default list: a pass with
   * `archived=true` finds them, and they are soft-deleted (a record restored later comes back
   * through the list or search and is revived). The cursor stays where the main pass ended.
   */
  private async *archived(
    ctx: EngineContext<HubSpotCursor>,
    path: string,
    cursor: HubSpotCursor,
    prefix: string,
    params: QueryParams = { properties: 'hs_object_id' },
  ): AsyncIterable<FetchedBatch<HubSpotRecord, HubSpotCursor>> {
    for await (const { records } of this.listPages(ctx, path, { ...params, archived: true })) {
      yield { records: [], cursor, deletedIds: idsOf(records).map((id) => prefix + id) };
    }
  }

  /**
   * After a full read from the first page: the connection's rows of this entity that the read
   * did not see are gone from HubSpot (deleted for good, or archived past retention).
   */
  private sweep(
    ctx: EngineContext<HubSpotCursor>,
    cursor: HubSpotCursor,
    seen: Set<string>,
  ): FetchedBatch<HubSpotRecord, HubSpotCursor> {
    const target = this.targetOf(ctx.entity);
    return {
      records: [],
      cursor,
      reconcile: async (m, dryRun) => {
        const n = await this.writer.softDeleteUnseen(
          m,
          this.scope(ctx),
          target,
          [...seen],
          dryRun,
          this.idFilter(ctx.entity),
        );
        const spec = specOf(ctx.entity);
        if (!dryRun && spec.kind === 'associations' && spec.link)
          await this.writer.applyAssociations(m, this.scope(ctx), spec.link.from, spec.link.to);
        return n;
      },
    };
  }

  /** The rows of a shared table that belong to this entity (see HubSpotObjectSpec.idPrefix). */
  private idFilter(entity: string): IdFilter {
    const spec = specOf(entity);
    if (spec.kind === 'associations') return spec.link ? { prefix: spec.link.idPrefix } : {};
    if (spec.kind === 'object' && spec.idPrefix) return { prefix: spec.idPrefix };
    const others = Object.values(HUBSPOT_ENTITIES as Record<string, HubSpotEntitySpec>)
      .filter((s) => s.target === spec.target && s.kind === 'object' && s.idPrefix)
      .map((s) => (s as HubSpotObjectSpec).idPrefix as string);
    return others.length ? { notPrefixes: others } : {};
  }

  private scope(ctx: EngineContext<HubSpotCursor>): WriteScope {
    return {
      workspaceId: ctx.connection.workspaceId,
      connectionId: ctx.connection.id,
      source: this.provider,
    };
  }

  private objectPath(ctx: EngineContext<HubSpotCursor>, spec: { type?: string }): string {
    const settings = HubSpotEngine.settings(ctx.connection);
    const type =
      spec.type ?? settings.object_types?.[ctx.entity as (typeof CUSTOM_OBJECTS)[number]];
    if (!type) {
      throw new SyncException(
        'VALIDATION_ERROR',
        `Set settings.object_types.${ctx.entity} of the HubSpot connection to the custom object's type id (e.g. 2-37778609) or fully qualified name`,
      );
    }
    const base = (settings.object_path ?? DEFAULT_OBJECT_PATH).replace(/\/+$/, '');
    return `${base}/${encodeURIComponent(type)}`;
  }

  /** Deal stage ids mean little: the pipelines API gives their labels, pipeline and odds. */
  private async dealStages(
    ctx: EngineContext<HubSpotCursor>,
  ): Promise<Map<string, StageDefinition>> {
    const client = ctx.state.client as CrmHttpClient;
    const settings = HubSpotEngine.settings(ctx.connection);
    const path = `${(settings.pipelines_path ?? DEFAULT_PIPELINES_PATH).replace(/\/+$/, '')}/deals`;
    const body = await client.get<unknown>(path, undefined, { signal: ctx.signal });
    try {
      return stageIndex(body);
    } catch (err) {
      throw new SyncException(
        'SERVICE_UNAVAILABLE',
        `hubspot GET ${path}: ${(err as Error).message}`,
      );
    }
  }

  /**
   * Reads a stack of windows (the last one first). A window whose first page reports 10,000
   * results or more is replaced by its two halves; one that cannot be split (a single
   * millisecond) is read in slices of ids instead.
   */
  private async *searchWindows(
    ctx: EngineContext<HubSpotCursor>,
    search: { path: string; properties: readonly string[]; modifiedProperty: string },
    stack: HubSpotWindow[],
    windowEnd: string,
  ): AsyncIterable<Page> {
    const client = ctx.state.client as CrmHttpClient;
    const cursorOf = (): HubSpotCursor =>
      stack.length
        ? { phase: 'delta', windows: stack.map((w) => ({ ...w })), window_end: windowEnd }
        : { phase: 'delta', modified: windowEnd };
    while (stack.length) {
      const w = stack[stack.length - 1];
      const filters = [
        { propertyName: search.modifiedProperty, operator: 'GTE', value: String(w.from) },
        { propertyName: search.modifiedProperty, operator: 'LTE', value: String(w.to) },
        ...(w.min_id ? [{ propertyName: 'hs_object_id', operator: 'GT', value: w.min_id }] : []),
      ];
      const body = await client.post<SearchResponse>(
        search.path,
        {
          filterGroups: [{ filters }],
          sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
          properties: [...search.properties, search.modifiedProperty],
          limit: SEARCH_LIMIT,
          ...(w.after ? { after: w.after } : {}),
        },
        { signal: ctx.signal, retryable: true },
      );
      const records = this.resultsOf(body, `POST ${search.path}`);
      const total = typeof body.total === 'number' ? body.total : 0;
      if (!w.after && total >= SEARCH_CAP && w.to > w.from) {
        // Too many for one query: read the two halves instead (this page is read again there).
        const mid = w.from + Math.floor((w.to - w.from) / 2);
        stack.pop();
        stack.push({ from: mid + 1, to: w.to }, { from: w.from, to: mid });
        continue;
      }
      const next = body.paging?.next?.after;
      if (next && Number(next) >= SEARCH_CAP && records.length) {
        // Paging on would run into the cap (HubSpot answers 400): a new query from the last id.
        w.after = undefined;
        w.min_id = records[records.length - 1].id;
      } else if (next) {
        w.after = next;
      } else {
        stack.pop();
      }
      yield { records, cursor: cursorOf() };
    }
  }

  // --- Owners ------------------------------------------------------------------------------

  /** The owners API has no search: every run reads the (short) list again. */
  private async *owners(
    ctx: EngineContext<HubSpotCursor>,
  ): AsyncIterable<FetchedBatch<HubSpotRecord, HubSpotCursor>> {
    const settings = HubSpotEngine.settings(ctx.connection);
    const path = (settings.owners_path ?? DEFAULT_OWNERS_PATH).replace(/\/+$/, '');
    const resume = ctx.cursor?.phase === 'full' ? ctx.cursor.after : undefined;
    const done: HubSpotCursor = { phase: 'delta', modified: ctx.runStartedAt.toISOString() };
    const seen = new Set<string>();
    for await (const { records, next } of this.listPages(ctx, path, { archived: false }, resume)) {
      for (const id of idsOf(records)) seen.add(id);
      yield { records, cursor: next ? { phase: 'full', after: next } : done };
    }
    yield* this.archived(ctx, path, done, '', {});
    if (!resume) yield this.sweep(ctx, done, seen);
  }

  // --- Associations ------------------------------------------------------------------------

  /**
   * The associations of the records changed since the cursor (all records on a full sync),
   * read with the v4 batch endpoint and its per-record paging. Each batch holds every
   * association of its records, so their other stored associations are soft-deleted with it.
   * A change of associations alone does not always move a record's last-modified time, so a
   * delta turns into a complete read once the last one is `associations_full_after_hours` old.
   */
  private async *associations(
    ctx: EngineContext<HubSpotCursor>,
    spec: HubSpotAssociationSpec,
  ): AsyncIterable<FetchedBatch<HubSpotRecord, HubSpotCursor>> {
    const from = HUBSPOT_ENTITIES[spec.from];
    const path = this.objectPath(ctx, from);
    const hours = HubSpotEngine.settings(ctx.connection).associations_full_after_hours ?? 24;
    let cursor = ctx.cursor;
    if (
      cursor?.phase === 'delta' &&
      !(ctx.runStartedAt.getTime() - Date.parse(cursor.full_at ?? '') <= hours * 3_600_000)
    ) {
      this.logger.log(
        { connection_id: ctx.connection.id, entity: ctx.entity, full_at: cursor.full_at ?? null },
        'Last complete associations read is too old: reading the associations of every record',
      );
      cursor = null;
    }
    // Carried along by every cursor; a complete read that began in this run replaces it.
    let fullAt = cursor?.full_at;
    const seen = new Set<string>();
    let last: Page | undefined;
    const pages = this.changed(ctx, path, ['hs_object_id'], from.modifiedProperty, cursor);
    for await (const page of pages) {
      if (page.completeFromStart) fullAt = page.cursor.modified;
      const ids = idsOf(page.records);
      const links = await this.readAssociations(ctx, spec, ids);
      const keep = links
        .filter((l) => l.toObjectId !== null && l.toObjectId !== undefined)
        .map((l) => associationExternalId(spec, l.from, String(l.toObjectId)));
      for (const id of keep) seen.add(id);
      last = { ...page, cursor: { ...page.cursor, ...(fullAt ? { full_at: fullAt } : {}) } };
      yield {
        records: links,
        cursor: last.cursor,
        reconcile: (m, dryRun) => this.replaceAssociations(m, ctx, spec, ids, keep, dryRun),
      };
    }
    if (last?.completeFromStart) yield this.sweep(ctx, last.cursor, seen);
  }

  private async replaceAssociations(
    m: EntityManager,
    ctx: EngineContext<HubSpotCursor>,
    spec: HubSpotAssociationSpec,
    ids: string[],
    keep: string[],
    dryRun: boolean,
  ): Promise<number> {
    const scope = this.scope(ctx);
    const parent = spec.link
      ? {
          column: 'from_external_id',
          values: ids,
          match: { from_object: spec.link.from, to_object: spec.link.to },
        }
      : { column: 'opportunity_external_id', values: ids };
    const n = await this.writer.softDeleteOtherChildren(
      m,
      scope,
      spec.target,
      parent,
      keep,
      dryRun,
    );
    if (!dryRun && spec.link)
      await this.writer.applyAssociations(m, scope, spec.link.from, spec.link.to, ids);
    return n;
  }

  /** Every association of `ids`, following each record's own paging past 100. */
  private async readAssociations(
    ctx: EngineContext<HubSpotCursor>,
    spec: HubSpotAssociationSpec,
    ids: string[],
  ): Promise<HubSpotAssociation[]> {
    const client = ctx.state.client as CrmHttpClient;
    const settings = HubSpotEngine.settings(ctx.connection);
    const base = (settings.associations_path ?? DEFAULT_ASSOCIATIONS_PATH).replace(/\/+$/, '');
    const path = `${base}/${spec.from}/${spec.to}/batch/read`;
    const links: HubSpotAssociation[] = [];
    let pending: Array<{ id: string; after?: string }> = ids.map((id) => ({ id }));
    while (pending.length) {
      const more: typeof pending = [];
      for (let i = 0; i < pending.length; i += ASSOCIATION_INPUTS) {
        const inputs = pending.slice(i, i + ASSOCIATION_INPUTS);
        // 207 Multi-Status lists records without associations under errors: nothing to read.
        const body = await client.post<AssociationsResponse>(
          path,
          { inputs },
          { signal: ctx.signal, retryable: true },
        );
        if (!body || !Array.isArray(body.results)) {
          throw new SyncException(
            'SERVICE_UNAVAILABLE',
            `hubspot POST ${path}: the response has no "results" array`,
          );
        }
        for (const result of body.results) {
          const from = String(result.from?.id ?? '');
          if (!ids.includes(from)) continue;
          for (const to of result.to ?? []) links.push({ ...to, from });
          const after = result.paging?.next?.after;
          if (after) more.push({ id: from, after });
        }
      }
      pending = more;
    }
    return links;
  }

  private resultsOf(body: ListResponse, what: string): HubSpotObject[] {
    if (!body || !Array.isArray(body.results)) {
      throw new SyncException(
        'SERVICE_UNAVAILABLE',
        `hubspot ${what}: the response has no "results" array`,
      );
    }
    return body.results;
  }
}

const idsOf = (records: Array<{ id?: unknown }>): string[] =>
  records.map((r) => r?.id).filter((id): id is string => typeof id === 'string' && id !== '');
