import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventPublisher } from '../../src/platform/events/event-publisher.service';
import { verifyStandardWebhook } from '../../src/modules/webhooks/webhook-signer';
import { createTestDatabase } from '../support/databases';
import { createClient, startTestApp, TestApp, TestClient } from '../support/test-app';
import { waitFor } from '../support/wait';
import { WebhookReceiver } from '../support/webhook-receiver';

const FAST = {
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  WEBHOOK_RETRY_SCHEDULE:
    '0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05',
  WEBHOOK_POLL_INTERVAL_MS: '50',
};

/** The API document's verify_webhook, copied from the document (test/fixtures/seeds), run with python3. */
function pythonVerifies(payload: string, signature: string, secret: string): boolean {
  const doc = readFileSync(
    join(__dirname, '..', 'fixtures', 'seeds', '000_6a1fa3d9e0ef1735.txt'),
    'utf8',
  );
  const fn = /```python\n([\s\S]*?)```/.exec(
    doc.slice(doc.indexOf('### Verifying Signatures')),
  )![1];
  const script = `${fn}\nimport json, sys\na = json.loads(sys.stdin.read())\nprint(verify_webhook(a["payload"], a["signature"], a["secret"]))`;
  return (
    execFileSync('python3', ['-c', script], {
      input: JSON.stringify({ payload, signature, secret }),
      encoding: 'utf8',
    }).trim() === 'True'
  );
}

const buildPayload = (n: number) => ({
  run_id: '00000000-0000-4000-8000-000000000001',
  connection_id: '00000000-0000-4000-8000-000000000002',
  provider: 'csv',
  entity: 'opportunities',
  status: 'succeeded',
  counts: { processed: n, created: n, updated: 0, unchanged: 0, deleted: 0, failed: 0 },
});

