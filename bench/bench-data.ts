/**
 * The one API bench data set (issue 6 acceptance 5, issue 7 acceptance 5), loaded set-based in
 * SQL (a few INSERT ... SELECT over generate_series) into one workspace, serving every route
 * `npm run bench:api` measures: the pipeline (health, deal list and detail, hygiene) and the
 * forecast and coaching routes, all pinned to one `as_of` day.
 *
 * Defaults: 100,000 open deals, 60,000 deals closed over the two years before `as_of` (45% won:
 * the health norms and the coaching figures), 2 to 5 stage-history rows and 1 to 4 contact roles
 * per deal, 2,000,000 activities, 100 reps in 10 teams with their managers, 10,000 accounts,
 * 20,000 contacts, a quota per rep and quarter. Open deals fall in three activity classes by the
 * age of their newest activity (active 45%: 1-6 days; quiet 27%: 8-20 days; stale 28%: 22-121
 * days, skewed young), so every health band is used; 1 in 6 is past its close date, 1 in 5 has
 * no next step.
 *
 * Values are pseudo-random but deterministic: each comes from hashint4 of the row number, so two
 * runs produce the same deals, amounts and dates (row ids are md5-derived uuids of the row number
 * and the workspace).
 */
import type { INestApplicationContext } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { ForecastReadModelService } from '../src/modules/forecast/forecast-read-model.service';
import { ForecastSnapshotService } from '../src/modules/forecast/forecast-snapshot.service';
import { HealthRecomputeService } from '../src/modules/pipeline/health-recompute.service';
import { fmt } from './bench-support';

export interface BenchDataOptions {
  /** The day the data is generated around; `as_of` of the analytics routes, "now" of the recompute. */
  asOf: string;
  openDeals: number;
  closedDeals: number;
  activities: number;
  managers: number;
  repsPerManager: number;
  accounts: number;
  contacts: number;
}

export const BENCH_DATA_DEFAULTS: BenchDataOptions = {
  asOf: '2026-11-15',
  openDeals: 100_000,
  closedDeals: 60_000,
  activities: 2_000_000,
  managers: 10,
  repsPerManager: 10,
  accounts: 10_000,
  contacts: 20_000,
};

/**
 * The defaults, scaled by BENCH_AS_OF, BENCH_OPEN_DEALS, BENCH_CLOSED_DEALS, BENCH_ACTIVITIES,
 * BENCH_ACCOUNTS and BENCH_CONTACTS.
 */
export function benchDataOptionsFromEnv(
  env: Record<string, string | undefined> = process.env,
): BenchDataOptions {
  const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
  const d = BENCH_DATA_DEFAULTS;
  return {
    ...d,
    asOf: env.BENCH_AS_OF ?? d.asOf,
    openDeals: num('BENCH_OPEN_DEALS', d.openDeals),
    closedDeals: num('BENCH_CLOSED_DEALS', d.closedDeals),
    activities: num('BENCH_ACTIVITIES', d.activities),
    accounts: num('BENCH_ACCOUNTS', d.accounts),
    contacts: num('BENCH_CONTACTS', d.contacts),
  };
}

export interface BenchData {
  asOf: string;
  openDeals: number;
  wonDeals: number;
  lostDeals: number;
  historyRows: number;
  activities: number;
  opportunityContacts: number;
  repIds: string[];
  managerIds: string[];
  segments: string[];
  /** An open deal (deal 1), for GET /v1/pipeline/deals/{id}. */
  openDealId: string;
}

export const SEGMENTS = ['Enterprise', 'Mid-Market', 'SMB'];
const STAGES = ['Prospecting', 'Qualification', 'Proposal', 'Negotiation'];
const ACTIVITY_TYPES = ['call', 'email', 'meeting', 'task', 'note', 'sms'];
const ACTIVITY_BATCH = 250_000;

/** A deterministic fraction in [0, 1) of an integer expression and a salt. */
const rnd = (expr: string, salt: number) =>
  `((hashint4((${expr}) * 97 + ${salt}) & 2147483647)::float8 / 2147483648)`;
/** A deterministic (version 4 shaped) uuid per kind, row number and workspace ($1). */
const uid = (kind: string, expr: string) =>
  `overlay(overlay(md5($1::text || ':${kind}:' || (${expr})) placing '4' from 13) placing '8' from 17)::uuid`;
