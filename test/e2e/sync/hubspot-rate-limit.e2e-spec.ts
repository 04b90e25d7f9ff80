import { randomBytes } from 'node:crypto';
import { HubSpotEngine } from '../../../src/modules/sync/engines/hubspot/hubspot.engine';
import { ConnectionsService } from '../../../src/modules/sync/connections/connections.service';
import { FakeHubSpot, fakeCompany, fakeContact } from '../../support/fake-hubspot';
import { connectHubSpot, runHubSpot } from '../../support/hubspot-sync';
import { createClient, startTestApp, TestApp } from '../../support/test-app';

const TOKEN = 'test-hubspot-token';
const DAY = 86_400_000;
/** A scaled-down HubSpot: 20 requests per rolling second instead of 100 or 190 per 10 s. */
const LIMIT = { max: 20, intervalMs: 1000 };
/**
 * HubSpot counts a request when it arrives, the limiter when it sends it; a loaded test machine
 * can stretch that gap past the limiter's margin now and then, and the 429 is then retried.
 * Without a shared budget two runs get a 429 for about every other request.
 */
const RARE = 2;

const old = new Date(Date.now() - 3 * DAY).toISOString();

function seed(fake: FakeHubSpot): void {
  for (let i = 0; i < 3000; i++) fake.put('contacts', fakeContact(i, old));
  for (let i = 0; i < 1000; i++) fake.put('companies', fakeCompany(i, old));
}

async function connect(t: TestApp, workspaceId: string, fake: FakeHubSpot, name: string) {
  // Seeded from the documented 190 per 10 s and 5 searches/s: the fake's headers must teach it
  // the real budget.
  const settings = { requests_per_10s: 190, search_requests_per_second: 5 };
  return (await connectHubSpot(t, workspaceId, fake, name, { settings })).id;
}

const run = (t: TestApp, workspaceId: string, connectionId: string, entity: string) =>
  runHubSpot(t, workspaceId, connectionId, entity);

async function expectEqualToSource(
  t: TestApp,
  fake: FakeHubSpot,
  connectionId: string,
  table: 'contacts' | 'accounts',
) {
  const type = table === 'contacts' ? 'contacts' : 'companies';
  const rows: Array<{ external_id: string; name: string }> = await t.dataSource.query(
    table === 'contacts'
      ? `SELECT external_id, email AS name FROM contacts WHERE connection_id = $1 AND deleted_at IS NULL`
      : `SELECT external_id, name FROM accounts WHERE connection_id = $1 AND deleted_at IS NULL`,
    [connectionId],
  );
  const byId = new Map(rows.map((r) => [r.external_id, r.name]));
  expect(byId.size).toBe(fake.objects[type].size);
  for (const o of fake.objects[type].values()) {
    expect(byId.get(o.id)).toBe(table === 'contacts' ? o.properties.email : o.properties.name);
  }
}

/**
 * The engine against a fake HubSpot that enforces a rolling request limit, answers 429 with
 * HubSpot's bodies and sends the X-HubSpot-RateLimit-* headers.
 */
