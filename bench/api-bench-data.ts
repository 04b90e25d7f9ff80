import { DataSource } from 'typeorm';

export interface BenchVolumes {
  openDeals: number;
  wonDeals: number;
  activities: number;
  reps: number;
  accounts: number;
  contactsPerAccount: number;
}

const HASH = `repeat('0', 64)`;

/**
 * Fills a workspace with a pipeline of the given size, set-based in SQL (a few INSERT ... SELECT
 * FROM generate_series statements), seeded so every run builds the same data. Open deals fall in
 * three activity classes (active, quiet, stale) like the demo data, so every health band is used;
 * won deals give the norms. Rows are 'bench' source rows without a connection.
 */
export async function loadBenchData(
  dataSource: DataSource,
  workspaceId: string,
  now: Date,
  v: BenchVolumes,
  log: (line: string) => void,
): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const q = (sql: string, params: unknown[] = []) => runner.query(sql, [workspaceId, ...params]);
  const step = async (label: string, fn: () => Promise<unknown>) => {
    const started = performance.now();
    await fn();
    log(`  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  try {
    await runner.query('SELECT setseed(0.42)');
    await step(
      `${v.reps} reps, ${v.accounts} accounts, ${v.accounts * v.contactsPerAccount} contacts`,
      async () => {
        await q(
          `INSERT INTO crm_users (workspace_id, name, role, source, external_id, content_hash)
         SELECT $1::uuid, 'Rep ' || g, 'rep', 'bench', 'b-user-' || g, ${HASH} FROM generate_series(1, $2::int) g`,
          [v.reps],
        );
        await q(
          `INSERT INTO accounts (workspace_id, name, segment, source, external_id, content_hash)
         SELECT $1::uuid, 'Account ' || g, (ARRAY['SMB', 'Mid-Market', 'Enterprise'])[1 + g % 3], 'bench', 'b-acc-' || g, ${HASH}
           FROM generate_series(1, $2::int) g`,
          [v.accounts],
        );
        await q(
          `INSERT INTO contacts (workspace_id, account_id, first_name, last_name, title, source, external_id, content_hash)
         SELECT $1::uuid, a.id, 'Contact', a.external_id || '-' || c, 'Director', 'bench', a.external_id || '-c' || c, ${HASH}
           FROM accounts a CROSS JOIN generate_series(1, $2::int) c WHERE a.workspace_id = $1`,
          [v.contactsPerAccount],
        );
        for (const table of ['crm_users', 'accounts', 'contacts'])
          await runner.query(`ANALYZE ${table}`);
      },
    );
    // Each deal's plan: owner, account, age, days since its newest activity, contacts it reaches.
    await step(`${v.openDeals} open and ${v.wonDeals} won deals with stage history`, async () => {
      await runner.query(
        `CREATE TEMP TABLE bench_plan AS
         SELECT g AS n, g <= $1::int AS open, 1 + (g % $2::int) AS rep, 1 + (g % $3::int) AS acc,
                CASE WHEN g <= $1::int THEN
                  CASE WHEN r1 < 0.45 THEN 1 + floor(r2 * 6) WHEN r1 < 0.72 THEN 8 + floor(r2 * 13) ELSE 22 + floor(r2 * r2 * 100) END
                ELSE 30 + floor(r2 * 300) END AS quiet_days,
                10 + floor(random() * 150) AS life_days, (1 + floor(random() * 4))::int AS contacts,
                round((1000 + random() * 99000)::numeric, 2) AS amount, random() < 0.6 AS engaging
           FROM (SELECT g, random() AS r1, random() AS r2 FROM generate_series(1, $1::int + $4::int) g) x`,
        [v.openDeals, v.reps, v.accounts, v.wonDeals],
      );
      await runner.query('ANALYZE bench_plan');
      await q(
        `INSERT INTO opportunities (workspace_id, name, account_id, owner_id, amount, stage, status, probability,
                                    close_date, created_date, next_step, source, external_id, content_hash)
         SELECT $1::uuid, 'Deal ' || p.n, a.id, u.id, p.amount,
                CASE WHEN NOT p.open THEN 'Won' WHEN p.engaging THEN 'Engaging' ELSE 'Prospecting' END,
                CASE WHEN p.open THEN 'open' ELSE 'won' END,
                CASE WHEN p.open THEN 0.3 ELSE 1 END,
                -- Open deals expect to close from 20 days ago to 100 days ahead (1 in 6 past due, as
                -- in the demo data); won deals closed at their newest activity.
                CASE WHEN p.open THEN ($2::timestamptz AT TIME ZONE 'UTC')::date + ((p.n % 120)::int - 20)
                     ELSE ($2::timestamptz - make_interval(days => p.quiet_days::int))::date END,
                ($2::timestamptz - make_interval(days => (p.quiet_days + p.life_days)::int))::date,
                CASE WHEN p.n % 5 = 0 THEN NULL ELSE 'Follow up' END,
                'bench', 'b-opp-' || p.n, ${HASH}
           FROM bench_plan p
           JOIN crm_users u ON u.workspace_id = $1 AND u.external_id = 'b-user-' || p.rep
           JOIN accounts a ON a.workspace_id = $1 AND a.external_id = 'b-acc-' || p.acc`,
        [now],
      );
      await q(
        `CREATE TEMP TABLE bench_deals AS
         SELECT p.*, o.id, o.account_id, o.owner_id,
                $2::timestamptz - make_interval(days => (p.quiet_days + p.life_days)::int) AS opened_at,
                $2::timestamptz - make_interval(days => p.quiet_days::int) AS last_at
           FROM bench_plan p JOIN opportunities o ON o.workspace_id = $1 AND o.external_id = 'b-opp-' || p.n`,
        [now],
      );
      await runner.query('CREATE UNIQUE INDEX ON bench_deals (n)');
      await runner.query('ANALYZE bench_deals');
      // Prospecting at opening; Engaging a third of the way in (open Engaging deals and every won
      // deal); Won at the newest activity.
      await q(
        `INSERT INTO opportunity_stage_history (workspace_id, opportunity_id, changed_at, stage, status, amount, close_date, source)
         SELECT $1::uuid, d.id, d.opened_at, 'Prospecting', 'open', d.amount, NULL::date, 'bench' FROM bench_deals d
         UNION ALL
         SELECT $1::uuid, d.id, d.opened_at + (d.last_at - d.opened_at) / 3, 'Engaging', 'open', d.amount, NULL::date, 'bench'
           FROM bench_deals d WHERE d.engaging OR NOT d.open
         UNION ALL
         SELECT $1::uuid, d.id, d.last_at + interval '1 hour', 'Won', 'won', d.amount, d.last_at::date, 'bench'
           FROM bench_deals d WHERE NOT d.open`,
      );
    });
    const total = v.activities;
    const batch = 250_000;
    for (let from = 1; from <= total; from += batch) {
      const to = Math.min(total, from + batch - 1);
      await step(`activities ${from.toLocaleString('en-US')}-${to.toLocaleString('en-US')}`, () =>
        q(
          // Activity g belongs to deal 1 + g mod deals; the newest of each deal is at its planned
          // last activity, the rest spread over its life.
          `INSERT INTO activities (workspace_id, type, direction, occurred_at, opportunity_id, account_id, contact_id,
                                   owner_id, source, external_id, content_hash)
           SELECT $1::uuid, (ARRAY['call', 'email', 'meeting', 'task', 'note', 'sms'])[1 + g % 6],
                  CASE WHEN g % 6 IN (0, 1, 5) THEN CASE WHEN g % 3 = 0 THEN 'inbound' ELSE 'outbound' END END,
                  CASE WHEN g <= $4::int THEN d.last_at ELSE d.last_at - (d.last_at - d.opened_at) * random() END,
                  d.id, d.account_id, c.id, d.owner_id, 'bench', 'b-act-' || g, ${HASH}
             FROM generate_series($2::int, $3::int) g
             JOIN bench_deals d ON d.n = 1 + g % $4::int
             LEFT JOIN contacts c ON c.workspace_id = $1 AND c.external_id = 'b-acc-' || d.acc || '-c' || (1 + g % d.contacts)`,
          [from, to, v.openDeals + v.wonDeals],
        ),
      );
    }
    await step('ANALYZE', async () => {
      for (const table of [
        'crm_users',
        'accounts',
        'contacts',
        'opportunities',
        'opportunity_stage_history',
        'activities',
      ])
        await runner.query(`ANALYZE ${table}`);
    });
  } finally {
    await runner.query('DROP TABLE IF EXISTS bench_deals, bench_plan').catch(() => undefined);
    await runner.release();
  }
}
