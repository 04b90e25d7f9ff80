import { Injectable } from '@nestjs/common';
import type { CanonicalRecord, CrmTarget } from '../../../crm/crm-targets';
import { readAhead, SourcePage } from '../../engine/read-ahead';
import { EngineContext, FetchedBatch, SyncEngine } from '../../engine/sync-engine';
import { CrmConnection } from '../../entities/crm-connection.entity';
import {
  CrmErrorDecision,
  CrmHttpClient,
  CrmHttpError,
  defaultClassifyError,
} from '../../http/crm-http.client';
import { RequestBudgetService } from '../../http/request-budget.service';
import { SyncException } from '../../sync.exception';
import {
  HUBSPOT_ENTITIES,
  HubSpotEntity,
  HubSpotObject,
  mapHubSpotObject,
} from './hubspot-mapping';
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
  /** Backoff base for retries; tests make it tiny. Default 2000. */
  retry_base_delay_ms?: number;
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
}

interface ListResponse {
  results?: HubSpotObject[];
  paging?: { next?: { after?: string } };
}

interface SearchResponse extends ListResponse {
  total?: number;
}

const DEFAULT_BASE_URL = 'https://api.hubapi.com';
const DEFAULT_OBJECT_PATH = '/crm/v3/objects';
const LIST_LIMIT = 100;
/** Records saved per transaction in a full sync (10 list pages), read ahead while saving. */
const FULL_SYNC_BATCH = 1000;
const SEARCH_LIMIT = 200;
/** HubSpot returns at most 10,000 results of one search query (400 for `after` >= 10000). */
const SEARCH_CAP = 10_000;
/** Records can become searchable a little after their last-modified time: re-read 5 minutes. */
const LOOKBACK_MS = 5 * 60_000;

/** DAILY means no more calls until midnight: stop; the ten-second limit passes, so retry. */
export function classifyHubSpotError(err: CrmHttpError): CrmErrorDecision {
  if (err.status === 429) {
    const policy = (err.responseData as { policyName?: unknown } | undefined)?.policyName;
    if (policy === 'DAILY') return 'rate_limited_stop';
    if (policy === 'TEN_SECONDLY_ROLLING' || policy === 'SECONDLY') return 'retry';
    const message = (err.responseData as { message?: unknown } | undefined)?.message;
    if (message === SECONDLY_MESSAGE) return 'retry';
  }
  return defaultClassifyError(err);
}

/**
 * HubSpot CRM v3 objects: contacts, companies (accounts) and deals (opportunities). A full sync
 * pages the list endpoint; a delta searches on the last-modified property in a time window up to
 * the run's start, sorted by id, and splits the window whenever it holds 10,000 results or more,
 * because the search API silently caps a query at 10,000.
 */
@Injectable()
export class HubSpotEngine extends SyncEngine<HubSpotObject, HubSpotCursor> {
  readonly provider = 'hubspot';
  readonly entities = ['contacts', 'companies', 'deals'] as const;

  constructor(private readonly budgets: RequestBudgetService) {
    super();
  }

  targetOf(entity: string): CrmTarget {
    return HUBSPOT_ENTITIES[entity as HubSpotEntity].target;
  }

  static settings(connection: CrmConnection): HubSpotSettings {
    return connection.settings as HubSpotSettings;
  }

