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
 * Every Genius entity through the same story: a full sync, then changes in the source (an update,
 * a hard delete, rows sharing one timestamp, the malformed row fixed, a row changed while the
 * delta runs), a delta, and the next delta: each ends equal to the source, with true counts.
 * All entities share one connection, so prospects and Genius contacts (both canonical contacts,
 * ids from separate sequences) must not collide or delete each other's rows.
 */
const describeIfPg = geniusServerReachable() ? describe : describe.skip;

const ROWS = 12;
const MALFORMED = 9;
const SHARED = [5, 6, 7]; // one modified timestamp across a batch boundary (batch_size 2)

interface EntityCase {
  entity: string;
  table: string;
  id: string;
  /** Columns besides the id and `modified`. */
  ddl: string;
  row(i: number): Record<string, unknown>;
  malformed: Record<string, unknown>;
  malformedReason: string;
  /** A change that the mapped value must show. */
  edit(i: number): Record<string, unknown>;
  /** Where the row lands, and the one mapped value compared with the source. */
  stored: {
    table: string;
    prefix?: string;
    column: string;
    from(row: Record<string, unknown>): unknown;
  };
}

const CASES: EntityCase[] = [
  {
    entity: 'division_groups',
    table: 'division_groups',
    id: 'id',
    ddl: `group_label varchar(255), region int, default_time_zone_name text, is_active boolean, created timestamp`,
    row: (i) => ({
      group_label: `Group ${i}`,
      region: 1,
      default_time_zone_name: 'America/New_York',
      is_active: true,
    }),
    malformed: { default_time_zone_name: 'Z'.repeat(80) },
    malformedReason: 'time_zone is longer than 64 characters',
    edit: (i) => ({ group_label: `Renamed group ${i}` }),
    stored: { table: 'genius_division_groups', column: 'name', from: (r) => r.group_label },
  },
  {
    entity: 'divisions',
    table: 'divisions',
    id: 'id',
    ddl: `group_id smallint, region_id smallint, label varchar(255), abbreviation varchar(50), is_inactive smallint, created timestamp`,
    row: (i) => ({
      group_id: 1,
      region_id: 1,
      label: `Division ${i}`,
      abbreviation: `D${i}`,
      is_inactive: 0,
    }),
    malformed: { is_inactive: 7 },
    malformedReason: 'is_inactive "7" is not a flag (0/1 or true/false)',
    edit: (i) => ({ label: `Renamed division ${i}` }),
    stored: { table: 'genius_divisions', column: 'name', from: (r) => r.label },
  },
  {
    entity: 'users',
    table: 'users',
    id: 'user_id',
    ddl: `division_id int, manager_user_id int, first_name varchar(100), last_name varchar(100), email text, is_inactive boolean, created timestamp`,
    row: (i) => ({
      division_id: 1,
      first_name: `First${i}`,
      last_name: `Last${i}`,
      email: `u${i}@genius.test`,
      is_inactive: false,
    }),
    malformed: { email: `${'x'.repeat(330)}@genius.test` },
    malformedReason: 'email is longer than 320 characters',
    edit: (i) => ({ email: `renamed${i}@genius.test` }),
    stored: { table: 'crm_users', column: 'email', from: (r) => r.email },
  },
  {
    entity: 'contacts',
    table: 'contacts',
    id: 'contact_id',
    ddl: `division_id int, first_name varchar(100), last_name varchar(100), email varchar(200), phone1 varchar(20), phone2 varchar(20),
          address1 varchar(200), city varchar(100), state varchar(2), zip varchar(10), created timestamp`,
    row: (i) => ({
      first_name: `Casey${i}`,
      last_name: 'Contact',
      email: `c${i}@example.test`,
      phone1: `+1555100${1000 + i}`,
    }),
    malformed: { first_name: null, last_name: null, email: null, phone1: null },
    malformedReason: 'a contact needs a name, an email or a phone number',
    edit: (i) => ({ email: `moved${i}@example.test` }),
    stored: { table: 'contacts', prefix: 'contact:', column: 'email', from: (r) => r.email },
  },
  {
    entity: 'prospects',
    table: 'prospects',
    id: 'id',
    ddl: `division_id int, user_id int, first_name varchar(100), last_name varchar(100), email varchar(200), phone1 varchar(40), created timestamp`,
    row: (i) => ({
      user_id: 1,
      first_name: `Pat${i}`,
      last_name: 'Prospect',
      email: `p${i}@example.test`,
      phone1: `+1555000${1000 + i}`,
    }),
    malformed: { first_name: null, last_name: null, email: null, phone1: null },
    malformedReason: 'a prospect needs a name, an email or a phone number',
    edit: (i) => ({ email: `pmoved${i}@example.test` }),
    stored: { table: 'contacts', column: 'email', from: (r) => r.email },
  },
  {
    entity: 'leads',
    table: 'leads',
    id: 'lead_id',
    ddl: `contact_id int, division_id int, agent_id int, status varchar(50), address1 varchar(200), city varchar(100),
          state varchar(2), zipcode varchar(10), created timestamp`,
    row: (i) => ({
      contact_id: i,
      agent_id: 1,
      status: 'new',
      address1: `${i} Main St`,
      city: 'Springfield',
      state: 'IL',
      zipcode: '62701',
    }),
    malformed: { status: 'Xyzzy' },
    malformedReason:
      'status "Xyzzy" is not a known Genius lead status; map it in settings.lead_status_map',
    edit: () => ({ status: 'Sold' }),
    stored: {
      table: 'leads',
      column: 'status',
      from: (r) => (r.status === 'Sold' ? 'converted' : 'new'),
    },
  },
  {
    entity: 'appointments',
    table: 'appointments',
    id: 'id',
    ddl: `prospect_id int, user_id int, date date, time time, duration int, notes text, created timestamptz`,
    row: (i) => ({
      prospect_id: i,
      user_id: 1,
      date: '2024-05-01',
      time: '10:00',
      duration: 60,
      notes: `Visit ${i}`,
    }),
    malformed: { date: null },
    malformedReason: 'date is empty: an appointment needs a date',
    edit: (i) => ({ notes: `Rescheduled visit ${i}` }),
    stored: { table: 'activities', column: 'subject', from: (r) => r.notes },
  },
];

