import { Logger } from '@nestjs/common';
import type { GateRequest, RequestGate } from '../../http/crm-http.client';
import type { RollingWindowStore } from '../../http/rolling-window';

/** HubSpot's documented burst window; the headers confirm or change it. */
export const HUBSPOT_INTERVAL_MS = 10_000;
/** Documented burst limits: 100 (Free, Starter) or 190 (Professional, Enterprise) per 10 s. */
export const HUBSPOT_DEFAULT_MAX = 100;
/** The CRM search endpoints: 5 requests per second per account, and no rate-limit headers. */
export const HUBSPOT_SEARCH_PER_SECOND = 5;

export interface HubSpotRateLimiterOptions {
  store: RollingWindowStore;
  /** The budget's key: one HubSpot account, i.e. one connection. */
  key: string;
  /** Requests per interval until the headers say otherwise. Default 100. */
  max?: number;
  searchPerSecond?: number;
  /** The clock of the store (tests). Default Date.now. */
  now?: () => number;
  logger?: Pick<Logger, 'log' | 'warn'>;
}

export interface HubSpotBudget {
  max: number;
  intervalMs: number;
  /** The day's requests left, as last reported (private apps only; OAuth apps have no daily limit). */
  dailyRemaining?: number;
}

/**
 * The request budget of one HubSpot account, shared by every run of the connection (and, through
 * a Redis store, by every instance): a rolling window seeded from the documented limit and
 * adjusted from the X-HubSpot-RateLimit-* headers. `Max` and `Interval-Milliseconds` replace the
 * budget (an account on 190 per 10 s is used at that rate); `Remaining` lower than our own count
 * (other apps of the account spend the same budget) marks the difference as used; a TEN_SECONDLY
 * 429 marks the window full, so the retry waits for the first slot to free. A DAILY 429 is not
 * waited for: the engine's classifier stops the run as rate-limited, and the next run probes
 * with one request (`Daily-Remaining` is only reported). The deprecated `Secondly` headers are
 * not enforced by HubSpot any more, so they are not used.
 *
 * Margins: the window is counted 1% (at least 100 ms) longer than HubSpot's and, above 10
 * requests, one request short, because HubSpot counts a request when it arrives, a little after
 * we send it; that keeps a sustained sync at about 98% of the account's limit without 429s.
 */
export class HubSpotRateLimiter implements RequestGate {
  private current: HubSpotBudget;
  private readonly searchPerSecond: number;
  private readonly logger: Pick<Logger, 'log' | 'warn'>;
  private readonly now: () => number;
  /** Search requests already holding a search slot while they wait for a burst slot. */
  private readonly searchHeld = new WeakSet<GateRequest>();
  /** When each request got its slot: the headers of its response describe that moment. */
  private readonly sentAt = new WeakMap<GateRequest, number>();

  constructor(private readonly options: HubSpotRateLimiterOptions) {
    this.current = { max: options.max ?? HUBSPOT_DEFAULT_MAX, intervalMs: HUBSPOT_INTERVAL_MS };
    this.searchPerSecond = options.searchPerSecond ?? HUBSPOT_SEARCH_PER_SECOND;
    this.logger = options.logger ?? new Logger(HubSpotRateLimiter.name);
    this.now = options.now ?? Date.now;
  }

  /** What the limiter currently believes the account allows. */
  get budget(): Readonly<HubSpotBudget> {
    return this.current;
  }

  async acquire(req: GateRequest): Promise<number> {
    if (isSearch(req) && !this.searchHeld.has(req)) {
      const wait = await this.options.store.take(
        this.searchKey,
        this.searchPerSecond,
        windowOf(1000),
      );
      if (wait > 0) return wait;
      this.searchHeld.add(req);
    }
    const { points, windowMs } = this.burst();
    const wait = await this.options.store.take(this.burstKey, points, windowMs);
    if (wait === 0) this.sentAt.set(req, this.now());
    return wait;
  }

  async observe(
    req: GateRequest,
    res: { status: number; headers: Record<string, string>; data: unknown },
  ): Promise<void> {
    const h = res.headers;
    const max = count(h['x-hubspot-ratelimit-max']);
    const intervalMs = count(h['x-hubspot-ratelimit-interval-milliseconds']);
    if (max && intervalMs && (max !== this.current.max || intervalMs !== this.current.intervalMs)) {
      this.logger.log(
        { key: this.options.key, max, interval_ms: intervalMs },
        `HubSpot account allows ${max} requests per ${intervalMs} ms`,
      );
      this.current = { ...this.current, max, intervalMs };
    }
    const daily = count(h['x-hubspot-ratelimit-daily-remaining']);
    if (daily !== undefined) this.current = { ...this.current, dailyRemaining: daily };
    const remaining = count(h['x-hubspot-ratelimit-remaining']);
    if (remaining !== undefined && remaining < this.current.max) {
      const { points, windowMs } = this.burst();
      const sent = this.sentAt.get(req);
      await this.options.store.fill(
        this.burstKey,
        Math.min(points, this.current.max - remaining),
        windowMs,
        sent === undefined ? 0 : this.now() - sent,
      );
    }
    if (res.status === 429) await this.limited(res.data);
  }

  private async limited(data: unknown): Promise<void> {
    const body = (data ?? {}) as { policyName?: unknown; message?: unknown };
    if (body.policyName === 'DAILY') return;
    if (body.policyName === 'SECONDLY' || body.message === SECONDLY_MESSAGE) {
      await this.options.store.fill(this.searchKey, this.searchPerSecond, windowOf(1000));
    } else {
      const { points, windowMs } = this.burst();
      await this.options.store.fill(this.burstKey, points, windowMs);
    }
  }

  private burst(): { points: number; windowMs: number } {
    const { max, intervalMs } = this.current;
    return { points: max > 10 ? max - 1 : max, windowMs: windowOf(intervalMs) };
  }

  private get burstKey(): string {
    return `${this.options.key}:burst`;
  }

  private get searchKey(): string {
    return `${this.options.key}:search`;
  }
}

/** The search API's 429 message (the official clients match on it). */
export const SECONDLY_MESSAGE = 'You have reached your secondly limit.';

const windowOf = (intervalMs: number) => intervalMs + Math.max(100, Math.ceil(intervalMs / 100));

const isSearch = (req: GateRequest) => req.method === 'POST' && req.path.endsWith('/search');

function count(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}
