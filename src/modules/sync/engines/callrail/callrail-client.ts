import { CrmHttpClient, RateLimiterStoreFactory } from '../../http/crm-http.client';
import type { EngineContext } from '../../engine/sync-engine';
import { CrmConnection } from '../../entities/crm-connection.entity';
import { SyncException } from '../../sync.exception';

export interface CallRailSettings {
  account_id?: string;
  /** Default https://api.callrail.com/v3. */
  base_url?: string;
  /** Where a full sync of calls, texts and forms starts (ISO date or date-time). Default two years before the run. */
  history_start?: string;
  /** How far before the last window's end a delta starts again. Default 72. */
  lookback_hours?: number;
  /** At most 250 (the API's cap). Default 250. */
  per_page?: number;
  /** Backoff base for retries; tests make it tiny. Default the client's (500 ms). */
  retry_base_delay_ms?: number;
  /** Per request attempt. Default the client's (30 s). */
  timeout_ms?: number;
  /** Requests per hour. Default the documented 1,000. */
  requests_per_hour?: number;
  /** The entities `all` runs (default every one). */
  entities?: string[];
}

/** CallRail's offset-pagination envelope: page, per_page, total_pages, total_records + the array. */
export interface PageEnvelope {
  page?: number;
  per_page?: number;
  total_pages?: number;
  total_records?: number;
  [key: string]: unknown;
}

export interface FetchedPage<T> {
  records: T[];
  page: number;
  /** True on the last page (page >= total_pages, or an empty page). */
  complete: boolean;
  total?: number;
}

const DEFAULT_BASE_URL = 'https://api.callrail.com/v3';
export const MAX_PER_PAGE = 250;

export const callRailSettings = (connection: CrmConnection): CallRailSettings =>
  connection.settings as CallRailSettings;

export const callRailConfigured = (connection: CrmConnection, entity: string): boolean => {
  const only = callRailSettings(connection).entities;
  return !only || only.includes(entity);
};

/**
 * The HTTP client of a CallRail connection: `Authorization: Token token="..."`, and the documented
 * 1,000 requests/hour as one budget per connection, shared by all its entities (and, counted in
 * Redis when REDIS_URL is set, by all instances).
 */
export function createCallRailClient(
  ctx: EngineContext<unknown>,
  limiterStore: RateLimiterStoreFactory,
): CrmHttpClient {
  const settings = callRailSettings(ctx.connection);
  const apiKey = ctx.credentials.api_key;
  if (!settings.account_id) {
    throw new SyncException('VALIDATION_ERROR', 'The CallRail connection has no account_id');
  }
  if (!apiKey) {
    throw new SyncException('VALIDATION_ERROR', 'The CallRail connection has no api_key');
  }
  return new CrmHttpClient({
    provider: 'callrail',
    baseURL: (settings.base_url ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
    headers: { Authorization: `Token token="${apiKey}"`, Accept: 'application/json' },
    retryBaseDelayMs: settings.retry_base_delay_ms,
    timeoutMs: settings.timeout_ms,
    rateLimit: {
      points: settings.requests_per_hour ?? 1000,
      durationSeconds: 3600,
      key: `callrail:${ctx.connection.id}`,
    },
    limiterStore,
  });
}

/**
 * Pages of an offset-paginated CallRail list from `firstPage` on (page/per_page; the last page is
 * the one at total_pages, or an empty one). A response without the expected array is an
 * error, not an empty page: it would otherwise look like the end of the list.
 */
export async function* callRailPages<T>(
  client: CrmHttpClient,
  path: string,
  key: string,
  params: Record<string, string | number>,
  firstPage: number,
  perPage: number,
  signal: AbortSignal,
): AsyncIterable<FetchedPage<T>> {
  for (let page = firstPage; ; page++) {
    const body = await client.get<PageEnvelope>(
      path,
      { ...params, page, per_page: perPage },
      { signal },
    );
    const records = body[key];
    if (!Array.isArray(records)) {
      throw new SyncException(
        'SERVICE_UNAVAILABLE',
        `callrail GET ${path} page ${page}: the response has no "${key}" array`,
      );
    }
    const totalPages = Number(body.total_pages ?? 0);
    // An empty list reports total_pages 0: this first page is then also the last.
    const complete = page >= totalPages || records.length === 0;
    yield {
      records: records as T[],
      page,
      complete,
      total: typeof body.total_records === 'number' ? body.total_records : undefined,
    };
    if (complete) return;
  }
}
