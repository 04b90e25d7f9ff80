import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../../../platform/config/app-config';
import { memoryLimiterStore, RateLimiterStoreFactory, redisLimiterStore } from './crm-http.client';
import {
  MemoryRollingWindowStore,
  RedisRollingWindowStore,
  RollingWindowStore,
} from './rolling-window';

/**
 * Where the engines count their CRM request budgets: in this process, or in Redis when REDIS_URL
 * is set, so that every instance of the service spends one budget per connection. Also keeps one
 * gate per connection in this process, so that the runs of all a connection's entities share it
 * (and what it learned from the CRM's headers).
 */
@Injectable()
export class RequestBudgetService implements OnModuleDestroy {
  private readonly logger = new Logger(RequestBudgetService.name);
  private readonly redis?: Redis;
  /** Rolling windows (HubSpot). */
  readonly rolling: RollingWindowStore;
  /** Fixed windows of rate-limiter-flexible (`CrmHttpClientOptions.limiterStore`). */
  readonly fixed: RateLimiterStoreFactory;
  private readonly gates = new Map<string, unknown>();
  private warnedFallback = false;

  constructor(config: AppConfig) {
    if (config.REDIS_URL) {
      this.redis = new Redis(config.REDIS_URL, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
      });
      this.redis.on('error', (err) =>
        this.logger.warn({ err }, 'Redis error: CRM request budgets fall back to memory'),
      );
      this.rolling = new RedisRollingWindowStore(this.redis, config.REDIS_KEY_PREFIX, (err) => {
        if (this.warnedFallback) return;
        this.warnedFallback = true;
        this.logger.warn({ err }, 'Redis unavailable: CRM request budgets counted in memory');
      });
      this.fixed = redisLimiterStore(this.redis, config.REDIS_KEY_PREFIX);
    } else {
      this.rolling = new MemoryRollingWindowStore();
      this.fixed = memoryLimiterStore;
    }
  }

  get store(): 'redis' | 'memory' {
    return this.redis ? 'redis' : 'memory';
  }

  /** The gate kept under `key` in this process, created on first use. */
  shared<T>(key: string, create: () => T): T {
    let gate = this.gates.get(key) as T | undefined;
    if (gate === undefined) {
      gate = create();
      this.gates.set(key, gate);
    }
    return gate;
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}