const SYNC_COLUMNS = `source, external_id, content_hash`;
const sync = (kind: string, expr: string) =>
  `'bench', '${kind}-' || (${expr}), md5('${kind}' || (${expr})) || md5((${expr})::text)`;

/**
 * Loads the data set into `workspaceId` (which should hold no CRM data yet), then vacuums and
 * analyzes the tables as autovacuum would after a bulk load (statistics, visibility map for
 * index-only scans; the embedded database has no autovacuum).
 *
 * Deal n (1..open+closed) is open when n <= openDeals. Open deals: newest activity `quiet` days
 * before `as_of` (the activity classes), created 10-159 days before it, closing from 30 days
 * before `as_of` (1 in 6, past due) to 15 months after it. Closed deals: closed on a day of the
 * two years before `as_of` (won 45%, else lost), newest activity on that day. Stage history:
 * 2 to 5 rows from creation (the stage advances; 30% of deals had their close date pushed, 20%
 * their amount changed), the last row being the deal's current state (for a closed deal, on its
 * close day). Activity k belongs to deal (k - 1) mod deals + 1: the first of each deal at its
 * newest-activity instant, the rest spread over its life, with one of its contact roles (notes
 * have none).
 */
export async function loadBenchData(
  dataSource: DataSource,
  workspaceId: string,
  options: BenchDataOptions,
  log: (line: string) => void,
): Promise<BenchData> {
  const o = options;
  const deals = o.openDeals + o.closedDeals;
  const reps = o.managers * o.repsPerManager;
  // One connection throughout: the plan is a temporary table.
  const runner: QueryRunner = dataSource.createQueryRunner();
  await runner.connect();
  const q = (sql: string, params: unknown[] = []) => runner.query(sql, [workspaceId, ...params]);
  const step = async (label: string, fn: () => Promise<unknown>) => {
    const started = performance.now();
    await fn();
    log(`  ${label}: ${fmt((performance.now() - started) / 1000)} s`);
  };
  try {
    await step(
      `${o.managers} managers, ${reps} reps, ${o.accounts} accounts, ${o.contacts} contacts, stage mapping, quotas`,
      async () => {
        await q(
          `INSERT INTO crm_users (id, workspace_id, name, role, team, ${SYNC_COLUMNS})
           SELECT ${uid('mgr', 'i')}, $1::uuid, 'Manager ' || i, 'manager', 'Team ' || i, ${sync('mgr', 'i')}
             FROM generate_series(1, $2::int) i`,
          [o.managers],
        );
        await q(
          `INSERT INTO crm_users (id, workspace_id, name, role, manager_id, team, ${SYNC_COLUMNS})
           SELECT ${uid('rep', 'i')}, $1::uuid, 'Rep ' || i, 'rep', ${uid('mgr', '(i - 1) % $2 + 1')},
                  'Team ' || ((i - 1) % $2 + 1), ${sync('rep', 'i')}
             FROM generate_series(1, $3::int) i`,
          [o.managers, reps],
        );
        await q(
          `INSERT INTO accounts (id, workspace_id, name, segment, owner_id, ${SYNC_COLUMNS})
           SELECT ${uid('acct', 'i')}, $1::uuid, 'Account ' || i, ($2::text[])[i % 3 + 1],
                  ${uid('rep', '(i - 1) % $3 + 1')}, ${sync('acct', 'i')}
             FROM generate_series(1, $4::int) i`,
          [SEGMENTS, reps, o.accounts],
        );
        await q(
          `INSERT INTO contacts (id, workspace_id, account_id, first_name, last_name, title, ${SYNC_COLUMNS})
           SELECT ${uid('contact', 'i')}, $1::uuid, ${uid('acct', '(i - 1) % $2 + 1')}, 'Contact', 'No ' || i, 'Director',
                  ${sync('contact', 'i')}
             FROM generate_series(1, $3::int) i`,
          [o.accounts, o.contacts],
        );
        await q(
          `INSERT INTO forecast_stage_settings (workspace_id, stage, forecast_category, probability)
           SELECT $1::uuid, s, c, p FROM unnest($2::text[], $3::text[], $4::numeric[]) AS t(s, c, p)`,
          [STAGES, ['pipeline', 'pipeline', 'best_case', 'commit'], [0.1, 0.25, 0.5, 0.75]],
        );
        // A quota per rep and calendar quarter, three years back and one ahead.
        await q(
          `INSERT INTO quotas (workspace_id, user_id, user_external_id, period_start, period_end, amount, ${SYNC_COLUMNS})
           SELECT $1::uuid, ${uid('rep', 'r')}, 'rep-' || r, p::date, (p + interval '3 months' - interval '1 day')::date,
                  round((1500000 + ${rnd('r * 100 + extract(month from p)::int', 9)} * 1000000)::numeric, 2),
                  ${sync('quota', `r || '-' || p::date`)}
             FROM generate_series(1, $2::int) r,
                  generate_series(date_trunc('quarter', $3::date - interval '3 years'), $3::date + interval '1 year', interval '3 months') p`,
          [reps, o.asOf],
        );
      },
    );

    // Each deal's plan: every value derives from its number n.
    await step(`plan of ${o.openDeals} open and ${o.closedDeals} closed deals`, async () => {
      await q(
        `CREATE TEMP TABLE bench_deals AS
         SELECT n, ${uid('opp', 'n')} AS id, open, ${uid('acct', '(n - 1) % $3 + 1')} AS account_id,
                ${uid('rep', '(n - 1) % $4 + 1')} AS owner_id, round((1000 + ${rnd('n', 1)} * 199000)::numeric, 2) AS amount,
                CASE WHEN open THEN ($6::text[])[n % 4 + 1] WHEN won THEN 'Closed Won' ELSE 'Closed Lost' END AS stage,
                CASE WHEN open THEN 'open' WHEN won THEN 'won' ELSE 'lost' END AS status,
                c.close_date, c.last_day - life AS created_date,
                (c.last_day - life)::timestamp AT TIME ZONE 'UTC' AS created_at,
                c.last_day::timestamp AT TIME ZONE 'UTC' + make_interval(hours => 9, mins => n % 480) AS last_at,
                1 + (hashint4(n) & 3) AS roles, 2 + n % 4 AS steps
           FROM (SELECT n, n <= $2::int AS open, ${rnd('n', 2)} < 0.45 AS won,
                        CASE WHEN n > $2::int THEN 0
                             WHEN ${rnd('n', 10)} < 0.45 THEN 1 + floor(${rnd('n', 11)} * 6)
                             WHEN ${rnd('n', 10)} < 0.72 THEN 8 + floor(${rnd('n', 11)} * 13)
                             ELSE 22 + floor(${rnd('n', 11)} * ${rnd('n', 11)} * 100) END::int AS quiet,
                        (10 + floor(${rnd('n', 6)} * 150))::int AS life
                   FROM generate_series(1, $5::int) n) p
          CROSS JOIN LATERAL (
            SELECT x.close_date, CASE WHEN p.open THEN $7::date - p.quiet ELSE x.close_date END AS last_day
              FROM (SELECT CASE WHEN NOT p.open THEN $7::date - 1 - floor(${rnd('n', 7)} * 730)::int
                                WHEN ${rnd('n', 12)} * 6 < 1 THEN $7::date - 1 - floor(${rnd('n', 7)} * 30)::int
                                ELSE $7::date + floor(${rnd('n', 7)} * 450)::int END AS close_date) x) c`,
        [o.openDeals, o.accounts, reps, deals, STAGES, o.asOf],
      );
      await runner.query('CREATE UNIQUE INDEX ON bench_deals (n)');
      await runner.query('ANALYZE bench_deals');
    });
    await step('deals', () =>
      q(
        `INSERT INTO opportunities (id, workspace_id, name, account_id, owner_id, amount, stage, probability,
                                    forecast_category, status, close_date, created_date, segment, next_step, ${SYNC_COLUMNS})
         SELECT d.id, $1::uuid, 'Deal ' || d.n, d.account_id, d.owner_id, d.amount, d.stage,
                CASE WHEN d.open AND ${rnd('d.n', 3)} < 0.4 THEN round((${rnd('d.n', 4)})::numeric, 4) END,
                CASE WHEN d.open AND ${rnd('d.n', 5)} < 0.3 THEN ($2::text[])[d.n % 3 + 1] END,
                d.status, d.close_date, d.created_date, CASE WHEN d.n % 5 = 0 THEN ($3::text[])[d.n % 3 + 1] END,
                CASE WHEN ${rnd('d.n', 13)} >= 0.2 THEN 'Follow up' END, ${sync('opp', 'd.n')}
           FROM bench_deals d`,
        [['commit', 'best_case', 'pipeline'], SEGMENTS],
      ),
    );
    await step('stage history', () =>
      // Rows at even steps from creation to as_of (open deals) or the close (closed deals,
      // whose last row, the close, is on the close day).
      q(
        `INSERT INTO opportunity_stage_history (workspace_id, opportunity_id, changed_at, stage, status, amount,
                                                close_date, forecast_category, probability, source, created_at)
         SELECT $1::uuid, d.id, h.at, CASE WHEN h.last THEN o.stage ELSE ($2::text[])[least(j, 4)] END,
                CASE WHEN h.last THEN o.status ELSE 'open' END,
                CASE WHEN h.last OR d.n % 5 <> 0 THEN o.amount ELSE round(o.amount * 0.8, 2) END,
                CASE WHEN h.last OR d.n % 10 >= 3 THEN o.close_date ELSE o.close_date - 30 * (d.steps - j) END,
                CASE WHEN h.last THEN o.forecast_category END,
                CASE WHEN h.last THEN o.probability END, 'bench', h.at
           FROM bench_deals d
           JOIN opportunities o ON o.workspace_id = $1::uuid AND o.id = d.id
          CROSS JOIN LATERAL generate_series(1, d.steps) j
          CROSS JOIN LATERAL (
            SELECT j = d.steps AS last,
                   CASE WHEN j = d.steps AND NOT d.open THEN d.last_at + interval '1 hour'
                        ELSE d.created_at + (CASE WHEN d.open THEN $3::date::timestamp AT TIME ZONE 'UTC' ELSE d.last_at END
                                             - d.created_at) * (j - 1) / d.steps + make_interval(hours => 8 + j) END AS at) h`,
        [STAGES, o.asOf],
      ),
    );
    await step('contact roles', () =>
      q(
        `INSERT INTO opportunity_contacts (workspace_id, opportunity_id, opportunity_external_id, contact_id,
                                           contact_external_id, role, is_primary, ${SYNC_COLUMNS})
         SELECT $1::uuid, d.id, 'opp-' || d.n, ${uid('contact', '(d.n * 7 + j) % $2 + 1')}, 'contact-' || ((d.n * 7 + j) % $2 + 1),
                'Stakeholder', j = 1, ${sync('role', `d.n || '-' || j`)}
           FROM bench_deals d CROSS JOIN LATERAL generate_series(1, d.roles) j`,
        [o.contacts],
      ),
    );

    for (let from = 1; from <= o.activities; from += ACTIVITY_BATCH) {
      const to = Math.min(o.activities, from + ACTIVITY_BATCH - 1);
      await step(`activities ${from.toLocaleString('en-US')}-${to.toLocaleString('en-US')}`, () =>
        q(
          `INSERT INTO activities (workspace_id, type, subject, direction, occurred_at, duration_seconds, opportunity_id,
                                   opportunity_external_id, account_id, contact_id, owner_id, ${SYNC_COLUMNS})
           SELECT $1::uuid, ($5::text[])[k % 6 + 1], 'Touch ' || k,
                  CASE WHEN k % 6 IN (0, 1, 5) THEN CASE WHEN k % 3 = 0 THEN 'inbound' ELSE 'outbound' END END,
                  CASE WHEN k <= $4::int THEN d.last_at ELSE d.created_at + (d.last_at - d.created_at) * ${rnd('k', 8)} END,
                  CASE WHEN k % 6 IN (0, 2) THEN 60 + k % 1800 END,
                  d.id, 'opp-' || d.n, d.account_id,
                  CASE WHEN k % 6 <> 4 THEN ${uid('contact', '(d.n * 7 + 1 + k % d.roles) % $6 + 1')} END,
                  d.owner_id, ${sync('act', 'k')}
             FROM generate_series($2::int, $3::int) k
             JOIN bench_deals d ON d.n = (k - 1) % $4::int + 1`,
          [from, to, deals, ACTIVITY_TYPES, o.contacts],
        ),
      );
    }

    await step('VACUUM ANALYZE', async () => {
      for (const table of [
        'crm_users',
        'accounts',
        'contacts',
        'opportunities',
        'opportunity_stage_history',
        'opportunity_contacts',
        'activities',
        'quotas',
        'forecast_stage_settings',
      ])
        await runner.query(`VACUUM ANALYZE ${table}`);
    });

    const [counts] = await q(
      `SELECT (SELECT count(*) FROM opportunities WHERE workspace_id = $1::uuid AND status = 'won')::int AS won,
              (SELECT count(*) FROM opportunities WHERE workspace_id = $1::uuid AND status = 'lost')::int AS lost,
              (SELECT count(*) FROM opportunity_stage_history WHERE workspace_id = $1::uuid)::int AS history,
              (SELECT count(*) FROM opportunity_contacts WHERE workspace_id = $1::uuid)::int AS roles,
              (SELECT count(*) FROM activities WHERE workspace_id = $1::uuid)::int AS activities`,
    );
    const ids = async (kind: string, n: number): Promise<string[]> =>
      (
        await q(
          `SELECT ${uid(kind, 'i')}::text AS id FROM generate_series(1, $2::int) i ORDER BY i`,
          [n],
        )
      ).map((r: { id: string }) => r.id);
    return {
      asOf: o.asOf,
      openDeals: o.openDeals,
      wonDeals: counts.won,
      lostDeals: counts.lost,
      historyRows: counts.history,
      activities: counts.activities,
      opportunityContacts: counts.roles,
      repIds: await ids('rep', reps),
      managerIds: await ids('mgr', o.managers),
      segments: SEGMENTS,
      openDealId: (await ids('opp', 1))[0],
    };
  } finally {
    await runner.query('DROP TABLE IF EXISTS bench_deals').catch(() => undefined);
    await runner.release();
  }
}

