import { SyncService, TriggerRequest } from '../../../src/modules/sync/sync.service';
import {
  createCallRailConnection,
  FakeCallRail,
  FakeFormSubmission,
  FakeObject,
  fakeCall,
} from '../../support/fake-callrail';
import { createClient, startTestApp, TestApp } from '../../support/test-app';

const ACCOUNT = '227799611';
const KEY = 'test-callrail-key';
const HOUR = 3_600_000;

interface ListCase {
  entity: 'accounts' | 'companies' | 'users' | 'trackers' | 'tags';
  /** Records in the fake (per_page is 100: exact multiples, short last pages, one page). */
  count: number;
  make(i: number): FakeObject;
  malformed: FakeObject;
  reason: string;
  rename(o: FakeObject): FakeObject;
  stored: { table: string; column: string; from(o: FakeObject): unknown };
}

const LISTS: ListCase[] = [
  {
    entity: 'accounts',
    count: 3,
    make: (i) => ({
      id: `ACC${String(i).padStart(32, '0')}`,
      name: `Account ${i}`,
      outbound_recording_enabled: i % 2 === 0,
      hipaa_account: false,
    }),
    malformed: { id: 'ACCBAD', name: '', outbound_recording_enabled: true, hipaa_account: false },
    reason: 'name is required',
    rename: (o) => ({ ...o, name: `${o.name} (renamed)` }),
    stored: { table: 'callrail_accounts', column: 'name', from: (o) => o.name },
  },
  {
    entity: 'companies',
    count: 200, // exactly two pages
    make: (i) => ({
      id: `COM${String(i).padStart(32, '0')}`,
      name: `Company ${i}`,
      status: i % 10 === 0 ? 'disabled' : 'active',
      time_zone: 'America/New_York',
      created_at: '2024-01-02T10:00:00.000Z',
      disabled_at: i % 10 === 0 ? '2024-06-01T00:00:00.000Z' : null,
    }),
    malformed: { id: 'COMBAD', name: 'Bad', status: 'disabled', disabled_at: 'last week' },
    reason: 'disabled_at must be an ISO 8601 date-time with a zone (got "last week")',
    rename: (o) => ({ ...o, status: 'disabled', disabled_at: '2025-01-01T00:00:00.000Z' }),
    stored: { table: 'callrail_companies', column: 'status', from: (o) => o.status },
  },
  {
    entity: 'users',
    count: 150, // a short second page
    make: (i) => ({
      id: 223166000 + i,
      email: `agent${i}@example.com`,
      created_at: '2016-01-29T12:43:10.286-05:00',
      role: ['admin', 'manager', 'reporting', 'agent'][i % 4],
      first_name: 'Agent',
      last_name: `${i}`,
      name: `Agent ${i}`,
    }),
    malformed: { id: '', email: 'nobody@example.com', name: 'No Id' } as unknown as FakeObject,
    reason: 'users record has no id',
    rename: (o) => ({ ...o, name: `${o.name} Senior` }),
    stored: { table: 'crm_users', column: 'name', from: (o) => o.name },
  },
  {
    entity: 'trackers',
    count: 101,
    make: (i) => ({
      id: `TRK${String(i).padStart(32, '0')}`,
      name: `Tracker ${i}`,
      type: i % 2 ? 'source' : 'session',
      status: 'active',
      destination_number: '+14045551234',
      tracking_numbers: [`+1404555${String(1000 + i)}`],
      company: { id: `COM${String(1 + (i % 5)).padStart(32, '0')}`, name: 'Company' },
      source: { type: 'google_paid' },
      created_at: '2024-01-01T00:00:00.000Z',
      disabled_at: null,
    }),
    malformed: { id: 'TRKBAD', name: null, type: 'source', status: 'active' },
    reason: 'name is required',
    rename: (o) => ({ ...o, status: 'disabled', disabled_at: '2025-02-01T00:00:00.000Z' }),
    stored: { table: 'callrail_trackers', column: 'status', from: (o) => o.status },
  },
  {
    entity: 'tags',
    count: 99,
    make: (i) => ({
      id: 1000 + i,
      name: `Tag ${i}`,
      tag_level: i % 2 ? 'account' : 'company',
      color: 'gray1',
      background_color: 'gray1',
      company_id: i % 2 ? null : `COM${String(1).padStart(32, '0')}`,
      status: 'enabled',
      created_at: '2024-01-01T00:00:00.000Z',
    }),
    malformed: { id: 999999, name: 'x'.repeat(300), tag_level: 'account' },
    reason: 'name is longer than 255 characters',
    rename: (o) => ({ ...o, name: `${o.name} renamed` }),
    stored: { table: 'callrail_tags', column: 'name', from: (o) => o.name },
  },
];

