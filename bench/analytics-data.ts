/**
 * The analytics bench data set (issue 6, acceptance 5): 100,000 open deals with their stage
 * history, closed deals behind the coaching figures, and 2,000,000 activities, generated
 * set-based in SQL (a few INSERT ... SELECT over generate_series) into one workspace. Shared by
 * the forecast/coaching bench and `npm run bench:api`.
 *
 * Values are pseudo-random but deterministic: each comes from hashint4 of the row number, so two
 * runs produce the same deals, amounts and dates (row ids are md5-derived uuids of the row number
 * and the workspace).
 */
import { DataSource } from 'typeorm';

export interface AnalyticsDataOptions {
  /** The day the data is generated around (close dates, history, activities); `as_of` of the routes. */
  asOf?: string;
  openDeals?: number;
  closedDeals?: number;
  activities?: number;
  managers?: number;
  repsPerManager?: number;
  accounts?: number;
  contacts?: number;
}

export interface AnalyticsData {
  asOf: string;
  openDeals: number;
  closedDeals: number;
  historyRows: number;
  activities: number;
  opportunityContacts: number;
  repIds: string[];
  managerIds: string[];
  segments: string[];
}

export const ANALYTICS_DEFAULTS = {
  asOf: '2026-11-15',
  openDeals: 100_000,
  closedDeals: 60_000,
  activities: 2_000_000,
  managers: 10,
  repsPerManager: 10,
  accounts: 10_000,
  contacts: 20_000,
} satisfies Required<AnalyticsDataOptions>;

export const SEGMENTS = ['Enterprise', 'Mid-Market', 'SMB'];
const STAGES = ['Prospecting', 'Qualification', 'Proposal', 'Negotiation'];

/** A deterministic fraction in [0, 1) of an integer expression and a salt. */
const rnd = (expr: string, salt: number) =>
  `((hashint4((${expr}) * 97 + ${salt}) & 2147483647)::float8 / 2147483648)`;
/** A deterministic (version 4 shaped) uuid per kind, row number and workspace. */
const uid = (kind: string, expr: string) =>
  `overlay(overlay(md5($1::text || ':${kind}:' || (${expr})) placing '4' from 13) placing '8' from 17)::uuid`;
const SYNC_COLUMNS = `source, external_id, content_hash`;
const sync = (kind: string, expr: string) =>
  `'bench', '${kind}-' || (${expr}), md5('${kind}' || (${expr})) || md5((${expr})::text)`;

/**
 * Loads the data set into `workspaceId` (which should hold no CRM data yet), then vacuums and
 * analyzes the tables as autovacuum would after a bulk load (statistics, visibility map for
 * index-only scans; the embedded database has no autovacuum). Deals: `openDeals` open ones closing from 30 days before `asOf` to 15
 * months after it, `closedDeals` won (45%) or lost over the two years before it; 2 to 5 stage
 * history rows each (stage progress, some pushed close dates and amount changes); 1 to 4 contact
 * roles each; activities spread evenly over all deals.
 */
