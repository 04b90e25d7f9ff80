import { Injectable } from '@nestjs/common';
import type { CanonicalRecord, CrmTarget } from '../../../crm/crm-targets';
import { EngineContext, FetchedBatch } from '../../engine/sync-engine';
import { RequestBudgetService } from '../../http/request-budget.service';
import { CallRailBaseEngine } from './callrail-base.engine';
import {
  CALLRAIL_LISTS,
  CallRailList,
  CallRailObject,
  mapListRecord,
} from './callrail-reference-mapping';

/** The last page of the list committed (lists are read whole every run; see the engine). */
export interface CallRailListCursor {
  page: number;
  complete: boolean;
}

/**
 * CallRail's configuration lists: accounts, companies, users, trackers and tags. They are small
 * and have no modification filter, so every run reads the whole list (page/per_page up to 250)
 * and the content hash keeps unchanged records from being rewritten. A run that read to the last
 * page has seen everything CallRail holds, so records it did not see were deleted there (users
 * removed, tags deleted) and are soft-deleted here. Disabled companies and trackers stay listed by
 * CallRail with their status, and keep it here.
 */
@Injectable()
export class CallRailListsEngine extends CallRailBaseEngine<CallRailObject, CallRailListCursor> {
  constructor(budgets: RequestBudgetService) {
    super(budgets);
  }

  /** Accounts and companies first: trackers and tags point at companies. */
  readonly entities = ['accounts', 'companies', 'users', 'trackers', 'tags'] as const;
  override readonly detectsDeletions = true;

  targetOf(entity: string): CrmTarget {
    return CALLRAIL_LISTS[entity as CallRailList].target;
  }

  override async *fetch(
    ctx: EngineContext<CallRailListCursor>,
  ): AsyncIterable<FetchedBatch<CallRailObject, CallRailListCursor>> {
    const spec = CALLRAIL_LISTS[ctx.entity as CallRailList];
    for await (const page of this.pages(ctx, spec.path, spec.key, {}, 1)) {
      if (page.complete) ctx.completeSnapshot = true;
      yield {
        records: page.records,
        cursor: { page: page.page, complete: page.complete },
        total: page.total,
      };
    }
  }

  override transform(raw: CallRailObject, ctx: EngineContext<CallRailListCursor>): CanonicalRecord {
    return mapListRecord(ctx.entity as CallRailList, raw);
  }
}