describe('Webhooks', () => {
  let t: TestApp;
  let client: TestClient;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await startTestApp({ env: FAST });
    client = await createClient(t, { workspace: 'hooks' });
    receiver = await new WebhookReceiver().start();
  });
  afterAll(async () => {
    await receiver.stop();
    await t.close();
  });

  const api = (c: TestClient = client) => ({
    get: (p: string) => t.http().get(p).set('X-API-Key', c.apiKey),
    post: (p: string, body: object = {}) => t.http().post(p).set('X-API-Key', c.apiKey).send(body),
    patch: (p: string, body: object) => t.http().patch(p).set('X-API-Key', c.apiKey).send(body),
    delete: (p: string) => t.http().delete(p).set('X-API-Key', c.apiKey),
  });
  const publish = (workspaceId: string, n: number) =>
    t.dataSource.transaction((m) =>
      t.app.get(EventPublisher).publish(m, workspaceId, 'build.completed', buildPayload(n)),
    );

  it('delivers a signed event that the API document verify_webhook and Standard Webhooks both accept', async () => {
    const secret = 'your-webhook-secret-2024';
    const created = await api().post('/v1/webhooks', {
      url: receiver.url,
      events: ['build.completed'],
      secret,
    });
    expect(created.status).toBe(201);
    expect(created.body.data.secret).toBeUndefined();
    const before = receiver.received.length;
    const event = await publish(client.workspaceId, 1);
    await receiver.waitFor(before + 1);
    const got = receiver.received[before];
    expect(JSON.parse(got.body)).toEqual({
      id: event.id,
      event: 'build.completed',
      timestamp: event.occurredAt,
      data: buildPayload(1),
    });
    expect(pythonVerifies(got.body, got.headers['x-revops-signature'] as string, secret)).toBe(
      true,
    );
    expect(
      pythonVerifies(got.body + ' ', got.headers['x-revops-signature'] as string, secret),
    ).toBe(false);
    expect(got.headers['webhook-id']).toBe(event.id);
    expect(
      verifyStandardWebhook(
        secret,
        got.headers as Record<string, string>,
        got.body,
        Math.floor(Date.now() / 1000),
      ),
    ).toBe(true);
    await api().delete(`/v1/webhooks/${created.body.data.id}`).expect(200);
  });

  it('generates a whsec_ secret once, rotates it, and sends a test event', async () => {
    const created = await api().post('/v1/webhooks', {
      url: receiver.url,
      events: ['alert.triggered'],
    });
    expect(created.body.data.secret).toMatch(/^whsec_/);
    const id = created.body.data.id;
    expect((await api().get(`/v1/webhooks/${id}`)).body.data.secret).toBeUndefined();
    const rotated = await api().post(`/v1/webhooks/${id}/rotate-secret`);
    expect(rotated.body.data.secret).toMatch(/^whsec_/);
    expect(rotated.body.data.secret).not.toBe(created.body.data.secret);
    const before = receiver.received.length;
    const test = await api().post(`/v1/webhooks/${id}/test`);
    expect(test.status).toBe(202);
    await receiver.waitFor(before + 1);
    const got = receiver.received[before];
    expect(JSON.parse(got.body).event).toBe('webhook.test');
    expect(
      verifyStandardWebhook(
        rotated.body.data.secret,
        got.headers as Record<string, string>,
        got.body,
        Math.floor(Date.now() / 1000),
      ),
    ).toBe(true);
    const deliveries = await waitFor(async () => {
      const res = await api().get(`/v1/webhooks/${id}/deliveries`);
      return res.body.data.deliveries[0]?.status === 'succeeded' && res.body.data.deliveries;
    }, 'the test delivery to be recorded');
    expect(deliveries[0]).toMatchObject({
      event: 'webhook.test',
      attempts: 1,
      attempt_log: [{ status_code: 200, error: null }],
    });
    await api().delete(`/v1/webhooks/${id}`).expect(200);
  });

  it('publishes nothing for a rolled-back change and always for a committed one', async () => {
    const ws = await createClient(t, { workspace: 'tx' });
    await api(ws)
      .post('/v1/webhooks', { url: receiver.url, events: ['build.failed', 'build.completed'] })
      .expect(201);
    await expect(
      t.dataSource.transaction(async (m) => {
        await t.app
          .get(EventPublisher)
          .publish(m, ws.workspaceId, 'build.failed', { ...buildPayload(7), status: 'failed' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const before = receiver.received.length;
    const committed = await publish(ws.workspaceId, 8);
    await receiver.waitFor(before + 1);
    const [events] = await t.dataSource.query(
      `SELECT count(*) FILTER (WHERE type = 'build.failed')::int AS failed, count(*) FILTER (WHERE type = 'build.completed')::int AS completed
         FROM domain_events WHERE workspace_id = $1`,
      [ws.workspaceId],
    );
    expect(events).toEqual({ failed: 0, completed: 1 });
    expect(receiver.received.slice(before).map((r) => JSON.parse(r.body).id)).toEqual([
      committed.id,
    ]);
  });

  it('refuses an invalid payload at publish time', async () => {
    await expect(
      t.dataSource.transaction((m) =>
        t.app
          .get(EventPublisher)
          .publish(m, client.workspaceId, 'deal.health_changed', { opportunity_id: 'x' }),
      ),
    ).rejects.toThrow(/Invalid deal.health_changed payload/);
  });

  it('refuses private, loopback and link-local URLs unless allowed, and other schemes', async () => {
    for (const url of [
      'http://10.0.0.5/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/x',
      'http://localhost:9/x',
      'ftp://example.com/x',
      'http://192.168.1.1/',
    ]) {
      const res = await api().post('/v1/webhooks', { url, events: ['build.completed'] });
      expect({ url, status: res.status, field: res.body.error?.details?.[0]?.field }).toEqual({
        url,
        status: 400,
        field: 'url',
      });
    }
    const allowed = await api().post('/v1/webhooks', {
      url: 'http://127.0.0.1:9/allowed-by-config',
      events: ['build.completed'],
    });
    expect(allowed.status).toBe(201);
    await api().delete(`/v1/webhooks/${allowed.body.data.id}`);
    const unknownEvent = await api().post('/v1/webhooks', {
      url: receiver.url,
      events: ['deal.exploded'],
    });
    expect(unknownEvent.status).toBe(400);
  });

  it('retries failures with backoff, logs every attempt, and disables an endpoint that answers 410', async () => {
    const ws = await createClient(t, { workspace: 'flaky' });
    const flaky = await new WebhookReceiver().start();
    try {
      flaky.status = 503;
      const created = await api(ws).post('/v1/webhooks', {
        url: flaky.url,
        events: ['build.completed'],
      });
      const id = created.body.data.id;
      await publish(ws.workspaceId, 3);
      await flaky.waitFor(3);
      flaky.status = 200;
      const delivered = await waitFor(async () => {
        const res = await api(ws).get(`/v1/webhooks/${id}/deliveries`);
        return res.body.data.deliveries[0]?.status === 'succeeded' && res.body.data.deliveries[0];
      }, 'the retried delivery');
      expect(delivered.attempts).toBeGreaterThanOrEqual(4);
      expect(
        delivered.attempt_log.slice(0, 3).map((a: { status_code: number }) => a.status_code),
      ).toEqual([503, 503, 503]);
      expect(delivered.attempt_log[0].response_excerpt).toBe('nope');
      const ids = new Set(flaky.received.map((r) => r.headers['webhook-id']));
      expect(ids.size).toBe(1);

      flaky.status = 410;
      await publish(ws.workspaceId, 4);
      const endpoint = await waitFor(async () => {
        const res = await api(ws).get(`/v1/webhooks/${id}`);
        return !res.body.data.enabled && res.body.data;
      }, 'the endpoint to be disabled');
      expect(endpoint.disabled_reason).toBe('The endpoint answered 410 Gone');
    } finally {
      await flaky.stop();
    }
  });

  it('retries and replays on request', async () => {
    const ws = await createClient(t, { workspace: 'replay' });
    const from = new Date(Date.now() - 1000).toISOString();
    await publish(ws.workspaceId, 1);
    await publish(ws.workspaceId, 2);
    const created = await api(ws).post('/v1/webhooks', {
      url: receiver.url,
      events: ['build.completed'],
    });
    const id = created.body.data.id;
    const before = receiver.received.length;
    const replay = await api(ws).post(`/v1/webhooks/${id}/replay`, {
      from,
      to: new Date(Date.now() + 1000).toISOString(),
    });
    expect(replay.status).toBe(202);
    expect(replay.body.data.deliveries).toBe(2);
    await receiver.waitFor(before + 2);
    const deliveries = await waitFor(async () => {
      const res = await api(ws).get(`/v1/webhooks/${id}/deliveries?status=succeeded`);
      return res.body.data.deliveries.length === 2 && res.body.data.deliveries;
    }, 'the replayed deliveries');
    const again = await api(ws).post(`/v1/webhooks/${id}/deliveries/${deliveries[0].id}/retry`);
    expect(again.status).toBe(202);
    await receiver.waitFor(before + 3);
    expect(JSON.parse(receiver.received[before + 2].body).id).toBe(deliveries[0].event_id);
  });

  it("keeps each workspace's endpoints and deliveries to itself", async () => {
    const a = await createClient(t, { workspace: 'owner-a' });
    const b = await createClient(t, { workspace: 'owner-b' });
    const created = await api(a).post('/v1/webhooks', {
      url: receiver.url,
      events: ['build.completed'],
    });
    const id = created.body.data.id;
    expect((await api(b).get(`/v1/webhooks/${id}`)).status).toBe(404);
    expect((await api(b).patch(`/v1/webhooks/${id}`, { enabled: false })).status).toBe(404);
    expect((await api(b).delete(`/v1/webhooks/${id}`)).status).toBe(404);
    expect((await api(b).get(`/v1/webhooks/${id}/deliveries`)).status).toBe(404);
    expect((await api(b).post(`/v1/webhooks/${id}/test`)).status).toBe(404);
    expect((await api(b).post(`/v1/webhooks/${id}/rotate-secret`)).status).toBe(404);
    expect((await api(b).get('/v1/webhooks')).body.data.webhooks).toEqual([]);
    // B's events never reach A's endpoint.
    const before = receiver.received.length;
    await publish(b.workspaceId, 5);
    const marker = await publish(a.workspaceId, 6);
    await receiver.waitFor(before + 1);
    expect(JSON.parse(receiver.received[receiver.received.length - 1].body).id).toBe(marker.id);
    expect((await api(a).get(`/v1/webhooks/${id}`)).status).toBe(200);
  });

  it('lists the event types with their schemas', async () => {
    const res = await api().get('/v1/webhooks/event-types');
    const types = res.body.data.event_types.map((e: { type: string }) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'deal.health_changed',
        'deal.stage_changed',
        'alert.triggered',
        'alert.resolved',
        'build.completed',
        'build.failed',
        'lead.created',
        'lead.status_updated',
        'deal_desk.deal.created',
        'deal_desk.deal.updated',
        'deal_desk.deal.status_changed',
        'deal_desk.deal.deleted',
      ]),
    );
  });
});

describe('Webhooks across a receiver outage and a service restart', () => {
  it('delivers every event, none lost, each with its stable id', async () => {
    const db = await createTestDatabase();
    const port = await WebhookReceiver.freePort();
    const env = { ...FAST, ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    let first: TestApp | undefined = await startTestApp({ db, env });
    const receiver = new WebhookReceiver(port);
    let second: TestApp | undefined;
    try {
      const client = await createClient(first, { workspace: 'outage' });
      await first
        .http()
        .post('/v1/webhooks')
        .set('X-API-Key', client.apiKey)
        .send({ url: receiver.url, events: ['build.completed'] })
        .expect(201);
      const published: string[] = [];
      for (let i = 0; i < 20; i++) {
        const e = await first.dataSource.transaction((m) =>
          first!.app
            .get(EventPublisher)
            .publish(m, client.workspaceId, 'build.completed', buildPayload(i)),
        );
        published.push(e.id);
      }
      // The receiver is down: every delivery fails at least once.
      await waitFor(async () => {
        const [r] = await first!.dataSource.query(
          `SELECT count(*) FILTER (WHERE attempts > 0)::int AS tried, count(*)::int AS n FROM webhook_deliveries`,
        );
        return r.n === 20 && r.tried === 20;
      }, 'every delivery to have failed once');
      await first.close();
      first = undefined;

      await receiver.start();
      second = await startTestApp({ db, env });
      await receiver.waitFor(20);
      await waitFor(async () => {
        const [r] = await second!.dataSource.query(
          `SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS ok FROM webhook_deliveries`,
        );
        return r.ok === 20;
      }, 'every delivery to be recorded');
      const ids = new Set(receiver.received.map((r) => JSON.parse(r.body).id));
      expect([...ids].sort()).toEqual([...published].sort());
      for (const r of receiver.received)
        expect(r.headers['webhook-id']).toBe(JSON.parse(r.body).id);
    } finally {
      await receiver.stop();
      await first?.close();
      await second?.close();
      await db.drop();
    }
  });
});