describe('HubSpot rate limits', () => {
  let t: TestApp;
  let fake: FakeHubSpot;
  let workspaceId: string;

  beforeAll(async () => {
    fake = new FakeHubSpot(TOKEN);
    await fake.start();
    seed(fake);
    t = await startTestApp();
    workspaceId = (await createClient(t)).workspaceId;
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });
  beforeEach(() => fake.enforceRateLimit(LIMIT));

  it('a full sync learns the budget from the headers, gets no 429 and ends equal to the source', async () => {
    const connectionId = await connect(t, workspaceId, fake, 'learns');
    const before = fake.requests.length;
    const [result] = await run(t, workspaceId, connectionId, 'contacts');
    expect(result).toMatchObject({ status: 'succeeded', created: 3000, failed: 0 });
    const sent = fake.requests.slice(before);
    // 30 list pages and the archived-records pass.
    expect(sent.filter((r) => r.status === 200)).toHaveLength(31);
    expect(sent.filter((r) => r.status !== 200).length).toBeLessThanOrEqual(RARE);
    await expectEqualToSource(t, fake, connectionId, 'contacts');
    const connection = await t.app.get(ConnectionsService).get(workspaceId, connectionId);
    expect(t.app.get(HubSpotEngine).rateLimiter(connection).budget).toMatchObject({
      max: 20,
      intervalMs: 1000,
    });
  });

  it('two entities of one connection syncing at once share one budget: no 429', async () => {
    const connectionId = await connect(t, workspaceId, fake, 'shared');
    const before = fake.requests.length;
    const [[contacts], [companies]] = await Promise.all([
      run(t, workspaceId, connectionId, 'contacts'),
      run(t, workspaceId, connectionId, 'companies'),
    ]);
    expect(contacts).toMatchObject({ status: 'succeeded', created: 3000 });
    expect(companies).toMatchObject({ status: 'succeeded', created: 1000 });
    const sent = fake.requests.slice(before);
    // 30 + 10 list pages and one archived-records pass per entity.
    expect(sent.filter((r) => r.status === 200)).toHaveLength(42);
    expect(sent.filter((r) => r.status !== 200).length).toBeLessThanOrEqual(RARE);
    await expectEqualToSource(t, fake, connectionId, 'contacts');
    await expectEqualToSource(t, fake, connectionId, 'accounts');
  });

  it('a TEN_SECONDLY 429 caused by other traffic waits for the window and retries', async () => {
    const connectionId = await connect(t, workspaceId, fake, 'crowded');
    // Another app of the same account spends the whole window first.
    for (let i = 0; i < LIMIT.max; i++) {
      const res = await fetch(`${fake.url}/crm/v3/objects/companies?limit=1`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      expect(res.status).toBe(200);
    }
    const before = fake.requests.length;
    const [result] = await run(t, workspaceId, connectionId, 'companies');
    expect(result).toMatchObject({ status: 'succeeded', created: 1000, failed: 0 });
    const statuses = fake.requests.slice(before).map((r) => r.status);
    expect(statuses[0]).toBe(429);
    expect(statuses.filter((s) => s === 200)).toHaveLength(11);
    // That 429, then the window was respected: no retry storm.
    expect(statuses.filter((s) => s === 429).length).toBeLessThanOrEqual(1 + RARE);
    await expectEqualToSource(t, fake, connectionId, 'accounts');
  });

  it('a delta pages the search API at no more than 5 requests per second', async () => {
    const connectionId = await connect(t, workspaceId, fake, 'search');
    await t.dataSource.query(
      `INSERT INTO sync_cursors (connection_id, entity, workspace_id, cursor) VALUES ($1, 'contacts', $2, $3::jsonb)`,
      [connectionId, workspaceId, JSON.stringify({ phase: 'delta', modified: old })],
    );
    const before = fake.requests.length;
    // 3,000 contacts modified since the cursor: 15 search pages of 200.
    const [result] = await run(t, workspaceId, connectionId, 'contacts');
    expect(result).toMatchObject({ mode: 'delta', status: 'succeeded', created: 3000 });
    const sent = fake.requests.slice(before);
    // The search pages, then the archived-records pass (a list request).
    const searches = sent.filter((r) => r.query.archived !== 'true');
    expect(searches.every((r) => r.path.endsWith('/search'))).toBe(true);
    expect(searches.filter((r) => r.status === 200)).toHaveLength(15);
    expect(sent.filter((r) => r.query.archived === 'true')).toHaveLength(1);
    expect(sent.filter((r) => r.status !== 200).length).toBeLessThanOrEqual(RARE);
    await expectEqualToSource(t, fake, connectionId, 'contacts');
  });
});

const shared = process.env.DATABASE_URL && process.env.REDIS_URL ? describe : describe.skip;

shared('HubSpot rate limits across two instances (REDIS_URL and DATABASE_URL set)', () => {
  let one: TestApp;
  let two: TestApp;
  let fake: FakeHubSpot;

  beforeAll(async () => {
    fake = new FakeHubSpot(TOKEN);
    await fake.start();
    seed(fake);
    const env = {
      REDIS_KEY_PREFIX: `rh-hubspot-${randomBytes(4).toString('hex')}`,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    };
    one = await startTestApp({ env });
    two = await startTestApp({ db: one.db, env });
  }, 30_000);
  afterAll(async () => {
    await two?.close();
    await one?.close();
    await fake?.stop();
  });

  it('runs of one connection on two instances spend one budget through Redis: no 429', async () => {
    const { workspaceId } = await createClient(one);
    const connectionId = await connect(one, workspaceId, fake, 'two-instances');
    fake.enforceRateLimit(LIMIT);
    const [[contacts], [companies]] = await Promise.all([
      run(one, workspaceId, connectionId, 'contacts'),
      run(two, workspaceId, connectionId, 'companies'),
    ]);
    expect(contacts).toMatchObject({ status: 'succeeded', created: 3000 });
    expect(companies).toMatchObject({ status: 'succeeded', created: 1000 });
    expect(fake.requests.filter((r) => r.status === 200)).toHaveLength(42);
    expect(fake.requests.filter((r) => r.status !== 200).length).toBeLessThanOrEqual(RARE);
    await expectEqualToSource(one, fake, connectionId, 'contacts');
    await expectEqualToSource(one, fake, connectionId, 'accounts');
  });
});
