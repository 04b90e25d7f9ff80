import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import {
  RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { AppConfig, Tier } from '../config/app-config';
import { AppException } from '../http/app.exception';

/** The tiers of the API document: requests per hour, and the burst allowed within one minute. */
export const TIER_LIMITS: Record<Tier, { perHour: number; burst: number }> = {
  growth: { perHour: 1_000, burst: 100 },
  enterprise: { perHour: 10_000, burst: 500 },
};
export const BURST_WINDOW_SECONDS = 60;

export interface LimitCheck {
  /** The limiter reported in the X-RateLimit-* headers. */
  points: number;
  durationSeconds: number;
  key: string;
}

export interface LimitState {
  limit: number;
  remaining: number;
  /** Unix seconds at which the reported window resets. */
  reset: number;
}

/**
 * Counts requests with rate-limiter-flexible: in memory by default, in Redis when REDIS_URL is set
 * so that every instance spends one budget (with an in-memory insurance limiter if Redis fails).
 */
@Injectable()
export class RateLimitService implements OnModuleDestroy {
  private readonly logger = new Logger(RateLimitService.name);
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  private readonly redis?: Redis;

  constructor(private readonly config: AppConfig) {
    if (config.REDIS_URL) {
      this.redis = new Redis(config.REDIS_URL, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        lazyConnect: false,
      });
      this.redis.on('error', (err) =>
        this.logger.warn({ err }, 'Redis error: rate limits fall back to memory'),
      );
    }
  }

  get store(): 'redis' | 'memory' {
    return this.redis ? 'redis' : 'memory';
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }

  /**
   * Consumes one point from each limiter, the reported one last. Throws RATE_LIMITED (with
   * Retry-After and the X-RateLimit headers) when any of them is spent; returns the header values.
   */
  async consume(checks: LimitCheck[], reported: LimitCheck): Promise<LimitState> {
    for (const check of checks) {
      if (check === reported) continue;
      try {
        await this.limiter(check).consume(check.key);
      } catch (res) {
        const state = await this.peek(reported);
        throw this.limited(res, state, check);
      }
    }
    try {
      const res = await this.limiter(reported).consume(reported.key);
      return this.state(reported, res);
    } catch (res) {
      const state =
        res instanceof RateLimiterRes ? this.state(reported, res) : await this.peek(reported);
      throw this.limited(res, state, reported);
    }
  }

  private async peek(check: LimitCheck): Promise<LimitState> {
    const res = await this.limiter(check)
      .get(check.key)
      .catch(() => null);
    return res
      ? this.state(check, res)
      : {
          limit: check.points,
          remaining: check.points,
          reset: Math.ceil(Date.now() / 1000) + check.durationSeconds,
        };
  }

  private state(check: LimitCheck, res: RateLimiterRes): LimitState {
    return {
      limit: check.points,
      remaining: Math.max(0, check.points - res.consumedPoints),
      reset: Math.ceil((Date.now() + res.msBeforeNext) / 1000),
    };
  }

  private limited(res: unknown, state: LimitState, check: LimitCheck): AppException {
    if (!(res instanceof RateLimiterRes)) {
      this.logger.error({ err: res }, 'Rate limiter failed');
      return new AppException('SERVER_ERROR', 'Internal server error');
    }
    const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    return new AppException(
      'RATE_LIMITED',
      `Rate limit of ${check.points} requests per ${describe(check.durationSeconds)} exceeded; retry in ${retryAfter} s`,
      [],
      { 'Retry-After': String(retryAfter), ...headers(state) },
    );
  }

  private limiter(check: LimitCheck): RateLimiterAbstract {
    const id = `${check.points}/${check.durationSeconds}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      const options = {
        points: check.points,
        duration: check.durationSeconds,
        keyPrefix: `${this.config.REDIS_KEY_PREFIX}:rl:${id}`,
      };
      limiter = this.redis
        ? new RateLimiterRedis({
            ...options,
            storeClient: this.redis,
            insuranceLimiter: new RateLimiterMemory(options),
          })
        : new RateLimiterMemory(options);
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}

export function headers(state: LimitState): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(state.limit),
    'X-RateLimit-Remaining': String(state.remaining),
    'X-RateLimit-Reset': String(state.reset),
  };
}

const describe = (seconds: number) =>
  seconds === 3600 ? 'hour' : seconds === 60 ? 'minute' : `${seconds} s`;
