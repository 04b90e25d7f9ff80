import { Client } from 'pg';
import { ConnectionsService } from '../../../src/modules/sync/connections/connections.service';
import { GeniusEngine } from '../../../src/modules/sync/engines/genius/genius.engine';
import type { SyncRunOptions } from '../../../src/modules/sync/entities/sync-run.entity';
import { SyncService } from '../../../src/modules/sync/sync.service';
import {
  afterFirstBatch,
  createGeniusDatabase,
  GeniusDatabase,
  geniusServerReachable,
} from '../../support/genius-db';
import { createClient, startTestApp, TestApp } from '../../support/test-app';

/**
 * The Genius engine against a real Genius-shaped database on the local PostgreSQL server. The
 * RevOps Hub app itself runs on whatever this test run uses (embedded or DATABASE_URL).
 */
const describeIfPg = geniusServerReachable() ? describe : describe.skip;

const LEADS = 2500;
const MALFORMED_LEAD = 1500;
const SHARED_TS_IDS = [980, 1020] as const; // one modified timestamp across the 500-row boundary

/** The engine's documented status table, restated independently for the seeded values. */
const EXPECTED_STATUS: Record<string, string> = {
  new: 'new',
  Contacted: 'contacted',
  'Appointment Set': 'qualified',
  Sold: 'converted',
  Dead: 'lost',
};

const SCHEMA = `
  CREATE TABLE users (
    user_id int PRIMARY KEY, division_id int, manager_user_id int, first_name varchar(100),
    last_name varchar(100), email varchar(200), is_inactive boolean NOT NULL DEFAULT false,
    created timestamp, modified timestamp NOT NULL);
  CREATE TABLE prospects (
    id int PRIMARY KEY, division_id int, user_id int, first_name varchar(100),
    last_name varchar(100), email varchar(200), phone1 varchar(40), created timestamp,
    modified timestamp NOT NULL);
  CREATE TABLE leads (
    lead_id int PRIMARY KEY, contact_id int, division_id int, agent_id int, status varchar(50),
    address1 varchar(200), city varchar(100), state varchar(2), zipcode varchar(10),
    created timestamp, modified timestamp NOT NULL);
  CREATE INDEX leads_modified ON leads (modified, lead_id);
  CREATE TABLE appointments (
    id int PRIMARY KEY, prospect_id int, user_id int, date date, time time, duration int,
    notes text, created timestamptz, modified timestamptz NOT NULL);

  CREATE TABLE division_groups (
    id smallint PRIMARY KEY, group_label varchar(255), region int, default_time_zone_name varchar(64),
    is_active boolean NOT NULL DEFAULT true, created timestamp, modified timestamp NOT NULL);
  CREATE TABLE divisions (
    id int PRIMARY KEY, group_id smallint, region_id smallint, label varchar(255),
    abbreviation varchar(50), is_inactive smallint NOT NULL DEFAULT 0, created timestamp,
    modified timestamp NOT NULL);
  CREATE TABLE contacts (
    contact_id int PRIMARY KEY, division_id int, first_name varchar(100), last_name varchar(100),
    email varchar(200), phone1 varchar(20), phone2 varchar(20), address1 varchar(200),
    city varchar(100), state varchar(2), zip varchar(10), created timestamp,
    modified timestamp NOT NULL);

  INSERT INTO division_groups VALUES
    (1, 'East', 1, 'America/New_York', true, '2022-01-01', '2024-01-01'),
    (2, 'West', 2, 'America/Los_Angeles', true, '2022-01-01', '2024-01-01');
  INSERT INTO divisions
  SELECT g, 1 + g % 2, 1 + g % 2, 'Division ' || g, 'D' || g, 0, '2022-01-01', '2024-01-01'
    FROM generate_series(1, 3) g;
  INSERT INTO contacts
  SELECT 10000 + g, 1 + g % 3, 'Casey' || g, 'Contact' || g, 'c' || g || '@example.test',
         '+1555100' || lpad(g::text, 4, '0'), NULL, g || ' Main St', 'Springfield', 'IL', '62701',
         '2023-01-01', timestamp '2024-02-15' + g * interval '1 second'
    FROM generate_series(1, 50) g;

  INSERT INTO users
  SELECT g, 1 + g % 3, CASE WHEN g > 1 THEN 1 END,
         CASE WHEN g <> 3 THEN 'First' || g END, CASE WHEN g <> 3 THEN 'Last' || g END,
         'user' || g || '@genius.test', g = 20,
         timestamp '2023-01-01' + g * interval '1 day', timestamp '2024-01-01' + g * interval '1 second'
    FROM generate_series(1, 20) g;

  INSERT INTO prospects
  SELECT g, 1 + g % 3, 1 + g % 20, 'Pat' || g, 'Prospect' || g, 'p' || g || '@example.test',
         '+1555000' || lpad(g::text, 4, '0'), timestamp '2023-06-01' + g * interval '1 hour',
         timestamp '2024-02-01' + g * interval '1 second'
    FROM generate_series(1, 100) g;

  INSERT INTO leads
  SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 10000 + g END, 1 + g % 3, 1 + g % 20,
         CASE WHEN g = ${MALFORMED_LEAD} THEN 'Xyzzy'
              ELSE (ARRAY['new', 'Contacted', 'Appointment Set', 'Sold', 'Dead', NULL])[1 + g % 6] END,
         g || ' Main St', 'Springfield', 'IL', (60000 + g)::text,
         timestamp '2023-01-01' + g * interval '1 hour',
         CASE WHEN g BETWEEN ${SHARED_TS_IDS[0]} AND ${SHARED_TS_IDS[1]}
              THEN timestamp '2024-03-01' + 1000 * interval '1 minute'
              ELSE timestamp '2024-03-01' + g * interval '1 minute' END
    FROM generate_series(1, ${LEADS}) g;

  INSERT INTO appointments
  SELECT g, g, 1 + g % 20, date '2024-04-01' + g, time '09:30' + (g % 8) * interval '1 hour', 60,
         'Estimate visit ' || g, timestamptz '2024-03-15 00:00Z' + g * interval '1 minute',
         timestamptz '2024-04-01 00:00Z' + g * interval '1 minute'
    FROM generate_series(1, 100) g;
`;

