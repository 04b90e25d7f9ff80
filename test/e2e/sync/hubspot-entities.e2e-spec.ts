import type { SyncRun } from '../../../src/modules/sync/entities/sync-run.entity';
import { FakeHubSpot, FakeObject, FakeOwner } from '../../support/fake-hubspot';
import { connectHubSpot, runHubSpot } from '../../support/hubspot-sync';
import { createClient, startTestApp, TestApp } from '../../support/test-app';

const TOKEN = 'test-hubspot-entities-token';
const OBJECT_TYPES = {
  genius_users: '2-42119425',
  divisions: '2-37778609',
  zipcodes: 'p2468_zipcodes',
  appointments: '0-421',
};

type Row = Record<string, unknown>;

/**
 * One HubSpot object entity: how the fake holds it, where it lands, and what a row must hold
 * for a source record. `valid(i)` builds record i, `change` edits one mapped property,
 * `malformed` makes a record the mapping or validation must refuse.
 */
interface ObjectCase {
  entity: string;
  store: string;
  table: string;
  idPrefix?: string;
  /** Extra condition selecting this entity's rows of a shared table. */
  rows?: string;
  columns: string;
  record(i: number): Record<string, string>;
  change(p: Record<string, string>, tag: string): void;
  malformed(p: Record<string, string>): void;
  expected(p: Record<string, string>): Row;
}

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
const iso = (s: string) => new Date(/^\d+$/.test(s) ? Number(s) : Date.parse(s)).toISOString();

