import { ApiKey } from '../../src/platform/auth/api-key.entity';
import { createClient, startTestApp, TestApp, TestClient } from '../support/test-app';

/** Workspace isolation, proven on a real table (api_keys) through the public API. */
describe('Workspaces never mix', () => {
  let t: TestApp;
  let a: TestClient;
  let b: TestClient;
  let bKeyId: string;

  beforeAll(async () => {
    t = await startTestApp();
    a = await createClient(t, { workspace: 'alpha' });
    b = await createClient(t, { workspace: 'bravo' });
    // Give B a few more rows so counts differ.
    for (const name of ['b-1', 'b-2']) {
      await t.http().post('/v1/api-keys').set('X-API-Key', b.apiKey).send({ name }).expect(201);
    }
    const list = await t.http().get('/v1/api-keys').set('X-API-Key', b.apiKey);
    bKeyId = list.body.data.api_keys[0].id;
  });
  afterAll(() => t.close());

  it("lists and counts only the caller's rows", async () => {
    const res = await t.http().get('/v1/api-keys').set('X-API-Key', a.apiKey);
    expect(res.status).toBe(200);
    expect(res.body.data.pagination.total).toBe(1);
    expect(res.body.data.api_keys.map((k: { id: string }) => k.id)).not.toContain(bKeyId);
    const asB = await t.http().get('/v1/api-keys').set('X-API-Key', b.apiKey);
    expect(asB.body.data.pagination.total).toBe(3);
    // The table really holds both workspaces' rows.
    expect(await t.dataSource.getRepository(ApiKey).count()).toBe(4);
  });

  it("answers 404 for another workspace's row, exactly as for a missing one", async () => {
    const other = await t.http().get(`/v1/api-keys/${bKeyId}`).set('X-API-Key', a.apiKey);
    const missing = await t
      .http()
      .get('/v1/api-keys/00000000-0000-4000-8000-000000000000')
      .set('X-API-Key', a.apiKey);
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(other.body.error.code).toBe('NOT_FOUND');
    expect(other.body.error.message).toBe(`API key ${bKeyId} not found`);
  });

  it("cannot change another workspace's row", async () => {
    const res = await t
      .http()
      .delete(`/v1/api-keys/${bKeyId}`)
      .set('Authorization', `Bearer ${await a.token()}`);
    expect(res.status).toBe(404);
    const row = await t.dataSource.getRepository(ApiKey).findOneByOrFail({ id: bKeyId });
    expect(row.revokedAt).toBeNull();
  });

  it("cannot create a key for another workspace's client", async () => {
    const bClient = await t.http().get(`/v1/api-keys/${bKeyId}`).set('X-API-Key', b.apiKey);
    const res = await t
      .http()
      .post('/v1/api-keys')
      .set('X-API-Key', a.apiKey)
      .send({ name: 'sneaky', api_client_id: bClient.body.data.api_client_id });
    expect(res.status).toBe(404);
  });

  it("reports the caller's own workspace", async () => {
    const res = await t.http().get('/v1/workspace').set('X-API-Key', a.apiKey);
    expect(res.body.data).toMatchObject({ id: a.workspaceId, slug: 'alpha', tier: 'enterprise' });
  });
});