interface LeadRow {
  external_id: string;
  name: string;
  status: string;
  owner_external_id: string | null;
  notes: string | null;
  source_created_at: string | null;
}

describeIfPg('Genius engine: a real Genius database, keyset deltas, true counts', () => {
  let t: TestApp;
  let db: GeniusDatabase;
  let genius: Client;
  let geniusUrl: string;
  let workspaceId: string;
  let connectionId: string;

  const connect = async (name: string, settings: Record<string, unknown> = {}) =>
    (
      await t.app.get(ConnectionsService).create(workspaceId, {
        provider: 'genius',
        name,
        settings: { batch_size: 500, ...settings },
        credentials: { database_url: geniusUrl },
      })
    ).id;
  const run = (connection: string, entity: string, options: SyncRunOptions = {}) =>
    t.app.get(SyncService).runNow({
      workspaceId,
      provider: 'genius',
      entity,
      connectionId: connection,
      options,
      trigger: 'cli',
    });
  const count = async (table: string, connection: string): Promise<number> =>
    (
      await t.dataSource.query(
        `SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = $1 AND connection_id = $2`,
        [workspaceId, connection],
      )
    )[0].n;

  /** What the source says each lead should be, computed independently of the engine. */
  const expectedLeads = async (): Promise<LeadRow[]> => {
    const { rows } = await genius.query<{
      lead_id: number;
      contact_id: number | null;
      agent_id: number | null;
      status: string | null;
      address1: string;
      city: string;
      state: string;
      zipcode: string;
      created: string;
    }>(
      `SELECT lead_id, contact_id, agent_id, status, address1, city, state, zipcode,
              to_char(created, 'YYYY-MM-DD"T"HH24:MI:SS') AS created
         FROM leads ORDER BY lead_id`,
    );
    return rows
      .filter((r) => r.status === null || r.status in EXPECTED_STATUS)
      .map((r) => ({
        external_id: String(r.lead_id),
        name: r.contact_id ? `Contact ${r.contact_id}` : `Lead ${r.lead_id}`,
        status: r.status === null ? 'new' : EXPECTED_STATUS[r.status],
        owner_external_id: r.agent_id === null ? null : String(r.agent_id),
        notes: `${r.address1}, ${r.city}, ${r.state} ${r.zipcode}`,
        source_created_at: r.created,
      }))
      .sort((a, b) => a.external_id.localeCompare(b.external_id));
  };
  const storedLeads = async (connection: string): Promise<LeadRow[]> =>
    t.dataSource.query(
      `SELECT external_id, name, status, owner_external_id, notes,
              to_char(source_created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') AS source_created_at
         FROM leads WHERE workspace_id = $1 AND connection_id = $2 ORDER BY external_id`,
      [workspaceId, connection],
    );

  beforeAll(async () => {
    db = await createGeniusDatabase(SCHEMA);
    genius = db.client;
    geniusUrl = db.url;
    t = await startTestApp();
    workspaceId = (await createClient(t)).workspaceId;
    connectionId = await connect('main');
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('a full sync of all entities ends equal to the source and reports the malformed lead', async () => {
    const runs = await run(connectionId, 'all');
    expect(runs.map((r) => [r.entity, r.mode, r.status, r.processed, r.created, r.failed])).toEqual(
      [
        ['division_groups', 'full', 'succeeded', 2, 2, 0],
        ['divisions', 'full', 'succeeded', 3, 3, 0],
        ['users', 'full', 'succeeded', 20, 20, 0],
        ['contacts', 'full', 'succeeded', 50, 50, 0],
        ['prospects', 'full', 'succeeded', 100, 100, 0],
        ['leads', 'full', 'succeeded', LEADS, LEADS - 1, 1],
        ['appointments', 'full', 'succeeded', 100, 100, 0],
      ],
    );
    const leadsRun = runs.find((r) => r.entity === 'leads')!;
    const errors = await t.dataSource.query(
      `SELECT external_id, stage, reason FROM sync_run_errors WHERE run_id = $1`,
      [leadsRun.id],
    );
    expect(errors).toEqual([
      {
        external_id: String(MALFORMED_LEAD),
        stage: 'transform',
        reason:
          'status "Xyzzy" is not a known Genius lead status; map it in settings.lead_status_map',
      },
    ]);

    expect(await storedLeads(connectionId)).toEqual(await expectedLeads());
    // Owners resolved to the synced users; appointments linked to the prospects' contacts.
    const [links] = await t.dataSource.query(
      `SELECT count(*) FILTER (WHERE l.owner_id IS NULL)::int AS unowned,
              count(*) FILTER (WHERE l.owner_id IS NOT NULL AND u.external_id = l.owner_external_id)::int AS owned
         FROM leads l LEFT JOIN crm_users u ON u.id = l.owner_id
        WHERE l.workspace_id = $1 AND l.connection_id = $2`,
      [workspaceId, connectionId],
    );
    expect(links).toEqual({ unowned: 0, owned: LEADS - 1 });

    const users = await t.dataSource.query(
      `SELECT external_id, name, email, role, active, manager_external_id FROM crm_users
        WHERE workspace_id = $1 AND connection_id = $2 AND external_id IN ('1', '3', '20')
        ORDER BY external_id`,
      [workspaceId, connectionId],
    );
    expect(users).toEqual([
      {
        external_id: '1',
        name: 'First1 Last1',
        email: 'user1@genius.test',
        role: 'rep',
        active: true,
        manager_external_id: null,
      },
      {
        external_id: '20',
        name: 'First20 Last20',
        email: 'user20@genius.test',
        role: 'rep',
        active: false,
        manager_external_id: '1',
      },
      {
        external_id: '3',
        name: 'user3@genius.test',
        email: 'user3@genius.test',
        role: 'rep',
        active: true,
        manager_external_id: '1',
      },
    ]);

    const [appointment] = await t.dataSource.query(
      `SELECT a.type, a.subject, a.duration_seconds, a.owner_external_id, c.email AS contact_email,
              to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') AS occurred_at
         FROM activities a LEFT JOIN contacts c ON c.id = a.contact_id
        WHERE a.workspace_id = $1 AND a.connection_id = $2 AND a.external_id = '7'`,
      [workspaceId, connectionId],
    );
    expect(appointment).toEqual({
      type: 'meeting',
      subject: 'Estimate visit 7',
      duration_seconds: 3600,
      owner_external_id: '8',
      contact_email: 'p7@example.test',
      occurred_at: '2024-04-08T16:30:00',
    });
    expect(await count('activities', connectionId)).toBe(100);
    // Prospects and Genius contacts share the contacts table without colliding ids.
    expect(await count('contacts', connectionId)).toBe(150);
    const [divisions] = await t.dataSource.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE d.group_id = g.id AND g.name = 'East')::int AS east
         FROM genius_divisions d LEFT JOIN genius_division_groups g ON g.id = d.group_id
        WHERE d.workspace_id = $1 AND d.connection_id = $2`,
      [workspaceId, connectionId],
    );
    expect(divisions).toEqual({ n: 3, east: 1 });
  });

  it('a delta after updates reads exactly the changed rows, shared timestamps included', async () => {
    const [idle] = await run(connectionId, 'leads');
    expect(idle).toMatchObject({ mode: 'delta', processed: 0, created: 0, updated: 0 });

    // Three leads change and share one new timestamp; the malformed one is fixed; one is
    // touched "now" (as a row updated while the previous sync ran would be).
    await genius.query(
      `UPDATE leads SET status = 'Sold', modified = '2024-07-01 00:00' WHERE lead_id IN (10, 20, 30)`,
    );
    await genius.query(
      `UPDATE leads SET status = 'Contacted', modified = '2024-07-01 00:00' WHERE lead_id = $1`,
      [MALFORMED_LEAD],
    );
    await genius.query(
      `UPDATE leads SET agent_id = 5, modified = now() AT TIME ZONE 'UTC' WHERE lead_id = 40`,
    );
    const [delta] = await run(connectionId, 'leads');
    expect(delta).toMatchObject({
      mode: 'delta',
      status: 'succeeded',
      processed: 5,
      created: 1,
      updated: 4,
      unchanged: 0,
      failed: 0,
    });
    const rewritten = await t.dataSource.query(
      `SELECT external_id FROM leads WHERE workspace_id = $1 AND connection_id = $2
          AND updated_at >= $3 ORDER BY external_id`,
      [workspaceId, connectionId, delta.startedAt],
    );
    expect(rewritten.map((r: { external_id: string }) => r.external_id)).toEqual(
      ['10', String(MALFORMED_LEAD), '20', '30', '40'].sort(),
    );
    expect(await storedLeads(connectionId)).toEqual(await expectedLeads());
    const [again] = await run(connectionId, 'leads');
    expect(again).toMatchObject({ mode: 'delta', processed: 0 });
  });

  it('rows updated while a sync runs are neither skipped nor read twice', async () => {
    const other = await connect('mid-run');
    const engine = t.app.get(GeniusEngine);
    // After the first batch is committed: one row already read and one not yet read change.
    const restore = afterFirstBatch(engine, () =>
      genius.query(
        `UPDATE leads SET status = 'Dead', modified = now() AT TIME ZONE 'UTC'
          WHERE lead_id IN (100, 2000)`,
      ),
    );
    let first;
    try {
      [first] = await run(other, 'leads');
    } finally {
      restore();
    }
    // 2000 moved past the run's upper bound: read by the next run, not twice by this one.
    expect(first).toMatchObject({ status: 'succeeded', processed: LEADS - 1, failed: 0 });
    const [next] = await run(other, 'leads');
    expect(next).toMatchObject({ processed: 2, created: 1, updated: 1, unchanged: 0 });
    expect(await storedLeads(other)).toEqual(await expectedLeads());
  });

  it('--max-records stops early and the next run resumes from the last whole batch', async () => {
    const other = await connect('limited');
    const [limited] = await run(other, 'leads', { maxRecords: 1200 });
    expect(limited).toMatchObject({ status: 'succeeded', processed: 1200, created: 1200 });
    const [cursor] = await t.dataSource.query(
      `SELECT cursor FROM sync_cursors WHERE connection_id = $1 AND entity = 'leads'`,
      [other],
    );
    // The third batch was only partly consumed: the cursor stays at the end of the second,
    // inside the group of rows that share one timestamp (1005: leads 10, 20, 30, 40 and 100
    // moved to the end of the order when the earlier tests updated them).
    expect(cursor.cursor).toEqual({ modified: '2024-03-01T16:40:00Z', id: 1005 });
    const [rest] = await run(other, 'leads');
    expect(rest).toMatchObject({
      mode: 'delta',
      processed: LEADS - 1000,
      created: LEADS - 1200,
      unchanged: 200,
      updated: 0,
    });
    expect(await storedLeads(other)).toEqual(await expectedLeads());
  });

  it('--dry-run reports what it would write and writes nothing', async () => {
    const other = await connect('dry');
    const [dry] = await run(other, 'leads', { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, processed: LEADS, created: LEADS, updated: 0 });
    expect(await count('leads', other)).toBe(0);
    const cursors = await t.dataSource.query(
      `SELECT 1 FROM sync_cursors WHERE connection_id = $1`,
      [other],
    );
    expect(cursors).toEqual([]);
  });

  it('all runs only the entities the connection lists, in dependency order', async () => {
    const other = await connect('reference only', { entities: ['divisions', 'division_groups'] });
    const runs = await run(other, 'all');
    expect(runs.map((r) => [r.entity, r.status, r.created])).toEqual([
      ['division_groups', 'succeeded', 2],
      ['divisions', 'succeeded', 3],
    ]);
  });

  it('--since starts from that date', async () => {
    const other = await connect('since');
    const [since] = await run(other, 'leads', { since: '2024-06-01' });
    // Leads 10, 20, 30, the fixed one, 40, 100 and 2000 were modified after that date.
    expect(since).toMatchObject({ status: 'succeeded', processed: 7, created: 7 });
  });
});
