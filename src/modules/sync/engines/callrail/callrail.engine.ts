import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CrmWriterService } from '../../../crm/crm-writer.service';
import type { CanonicalRecord, CrmTarget } from '../../../crm/crm-targets';
import { EngineContext, FetchedBatch } from '../../engine/sync-engine';
import { RequestBudgetService } from '../../http/request-budget.service';
import { SyncException } from '../../sync.exception';
import { CallRailBaseEngine } from './callrail-base.engine';
import { CallRailSettings, callRailSettings } from './callrail-client';
import {
  CALLRAIL_ENTITIES,
  CallRailCall,
  CallRailConversation,
  CallRailEntity,
  CallRailFormSubmission,
  CallRailRecord,
  mapCall,
  mapConversation,
  mapFormSubmission,
} from './callrail-mapping';

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

const DEFAULT_LOOKBACK_HOURS = 72;
const HOUR_MS = 3_600_000;

/**
 * CallRail REST v3, the records with a date: form submissions become leads, calls and text
 * messages activities. CallRail records have no updated_at and post-call data (recordings, tags,
 * value, lead status) arrives later, so a delta re-reads a lookback before the last window's end
 * and lets the content hash skip unchanged rows. Every request carries explicit
 * start_date/end_date: without them the API silently returns only the last 7 days.
 */
@Injectable()
export class CallRailEngine extends CallRailBaseEngine<CallRailRecord, CallRailCursor> {
  readonly entities = ['form_submissions', 'calls', 'text_messages'] as const;
  override readonly supportsSince = true;
  private readonly logger = new Logger(CallRailEngine.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly writer: CrmWriterService,
    budgets: RequestBudgetService,
  ) {
    super(budgets);
  }

  targetOf(entity: string): CrmTarget {
    return CALLRAIL_ENTITIES[entity as CallRailEntity].target;
  }

  override async *fetch(
    ctx: EngineContext<CallRailCursor>,
  ): AsyncIterable<FetchedBatch<CallRailRecord, CallRailCursor>> {
    const settings = callRailSettings(ctx.connection);
    const spec = CALLRAIL_ENTITIES[ctx.entity as CallRailEntity];
    const window = this.windowOf(ctx, settings);
    for await (const page of this.pages(
      ctx,
      (account) => `/a/${encodeURIComponent(account)}/${spec.path}`,
      spec.key,
      {
        ...('extraParams' in spec ? spec.extraParams : {}),
        start_date: window.window_start,
        end_date: window.window_end,
      },
      window.page + 1,
    )) {
      yield {
        records: page.records,
        cursor: { ...window, page: page.page, complete: page.complete },
        total: page.total,
      };
    }
  }

  override transform(
    raw: CallRailRecord,
    ctx: EngineContext<CallRailCursor>,
  ): CanonicalRecord | CanonicalRecord[] {
    if (ctx.entity === 'form_submissions') return mapFormSubmission(raw as CallRailFormSubmission);
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