  override async initialize(ctx: EngineContext<HubSpotCursor>): Promise<void> {
    const settings = HubSpotEngine.settings(ctx.connection);
    const token = ctx.credentials.access_token;
    if (!token) {
      throw new SyncException('VALIDATION_ERROR', 'The HubSpot connection has no access_token');
    }
    ctx.state.client = new CrmHttpClient({
      provider: 'hubspot',
      baseURL: (settings.base_url ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      retryBaseDelayMs: settings.retry_base_delay_ms ?? 2000,
      classifyError: classifyHubSpotError,
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
  ): AsyncIterable<FetchedBatch<HubSpotObject, HubSpotCursor>> {
    const cursor = ctx.cursor;
    if (!cursor || cursor.phase === 'full') {
      // A new full sync, or the rest of one that was interrupted (a DAILY 429, a shutdown).
      yield* this.fullSync(ctx, cursor);
      return;
    }
    let modified = cursor.modified ?? ctx.runStartedAt.toISOString();
    if (cursor.windows?.length && cursor.window_end) {
      // Finish the interrupted delta's windows first, then read on from where it ended.
      yield* this.searchWindows(ctx, [...cursor.windows], cursor.window_end);
      modified = cursor.window_end;
    }
    const runStart = ctx.runStartedAt.getTime();
    const from = Math.min(Date.parse(modified), runStart) - LOOKBACK_MS;
    yield* this.searchWindows(ctx, [{ from, to: runStart }], ctx.runStartedAt.toISOString());
  }

  override transform(raw: HubSpotObject, ctx: EngineContext<HubSpotCursor>): CanonicalRecord {
    return mapHubSpotObject(ctx.entity as HubSpotEntity, raw);
  }

  private path(ctx: EngineContext<HubSpotCursor>): string {
    const settings = HubSpotEngine.settings(ctx.connection);
    const base = (settings.object_path ?? DEFAULT_OBJECT_PATH).replace(/\/+$/, '');
    return `${base}/${HUBSPOT_ENTITIES[ctx.entity as HubSpotEntity].type}`;
  }

  private async *fullSync(
    ctx: EngineContext<HubSpotCursor>,
    cursor: HubSpotCursor | null,
  ): AsyncIterable<FetchedBatch<HubSpotObject, HubSpotCursor>> {
    const client = ctx.state.client as CrmHttpClient;
    const spec = HUBSPOT_ENTITIES[ctx.entity as HubSpotEntity];
    const startedAt = cursor?.started_at ?? ctx.runStartedAt.toISOString();
    const page = async (
      after: string | undefined,
    ): Promise<SourcePage<HubSpotObject, HubSpotCursor>> => {
      const body = await client.get<ListResponse>(
        this.path(ctx),
        {
          // Always sent: the dated API paths default to 10 per page.
          limit: LIST_LIMIT,
          properties: spec.properties.join(','),
          after,
        },
        { signal: ctx.signal },
      );
      const next = body.paging?.next?.after;
      return {
        records: this.resultsOf(body, 'GET list'),
        // The last page has no paging: what follows is a delta from when this full sync began.
        cursor: next
          ? { phase: 'full', after: next, started_at: startedAt }
          : { phase: 'delta', modified: startedAt },
        next: next ? () => page(next) : undefined,
      };
    };
    yield* readAhead(page(cursor?.after ?? undefined), FULL_SYNC_BATCH);
  }

  /**
   * Reads a stack of windows (the last one first). A window whose first page reports 10,000
   * results or more is replaced by its two halves; one that cannot be split (a single
   * millisecond) is read in slices of ids instead.
   */
  private async *searchWindows(
    ctx: EngineContext<HubSpotCursor>,
    stack: HubSpotWindow[],
    windowEnd: string,
  ): AsyncIterable<FetchedBatch<HubSpotObject, HubSpotCursor>> {
    const client = ctx.state.client as CrmHttpClient;
    const spec = HUBSPOT_ENTITIES[ctx.entity as HubSpotEntity];
    const path = `${this.path(ctx)}/search`;
    const cursorOf = (): HubSpotCursor =>
      stack.length
        ? { phase: 'delta', windows: stack.map((w) => ({ ...w })), window_end: windowEnd }
        : { phase: 'delta', modified: windowEnd };
    while (stack.length) {
      const w = stack[stack.length - 1];
      const filters = [
        { propertyName: spec.modifiedProperty, operator: 'GTE', value: String(w.from) },
        { propertyName: spec.modifiedProperty, operator: 'LTE', value: String(w.to) },
        ...(w.min_id ? [{ propertyName: 'hs_object_id', operator: 'GT', value: w.min_id }] : []),
      ];
      const body = await client.post<SearchResponse>(
        path,
        {
          filterGroups: [{ filters }],
          sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
          properties: [...spec.properties, spec.modifiedProperty],
          limit: SEARCH_LIMIT,
          ...(w.after ? { after: w.after } : {}),
        },
        { signal: ctx.signal, retryable: true },
      );
      const records = this.resultsOf(body, 'POST search');
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
