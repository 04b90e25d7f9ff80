import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CrmWriterService } from '../../../crm/crm-writer.service';
import type { CanonicalRecord, CrmTarget } from '../../../crm/crm-targets';
import { EngineContext, FetchedBatch, SyncEngine } from '../../engine/sync-engine';
import { CrmConnection } from '../../entities/crm-connection.entity';
import { CrmHttpClient } from '../../http/crm-http.client';
import { RequestBudgetService } from '../../http/request-budget.service';
import { SyncException } from '../../sync.exception';
import {
  CALLRAIL_ENTITIES,
  CallRailCall,
  CallRailConversation,
  CallRailEntity,
  CallRailRecord,
  mapCall,
  mapConversation,
} from './callrail-mapping';

export interface CallRailSettings {
  account_id?: string;
  /** Default https://api.callrail.com/v3. */
  base_url?: string;
  /** Where a full sync starts (ISO date or date-time). Default two years before the run. */
  history_start?: string;
  /** How far before the last window's end a delta starts again. Default 72. */
  lookback_hours?: number;
  /** At most 250 (the API's cap). Default 250. */
  per_page?: number;
  /** Backoff base for retries; tests make it tiny. Default the client's (500 ms). */
  retry_base_delay_ms?: number;
  /** Requests per hour. Default the documented 1,000. */
  requests_per_hour?: number;
}

/**
 * Where a run is: the date window it reads and the last page of it committed. `complete` once
 * the last page is committed; the next delta then starts at window_end minus the lookback.
 */
export interface CallRailCursor {
  window_start: string;
  window_end: string;
  page: number;
  complete: boolean;
}

interface PageEnvelope {
  page?: number;
  per_page?: number;
  total_pages?: number;
  total_records?: number;
  [key: string]: unknown;
}

const DEFAULT_BASE_URL = 'https://api.callrail.com/v3';
const MAX_PER_PAGE = 250;
const DEFAULT_LOOKBACK_HOURS = 72;
const HOUR_MS = 3_600_000;

/**
 * CallRail REST v3: calls and text messages become activities. CallRail records have no
 * updated_at and post-call data (recordings, tags, value) arrives after the call, so a delta
 * re-reads a lookback before the last window's end and lets the content hash skip unchanged
 * rows. Every request carries explicit start_date/end_date: without them the API silently
 * returns only the last 7 days.
 */
@Injectable()
export class CallRailEngine extends SyncEngine<CallRailRecord, CallRailCursor> {
  readonly provider = 'callrail';
  readonly entities = ['calls', 'text_messages'] as const;
  override readonly supportsSince = true;
  private readonly logger = new Logger(CallRailEngine.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly writer: CrmWriterService,
    private readonly budgets: RequestBudgetService,
  ) {
    super();
  }

  targetOf(entity: string): CrmTarget {
    return CALLRAIL_ENTITIES[entity as CallRailEntity].target;
  }

  static settings(connection: CrmConnection): CallRailSettings {
    return connection.settings as CallRailSettings;
  }

