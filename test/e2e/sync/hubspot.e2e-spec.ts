import {
  FakeHubSpot,
  fakeCompany,
  fakeContact,
  fakeDeal,
  FakeObject,
} from '../../support/fake-hubspot';
import { connectHubSpot, runHubSpot } from '../../support/hubspot-sync';
import { createClient, startTestApp, TestApp } from '../../support/test-app';

const TOKEN = 'test-hubspot-token';
const DAY = 86_400_000;

interface ContactRow {
  external_id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  title: string | null;
}

/** The HubSpot engine against a fake HubSpot CRM v3 on loopback (real wire format, 10k cap). */
describe('HubSpot engine: contacts, companies and deals', () => {
  let t: TestApp;
  let fake: FakeHubSpot;
  let workspaceId: string;
  const old = new Date(Date.now() - 3 * DAY).toISOString();

  beforeAll(async () => {
    fake = new FakeHubSpot(TOKEN);
    await fake.start();
    for (let i = 0; i < 250; i++) fake.put('contacts', fakeContact(i, old));
    for (let i = 0; i < 30; i++) fake.put('companies', fakeCompany(i, old));
    t = await startTestApp();
    workspaceId = (await createClient(t)).workspaceId;
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });

  const connect = async (name: string) => (await connectHubSpot(t, workspaceId, fake, name)).id;
  const run = (connectionId: string, entity: string) =>
    runHubSpot(t, workspaceId, connectionId, entity);
  const cursorOf = async (connectionId: string, entity: string) =>
    (
      await t.dataSource.query(
        `SELECT cursor FROM sync_cursors WHERE connection_id = $1 AND entity = $2`,
        [connectionId, entity],
      )
    )[0]?.cursor;
  const expectContactsEqualToSource = async (connectionId: string) => {
    const rows: ContactRow[] = await t.dataSource.query(
      `SELECT external_id, first_name, last_name, email, phone, title FROM contacts
        WHERE workspace_id = $1 AND connection_id = $2 AND deleted_at IS NULL`,
      [workspaceId, connectionId],
    );
    const byId = new Map(rows.map((r) => [r.external_id, r]));
    expect(byId.size).toBe(fake.objects.contacts.size);
    for (const c of fake.objects.contacts.values()) {
      const { external_id: _id, ...fields } = byId.get(c.id) ?? ({} as ContactRow);
      expect(fields).toEqual({
        first_name: c.properties.firstname,
        last_name: c.properties.lastname,
        email: c.properties.email,
        phone: c.properties.phone,
        title: c.properties.jobtitle,
      });
    }
  };

  describe('contacts', () => {
    let connectionId: string;
    beforeAll(async () => {
      connectionId = await connect('contacts');
    });

    it('a full sync of 250 contacts pages the list endpoint and ends equal to the source', async () => {
      const before = fake.requests.length;
      const [result] = await run(connectionId, 'contacts');
      expect(result).toMatchObject({
        mode: 'full',
        status: 'succeeded',
        processed: 250,
        created: 250,
        failed: 0,
      });
      const sent = fake.requests.slice(before);
      expect(
        sent.map((r) => [r.method, r.path, r.query.limit, r.query.after, r.query.archived]),
      ).toEqual([
        ['GET', '/crm/v3/objects/contacts', '100', undefined, undefined],
        ['GET', '/crm/v3/objects/contacts', '100', '1099', undefined],
        ['GET', '/crm/v3/objects/contacts', '100', '1199', undefined],
        // Then the archived records, which the list leaves out.
        ['GET', '/crm/v3/objects/contacts', '100', undefined, 'true'],
      ]);
      expect(sent[0].query.properties).toContain('jobtitle');
      await expectContactsEqualToSource(connectionId);
      expect(await cursorOf(connectionId, 'contacts')).toEqual({
        phase: 'delta',
        modified: result.startedAt?.toISOString(),
      });
    });

    it('a delta after 3 changes and 2 additions writes exactly those, via search', async () => {
      const [{ cursor: before }] = await t.dataSource.query(
        `SELECT cursor FROM sync_cursors WHERE connection_id = $1 AND entity = 'contacts'`,
        [connectionId],
      );
      const now = new Date(Date.now() - 1000).toISOString();
      const changed = [3, 120, 249].map((i) => {
        const c = fakeContact(i, now);
        c.properties.jobtitle = `Changed ${i}`;
        fake.put('contacts', c);
        return c.id;
      });
      const added = [250, 251].map((i) => {
        const c = fakeContact(i, now);
        fake.put('contacts', c);
        return c.id;
      });
      const requestsBefore = fake.requests.length;
      const [delta] = await run(connectionId, 'contacts');
      expect(delta).toMatchObject({
        mode: 'delta',
        status: 'succeeded',
        processed: 5,
        created: 2,
        updated: 3,
        unchanged: 0,
        failed: 0,
      });
      const written: Array<{ external_id: string }> = await t.dataSource.query(
        `SELECT external_id FROM contacts WHERE connection_id = $1 AND updated_at >= $2`,
        [connectionId, delta.startedAt],
      );
      expect(written.map((r) => r.external_id).sort()).toEqual([...changed, ...added].sort());
      await expectContactsEqualToSource(connectionId);

      const sent = fake.requests.slice(requestsBefore);
      expect(sent).toHaveLength(2);
      expect(sent[0]).toMatchObject({ method: 'POST', path: '/crm/v3/objects/contacts/search' });
      expect(sent[1]).toMatchObject({ method: 'GET', query: { archived: 'true' } });
      expect(sent[0].body).toMatchObject({
        filterGroups: [
          {
            filters: [
              {
                propertyName: 'lastmodifieddate',
                operator: 'GTE',
                value: String(Date.parse(before.modified) - 5 * 60_000),
              },
              {
                propertyName: 'lastmodifieddate',
                operator: 'LTE',
                value: String(delta.startedAt?.getTime()),
              },
            ],
          },
        ],
        sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
        limit: 200,
      });
      expect(await cursorOf(connectionId, 'contacts')).toEqual({
        phase: 'delta',
        modified: delta.startedAt?.toISOString(),
      });
    });
  });

  it('a TEN_SECONDLY 429 is retried and the run succeeds; companies map to accounts', async () => {
    const connectionId = await connect('companies');
    fake.failTenSecondly(1);
    const before = fake.requests.length;
    const [result] = await run(connectionId, 'companies');
    expect(result).toMatchObject({ status: 'succeeded', created: 30, failed: 0 });
    expect(fake.requests.slice(before).map((r) => r.status)).toEqual([429, 200, 200]);
    const [row] = await t.dataSource.query(
      `SELECT name, industry, employees, annual_revenue::text AS annual_revenue, country
         FROM accounts WHERE connection_id = $1 AND external_id = '9007'`,
      [connectionId],
    );
    expect(row).toEqual({
      name: 'Company 7',
      industry: 'computer_software',
      employees: 17,
      annual_revenue: expect.stringMatching(/^100007(\.00)?$/),
      country: 'United States',
    });
  });

  it('a DAILY 429 ends the run rate-limited at the last committed page; the next run finishes', async () => {
    const connectionId = await connect('daily');
    fake.dailyLimitAfter(1);
    const [stopped] = await run(connectionId, 'contacts');
    expect(stopped).toMatchObject({ status: 'rate_limited', processed: 100, created: 100 });
    const cursor = await cursorOf(connectionId, 'contacts');
    expect(cursor).toEqual({
      phase: 'full',
      after: '1099',
      started_at: stopped.startedAt?.toISOString(),
    });

    fake.dailyLimitAfter(null);
    const before = fake.requests.length;
    const [rest] = await run(connectionId, 'contacts');
    expect(rest).toMatchObject({
      status: 'succeeded',
      created: fake.objects.contacts.size - 100,
      failed: 0,
    });
    expect(fake.requests.slice(before).map((r) => [r.query.after, r.query.archived])).toEqual([
      ['1099', undefined],
      ['1199', undefined],
      [undefined, 'true'],
    ]);
    await expectContactsEqualToSource(connectionId);
    // The delta after it starts where the interrupted full sync began.
    expect(await cursorOf(connectionId, 'contacts')).toEqual({
      phase: 'delta',
      modified: stopped.startedAt?.toISOString(),
    });
  });

  it('a delta window with 10,500 changed deals completes without loss under the 10,000 cap', async () => {
    const connectionId = await connect('deals');
    const start = Date.now() - 60 * 60_000;
    const deals: FakeObject[] = [];
    for (let i = 0; i < 10_500; i++) {
      // 10 deals share each millisecond, as bulk imports do.
      deals.push(fakeDeal(i, new Date(start + Math.floor(i / 10) * 3000).toISOString()));
    }
    for (const d of deals) fake.put('deals', d);
    await t.dataSource.query(
      `INSERT INTO sync_cursors (connection_id, entity, workspace_id, cursor) VALUES ($1, 'deals', $2, $3::jsonb)`,
      [
        connectionId,
        workspaceId,
        JSON.stringify({ phase: 'delta', modified: new Date(start).toISOString() }),
      ],
    );
    const before = fake.requests.length;
    const [result] = await run(connectionId, 'deals');
    expect(result).toMatchObject({
      mode: 'delta',
      status: 'succeeded',
      created: 10_500,
      failed: 0,
    });
    const sent = fake.requests.slice(before);
    expect(sent.filter((r) => r.status !== 200)).toEqual([]);
    // The first query reported more than 10,000: the window was split into narrower ones.
    const windows = new Set(
      sent
        .filter((r) => r.method === 'POST')
        .map((r) => JSON.stringify((r.body as { filterGroups: unknown }).filterGroups)),
    );
    expect(windows.size).toBeGreaterThan(1);
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM opportunities WHERE connection_id = $1`,
      [connectionId],
    );
    expect(n).toBe(10_500);
    const [row] = await t.dataSource.query(
      `SELECT name, amount::text AS amount, stage, pipeline, probability::text AS probability, status,
              forecast_category, close_date::text AS close_date
         FROM opportunities WHERE connection_id = $1 AND external_id = '5003'`,
      [connectionId],
    );
    expect(row).toEqual({
      name: 'Deal 3',
      amount: expect.stringMatching(/^1004\.50?$/),
      // The stage id resolved through the pipeline definitions.
      stage: 'Closed Won',
      pipeline: 'Sales Pipeline',
      probability: expect.stringMatching(/^1(\.0+)?$/),
      status: 'won',
      forecast_category: 'commit',
      close_date: '2025-03-01',
    });
  }, 60_000);
});
