import { ConnectionsService } from '../../../src/modules/sync/connections/connections.service';
import type { SyncRun } from '../../../src/modules/sync/entities/sync-run.entity';
import { SyncService } from '../../../src/modules/sync/sync.service';
import { FakeHubSpot, fakeContact } from '../../support/fake-hubspot';
import { connectHubSpot, runHubSpot } from '../../support/hubspot-sync';
import { createClient, startTestApp, TestApp } from '../../support/test-app';

const OAUTH = { clientId: 'app-client', clientSecret: 'app-secret', refreshToken: 'refresh-1' };
const OAUTH_CREDENTIALS = {
  refresh_token: OAUTH.refreshToken,
  client_id: OAUTH.clientId,
  client_secret: OAUTH.clientSecret,
};

/** Server errors, timeouts and expired tokens, each against its own fake HubSpot. */
describe('HubSpot engine: paging edges, 5xx, timeouts, malformed answers and token refresh', () => {
  let t: TestApp;
  let workspaceId: string;
  const fakes: FakeHubSpot[] = [];
  const old = new Date(Date.now() - 60 * 60_000).toISOString();

  beforeAll(async () => {
    t = await startTestApp();
    workspaceId = (await createClient(t)).workspaceId;
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    for (const f of fakes) await f.stop();
  });

  /** A fake with `contacts` contacts (120 by default) and a connection to it. */
  const setup = async (
    name: string,
    credentials: Record<string, string>,
    timeoutMs?: number,
    contacts = 120,
  ) => {
    const fake = new FakeHubSpot(credentials.access_token);
    fakes.push(fake);
    await fake.start();
    for (let i = 0; i < contacts; i++) fake.put('contacts', fakeContact(i, old));
    const connection = await connectHubSpot(t, workspaceId, fake, name, {
      settings: timeoutMs ? { timeout_ms: timeoutMs } : {},
      credentials,
    });
    return { fake, connection };
  };
  const run = async (connectionId: string): Promise<SyncRun> =>
    (await runHubSpot(t, workspaceId, connectionId, 'contacts'))[0];
  const stored = async (connectionId: string) =>
    (
      await t.dataSource.query(
        `SELECT count(*)::int AS n FROM contacts WHERE connection_id = $1 AND deleted_at IS NULL`,
        [connectionId],
      )
    )[0].n;

  it('an empty source reads one page; exactly 200 records read two full pages and stop', async () => {
    const empty = await setup('empty', { access_token: 'token-empty' }, undefined, 0);
    expect(await run(empty.connection.id)).toMatchObject({
      status: 'succeeded',
      processed: 0,
      created: 0,
    });
    expect(empty.fake.requests.map((r) => r.query.archived ?? 'list')).toEqual(['list', 'true']);

    const even = await setup('exactly-200', { access_token: 'token-200' }, undefined, 200);
    expect(await run(even.connection.id)).toMatchObject({ status: 'succeeded', created: 200 });
    // The second page is full but carries no paging: it is the last.
    expect(
      even.fake.requests.map((r) => [r.query.after ?? null, r.query.archived ?? null]),
    ).toEqual([
      [null, null],
      ['1099', null],
      [null, 'true'],
    ]);
    expect(await stored(even.connection.id)).toBe(200);
  });

  it('a dry run counts an archived record as deleted without writing; the real run deletes it', async () => {
    const { fake, connection } = await setup('dry-run-archive', { access_token: 'token-dry' });
    await run(connection.id);
    fake.archive('contacts', '1005', new Date(Date.now() - 1000).toISOString());
    const [dry] = await t.app.get(SyncService).runNow({
      workspaceId,
      provider: 'hubspot',
      entity: 'contacts',
      connectionId: connection.id,
      options: { dryRun: true },
      trigger: 'cli',
    });
    expect(dry).toMatchObject({ status: 'succeeded', dryRun: true, deleted: 1 });
    expect(await stored(connection.id)).toBe(120);
    expect(await run(connection.id)).toMatchObject({ status: 'succeeded', deleted: 1 });
    expect(await stored(connection.id)).toBe(119);
  });

  it('an answer without results fails the run clearly; the next run resumes', async () => {
    const { fake, connection } = await setup('malformed-answer', { access_token: 'token-bad' });
    fake.malformNext(1);
    const failed = await run(connection.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(
      /hubspot GET \/crm\/v3\/objects\/contacts: the response has no "results" array/,
    );
    expect(await run(connection.id)).toMatchObject({ status: 'succeeded', created: 120 });
  });

  it('502s are retried and the run ends equal to the source', async () => {
    const { fake, connection } = await setup('errors', { access_token: 'token-5xx' });
    fake.failNext(2);
    const result = await run(connection.id);
    expect(result).toMatchObject({ status: 'succeeded', created: 120, failed: 0 });
    expect(fake.requests.map((r) => r.status)).toEqual([502, 502, 200, 200, 200]);
    expect(await stored(connection.id)).toBe(120);
  });

  it('a request that never gets an answer times out and is retried', async () => {
    const { fake, connection } = await setup('timeout', { access_token: 'token-timeout' }, 250);
    fake.stallNext(1);
    const result = await run(connection.id);
    expect(result).toMatchObject({ status: 'succeeded', created: 120, failed: 0 });
    // The stalled request got no answer; the same page was asked again.
    expect(fake.requests.map((r) => [r.status, r.query.after ?? null])).toEqual([
      [200, null],
      [200, '1099'],
      [200, null],
    ]);
    expect(fake.stalled).toBe(1);
    expect(await stored(connection.id)).toBe(120);
  });

  it('an expired OAuth token is refreshed once and the new one is stored encrypted', async () => {
    const { fake, connection } = await setup('oauth', {
      access_token: 'token-oauth',
      ...OAUTH_CREDENTIALS,
    });
    fake.oauth = OAUTH;
    fake.expireToken();
    const result = await run(connection.id);
    expect(result).toMatchObject({ status: 'succeeded', created: 120, failed: 0 });
    expect(fake.requests.slice(0, 3).map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/crm/v3/objects/contacts', 401],
      ['POST', '/oauth/v1/token', 200],
      ['GET', '/crm/v3/objects/contacts', 200],
    ]);
    expect(fake.requests.filter((r) => r.path === '/oauth/v1/token')).toHaveLength(1);
    const credentials = await t.app.get(ConnectionsService).credentials(connection);
    expect(credentials).toEqual({ access_token: 'token-oauth-refreshed', ...OAUTH_CREDENTIALS });
    const [{ credentials_encrypted }] = await t.dataSource.query(
      `SELECT credentials_encrypted FROM crm_connections WHERE id = $1`,
      [connection.id],
    );
    expect(credentials_encrypted).not.toContain('token-oauth-refreshed');

    // The next run starts with the stored token: no refresh.
    const before = fake.requests.length;
    await run(connection.id);
    expect(fake.requests.slice(before).every((r) => r.status === 200)).toBe(true);
  });

  it('a private-app token that expired fails clearly, without a refresh attempt', async () => {
    const { fake, connection } = await setup('private-app', { access_token: 'token-private' });
    fake.expireToken();
    const result = await run(connection.id);
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/401/);
    expect(result.error).toMatch(/no refresh_token \(a private-app token cannot be refreshed\)/);
    expect(fake.requests.map((r) => r.path)).toEqual(['/crm/v3/objects/contacts']);
  });

  it('a 401 other than an expired token is not refreshed', async () => {
    const { fake, connection } = await setup('revoked', {
      access_token: 'token-revoked',
      ...OAUTH_CREDENTIALS,
    });
    fake.oauth = OAUTH;
    fake.token = 'another-token';
    const result = await run(connection.id);
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/INVALID_AUTHENTICATION/);
    expect(fake.requests.map((r) => [r.path, r.status])).toEqual([
      ['/crm/v3/objects/contacts', 401],
    ]);
  });
});
