import type { EngineContext, FetchedBatch } from '../../engine/sync-engine';
import { SyncEngine } from '../../engine/sync-engine';
import { CrmConnection } from '../../entities/crm-connection.entity';
import { CrmHttpClient } from '../../http/crm-http.client';
import { RequestBudgetService } from '../../http/request-budget.service';
import {
  callRailConfigured,
  callRailPages,
  callRailSettings,
  createCallRailClient,
  FetchedPage,
  MAX_PER_PAGE,
} from './callrail-client';

/**
 * What both CallRail engines share: the connection's client (one hourly budget for all its
 * entities), `settings.entities` for `all`, and paging with per_page capped at the API's 250.
 */
export abstract class CallRailBaseEngine<TRaw, TCursor> extends SyncEngine<TRaw, TCursor> {
  readonly provider = 'callrail';

  constructor(protected readonly budgets: RequestBudgetService) {
    super();
  }

  override isConfigured(connection: CrmConnection, entity: string): boolean {
    return callRailConfigured(connection, entity);
  }

  override async initialize(ctx: EngineContext<TCursor>): Promise<void> {
    ctx.state.client = createCallRailClient(ctx as EngineContext<unknown>, this.budgets.fixed);
  }

  protected pages(
    ctx: EngineContext<TCursor>,
    path: (accountId: string) => string,
    key: string,
    params: Record<string, string | number>,
    firstPage: number,
  ): AsyncIterable<FetchedPage<TRaw>> {
    const settings = callRailSettings(ctx.connection);
    const perPage = Math.min(MAX_PER_PAGE, Math.max(1, settings.per_page ?? MAX_PER_PAGE));
    return callRailPages<TRaw>(
      ctx.state.client as CrmHttpClient,
      path(settings.account_id ?? ''),
      key,
      params,
      firstPage,
      perPage,
      ctx.signal,
    );
  }

  abstract override fetch(ctx: EngineContext<TCursor>): AsyncIterable<FetchedBatch<TRaw, TCursor>>;
}