/**
 * CallRail's remaining entities against the fake CallRail v3 on loopback: the configuration lists
 * (read whole each run, deletions found by absence) and form submissions (dated, like calls).
 */
describe('CallRail engine: lists, form submissions and all', () => {
  let t: TestApp;
  let fake: FakeCallRail;
  let workspaceId: string;
  let connectionId: string;
  const base = Date.now() - 20 * HOUR;

  const store = (c: ListCase): Map<string, FakeObject> => fake[c.entity];
  const run = (
    entity: string,
    options: TriggerRequest['options'] = {},
    connection = connectionId,
  ) =>
    t.app.get(SyncService).runNow({
      workspaceId,
      provider: 'callrail',
      entity,
      connectionId: connection,
      options,
      trigger: 'cli',
    });
  const storedValues = async (table: string, column: string, connection = connectionId) =>
    new Map(
      (
        (await t.dataSource.query(
          `SELECT external_id, ${column} AS value FROM ${table}
            WHERE workspace_id = $1 AND connection_id = $2 AND deleted_at IS NULL`,
          [workspaceId, connection],
        )) as Array<{ external_id: string; value: unknown }>
      ).map((r) => [r.external_id, r.value]),
    );
  const expectEqualToSource = async (c: ListCase) => {
    const source = [...store(c).values()].filter((o) => o.id !== c.malformed.id);
    expect(await storedValues(c.stored.table, c.stored.column)).toEqual(
      new Map(source.map((o) => [String(o.id), c.stored.from(o)])),
    );
  };

  beforeAll(async () => {
    fake = new FakeCallRail(ACCOUNT, KEY);
    await fake.start();
    for (const c of LISTS) {
      for (let i = 1; i <= c.count; i++) {
        const o = c.make(i);
        store(c).set(String(o.id), o);
      }
      store(c).set(String(c.malformed.id), c.malformed);
    }
    t = await startTestApp();
    workspaceId = (await createClient(t)).workspaceId;
    connectionId = await createCallRailConnection(t, workspaceId, fake, 'fake', {
      per_page: 100,
      history_start: new Date(base - 30 * 24 * HOUR).toISOString(),
      timeout_ms: 500,
    });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });

  describe.each(LISTS)('$entity', (c) => {
    it('a full read pages the whole list, survives a 429, a 503 and a timeout, reports the malformed record', async () => {
      fake.failNext({ status: 429, retryAfter: 0 }, { status: 503 }, { hang: true });
      const before = fake.requests.length;
      const [full] = await run(c.entity);
      const total = c.count + 1;
      expect(full).toMatchObject({
        mode: 'full',
        status: 'succeeded',
        processed: total,
        created: c.count,
        failed: 1,
        deleted: 0,
      });
      // The 429, the 503 and the request left unanswered (status 0) were each retried.
      expect(fake.requests.slice(before, before + 4).map((r) => [r.status, r.query.page])).toEqual([
        [429, '1'],
        [503, '1'],
        [0, '1'],
        [200, '1'],
      ]);
      const pages = fake.requests.slice(before).filter((r) => r.status === 200);
      expect(pages.map((r) => r.query.page)).toEqual(
        Array.from({ length: Math.ceil(total / 100) }, (_, i) => String(i + 1)),
      );
      // Lists are not dated: no date window is sent.
      expect(pages.every((r) => !r.query.start_date && r.query.per_page === '100')).toBe(true);
      const errors = await t.dataSource.query(
        `SELECT external_id, reason FROM sync_run_errors WHERE run_id = $1`,
        [full.id],
      );
      expect(errors).toEqual([
        {
          external_id: String(c.malformed.id),
          reason: expect.stringContaining(c.reason),
        },
      ]);
      await expectEqualToSource(c);
    });

    it('the next run updates the changed record, creates the new one, soft-deletes the one CallRail no longer lists', async () => {
      const [first, second] = [...store(c).values()].filter((o) => o.id !== c.malformed.id);
      store(c).set(String(first.id), c.rename(first));
      store(c).delete(String(second.id));
      const added = c.make(c.count + 1);
      store(c).set(String(added.id), added);

      const [next] = await run(c.entity);
      expect(next).toMatchObject({
        mode: 'delta',
        status: 'succeeded',
        processed: c.count + 1,
        created: 1,
        updated: 1,
        unchanged: c.count - 2,
        deleted: 1,
        failed: 1,
      });
      await expectEqualToSource(c);
      const [again] = await run(c.entity);
      expect(again).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: c.count });
    });
  });

  it('users map to canonical users with their roles; tags and trackers point at their companies', async () => {
    const users = await t.dataSource.query(
      `SELECT external_id, role, title, email FROM crm_users
        WHERE workspace_id = $1 AND connection_id = $2 AND external_id IN ('223166001', '223166003', '223166004')
        ORDER BY external_id`,
      [workspaceId, connectionId],
    );
    expect(users).toEqual([
      { external_id: '223166001', role: 'manager', title: 'manager', email: 'agent1@example.com' },
      { external_id: '223166003', role: 'rep', title: 'agent', email: 'agent3@example.com' },
      { external_id: '223166004', role: 'admin', title: 'admin', email: 'agent4@example.com' },
    ]);
    const [links] = await t.dataSource.query(
      `SELECT (SELECT count(*)::int FROM callrail_trackers k JOIN callrail_companies co ON co.id = k.company_id
                WHERE k.workspace_id = $1 AND k.connection_id = $2 AND k.deleted_at IS NULL) AS trackers,
              (SELECT count(*)::int FROM callrail_tags g JOIN callrail_companies co ON co.id = g.company_id
                WHERE g.workspace_id = $1 AND g.connection_id = $2 AND g.deleted_at IS NULL) AS tags`,
      [workspaceId, connectionId],
    );
    // Trackers ran after companies; every live tracker and every company-level tag is linked.
    expect(links.trackers).toBe(101);
    expect(links.tags).toBe(49);
  });

  describe('form submissions', () => {
    const form = (i: number, change: Partial<FakeFormSubmission> = {}): FakeFormSubmission => ({
      id: `FOR${String(i).padStart(32, '0')}`,
      company_id: `COM${String(1).padStart(32, '0')}`,
      person_id: `PER${String(i).padStart(32, '0')}`,
      form_data: { your_name: `Form Person ${i}`, email_address: `form${i}@example.com` },
      form_url: 'https://example.com/contact',
      landing_page_url: 'https://example.com/',
      referrer: 'google_paid',
      referring_url: 'https://www.google.com/',
      // Three share one timestamp, across the page boundary of the per_page 100 paging below.
      submitted_at: new Date(base + (i >= 99 && i <= 101 ? 99 : i) * 60_000).toISOString(),
      first_form: true,
      customer_name: i % 3 === 0 ? null : `Customer ${i}`,
      customer_phone_number: `+1303555${String(2000 + i)}`,
      source: 'Google Paid',
      lead_status: null,
      ...change,
    });

    beforeAll(() => {
      for (let i = 1; i <= 120; i++) fake.formSubmissions.set(form(i).id, form(i));
      const bad = { ...form(999), id: 'FORBAD', submitted_at: 'yesterday' };
      fake.formSubmissions.set(bad.id, bad);
    });

    const expectLeadsEqualToSource = async () => {
      const good = [...fake.formSubmissions.values()].filter((f) => f.id !== 'FORBAD');
      const stored: Array<Record<string, unknown>> = await t.dataSource.query(
        `SELECT external_id, name, email, phone, status, lead_source, source_created_at FROM leads
          WHERE workspace_id = $1 AND connection_id = $2 AND deleted_at IS NULL ORDER BY external_id`,
        [workspaceId, connectionId],
      );
      expect(stored).toEqual(
        good
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((f) => ({
            external_id: f.id,
            name: f.customer_name ?? f.form_data.your_name,
            email: f.form_data.email_address,
            phone: f.customer_phone_number,
            status: f.lead_status === 'good_lead' ? 'qualified' : 'new',
            lead_source: 'Google Paid',
            source_created_at: new Date(f.submitted_at),
          })),
      );
    };

    it('become leads: a full read of the window, the malformed one failing alone', async () => {
      const before = fake.requests.length;
      const [full] = await run('form_submissions');
      expect(full).toMatchObject({
        mode: 'full',
        status: 'succeeded',
        processed: 121,
        created: 120,
        failed: 1,
      });
      const sent = fake.requests.slice(before);
      expect(sent.map((r) => r.query.page)).toEqual(['1', '2']);
      expect(sent.every((r) => r.query.start_date && r.query.end_date)).toBe(true);
      await expectLeadsEqualToSource();
    });

    it('a delta re-reads the lookback: a lead status set later updates, a new form is created', async () => {
      fake.formSubmissions.set(form(7).id, form(7, { lead_status: 'good_lead' }));
      fake.formSubmissions.set(form(121).id, form(121));
      const [delta] = await run('form_submissions');
      expect(delta).toMatchObject({
        mode: 'delta',
        status: 'succeeded',
        processed: 122,
        created: 1,
        updated: 1,
        unchanged: 119,
        failed: 1,
      });
      await expectLeadsEqualToSource();
    });

    it('calls link to the form leads by phone', async () => {
      // A call from form 12's phone number (written differently).
      const call = {
        ...fakeCall(30, base),
        id: 'CALFORM12',
        customer_phone_number: '303-555-2012',
      };
      fake.calls.set(call.id, call);
      const [calls] = await run('calls');
      expect(calls).toMatchObject({ status: 'succeeded', created: 1 });
      const [linked] = await t.dataSource.query(
        `SELECT l.external_id FROM activities a JOIN leads l ON l.id = a.lead_id
          WHERE a.workspace_id = $1 AND a.external_id = 'CALFORM12'`,
        [workspaceId],
      );
      expect(linked).toEqual({ external_id: form(12).id });
    });
  });

  it('sync callrail all runs every entity, lists first, on a fresh connection', async () => {
    const other = await createCallRailConnection(t, workspaceId, fake, 'all', {
      history_start: new Date(base - 30 * 24 * HOUR).toISOString(),
    });
    const runs = await run('all', {}, other);
    expect(runs.map((r) => [r.entity, r.status])).toEqual([
      ['accounts', 'succeeded'],
      ['companies', 'succeeded'],
      ['users', 'succeeded'],
      ['trackers', 'succeeded'],
      ['tags', 'succeeded'],
      ['form_submissions', 'succeeded'],
      ['calls', 'succeeded'],
      ['text_messages', 'succeeded'],
    ]);
    expect(runs.every((r) => r.failed === 1 || ['calls', 'text_messages'].includes(r.entity))).toBe(
      true,
    );
  });
});