const CASES: ObjectCase[] = [
  {
    entity: 'companies',
    store: 'companies',
    table: 'accounts',
    columns: 'name, industry, employees, annual_revenue::text AS annual_revenue, country',
    record: (i) => ({
      name: `Company ${i}`,
      industry: 'COMPUTER_SOFTWARE',
      numberofemployees: String(10 + i),
      annualrevenue: `${100000 + i}.25`,
      country: 'United States',
    }),
    change: (p, tag) => (p.name = `Company ${tag}`),
    malformed: (p) => (p.numberofemployees = 'many'),
    expected: (p) => ({
      name: p.name,
      industry: p.industry.toLowerCase(),
      employees: Number(p.numberofemployees),
      annual_revenue: p.annualrevenue,
      country: p.country,
    }),
  },
  {
    entity: 'contacts',
    store: 'contacts',
    table: 'contacts',
    columns: 'first_name, last_name, email, phone, title',
    record: (i) => ({
      firstname: `First${i}`,
      lastname: `Last${i}`,
      email: `contact${i}@example.com`,
      phone: `+1303555${String(i).padStart(4, '0')}`,
      jobtitle: 'Buyer',
    }),
    change: (p, tag) => (p.jobtitle = `Title ${tag}`),
    malformed: (p) => (p.phone = '1'.repeat(41)),
    expected: (p) => ({
      first_name: p.firstname,
      last_name: p.lastname,
      email: p.email,
      phone: p.phone,
      title: p.jobtitle,
    }),
  },
  {
    entity: 'deals',
    store: 'deals',
    table: 'opportunities',
    columns: `name, amount::text AS amount, stage, pipeline, status, probability::text AS probability,
              close_date::text AS close_date, forecast_category`,
    record: (i) => ({
      dealname: `Deal ${i}`,
      amount: `${2000 + i}.10`,
      dealstage: ['appointmentscheduled', 'contractsent', 'closedwon', 'closedlost'][i % 4],
      pipeline: 'default',
      closedate: '2025-06-30T00:00:00.000Z',
      hs_manual_forecast_category: i % 2 ? 'BEST_CASE' : 'COMMIT',
    }),
    change: (p) => (p.dealstage = 'contractsent'),
    malformed: (p) => (p.amount = '12,50'),
    expected: (p) => {
      const stage: Record<string, [string, string, string]> = {
        appointmentscheduled: ['Appointment Scheduled', 'open', '0.2000'],
        contractsent: ['Contract Sent', 'open', '0.9000'],
        closedwon: ['Closed Won', 'won', '1.0000'],
        closedlost: ['Closed Lost', 'lost', '0.0000'],
      };
      const [label, status, probability] = stage[p.dealstage];
      return {
        name: p.dealname,
        amount: p.amount,
        stage: label,
        pipeline: 'Sales Pipeline',
        status,
        probability,
        close_date: '2025-06-30',
        forecast_category: p.hs_manual_forecast_category.toLowerCase(),
      };
    },
  },
  {
    entity: 'genius_users',
    store: OBJECT_TYPES.genius_users,
    table: 'crm_users',
    idPrefix: 'genius_users:',
    rows: `starts_with(external_id, 'genius_users:')`,
    columns: 'name, email, title, office, active',
    record: (i) => ({
      name: `Rep ${i}`,
      email: `rep${i}@example.com`,
      job_title: 'Sales Rep',
      division: 'Denver',
      user_status_inactive: i % 5 === 0 ? 'true' : 'false',
    }),
    change: (p, tag) => (p.job_title = `Manager ${tag}`),
    malformed: (p) => {
      p.name = '';
      p.email = '';
    },
    expected: (p) => ({
      name: p.name,
      email: p.email,
      title: p.job_title,
      office: p.division,
      active: p.user_status_inactive !== 'true',
    }),
  },
  {
    entity: 'divisions',
    store: OBJECT_TYPES.divisions,
    table: 'hubspot_divisions',
    columns: 'name, code, region, status',
    record: (i) => ({
      division_name: `Division ${i}`,
      division_code: `D${i}`,
      region: 'West',
      status: 'active',
    }),
    change: (p, tag) => (p.region = `Region ${tag}`),
    malformed: (p) => (p.division_name = ''),
    expected: (p) => ({
      name: p.division_name,
      code: p.division_code,
      region: p.region,
      status: p.status,
    }),
  },
  {
    entity: 'zipcodes',
    store: OBJECT_TYPES.zipcodes,
    table: 'hubspot_zipcodes',
    columns: 'zipcode, city, county, state, division',
    record: (i) => ({
      zipcode: String(80000 + i),
      city: 'Denver',
      county: 'Denver County',
      state: 'CO',
      division: 'Denver',
    }),
    change: (p, tag) => (p.city = `City ${tag}`),
    malformed: (p) => (p.zipcode = ''),
    expected: (p) => ({
      zipcode: p.zipcode,
      city: p.city,
      county: p.county,
      state: p.state,
      division: p.division,
    }),
  },
  {
    entity: 'meetings',
    store: 'meetings',
    table: 'activities',
    rows: `NOT starts_with(external_id, 'appointments:')`,
    columns: 'type, subject, occurred_at, duration_seconds, owner_external_id',
    record: (i) => ({
      hs_meeting_title: `Meeting ${i}`,
      hs_meeting_start_time: `2025-05-0${1 + (i % 9)}T15:00:00.000Z`,
      hs_meeting_end_time: `2025-05-0${1 + (i % 9)}T15:30:00.000Z`,
      hs_timestamp: `2025-05-0${1 + (i % 9)}T15:00:00.000Z`,
      hubspot_owner_id: '71',
    }),
    change: (p, tag) => (p.hs_meeting_title = `Meeting ${tag}`),
    malformed: (p) => {
      p.hs_meeting_start_time = 'next tuesday';
    },
    expected: (p) => ({
      type: 'meeting',
      subject: p.hs_meeting_title,
      occurred_at: new Date(p.hs_meeting_start_time),
      duration_seconds: 1800,
      owner_external_id: '71',
    }),
  },
  {
    entity: 'appointments',
    store: OBJECT_TYPES.appointments,
    table: 'activities',
    idPrefix: 'appointments:',
    rows: `starts_with(external_id, 'appointments:')`,
    columns: 'type, subject, occurred_at, duration_seconds',
    record: (i) => ({
      hs_appointment_name: `Inspection ${i}`,
      // Epoch milliseconds, as date-time properties may come.
      hs_appointment_start: String(Date.UTC(2025, 4, 1 + (i % 20), 14)),
      hs_appointment_end: String(Date.UTC(2025, 4, 1 + (i % 20), 16)),
    }),
    change: (p, tag) => (p.hs_appointment_name = `Inspection ${tag}`),
    malformed: (p) => (p.hs_appointment_start = ''),
    expected: (p) => ({
      type: 'meeting',
      subject: p.hs_appointment_name,
      occurred_at: new Date(iso(p.hs_appointment_start)),
      duration_seconds: 7200,
    }),
  },
];

