import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { GateRequest } from '../../http/crm-http.client';
import { MemoryRollingWindowStore, RedisRollingWindowStore } from '../../http/rolling-window';
import { HubSpotRateLimiter } from './hubspot-rate-limiter';

const list = (): GateRequest => ({ method: 'GET', path: '/crm/v3/objects/contacts' });
const search = (): GateRequest => ({ method: 'POST', path: '/crm/v3/objects/contacts/search' });
const quiet = { log: () => undefined, warn: () => undefined };

/** Takes slots until the limiter asks to wait; returns how many it granted. */
async function grantedBeforeWait(limiter: HubSpotRateLimiter, req: () => GateRequest, most = 1000) {
  for (let n = 0; n < most; n++) if ((await limiter.acquire(req())) > 0) return n;
  return most;
}

const headers = (max: number, remaining: number, extra: Record<string, string> = {}) => ({
  'x-hubspot-ratelimit-max': String(max),
  'x-hubspot-ratelimit-interval-milliseconds': '10000',
  'x-hubspot-ratelimit-remaining': String(remaining),
  ...extra,
});

describe('HubSpotRateLimiter', () => {
  let now: number;
  let store: MemoryRollingWindowStore;
  const limiter = (max?: number, key = 'hubspot:c1') =>
    new HubSpotRateLimiter({ store, key, max, now: () => now, logger: quiet });

  beforeEach(() => {
    now = 1_000_000;
    store = new MemoryRollingWindowStore(() => now);
  });

  it('is seeded from the documented 100 per 10 s and frees slots as the rolling window moves', async () => {
    const l = limiter();
    expect(await grantedBeforeWait(l, list)).toBe(99);
    const wait = await l.acquire(list());
    // The first slot frees 10 s (plus the 1% margin) after it was taken.
    expect(wait).toBe(10_100);
    now += 10_100;
    expect(await grantedBeforeWait(l, list)).toBe(99);
  });

  it('adapts when the headers say the account allows 190 per 10 s', async () => {
    const l = limiter();
    await l.acquire(list());
    await l.observe(list(), { status: 200, headers: headers(190, 189), data: {} });
    expect(l.budget).toEqual({ max: 190, intervalMs: 10_000 });
    expect(await grantedBeforeWait(l, list)).toBe(188);
  });

  it('counts what other apps of the account spent when Remaining is lower than its own count', async () => {
    const l = limiter(190);
    await l.acquire(list());
    await l.observe(list(), { status: 200, headers: headers(190, 100), data: {} });
    expect(await grantedBeforeWait(l, list)).toBe(189 - 90);
  });

  it('reads Remaining as of when the request was sent, so a response read late invents no usage', async () => {
    const l = limiter(190);
    expect(await grantedBeforeWait(l, list, 100)).toBe(100);
    now += 5000;
    const req = list();
    expect(await l.acquire(req)).toBe(0);
    // The response is read after the first 100 slots expired here; HubSpot counted 101.
    now += 5150;
    await l.observe(req, { status: 200, headers: headers(190, 89), data: {} });
    expect(await grantedBeforeWait(l, list)).toBe(188);
  });

  it('a TEN_SECONDLY 429 fills the window, so the retry waits for a slot', async () => {
    const l = limiter(190);
    await l.acquire(list());
    now += 2000;
    await l.observe(list(), {
      status: 429,
      headers: {},
      data: { policyName: 'TEN_SECONDLY_ROLLING', errorType: 'RATE_LIMIT' },
    });
    // The request made 2 s ago frees its slot first.
    expect(await l.acquire(list())).toBe(8_100);
  });

  it('searches are held to 5 per second as well as the burst budget', async () => {
    const l = limiter(190);
    expect(await grantedBeforeWait(l, search)).toBe(5);
    now += 1_100;
    expect(await grantedBeforeWait(l, search)).toBe(5);
    // Ten searches count against the burst budget too.
    expect(await grantedBeforeWait(l, list)).toBe(179);
  });

  it('a search waiting for a burst slot keeps the search slot it holds', async () => {
    const l = limiter(20);
    await grantedBeforeWait(l, list);
    now += 10_000;
    const waiting = search();
    expect(await l.acquire(waiting)).toBe(100);
    expect(await l.acquire(waiting)).toBe(100);
    now += 100;
    expect(await l.acquire(waiting)).toBe(0);
    // It took one search slot, not two.
    expect(await grantedBeforeWait(l, search)).toBe(4);
  });

  it('reports the daily budget left; a DAILY 429 leaves the burst window alone', async () => {
    const l = limiter();
    await l.acquire(list());
    await l.observe(list(), {
      status: 200,
      headers: headers(100, 99, { 'x-hubspot-ratelimit-daily-remaining': '0' }),
      data: {},
    });
    expect(l.budget.dailyRemaining).toBe(0);
    await l.observe(list(), { status: 429, headers: {}, data: { policyName: 'DAILY' } });
    expect(await grantedBeforeWait(l, list)).toBe(98);
  });

  it('two limiters of one connection spend one budget; another connection has its own', async () => {
    const a = limiter(100, 'hubspot:c1');
    const b = limiter(100, 'hubspot:c1');
    const other = limiter(100, 'hubspot:c2');
    expect(await grantedBeforeWait(a, list, 50)).toBe(50);
    expect(await grantedBeforeWait(b, list)).toBe(49);
    expect(await grantedBeforeWait(other, list)).toBe(99);
  });

  const redisIt = process.env.REDIS_URL ? it : it.skip;
  redisIt('through Redis, limiters in two instances spend one budget', async () => {
    const namespace = `rh-test-${randomBytes(4).toString('hex')}`;
    const one = new Redis(process.env.REDIS_URL!);
    const two = new Redis(process.env.REDIS_URL!);
    try {
      const key = `hubspot:${randomBytes(4).toString('hex')}`;
      const a = new HubSpotRateLimiter({
        store: new RedisRollingWindowStore(one, namespace),
        key,
        max: 100,
        logger: quiet,
      });
      const b = new HubSpotRateLimiter({
        store: new RedisRollingWindowStore(two, namespace),
        key,
        max: 100,
        logger: quiet,
      });
      expect(await grantedBeforeWait(a, list, 60)).toBe(60);
      expect(await grantedBeforeWait(b, list)).toBe(39);
      const wait = await a.acquire(list());
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(10_100);
    } finally {
      one.disconnect();
      two.disconnect();
    }
  });
});