export async function loadAnalyticsData(
  dataSource: DataSource,
  workspaceId: string,
  options: AnalyticsDataOptions = {},
): Promise<AnalyticsData> {
  const o = { ...ANALYTICS_DEFAULTS, ...options };
  const deals = o.openDeals + o.closedDeals;
  const reps = o.managers * o.repsPerManager;
  const q = (sql: string, params: unknown[] = []) =>
    dataSource.query(sql, [workspaceId, ...params]);

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
    `INSERT INTO contacts (id, workspace_id, account_id, first_name, last_name, ${SYNC_COLUMNS})
     SELECT ${uid('contact', 'i')}, $1::uuid, ${uid('acct', '(i - 1) % $2 + 1')}, 'Contact', 'No ' || i, ${sync('contact', 'i')}
       FROM generate_series(1, $3::int) i`,
    [o.accounts, o.contacts],
  );
  await q(
    `INSERT INTO forecast_stage_settings (workspace_id, stage, forecast_category, probability)
     SELECT $1::uuid, s, c, p FROM unnest($2::text[], $3::text[], $4::numeric[]) AS t(s, c, p)`,
    [STAGES, ['pipeline', 'pipeline', 'best_case', 'commit'], [0.1, 0.25, 0.5, 0.75]],
  );

  // Deals 1..openDeals are open, the rest closed. Each row's values derive from its number i.
  await q(
    `INSERT INTO opportunities (id, workspace_id, name, account_id, owner_id, amount, stage, probability,
                                forecast_category, status, close_date, created_date, segment, ${SYNC_COLUMNS})
     SELECT ${uid('opp', 'i')}, $1::uuid, 'Deal ' || i, ${uid('acct', '(i - 1) % $3 + 1')}, ${uid('rep', '(i - 1) % $4 + 1')},
            round((1000 + ${rnd('i', 1)} * 199000)::numeric, 2),
            CASE WHEN i <= $2 THEN ($5::text[])[(i % 4) + 1] WHEN ${rnd('i', 2)} < 0.45 THEN 'Closed Won' ELSE 'Closed Lost' END,
            CASE WHEN i <= $2 AND ${rnd('i', 3)} < 0.4 THEN round((${rnd('i', 4)})::numeric, 4) END,
            CASE WHEN i <= $2 AND ${rnd('i', 5)} < 0.3 THEN ($6::text[])[(i % 3) + 1] END,
            CASE WHEN i <= $2 THEN 'open' WHEN ${rnd('i', 2)} < 0.45 THEN 'won' ELSE 'lost' END,
            d.close_date, least(d.close_date, $9::date) - (10 + floor(${rnd('i', 6)} * 150))::int,
            CASE WHEN i % 5 = 0 THEN ($8::text[])[i % 3 + 1] END, ${sync('opp', 'i')}
       FROM generate_series(1, $7::int) i
       CROSS JOIN LATERAL (SELECT CASE WHEN i <= $2 THEN $9::date - 30 + floor(${rnd('i', 7)} * 480)::int
                                       ELSE $9::date - 1 - floor(${rnd('i', 7)} * 730)::int END AS close_date) d`,
    [
      o.openDeals,
      o.accounts,
      reps,
      STAGES,
      ['commit', 'best_case', 'pipeline'],
      deals,
      SEGMENTS,
      o.asOf,
    ],
  );

  // 2 to 5 rows a deal from its created date to its close (or to as_of for open deals): the
  // stage advances, 30% of deals had a later close date pushed, 20% had their amount changed.
  // The last row is the deal's current state.
  await q(
    `INSERT INTO opportunity_stage_history (workspace_id, opportunity_id, changed_at, stage, status, amount,
                                            close_date, forecast_category, probability, source, created_at)
     SELECT $1::uuid, o.id, h.at, CASE WHEN h.last THEN o.stage ELSE ($3::text[])[least(j, 4)] END,
            CASE WHEN h.last THEN o.status ELSE 'open' END,
            CASE WHEN h.last OR n % 5 <> 0 THEN o.amount ELSE round(o.amount * 0.8, 2) END,
            CASE WHEN h.last OR n % 10 >= 3 THEN o.close_date ELSE o.close_date - 30 * (k - j) END,
            CASE WHEN h.last THEN o.forecast_category END,
            CASE WHEN h.last THEN o.probability END, 'bench', h.at
       FROM (SELECT i AS n, ${uid('opp', 'i')} AS id, 2 + i % 4 AS k FROM generate_series(1, $2::int) i) g
       JOIN opportunities o ON o.workspace_id = $1::uuid AND o.id = g.id
       CROSS JOIN LATERAL generate_series(1, g.k) j
       CROSS JOIN LATERAL (
         SELECT j = g.k AS last,
                (o.created_date + (least(o.close_date, $4::date) - o.created_date) * (j - 1) / g.k)::timestamp
                  AT TIME ZONE 'UTC' + make_interval(hours => 9 + j) AS at) h`,
    [deals, STAGES, o.asOf],
  );

  await q(
    `INSERT INTO opportunity_contacts (workspace_id, opportunity_id, opportunity_external_id, contact_id,
                                       contact_external_id, role, is_primary, ${SYNC_COLUMNS})
     SELECT $1::uuid, ${uid('opp', 'i')}, 'opp-' || i, ${uid('contact', '(i * 7 + j) % $3 + 1')}, 'contact-' || ((i * 7 + j) % $3 + 1),
            'Stakeholder', j = 1, ${sync('role', `i || '-' || j`)}
       FROM generate_series(1, $2::int) i CROSS JOIN LATERAL generate_series(1, 1 + (hashint4(i) & 3)) j`,
    [deals, o.contacts],
  );

  // Activity k belongs to deal (k mod deals) + 1, at a point between its creation and its close
  // (or as_of), by its owner.
  await q(
    `INSERT INTO activities (workspace_id, type, subject, direction, occurred_at, duration_seconds,
                             opportunity_id, opportunity_external_id, account_id, owner_id, ${SYNC_COLUMNS})
     SELECT $1::uuid, ($4::text[])[k % 4 + 1], 'Touch ' || k, CASE WHEN k % 2 = 0 THEN 'outbound' ELSE 'inbound' END,
            (o.created_date + floor((least(o.close_date, $5::date) - o.created_date) * ${rnd('k', 8)})::int)::timestamp
              AT TIME ZONE 'UTC' + make_interval(mins => k % 600),
            CASE WHEN k % 4 = 0 THEN 60 + k % 1800 END,
            o.id, o.external_id, o.account_id, o.owner_id, ${sync('act', 'k')}
       FROM generate_series(1, $2::int) k
       JOIN opportunities o ON o.workspace_id = $1::uuid AND o.id = ${uid('opp', '(k - 1) % $3 + 1')}`,
    [o.activities, deals, ['call', 'email', 'meeting', 'task'], o.asOf],
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

  for (const table of [
    'crm_users',
    'accounts',
    'contacts',
    'opportunities',
    'opportunity_stage_history',
    'opportunity_contacts',
    'activities',
    'quotas',
  ])
    await dataSource.query(`VACUUM ANALYZE ${table}`);

  const [counts] = await q(
    `SELECT (SELECT count(*) FROM opportunity_stage_history WHERE workspace_id = $1::uuid)::int AS history,
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
    closedDeals: o.closedDeals,
    historyRows: counts.history,
    activities: counts.activities,
    opportunityContacts: counts.roles,
    repIds: await ids('rep', reps),
    managerIds: await ids('mgr', o.managers),
    segments: SEGMENTS,
  };
}
