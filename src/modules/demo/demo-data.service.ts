import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config';
import { DatabaseInfo } from '../../platform/database/database.module';
import { WorkspaceService } from '../../platform/workspace/workspace.service';
import { CanonicalRecord, CrmTarget } from '../crm/crm-targets';
import { validateRecord } from '../crm/record-validator';
import { CrmWriterService, WriteScope } from '../crm/crm-writer.service';
import { ConnectionsService } from '../sync/connections/connections.service';
import { CrmConnection } from '../sync/entities/crm-connection.entity';
import { SyncService } from '../sync/sync.service';
import { enrich, EnrichmentInput, EnrichmentOutput, GeneratedRecord } from './demo-enricher';

/** The newest date in the export (sales_pipeline.csv): demo dates are shifted so it lands near today. */
export const DATASET_NEWEST_DATE = '2017-12-31';
export const DEMO_CONNECTION_NAME = 'Demo data (CRM + Sales + Opportunities)';
export const DEMO_SEED = 20_171_231;
const CHUNK = 5000;
const DAY = 86_400_000;

export interface DemoSummary {
  workspaceId: string;
  connectionId: string;
  asOf: string;
  shiftDays: number;
  seconds: number;
  counts: Record<string, number>;
}

/** Where the project keeps its copy of the data set (demo-data/ at the package root). */
export function demoDataDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'demo-data', 'crm-sales-opportunities');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('demo-data/crm-sales-opportunities not found next to the application');
}