/**
 * The read models the routes answer from, built as production builds them, each step timed:
 * a full health recompute as of the end of the `as_of` day (every pipeline_deals row inserted,
 * every alert triggered and published), another a day later (every open deal's facts change, so
 * every row is rewritten: the nightly case), then the forecast snapshot of the `as_of` day (the
 * first snapshot also rebuilds the trends' history from stage history).
 */
export async function prepareReadModels(
  app: INestApplicationContext,
  workspaceId: string,
  asOf: string,
  log: (line: string) => void,
): Promise<void> {
  const endOfDay = new Date(Date.parse(`${asOf}T00:00:00Z`) + 86_400_000);
  const health = app.get(HealthRecomputeService);
  const first = await health.recompute(workspaceId, endOfDay);
  log(
    `Full health recompute, first (every row written, ${first.alertsTriggered.toLocaleString('en-US')} alerts triggered): ` +
      `${fmt(first.ms / 1000, 2)} s ${JSON.stringify(first.steps)}`,
  );
  const next = await health.recompute(workspaceId, new Date(endOfDay.getTime() + 86_400_000));
  log(
    `Full health recompute, a day later (${next.written.toLocaleString('en-US')} rows changed, ${next.statusChanges} status changes): ` +
      `${fmt(next.ms / 1000, 2)} s ${JSON.stringify(next.steps)}`,
  );
  const [bands] = await app.get(DataSource).query(
    `SELECT json_object_agg(health_status, n) AS bands FROM (
       SELECT health_status, count(*)::int AS n FROM pipeline_deals WHERE workspace_id = $1 AND deal_status = 'open' GROUP BY 1) x`,
    [workspaceId],
  );
  log(`Health bands of the open deals: ${JSON.stringify(bands.bands)}`);
  const started = performance.now();
  const snapshot = await app.get(ForecastSnapshotService).snapshot(workspaceId, asOf);
  log(
    `Forecast snapshot of ${asOf} (history rebuilt ${snapshot.rebuilt?.from ?? '-'} .. ${snapshot.rebuilt?.to ?? '-'}): ` +
      `${fmt((performance.now() - started) / 1000, 2)} s`,
  );
  // The forecast and coaching read models, as the job after a build would refresh them.
  const refreshStarted = performance.now();
  await app.get(ForecastReadModelService).refresh(workspaceId);
  log(
    `Forecast and coaching read models refreshed: ${fmt((performance.now() - refreshStarted) / 1000, 2)} s`,
  );
}
