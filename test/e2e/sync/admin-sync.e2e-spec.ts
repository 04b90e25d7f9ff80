import { ConnectionsService } from '../../../src/modules/sync/connections/connections.service';
import { SyncSchedulerService } from '../../../src/modules/sync/sync-scheduler.service';
import { SyncService } from '../../../src/modules/sync/sync.service';
import { SchedulerRegistry } from '@nestjs/schedule';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRM_DATA_DIR } from '../../support/crm-data';
import { createClient, startTestApp, TestApp, TestClient } from '../../support/test-app';
import { waitFor } from '../../support/wait';

const RUN_FIELDS = [
  'provider',
  'entity',
  'mode',
  'status',
  'dry_run',
  'counts',
  'total',
  'error',
] as const;

describe('Sync through the admin API, cron and the CLI path', () => {
  let t: TestApp;
  let admin: TestClient;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await createClient(t, { workspace: 'sync-admin' });
  });
  afterAll(() => t.close());

  const api = (c: TestClient = admin) => ({
    get: (path: string) => t.http().get(path).set('X-API-Key', c.apiKey),
    post: (path: string, body: object = {}) =>
      t.http().post(path).set('X-API-Key', c.apiKey).send(body),
  });

  const newConnection = async (client: TestClient, name: string) => {
    const res = await api(client).post('/v1/admin/connections', {
      provider: 'csv',
      name,
      settings: { folder: CRM_DATA_DIR, preset: 'maven-crm' },
      credentials: { note: 'not needed for files' },
    });
    expect(res.status).toBe(201);
    return res.body.data.id as string;
  };

  const finished = (client: TestClient, runId: string) =>
    waitFor(async () => {
      const res = await api(client).get(`/v1/admin/sync/runs/${runId}`);
      return (
        ['succeeded', 'failed', 'rate_limited', 'abandoned'].includes(res.body.data.status) &&
        res.body.data
      );
    }, `run ${runId}`);

  it('lists the engines', async () => {
    const res = await api().get('/v1/admin/sync/engines');
    expect(res.status).toBe(200);
    expect(res.body.data.engines).toContainEqual(
      expect.objectContaining({
        provider: 'csv',
        entities: expect.arrayContaining(['opportunities']),
      }),
    );
  });

  it('never returns credentials', async () => {
    const id = await newConnection(admin, 'secretive');
    const res = await api().get(`/v1/admin/connections/${id}`);
    expect(res.body.data.has_credentials).toBe(true);
    expect(JSON.stringify(res.body)).not.toContain('not needed for files');
    const [row] = await t.dataSource.query(
      'SELECT credentials_encrypted FROM crm_connections WHERE id = $1',
      [id],
    );
    expect(row.credentials_encrypted).toMatch(/^v1:/);
    expect(row.credentials_encrypted).not.toContain('not needed');
  });

  it('runs the same lifecycle from the API (202), cron and the CLI, with the same run records', async () => {
    const viaApi = await createClient(t, { workspace: 'path-api' });
    const viaCron = await createClient(t, { workspace: 'path-cron' });
    const viaCli = await createClient(t, { workspace: 'path-cli' });

    const apiConnection = await newConnection(viaApi, 'maven');
    const started = await api(viaApi).post('/v1/admin/sync/csv/accounts', {
      connection_id: apiConnection,
    });
    expect(started.status).toBe(202);
    expect(started.body.data.runs[0]).toMatchObject({
      status: 'queued',
      trigger: 'api',
      entity: 'accounts',
    });
    const apiRun = await finished(viaApi, started.body.data.runs[0].id);

    const cronConnection = await t.app.get(ConnectionsService).create(viaCron.workspaceId, {
      provider: 'csv',
      name: 'maven',
      settings: { folder: CRM_DATA_DIR, preset: 'maven-crm' },
      schedules: { accounts: '0 3 * * *' },
    });
    const job = t.app
      .get(SchedulerRegistry)
      .getCronJob(SyncSchedulerService.jobName(cronConnection.id, 'accounts'));
    expect(job.cronTime.source).toBe('0 3 * * *');
    await t.app.get(SyncSchedulerService).tick(cronConnection, 'accounts');
    const cronList = await waitFor(async () => {
      const res = await api(viaCron).get('/v1/admin/sync/runs?trigger=cron');
      return res.body.data.runs.length === 1 && res.body.data.runs;
    }, 'the cron run');
    const cronRun = await finished(viaCron, cronList[0].id);

    const cliConnection = await newConnection(viaCli, 'maven');
    const [cli] = await t.app.get(SyncService).runNow({
      workspaceId: viaCli.workspaceId,
      provider: 'csv',
      entity: 'accounts',
      connectionId: cliConnection,
      options: {},
      trigger: 'cli',
    });
    const cliRun = (await api(viaCli).get(`/v1/admin/sync/runs/${cli.id}`)).body.data;

    const pick = (run: Record<string, unknown>) =>
      Object.fromEntries(RUN_FIELDS.map((f) => [f, run[f]]));
    expect(pick(apiRun)).toEqual(pick(cliRun));
    expect(pick(cronRun)).toEqual(pick(cliRun));
    expect(pick(cliRun)).toMatchObject({
      status: 'succeeded',
      mode: 'full',
      counts: { processed: 85, created: 85, failed: 0 },
    });
    expect([apiRun.trigger, cronRun.trigger, cliRun.trigger]).toEqual(['api', 'cron', 'cli']);
  });

  it('answers a second trigger of an active run with 409 and its run id', async () => {
    const client = await createClient(t, { workspace: 'twice' });
    const connection = await newConnection(client, 'maven');
    const [first, second] = await Promise.all([
      api(client).post('/v1/admin/sync/csv/opportunities', { connection_id: connection }),
      api(client).post('/v1/admin/sync/csv/opportunities', { connection_id: connection }),
    ]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([202, 409]);
    const accepted = first.status === 202 ? first : second;
    const refused = first.status === 409 ? first : second;
    const runId = accepted.body.data.runs[0].id;
    expect(refused.body.error).toMatchObject({
      code: 'CONFLICT',
      details: [{ field: 'run_id', message: runId }],
    });
    expect(refused.body.error.message).toContain(runId);
    const done = await finished(client, runId);
    expect(done.counts.created).toBe(8800);
  });

  it('filters runs and validates parameters', async () => {
    expect((await api().get('/v1/admin/sync/runs?status=bogus')).status).toBe(400);
    expect((await api().get('/v1/admin/sync/runs?limit=101')).status).toBe(400);
    expect((await api().post('/v1/admin/sync/csv/opportunities', { max_records: 0 })).status).toBe(
      400,
    );
    expect((await api().post('/v1/admin/sync/nope/all', {})).status).toBe(404);
    expect((await api().post('/v1/admin/sync/csv/widgets', {})).status).toBe(404);
    const res = await api().post('/v1/admin/connections', {
      provider: 'csv',
      name: 'x',
      schedules: { all: 'every hour' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('schedules.all');
  });

  it("keeps each workspace's connections and runs to itself", async () => {
    const other = await createClient(t, { workspace: 'outsider' });
    const mine = await createClient(t, { workspace: 'insider' });
    const connection = await newConnection(mine, 'private');
    const started = await api(mine).post('/v1/admin/sync/csv/products', {
      connection_id: connection,
    });
    const runId = started.body.data.runs[0].id;
    await finished(mine, runId);
    expect((await api(other).get(`/v1/admin/sync/runs/${runId}`)).status).toBe(404);
    expect((await api(other).get(`/v1/admin/connections/${connection}`)).status).toBe(404);
    expect(
      (await api(other).post('/v1/admin/sync/csv/products', { connection_id: connection })).status,
    ).toBe(404);
    expect((await api(other).get('/v1/admin/sync/runs')).body.data.pagination.total).toBe(0);
    expect((await api(other).get('/v1/admin/connections')).body.data.connections).toEqual([]);
  });

  it('imports a CSV file uploaded through the admin API', async () => {
    const c = await createClient(t, { workspace: 'uploads' });
    const created = await api(c).post('/v1/admin/connections', {
      provider: 'csv',
      name: 'uploaded',
      settings: { uploads: true, preset: 'maven-crm' },
    });
    const id = created.body.data.id;
    const file = readFileSync(join(CRM_DATA_DIR, 'products.csv'));
    const put = await t
      .http()
      .put(`/v1/admin/connections/${id}/files/products?filename=products.csv`)
      .set('X-API-Key', c.apiKey)
      .set('Content-Type', 'text/csv')
      .send(file);
    expect(put.status).toBe(200);
    expect(put.body.data).toMatchObject({
      entity: 'products',
      filename: 'products.csv',
      size_bytes: file.length,
    });
    const started = await api(c).post('/v1/admin/sync/csv/products', { connection_id: id });
    const done = await finished(c, started.body.data.runs[0].id);
    expect(done).toMatchObject({ status: 'succeeded', counts: { created: 7, failed: 0 } });
    const wrongType = await t
      .http()
      .put(`/v1/admin/connections/${id}/files/products`)
      .set('X-API-Key', c.apiKey)
      .set('Content-Type', 'application/json')
      .send({ not: 'a file' });
    expect(wrongType.status).toBe(415);
    const unknownEntity = await t
      .http()
      .put(`/v1/admin/connections/${id}/files/widgets`)
      .set('X-API-Key', c.apiKey)
      .set('Content-Type', 'text/csv')
      .send('a,b\n1,2\n');
    expect(unknownEntity.status).toBe(404);
  });

  it('needs the admin scope', async () => {
    const reader = await createClient(t, { scopes: ['read', 'write'] });
    expect((await api(reader).get('/v1/admin/sync/runs')).status).toBe(403);
  });
});
