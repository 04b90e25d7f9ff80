import { createClient, startTestApp, TestApp } from '../support/test-app';

const hit = (t: TestApp, key: string) => t.http().get('/v1/workspace').set('X-API-Key', key);

describe('Rate limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('reports the hourly budget in headers that count down', async () => {
    const c = await createClient(t, { tier: 'growth' });
    const first = await hit(t, c.apiKey);
    const second = await hit(t, c.apiKey);
    expect(first.headers['x-ratelimit-limit']).toBe('1000');
    expect(first.headers['x-ratelimit-remaining']).toBe('999');
    expect(second.headers['x-ratelimit-remaining']).toBe('998');
    const reset = Number(first.headers['x-ratelimit-reset']);
    const now = Date.now() / 1000;
    expect(reset).toBeGreaterThan(now + 3500);
    expect(reset).toBeLessThanOrEqual(Math.ceil(now) + 3600);
  });

  it('gives the enterprise tier its own budget', async () => {
    const c = await createClient(t, { tier: 'enterprise' });
    expect((await hit(t, c.apiKey)).headers['x-ratelimit-limit']).toBe('10000');
  });

  it('enforces the burst: the 101st request in a minute is a 429 with Retry-After', async () => {
    const c = await createClient(t, { tier: 'growth' });
    for (let i = 0; i < 100; i++) {
      const res = await hit(t, c.apiKey);
      expect(res.status).toBe(200);
    }
    const limited = await hit(t, c.apiKey);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(limited.body.error.message).toMatch(/100 requests per minute/);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers['x-ratelimit-limit']).toBe('1000');
    expect(limited.headers['x-ratelimit-remaining']).toBe('900');
  });

  it('counts per client: one client being limited does not limit another of the same workspace', async () => {
    const c = await createClient(t, { tier: 'growth', workspace: 'shared-ws' });
    const d = await createClient(t, { tier: 'growth', workspace: 'shared-ws' });
    for (let i = 0; i < 101; i++) await hit(t, c.apiKey);
    expect((await hit(t, c.apiKey)).status).toBe(429);
    expect((await hit(t, d.apiKey)).status).toBe(200);
  });

  it('limits the token endpoint per IP address', async () => {
    let last = 0;
    for (let i = 0; i < 61; i++) {
      const res = await t
        .http()
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' });
      last = res.status;
      if (i === 0) expect(res.headers['x-ratelimit-limit']).toBe('60');
    }
    expect(last).toBe(429);
  });
});

const redisUrl = process.env.REDIS_URL;
const shared = process.env.DATABASE_URL && redisUrl ? describe : describe.skip;

shared('Rate limits shared through Redis (REDIS_URL and DATABASE_URL set)', () => {
  let one: TestApp;
  let two: TestApp;

  beforeAll(async () => {
    one = await startTestApp({ env: { REDIS_KEY_PREFIX: 'rh-shared-test' } });
    two = await startTestApp({
      db: one.db,
      env: { REDIS_KEY_PREFIX: 'rh-shared-test', ENCRYPTION_KEY: one.config.ENCRYPTION_KEY! },
    });
  });
  afterAll(async () => {
    await two.close();
    await one.close();
  });

  it('spends one budget across two app instances', async () => {
    expect(one.config.REDIS_URL).toBe(redisUrl);
    const c = await createClient(one, { tier: 'growth' });
    const remaining: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await hit(i % 2 === 0 ? one : two, c.apiKey);
      expect(res.status).toBe(200);
      remaining.push(Number(res.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual([999, 998, 997, 996, 995, 994]);
    for (let i = 6; i < 100; i++) await hit(i % 2 === 0 ? one : two, c.apiKey);
    expect((await hit(two, c.apiKey)).status).toBe(429);
    expect((await hit(one, c.apiKey)).status).toBe(429);
  });
});
