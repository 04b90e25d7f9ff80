import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';

/**
 * A rolling (sliding-log) request budget: at most `points` requests in any `windowMs`. Unlike a
 * fixed window it never lets a burst at the end of one window and the start of the next exceed
 * the limit, so a client can run right up to a CRM's rolling limit (HubSpot's ten seconds).
 */
export interface RollingWindowStore {
  /** Takes one slot of `key`: 0 when taken, else the ms until one frees (nothing is taken). */
  take(key: string, points: number, windowMs: number): Promise<number>;
  /**
   * Marks slots as used until `used` are counted in the window as it was `ageMs` ago (when the
   * request whose response reported it was sent): the CRM says more requests were made than we
   * counted (other apps on the same account, another deployment). Counting at the send time
   * keeps a response read late, after some of our slots expired, from inventing usage.
   */
  fill(key: string, used: number, windowMs: number, ageMs?: number): Promise<void>;
}

/** One process: the window of each key as a sorted list of request times. */
export class MemoryRollingWindowStore implements RollingWindowStore {
  private readonly windows = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  async take(key: string, points: number, windowMs: number): Promise<number> {
    const now = this.now();
    const times = this.window(key, now, windowMs);
    if (times.length < points) {
      times.push(now);
      return 0;
    }
    // The slot frees when enough of the oldest requests have left the window.
    return Math.max(1, times[times.length - points] + windowMs - now);
  }

  async fill(key: string, used: number, windowMs: number, ageMs = 0): Promise<void> {
    const now = this.now();
    const at = now - Math.max(0, ageMs);
    const times = this.window(key, at, windowMs);
    let end = times.length;
    while (end > 0 && times[end - 1] > at) end--;
    const missing = used - end;
    if (missing > 0) times.splice(end, 0, ...new Array<number>(missing).fill(at));
  }

  private window(key: string, now: number, windowMs: number): number[] {
    let times = this.windows.get(key);
    if (!times) {
      times = [];
      this.windows.set(key, times);
    }
    let expired = 0;
    while (expired < times.length && times[expired] <= now - windowMs) expired++;
    if (expired) times.splice(0, expired);
    return times;
  }
}

/**
 * `at` is the moment the window is looked at (now, or when a request was sent: ARGV[4] ms ago);
 * times that left it are dropped and the rest counted. Times from the Redis server's clock.
 */
const WINDOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
local at = now - tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', at - window)
local n = redis.call('ZCOUNT', KEYS[1], '-inf', at)`;

/** ARGV: points, window ms, member, 0. 0 when taken, else the ms until a slot frees. */
const TAKE = `${WINDOW}
local points = tonumber(ARGV[1])
if n < points then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], n - points, n - points, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)`;

/** ARGV: used, window ms, member prefix, age ms. */
const FILL = `${WINDOW}
for i = n + 1, tonumber(ARGV[1]) do
  redis.call('ZADD', KEYS[1], at, ARGV[3] .. ':' .. i)
end
redis.call('PEXPIRE', KEYS[1], window)
return 0`;

/**
 * Every instance that shares the Redis spends one budget: each key is a sorted set of request
 * times, read and written atomically by a script, timed by the Redis server's clock so that the
 * instances' clocks do not matter. While Redis is unreachable each instance falls back to its own
 * memory window (syncs go on; a 429 from overshooting together is retried).
 */
export class RedisRollingWindowStore implements RollingWindowStore {
  private readonly fallback = new MemoryRollingWindowStore();

  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly onFallback: (err: unknown) => void = () => undefined,
  ) {}

  async take(key: string, points: number, windowMs: number): Promise<number> {
    try {
      const wait = await this.redis.eval(TAKE, 1, this.key(key), points, windowMs, member(), 0);
      return Number(wait);
    } catch (err) {
      this.onFallback(err);
      return this.fallback.take(key, points, windowMs);
    }
  }

  async fill(key: string, used: number, windowMs: number, ageMs = 0): Promise<void> {
    const age = Math.max(0, Math.round(ageMs));
    try {
      await this.redis.eval(FILL, 1, this.key(key), used, windowMs, member(), age);
    } catch (err) {
      this.onFallback(err);
      await this.fallback.fill(key, used, windowMs, age);
    }
  }

  private key(key: string): string {
    return `${this.namespace}:rolling:${key}`;
  }
}

/** Sorted-set members must differ even for requests made in the same millisecond. */
const member = () => randomBytes(8).toString('hex');