/** Whole weeks from the data set's newest date to `today`, so weekdays stay weekdays. */
export function shiftDaysFor(today: string): number {
  const days = Math.floor(
    (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${DATASET_NEWEST_DATE}T00:00:00Z`)) / DAY,
  );
  return Math.max(0, Math.floor(days / 7) * 7);
}

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

/**
 * Loads the demo data set: imports the CSV export through the CSV sync engine (the same path a
 * customer's files take), then adds what the export lacks with the seeded generator (contacts,
 * activities, stage history, quotas, forecast fields of open deals), never touching a field the
 * export has. Idempotent: loading again changes nothing. docs/DEMO_DATA.md has the rules.
 */
@Injectable()
export class DemoDataService {
  private readonly logger = new Logger(DemoDataService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly database: DatabaseInfo,
    private readonly dataSource: DataSource,
    private readonly workspaces: WorkspaceService,
    private readonly connections: ConnectionsService,
    private readonly sync: SyncService,
    private readonly writer: CrmWriterService,
  ) {}

  /** DEMO_DATA=true, or unset on a newly created embedded database. */
  get wantedOnStart(): boolean {
    return this.config.DEMO_DATA ?? (this.database.embedded && this.database.freshlyCreated);
  }

  /**
   * @param today the calendar day the data is moved to (UTC, YYYY-MM-DD); the first load fixes
   *        the shift in the connection's settings so later loads and syncs keep the same dates.
   * @param reload recompute the shift for `today` and re-import everything.
   */
  async load(opts: { today?: string; reload?: boolean } = {}): Promise<DemoSummary> {
    const started = Date.now();
    const steps = this.stepTimer();
    const today = opts.today ?? new Date().toISOString().slice(0, 10);
    const workspace = await this.workspaces.ensureDefault(this.config.BOOTSTRAP_TIER);
    const connection = await this.demoConnection(workspace.id, shiftDaysFor(today), !!opts.reload);
    const shiftDays = Number(
      (connection.settings as { date_shift_days?: number }).date_shift_days ?? 0,
    );
    const asOf = addDays(DATASET_NEWEST_DATE, shiftDays);

    steps.done('prepare');
    const runs = await this.sync.runNow({
      workspaceId: workspace.id,
      provider: 'csv',
      entity: 'all',
      connectionId: connection.id,
      options: { full: !!opts.reload },
      trigger: 'demo',
    });
    const failed = runs.filter((r) => r.status !== 'succeeded');
    if (failed.length > 0)
      throw new Error(
        `Demo import failed: ${failed.map((r) => `${r.entity} ${r.status} ${r.error ?? ''}`).join('; ')}`,
      );

    steps.done('import CSV');
    const input = await this.enrichmentInput(workspace.id, connection.id, asOf);
    steps.done('read imported data');
    const output = enrich(input);
    steps.done('generate');
    const scope: WriteScope = {
      workspaceId: workspace.id,
      connectionId: connection.id,
      source: 'generated',
    };
    const raw = { generator: 'demo-enricher', seed: DEMO_SEED };
    for (const [target, records] of [
      ['contacts', output.contacts],
      ['opportunity_contacts', output.opportunityContacts],
      ['activities', output.activities],
      ['quotas', output.quotas],
    ] as const) {
      await this.write(scope, target, records, raw);
      steps.done(`write ${target} (${records.length})`);
    }
    await this.dataSource.transaction(async (m) => {
      await this.applyPatches(m, scope, output.opportunityPatches);
      steps.done('fill opportunity fields');
      await this.replaceHistory(m, scope, output.stageHistory);
      steps.done(`write stage history (${output.stageHistory.length})`);
      await this.deriveAccounts(m, scope, asOf);
      steps.done('derive accounts');
      await this.writer.buildFinished(m, workspace.id);
      steps.done('build finished');
    });

    const counts: Record<string, number> = {};
    for (const table of [
      'crm_users',
      'accounts',
      'products',
      'opportunities',
      'contacts',
      'opportunity_contacts',
      'activities',
      'quotas',
      'opportunity_stage_history',
    ]) {
      const [row] = await this.dataSource.query(
        `SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = $1`,
        [workspace.id],
      );
      counts[table] = row.n;
    }
    steps.done('count');
    const summary = {
      workspaceId: workspace.id,
      connectionId: connection.id,
      asOf,
      shiftDays,
      seconds: (Date.now() - started) / 1000,
      counts,
    };
    this.logger.log({ ...summary }, `Demo data loaded in ${summary.seconds.toFixed(1)} s`);
    return summary;
  }

  /** Logs each step of a load with its duration (progress output, and where the time goes). */
  private stepTimer(): { done(step: string): void } {
    let last = Date.now();
    return {
      done: (step: string) => {
        const now = Date.now();
        this.logger.log(`Demo data: ${step} in ${((now - last) / 1000).toFixed(1)} s`);
        last = now;
      },
    };
  }

  private async demoConnection(
    workspaceId: string,
    shiftDays: number,
    reload: boolean,
  ): Promise<CrmConnection> {
    const existing = (await this.connections.list(workspaceId)).find(
      (c) => c.provider === 'csv' && c.name === DEMO_CONNECTION_NAME,
    );
    const settings = {
      folder: demoDataDir(),
      preset: 'maven-crm',
      date_shift_days: shiftDays,
      batch_size: 2000,
    };
    if (!existing)
      return this.connections.create(workspaceId, {
        provider: 'csv',
        name: DEMO_CONNECTION_NAME,
        settings,
      });
    const current = existing.settings as { date_shift_days?: number; folder?: string };
    if (reload || current.folder !== settings.folder) {
      return this.connections.update(workspaceId, existing.id, {
        settings: {
          ...existing.settings,
          folder: settings.folder,
          ...(reload ? { date_shift_days: shiftDays } : {}),
        },
      });
    }
    return existing;
  }

  private async enrichmentInput(
    workspaceId: string,
    connectionId: string,
    asOf: string,
  ): Promise<EnrichmentInput> {
    const q = <T>(sql: string) =>
      this.dataSource.query(sql, [workspaceId, connectionId]) as Promise<T[]>;
    const scope = 'workspace_id = $1 AND connection_id = $2 AND deleted_at IS NULL';
    const users = await q<EnrichmentInput['users'][number]>(
      `SELECT external_id AS "externalId", name, role, manager_external_id AS "managerExternalId", office
         FROM crm_users WHERE ${scope} AND role IN ('rep', 'manager') ORDER BY external_id`,
    );
    const accounts = await q<EnrichmentInput['accounts'][number]>(
      `SELECT external_id AS "externalId", name, industry, employees, annual_revenue::text AS "annualRevenue"
         FROM accounts WHERE ${scope} ORDER BY external_id`,
    );
    const products = await q<EnrichmentInput['products'][number]>(
      `SELECT external_id AS "externalId", name, list_price::text AS "listPrice" FROM products WHERE ${scope} ORDER BY external_id`,
    );
    // The export's own values (raw), not fields a previous load generated.
    const opportunities = await q<EnrichmentInput['opportunities'][number]>(
      `SELECT external_id AS "externalId", owner_external_id AS "ownerExternalId", account_external_id AS "accountExternalId",
              product_external_id AS "productExternalId", stage, status,
              CASE WHEN 'amount' = ANY(generated_fields) THEN NULL ELSE amount::text END AS amount,
              CASE WHEN 'close_date' = ANY(generated_fields) THEN NULL ELSE to_char(close_date, 'YYYY-MM-DD') END AS "closeDate",
              CASE WHEN 'created_date' = ANY(generated_fields) THEN NULL ELSE to_char(created_date, 'YYYY-MM-DD') END AS "createdDate"
         FROM opportunities WHERE ${scope} ORDER BY external_id`,
    );
    return { seed: DEMO_SEED, asOf, users, accounts, products, opportunities };
  }

  private async write(
    scope: WriteScope,
    target: CrmTarget,
    records: GeneratedRecord[],
    raw: unknown,
  ): Promise<void> {
    for (let i = 0; i < records.length; i += CHUNK) {
      const chunk: CanonicalRecord[] = records
        .slice(i, i + CHUNK)
        .map((r) => ({ externalId: r.externalId, fields: { ...r.fields }, raw }));
      for (const record of chunk) {
        // Generated rows pass the same checks (and get the same defaults) as synced ones.
        const problems = validateRecord(target, record);
        if (problems.length > 0)
          throw new Error(
            `Generated ${target} ${record.externalId} is invalid: ${problems.join('; ')}`,
          );
      }
      await this.dataSource.transaction((m) => this.writer.upsert(m, scope, target, chunk));
    }
  }

  /** Fills only empty fields, and remembers which ones it filled (a later sync with a value wins). */
  private async applyPatches(
    m: EntityManager,
    scope: WriteScope,
    patches: EnrichmentOutput['opportunityPatches'],
  ): Promise<void> {
    const col = <K extends string>(name: K) =>
      patches.map((p) => (p.fields as Record<string, string | null | undefined>)[name] ?? null);
    const fields = [
      'amount',
      'close_date',
      'created_date',
      'forecast_category',
      'probability',
      'next_step',
    ] as const;
    const types = ['numeric', 'date', 'date', 'text', 'numeric', 'text'];
    await m.query(
      `UPDATE opportunities o SET
         ${fields.map((f) => `${f} = COALESCE(o.${f}, p.${f})`).join(', ')},
         generated_fields = ARRAY(SELECT DISTINCT g FROM unnest(o.generated_fields || ARRAY[
           ${fields.map((f) => `CASE WHEN o.${f} IS NULL AND p.${f} IS NOT NULL THEN '${f}' END`).join(', ')}
         ]) AS g WHERE g IS NOT NULL ORDER BY g)
       FROM unnest($3::text[], ${fields.map((_, i) => `$${i + 4}::${types[i]}[]`).join(', ')})
         AS p(external_id, ${fields.join(', ')})
       WHERE o.workspace_id = $1 AND o.connection_id = $2 AND o.external_id = p.external_id`,
      [
        scope.workspaceId,
        scope.connectionId,
        patches.map((p) => p.externalId),
        ...fields.map((f) => col(f)),
      ],
    );
  }

  /** The generated history is the whole story of each deal, so it replaces what the import recorded. */
  private async replaceHistory(
    m: EntityManager,
    scope: WriteScope,
    history: EnrichmentOutput['stageHistory'],
  ): Promise<void> {
    await m.query(
      `DELETE FROM opportunity_stage_history h USING opportunities o
        WHERE h.opportunity_id = o.id AND o.workspace_id = $1 AND o.connection_id = $2`,
      [scope.workspaceId, scope.connectionId],
    );
    for (let i = 0; i < history.length; i += CHUNK) {
      const chunk = history.slice(i, i + CHUNK);
      await m.query(
        `INSERT INTO opportunity_stage_history
           (id, workspace_id, opportunity_id, changed_at, stage, status, amount, close_date, forecast_category, probability, source)
         SELECT h.id, o.workspace_id, o.id, h.changed_at, h.stage, h.status, h.amount, h.close_date, h.forecast_category, h.probability, 'generated'
           FROM unnest($3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::numeric[], $8::date[], $9::text[], $10::numeric[], $11::uuid[])
             AS h(external_id, changed_at, stage, status, amount, close_date, forecast_category, probability, id)
           JOIN opportunities o ON o.workspace_id = $1 AND o.connection_id = $2 AND o.external_id = h.external_id`,
        [
          scope.workspaceId,
          scope.connectionId,
          chunk.map((h) => h.opportunityExternalId),
          chunk.map((h) => h.changedAt),
          chunk.map((h) => h.stage),
          chunk.map((h) => h.status),
          chunk.map((h) => h.amount),
          chunk.map((h) => h.closeDate),
          chunk.map((h) => h.forecastCategory),
          chunk.map((h) => h.probability),
          // Ids made here: gen_random_uuid() costs ~25 us a row on the embedded database.
          chunk.map(() => randomUUID()),
        ],
      );
    }
  }

  /**
   * The export has no customer flag or ARR: an account is a customer once it has won a deal, and
   * its ARR is what it bought in the twelve months before the data set's "today".
   */
  private async deriveAccounts(m: EntityManager, scope: WriteScope, asOf: string): Promise<void> {
    await m.query(
      `UPDATE accounts a SET is_customer = COALESCE(w.won, 0) > 0, arr = w.arr
         FROM accounts a2
         LEFT JOIN LATERAL (
           SELECT count(*) AS won,
                  sum(o.amount) FILTER (WHERE o.close_date > $3::date - 365) AS arr
             FROM opportunities o WHERE o.workspace_id = a2.workspace_id AND o.account_id = a2.id AND o.status = 'won'
         ) w ON true
        WHERE a.id = a2.id AND a2.workspace_id = $1 AND a2.connection_id = $2`,
      [scope.workspaceId, scope.connectionId, asOf],
    );
  }
}