const ddl = CASES.map(
  (c) =>
    `CREATE TABLE ${c.table} (${c.id} int PRIMARY KEY, ${c.ddl}, modified timestamp NOT NULL);`,
).join('\n');

describeIfPg('Genius engine: every entity, full then delta, equal to the source', () => {
  let t: TestApp;
  let db: GeniusDatabase;
  let workspaceId: string;
  let connectionId: string;

  /** Inserts or updates a row through parameters (values are test data, names are fixed). */
  const write = async (
    c: EntityCase,
    i: number,
    values: Record<string, unknown>,
    modified: string,
  ) => {
    const all = { [c.id]: i, ...values, modified };
    const names = Object.keys(all);
    await db.client.query(
      `INSERT INTO ${c.table} (${names.join(', ')}) VALUES (${names.map((_, k) => `$${k + 1}`).join(', ')})
       ON CONFLICT (${c.id}) DO UPDATE SET ${names.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}`,
      Object.values(all),
    );
  };
  const run = (entity: string, options: SyncRunOptions = {}, connection = connectionId) =>
    t.app
      .get(SyncService)
      .runNow({
        workspaceId,
        provider: 'genius',
        entity,
        connectionId: connection,
        options,
        trigger: 'cli',
      })
      .then((runs) => runs[0]);

  /** The source's rows, and what is stored and live: must map one to one. */
  const expectEqualToSource = async (c: EntityCase, connection = connectionId) => {
    const { rows } = await db.client.query(`SELECT * FROM ${c.table} ORDER BY ${c.id}`);
    const stored: Array<{ external_id: string; value: unknown }> = await t.dataSource.query(
      `SELECT external_id, ${c.stored.column} AS value FROM ${c.stored.table}
        WHERE workspace_id = $1 AND connection_id = $2 AND deleted_at IS NULL
          AND external_id ${c.stored.prefix ? 'LIKE' : 'NOT LIKE'} 'contact:%'`,
      [workspaceId, connection],
    );
    const want = rows
      .map((r) => ({ external_id: `${c.stored.prefix ?? ''}${r[c.id]}`, value: c.stored.from(r) }))
      .sort((a, b) => a.external_id.localeCompare(b.external_id));
    expect(stored.sort((a, b) => a.external_id.localeCompare(b.external_id))).toEqual(want);
  };

  beforeAll(async () => {
    db = await createGeniusDatabase(ddl);
    for (const c of CASES) {
      for (let i = 1; i <= ROWS; i++) {
        const modified = SHARED.includes(i)
          ? '2024-03-01 12:00:00'
          : `2024-03-01 ${String(i).padStart(2, '0')}:00:00`;
        await write(c, i, { ...c.row(i), ...(i === MALFORMED ? c.malformed : {}) }, modified);
      }
    }
    t = await startTestApp();
    workspaceId = (await createClient(t)).workspaceId;
    connectionId = (
      await t.app.get(ConnectionsService).create(workspaceId, {
        provider: 'genius',
        name: 'entities',
        settings: { batch_size: 2 },
        credentials: { database_url: db.url },
      })
    ).id;
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  describe.each(CASES)('$entity', (c) => {
    it('a full sync reads every row once, shared timestamps included; the malformed row fails alone', async () => {
      const full = await run(c.entity);
      expect(full).toMatchObject({
        mode: 'full',
        status: 'succeeded',
        processed: ROWS,
        created: ROWS - 1,
        updated: 0,
        unchanged: 0,
        deleted: 0,
        failed: 1,
      });
      const errors = await t.dataSource.query(
        `SELECT external_id, reason FROM sync_run_errors WHERE run_id = $1`,
        [full.id],
      );
      expect(errors).toEqual([
        {
          external_id: `${c.stored.prefix ?? ''}${MALFORMED}`,
          reason: expect.stringContaining(c.malformedReason),
        },
      ]);
      // The malformed row is not stored; every other row is, with its mapped value.
      const { rows } = await db.client.query(
        `SELECT * FROM ${c.table} WHERE ${c.id} <> $1 ORDER BY ${c.id}`,
        [MALFORMED],
      );
      const stored: Array<{ external_id: string; value: unknown }> = await t.dataSource.query(
        `SELECT external_id, ${c.stored.column} AS value FROM ${c.stored.table}
          WHERE workspace_id = $1 AND connection_id = $2 AND deleted_at IS NULL
            AND external_id ${c.stored.prefix ? 'LIKE' : 'NOT LIKE'} 'contact:%'`,
        [workspaceId, connectionId],
      );
      expect(new Map(stored.map((s) => [s.external_id, s.value]))).toEqual(
        new Map(rows.map((r) => [`${c.stored.prefix ?? ''}${r[c.id]}`, c.stored.from(r)])),
      );
    });

    it('a delta after an update, a delete, shared timestamps and a mid-run change ends equal to the source', async () => {
      // Row 2 edited; rows 10 and 11 edited and the malformed row fixed, all three sharing one
      // new timestamp; row 3 deleted outright (Genius keeps no tombstone).
      await write(c, 2, { ...c.row(2), ...c.edit(2) }, '2024-06-01 00:00:00');
      for (const i of [10, 11])
        await write(c, i, { ...c.row(i), ...c.edit(i) }, '2024-06-02 00:00:00');
      await write(c, MALFORMED, c.row(MALFORMED), '2024-06-02 00:00:00');
      await db.client.query(`DELETE FROM ${c.table} WHERE ${c.id} = 3`);

      // A dry run reports the same changes, the deletion included, and writes none of them.
      const dry = await run(c.entity, { dryRun: true });
      expect(dry).toMatchObject({ processed: 4, created: 1, updated: 3, deleted: 1, failed: 0 });
      const [{ live }] = await t.dataSource.query(
        `SELECT count(*)::int AS live FROM ${c.stored.table}
          WHERE workspace_id = $1 AND connection_id = $2 AND deleted_at IS NULL AND external_id = $3`,
        [workspaceId, connectionId, `${c.stored.prefix ?? ''}3`],
      );
      expect(live).toBe(1);

      // Between the delta's first and second batch, row 4 (not part of this delta) and row 11
      // (part of it, not read yet) change: both move past the run's upper bound.
      const restore = afterFirstBatch(t.app.get(GeniusEngine), () =>
        db.client.query(
          `UPDATE ${c.table} SET modified = now() AT TIME ZONE 'UTC' WHERE ${c.id} IN (4, 11)`,
        ),
      );
      let delta;
      try {
        delta = await run(c.entity);
      } finally {
        restore();
      }
      // Read: 2, then the shared-timestamp group (9, 10; 11 moved on). 9 is new (it failed before).
      expect(delta).toMatchObject({
        mode: 'delta',
        status: 'succeeded',
        processed: 3,
        created: 1,
        updated: 2,
        unchanged: 0,
        deleted: 1,
        failed: 0,
      });
      // The next delta reads exactly the two rows changed during the last one (the stored raw
      // row carries `modified`, so a touched row is rewritten too).
      const next = await run(c.entity);
      expect(next).toMatchObject({
        processed: 2,
        created: 0,
        updated: 2,
        unchanged: 0,
        deleted: 0,
        failed: 0,
      });
      await expectEqualToSource(c);
      const idle = await run(c.entity);
      expect(idle).toMatchObject({ processed: 0, created: 0, updated: 0, deleted: 0 });
    });

    it('--max-records stops early; the next run resumes after the last whole batch', async () => {
      const other = (
        await t.app.get(ConnectionsService).create(workspaceId, {
          provider: 'genius',
          name: `limited-${c.entity}`,
          settings: { batch_size: 2 },
          credentials: { database_url: db.url },
        })
      ).id;
      const limited = await run(c.entity, { maxRecords: 5 }, other);
      expect(limited).toMatchObject({ status: 'succeeded', processed: 5, deleted: 0 });
      // The third batch was cut: the cursor stayed after row 4 of the (modified, id) order.
      const rest = await run(c.entity, {}, other);
      expect(rest).toMatchObject({
        mode: 'delta',
        processed: ROWS - 1 - 4,
        unchanged: 1,
        failed: 0,
      });
      await expectEqualToSource(c, other);
    });
  });
});