/** Every HubSpot entity against the fake HubSpot: full, deltas, archive, restore, hard delete. */
describe('HubSpot engine: every object entity ends equal to the source with true counts', () => {
  let t: TestApp;
  let fake: FakeHubSpot;
  let workspaceId: string;

  beforeAll(async () => {
    fake = new FakeHubSpot(TOKEN);
    await fake.start();
    t = await startTestApp();
    workspaceId = (await createClient(t)).workspaceId;
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });
  afterEach(() => {
    fake.onRequest = undefined;
  });

  const connect = async (name: string) =>
    (await connectHubSpot(t, workspaceId, fake, name, { settings: { object_types: OBJECT_TYPES } }))
      .id;
  const run = async (connectionId: string, entity: string, full = false): Promise<SyncRun> =>
    (await runHubSpot(t, workspaceId, connectionId, entity, full))[0];
  const counts = (r: SyncRun) => ({
    status: r.status,
    processed: r.processed,
    created: r.created,
    updated: r.updated,
    unchanged: r.unchanged,
    deleted: r.deleted,
    failed: r.failed,
  });

  describe.each(CASES)('$entity', (c) => {
    let connectionId: string;
    const ids = (n: number) => String(100 + n);
    const put = (i: number, updatedAt: string, props = c.record(i)): FakeObject => {
      const o = { id: ids(i), properties: props, createdAt: at(60 * 24), updatedAt };
      fake.put(c.store, o);
      return o;
    };
    const source = () => [...(fake.objects[c.store]?.values() ?? [])];
    /**
     * The database holds exactly the source's live records but the `absent` ones (malformed),
     * field for field but the `stale` ones (changed after the run read them).
     */
    const expectEqualToSource = async (absent: string[], stale: string[] = []) => {
      const rows: Row[] = await t.dataSource.query(
        `SELECT external_id, ${c.columns} FROM ${c.table}
          WHERE workspace_id = $1 AND connection_id = $2 AND deleted_at IS NULL ${c.rows ? `AND ${c.rows}` : ''}`,
        [workspaceId, connectionId],
      );
      const byId = new Map(rows.map(({ external_id, ...r }) => [external_id as string, r]));
      const live = source().filter((o) => !o.archived && !absent.includes(o.id));
      expect([...byId.keys()].sort()).toEqual(live.map((o) => `${c.idPrefix ?? ''}${o.id}`).sort());
      for (const o of live.filter((l) => !stale.includes(l.id)))
        expect(byId.get(`${c.idPrefix ?? ''}${o.id}`)).toEqual(c.expected(o.properties));
    };

    it('full sync over 2 pages with a malformed record and a change while it runs, then deltas', async () => {
      connectionId = await connect(`entities-${c.entity}`);
      // 150 records (pages of 100 and 50) sharing one timestamp, and a malformed one.
      const old = at(60);
      for (let i = 0; i < 150; i++) put(i, old);
      const bad = c.record(150);
      c.malformed(bad);
      put(150, old, bad);
      let touched = false;
      let listed = 0;
      fake.onRequest = (r) => {
        // As the second page is requested, record 3 (already read on page 1) changes.
        if (r.method === 'GET' && r.path.startsWith('/crm/v3/objects/') && ++listed === 2) {
          touched = true;
          const o = fake.objects[c.store].get(ids(3))!;
          c.change(o.properties, 'during full');
          o.updatedAt = new Date(Date.now() + 1).toISOString();
        }
      };
      const full = await run(connectionId, c.entity);
      expect(counts(full)).toEqual({
        status: 'succeeded',
        processed: 151,
        created: 150,
        updated: 0,
        unchanged: 0,
        deleted: 0,
        failed: 1,
      });
      const [error] = await t.dataSource.query(
        `SELECT external_id, stage FROM sync_run_errors WHERE run_id = $1`,
        [full.id],
      );
      expect(error.external_id).toMatch(new RegExp(`^(${c.idPrefix ?? ''})?${ids(150)}$`));
      expect(touched).toBe(true);
      // Record 3 was read before it changed: the database has its old version for now.
      await expectEqualToSource([ids(150)], [ids(3)]);

      // Changes: two records edited at one shared timestamp, one added, one archived; and record
      // 7 edited while the delta runs (after its start: the next delta reads it).
      const shared = at(1);
      for (const i of [10, 120]) {
        const o = fake.objects[c.store].get(ids(i))!;
        c.change(o.properties, `delta ${i}`);
        o.updatedAt = shared;
      }
      put(151, shared);
      fake.archive(c.store, ids(20), shared);
      let during = false;
      fake.onRequest = () => {
        if (during) return;
        during = true;
        const o = fake.objects[c.store].get(ids(7))!;
        c.change(o.properties, 'during delta');
        o.updatedAt = new Date(Date.now() + 1).toISOString();
      };
      const delta = await run(connectionId, c.entity);
      expect(counts(delta)).toEqual({
        status: 'succeeded',
        // 3 read within the window: the two edits and the new record; record 3's change during
        // the full sync too (the delta starts where the full sync began).
        processed: 4,
        created: 1,
        updated: 3,
        unchanged: 0,
        deleted: 1,
        failed: 0,
      });
      await expectEqualToSource([ids(150)], [ids(7)]);

      fake.onRequest = undefined;
      const next = await run(connectionId, c.entity);
      // The lookback reads the shared-timestamp records again: unchanged, not rewritten.
      expect(counts(next)).toMatchObject({
        status: 'succeeded',
        created: 0,
        updated: 1,
        deleted: 0,
        failed: 0,
      });
      expect(next.unchanged).toBe(next.processed - 1);
      await expectEqualToSource([ids(150)]);
    });

    it('a restored record is revived; one deleted for good goes with the next full sync', async () => {
      fake.archive(c.store, ids(20), new Date(Date.now() - 1000).toISOString(), true);
      const revived = await run(connectionId, c.entity);
      expect(counts(revived)).toMatchObject({ status: 'succeeded', updated: 1, failed: 0 });
      await expectEqualToSource([ids(150)]);

      fake.objects[c.store].delete(ids(42));
      fake.objects[c.store].delete(ids(150));
      const full = await run(connectionId, c.entity, true);
      expect(counts(full)).toEqual({
        status: 'succeeded',
        processed: 150,
        created: 0,
        updated: 0,
        unchanged: 150,
        deleted: 1,
        failed: 0,
      });
      await expectEqualToSource([]);
      // Unchanged means not rewritten: the only row this run touched is the one it deleted.
      const touched: Row[] = await t.dataSource.query(
        `SELECT external_id, deleted_at IS NOT NULL AS deleted FROM ${c.table}
          WHERE connection_id = $1 AND updated_at >= $2 ${c.rows ? `AND ${c.rows}` : ''}`,
        [connectionId, full.startedAt],
      );
      expect(touched).toEqual([{ external_id: `${c.idPrefix ?? ''}${ids(42)}`, deleted: true }]);
    });
  });

  describe('owners', () => {
    const owner = (i: number, over: Partial<FakeOwner> = {}): FakeOwner => ({
      id: String(70 + i),
      email: `owner${i}@example.com`,
      firstName: `Owner`,
      lastName: `${i}`,
      userId: 9000 + i,
      createdAt: at(60 * 24),
      updatedAt: at(60),
      archived: false,
      teams: [{ id: '5', name: 'West', primary: true }],
      ...over,
    });

    it('are read in full every run: created, updated, unchanged, archived and deleted counted', async () => {
      for (let i = 0; i < 120; i++) fake.owners.set(owner(i).id, owner(i));
      const connectionId = await connect('owners');
      const first = await run(connectionId, 'owners');
      expect(counts(first)).toEqual({
        status: 'succeeded',
        processed: 120,
        created: 120,
        updated: 0,
        unchanged: 0,
        deleted: 0,
        failed: 0,
      });
      fake.owners.set('71', owner(1, { lastName: 'Renamed' }));
      fake.owners.set('72', owner(2, { archived: true }));
      fake.owners.delete('73');
      fake.owners.set('300', owner(230));
      const second = await run(connectionId, 'owners');
      expect(counts(second)).toEqual({
        status: 'succeeded',
        processed: 119,
        created: 1,
        updated: 1,
        unchanged: 117,
        deleted: 2,
        failed: 0,
      });
      const rows: Row[] = await t.dataSource.query(
        `SELECT external_id, name, email, team, active FROM crm_users
          WHERE connection_id = $1 AND deleted_at IS NULL`,
        [connectionId],
      );
      const live = [...fake.owners.values()].filter((o) => !o.archived);
      expect(rows.map((r) => r.external_id).sort()).toEqual(live.map((o) => o.id).sort());
      expect(rows.find((r) => r.external_id === '71')).toEqual({
        external_id: '71',
        name: 'Owner Renamed',
        email: 'owner1@example.com',
        team: 'West',
        active: true,
      });
    });
  });

  it.each([
    ['owners', 'genius_users', 'crm_users'],
    ['meetings', 'appointments', 'activities'],
  ])(
    'full reads of %s and %s, which share %s, leave each other alone',
    async (first, second, table) => {
      const connectionId = await connect(`shared-${table}`);
      for (const entity of [first, second, first, second]) {
        // Full reads: each sweeps what it did not see, but only among its own rows.
        const r = await run(connectionId, entity, true);
        expect(r).toMatchObject({ status: 'succeeded', deleted: 0 });
      }
      const [{ n }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM ${table} WHERE connection_id = $1 AND deleted_at IS NULL`,
        [connectionId],
      );
      const live = (store: string) =>
        [...(fake.objects[store]?.values() ?? [])].filter((o) => !o.archived).length;
      const owners = [...fake.owners.values()].filter((o) => !o.archived).length;
      const secondType = OBJECT_TYPES[second as keyof typeof OBJECT_TYPES];
      expect(owners).toBeGreaterThan(0);
      expect(n).toBe((first === 'owners' ? owners : live(first)) + live(secondType));
    },
  );
});