  override async initialize(ctx: EngineContext<CallRailCursor>): Promise<void> {
    const settings = CallRailEngine.settings(ctx.connection);
    const apiKey = ctx.credentials.api_key;
    if (!settings.account_id) {
      throw new SyncException('VALIDATION_ERROR', 'The CallRail connection has no account_id');
    }
    if (!apiKey) {
      throw new SyncException('VALIDATION_ERROR', 'The CallRail connection has no api_key');
    }
    ctx.state.client = new CrmHttpClient({
      provider: 'callrail',
      baseURL: (settings.base_url ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
      headers: { Authorization: `Token token="${apiKey}"`, Accept: 'application/json' },
      retryBaseDelayMs: settings.retry_base_delay_ms,
      // The documented 1,000 requests/hour, one budget per connection for all its entities
      // (and, through Redis when REDIS_URL is set, for all instances).
      rateLimit: {
        points: settings.requests_per_hour ?? 1000,
        durationSeconds: 3600,
        key: `callrail:${ctx.connection.id}`,
      },
      limiterStore: this.budgets.fixed,
    });
  }

  override async *fetch(
    ctx: EngineContext<CallRailCursor>,
  ): AsyncIterable<FetchedBatch<CallRailRecord, CallRailCursor>> {
    const settings = CallRailEngine.settings(ctx.connection);
    const spec = CALLRAIL_ENTITIES[ctx.entity as CallRailEntity];
    const client = ctx.state.client as CrmHttpClient;
    const perPage = Math.min(MAX_PER_PAGE, Math.max(1, settings.per_page ?? MAX_PER_PAGE));
    const window = this.windowOf(ctx, settings);
    const path = `/a/${encodeURIComponent(settings.account_id ?? '')}/${spec.path}`;

    for (let page = window.page + 1; ; page++) {
      const body = await client.get<PageEnvelope>(
        path,
        {
          ...('extraParams' in spec ? spec.extraParams : {}),
          start_date: window.window_start,
          end_date: window.window_end,
          page,
          per_page: perPage,
        },
        { signal: ctx.signal },
      );
      const records = body[spec.key];
      if (!Array.isArray(records)) {
        throw new SyncException(
          'SERVICE_UNAVAILABLE',
          `callrail GET ${path} page ${page}: the response has no "${spec.key}" array`,
        );
      }
      const totalPages = Number(body.total_pages ?? 0);
      // An empty window reports total_pages 0: this first page is then also the last.
      const complete = page >= totalPages || records.length === 0;
      yield {
        records: records as CallRailRecord[],
        cursor: { ...window, page, complete },
        total: typeof body.total_records === 'number' ? body.total_records : undefined,
      };
      if (complete) return;
    }
  }

  override transform(
    raw: CallRailRecord,
    ctx: EngineContext<CallRailCursor>,
  ): CanonicalRecord | CanonicalRecord[] {
    return ctx.entity === 'calls'
      ? mapCall(raw as CallRailCall)
      : mapConversation(raw as CallRailConversation);
  }

  /**
   * Links this connection's calls and texts to the contact or lead with the same phone number.
   * Done after the run in one statement rather than per record, because the contacts may be
   * synced from another source at any time; only rows whose link changes are written.
   */
  override async cleanup(ctx: EngineContext<CallRailCursor>): Promise<void> {
    if (ctx.options.dryRun) return;
    const { workspaceId, id: connectionId } = ctx.connection;
    await this.writer.linkActivitiesByPhone(this.dataSource.manager, {
      workspaceId,
      connectionId,
      source: this.provider,
    });
    this.logger.debug({ connection_id: connectionId }, 'CallRail activities linked by phone');
  }

  /** The window and the last committed page this run continues from. */
  private windowOf(ctx: EngineContext<CallRailCursor>, settings: CallRailSettings): CallRailCursor {
    const runStart = ctx.runStartedAt.toISOString();
    const since = ctx.options.since ? this.iso(ctx.options.since, '--since') : undefined;
    const cursor = ctx.cursor;
    if (cursor && !cursor.complete && !since) {
      // An interrupted run: finish its window from the first uncommitted page.
      return { ...cursor };
    }
    let start: string;
    if (since) {
      start = since;
    } else if (cursor) {
      const lookback = (settings.lookback_hours ?? DEFAULT_LOOKBACK_HOURS) * HOUR_MS;
      start = new Date(Date.parse(cursor.window_end) - lookback).toISOString();
    } else if (settings.history_start) {
      start = this.iso(settings.history_start, 'history_start');
    } else {
      const twoYearsBack = new Date(ctx.runStartedAt);
      twoYearsBack.setUTCFullYear(twoYearsBack.getUTCFullYear() - 2);
      start = twoYearsBack.toISOString();
    }
    return { window_start: start, window_end: runStart, page: 0, complete: false };
  }

  private iso(value: string, what: string): string {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) {
      throw new SyncException('VALIDATION_ERROR', `${what} "${value}" is not a date`);
    }
    return new Date(ms).toISOString();
  }
}
