import { Logger } from '@nestjs/common';
import axios, {
  AxiosHeaders,
  AxiosInstance,
  AxiosRequestConfig,
  AxiosResponse,
  isAxiosError,
} from 'axios';
import axiosRetry from 'axios-retry';
import type Redis from 'ioredis';
import {
  RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';

/** What to do with a failed request: the client's default rules, or a CRM's own `classifyError`. */
export type CrmErrorDecision = 'retry' | 'rate_limited_stop' | 'refresh_auth' | 'fatal';

export type HttpMethod = 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryParams = Record<
  string,
  string | number | boolean | null | undefined | readonly (string | number)[]
>;

export interface RateLimiterStoreFactory {
  create(opts: { points: number; duration: number; keyPrefix: string }): RateLimiterAbstract;
}

export interface GateRequest {
  method: HttpMethod;
  /** Path only, as in CrmHttpError.url. */
  path: string;
}

/**
 * Paces a CRM's requests by a budget the CRM defines (HubSpot's rolling ten seconds and its
 * rate-limit headers, for instance), where a fixed `rateLimit` is not enough.
 */
export interface RequestGate {
  /**
   * Before every attempt: 0 when the request may go out now (its slot is taken), else the ms to
   * wait before asking again; a wait longer than `maxRetryDelayMs` (Infinity: not today) stops
   * the run with CrmRateLimitedError.
   */
  acquire(req: GateRequest): Promise<number>;
  /**
   * Every response an attempt got, whatever its status (header names lower-case), with the
   * object `acquire` was given for that attempt. Must not throw.
   */
  observe?(
    req: GateRequest,
    res: { status: number; headers: Record<string, string>; data: unknown },
  ): Promise<void>;
}

export interface CrmHttpClientOptions {
  /** Provider name ('hubspot', 'callrail'...), used in error messages and logs. */
  provider: string;
  baseURL: string;
  /** Sent with every request; the engine passes its auth header here. */
  headers?: Record<string, string>;
  /** Per attempt, not for the whole request with its retries. Default 30000. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 5. */
  retries?: number;
  /** Backoff base: retry n waits a random time in [0, min(maxRetryDelayMs, base * 2^(n-1))]. Default 500. */
  retryBaseDelayMs?: number;
  /** Longest single wait (backoff, Retry-After or rate limiter); a longer one stops the run. Default 60000. */
  maxRetryDelayMs?: number;
  /** The CRM's budget, e.g. HubSpot 100 per 10 s: `{ points: 100, durationSeconds: 10, key: 'hubspot:<portal>' }`. */
  rateLimit?: { points: number; durationSeconds: number; key: string };
  /** Where the budget is counted. Default `memoryLimiterStore` (one budget per key in this process). */
  limiterStore?: RateLimiterStoreFactory;
  /** Paces requests instead of `rateLimit` when given. */
  gate?: RequestGate;
  /** CRM-specific rules; fall back to `defaultClassifyError` for the cases it does not know. */
  classifyError?: (err: CrmHttpError) => CrmErrorDecision;
  /** Returns fresh headers (e.g. a new Authorization) after a 401 classified 'refresh_auth'. */
  refreshAuth?: () => Promise<Record<string, string>>;
  /** Injectable so tests get deterministic jitter. Default Math.random. */
  random?: () => number;
  /** Backoff sleep, injectable so tests never wait. Rate-limiter waits always use real timers. */
  sleep?: (ms: number) => Promise<void>;
  logger?: Pick<Logger, 'warn' | 'debug'>;
}

export interface CrmRequestConfig {
  method?: HttpMethod;
  /** Path relative to baseURL; an absolute URL (a CRM's next-page link) is allowed. */
  url: string;
  params?: QueryParams;
  data?: unknown;
  headers?: Record<string, string>;
  /**
   * Overrides the method rule (GET, HEAD, OPTIONS, PUT and DELETE retry; POST and PATCH do not).
   * Set it on POST reads such as HubSpot search or a GraphQL query.
   */
  retryable?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface CrmResponse<T> {
  data: T;
  status: number;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
}

export interface CrmHttpStats {
  /** HTTP requests put on the wire, retries included. */
  requests: number;
  /** Requests sent again after a failed attempt (backoff retries and the retry after an auth refresh). */
  retries: number;
  /** Requests that had to wait for the rate limiter before going out. */
  rateLimitedWaits: number;
}

export interface CrmHttpErrorInit {
  provider: string;
  method: string;
  url: string;
  status?: number;
  code?: string;
  responseBody?: string;
  responseData?: unknown;
  retryAfterSeconds?: number;
  attempts: number;
  /** Shown after the colon of the default message when there is no response body. */
  detail?: string;
  message?: string;
}

const MAX_BODY_CHARS = 2048;
const MESSAGE_EXCERPT_CHARS = 300;

/**
 * A CRM call that finally failed. It never keeps the axios error as `cause`, because that error
 * holds the request config and so the Authorization header, and errors end up in logs.
 */
export class CrmHttpError extends Error {
  readonly provider: string;
  readonly method: string;
  /** Path only: the query string is dropped because some CRMs take API keys there. */
  readonly url: string;
  readonly status?: number;
  /** Network error code (ECONNREFUSED, ETIMEDOUT...) when no response arrived. */
  readonly code?: string;
  /** The first 2,048 characters of the response body. */
  readonly responseBody?: string;
  readonly retryAfterSeconds?: number;
  readonly attempts: number;
  /** The parsed body for classifiers; not enumerable so a logged error does not dump a large body. */
  declare readonly responseData?: unknown;

  constructor(init: CrmHttpErrorInit) {
    super(init.message ?? failureMessage(init));
    this.name = new.target.name;
    this.provider = init.provider;
    this.method = init.method;
    this.url = init.url;
    this.status = init.status;
    this.code = init.code;
    this.responseBody =
      init.responseBody !== undefined && init.responseBody.length > MAX_BODY_CHARS
        ? init.responseBody.slice(0, MAX_BODY_CHARS)
        : init.responseBody;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.attempts = init.attempts;
    Object.defineProperty(this, 'responseData', { value: init.responseData, enumerable: false });
  }
}

/** The CRM (or our own budget) said stop: the run should end cleanly and resume later. */
export class CrmRateLimitedError extends CrmHttpError {}

function failureMessage(init: CrmHttpErrorInit): string {
  const reason = init.status ?? init.code ?? 'an error';
  const attempts = `${init.attempts} attempt${init.attempts === 1 ? '' : 's'}`;
  const detail = (init.responseBody ?? init.detail ?? '').replace(/\s+/g, ' ').trim();
  const excerpt =
    detail.length > MESSAGE_EXCERPT_CHARS ? `${detail.slice(0, MESSAGE_EXCERPT_CHARS)}...` : detail;
  return `${init.provider} ${init.method} ${init.url} failed with ${reason} after ${attempts}${excerpt ? `: ${excerpt}` : ''}`;
}

/** Failures of the network that a later attempt can get past (not DNS misses or TLS failures). */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ERR_NETWORK',
]);

/**
 * Network failures, timeouts, 408, 429 and 5xx retry; 401 asks for fresh credentials; the rest is
 * fatal. CRM classifiers handle their special cases and delegate the rest here.
 */
export function defaultClassifyError(err: CrmHttpError): CrmErrorDecision {
  if (err.status === undefined) {
    return err.code !== undefined && TRANSIENT_CODES.has(err.code) ? 'retry' : 'fatal';
  }
  if (err.status === 401) return 'refresh_auth';
  if (err.status === 408 || err.status === 429 || err.status >= 500) return 'retry';
  return 'fatal';
}

/** Limiters are cached by prefix and size so that every client with the same key spends one budget. */
function cachedStore(build: (opts: LimiterOpts) => RateLimiterAbstract): RateLimiterStoreFactory {
  const limiters = new Map<string, RateLimiterAbstract>();
  return {
    create(opts) {
      const id = `${opts.keyPrefix}|${opts.points}|${opts.duration}`;
      let limiter = limiters.get(id);
      if (!limiter) {
        limiter = build(opts);
        limiters.set(id, limiter);
      }
      return limiter;
    },
  };
}

type LimiterOpts = Parameters<RateLimiterStoreFactory['create']>[0];

/** One budget per key within this process. */
export const memoryLimiterStore: RateLimiterStoreFactory = cachedStore(
  (opts) => new RateLimiterMemory(opts),
);

/**
 * One budget per key across every instance that shares the Redis. Pass AppConfig.REDIS_KEY_PREFIX
 * as namespace. While Redis is down each instance falls back to its own memory budget (as the API
 * rate limits do): syncs keep going, and a CRM 429 is retried if instances together overshoot.
 */
export function redisLimiterStore(redis: Redis, namespace = 'revops-hub'): RateLimiterStoreFactory {
  return cachedStore(
    (opts) =>
      new RateLimiterRedis({
        ...opts,
        keyPrefix: `${namespace}:${opts.keyPrefix}`,
        storeClient: redis,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(opts),
      }),
  );
}

/** A rate-limiter-flexible budget as a gate. */
function fixedWindowGate(store: RateLimiterAbstract, key: string): RequestGate {
  return {
    async acquire() {
      try {
        await store.consume(key);
        return 0;
      } catch (res) {
        if (res instanceof RateLimiterRes) return Math.max(1, res.msBeforeNext);
        throw res;
      }
    },
  };
}

const IDEMPOTENT_METHODS: ReadonlySet<HttpMethod> = new Set([
  'GET',
  'HEAD',
  'OPTIONS',
  'PUT',
  'DELETE',
]);

interface RequestState {
  method: HttpMethod;
  path: string;
  retryable: boolean;
  signal?: AbortSignal;
  attempts: number;
  refreshed: boolean;
  nextDelayMs: number;
  /** What the gate was asked for the current attempt; its response is shown to it as the same object. */
  gateRequest?: GateRequest;
}

/** The request's state travels in the axios config, so the response interceptor can find it. */
type StatefulConfig = AxiosRequestConfig & { crmState?: RequestState };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * HTTP client shared by the REST and GraphQL CRM engines; one instance per connection run.
 *
 * Retries (axios-retry): network failures, timeouts, 408, 429 and 5xx, as decided by
 * `classifyError` (default `defaultClassifyError`), and only for idempotent methods unless the
 * request says `retryable: true`. Each retry waits Retry-After when the CRM sends it, otherwise a
 * full-jitter exponential backoff, random in [0, min(maxRetryDelayMs, retryBaseDelayMs * 2^(n-1))],
 * because many engines backing off in step would hit the CRM together again.
 *
 * Stopping: a 'rate_limited_stop' decision, a 429 that is still failing after the retries, or any
 * wait longer than `maxRetryDelayMs` (a long Retry-After, an hourly budget spent) throws
 * CrmRateLimitedError without sleeping: a job should not hold a worker for an hour, the run ends
 * and resumes from its cursor later.
 *
 * Auth: a 401 classified 'refresh_auth' calls `refreshAuth` once for that request (concurrent
 * requests share one refresh), keeps the new headers for later requests and retries once.
 *
 * Rate limit: every attempt, retries included, first takes a token from `rateLimit` in the limiter
 * store. The limiters count fixed windows that open at the first request, so a burst at the end of
 * one window and the start of the next can briefly exceed a rolling limit: leave some headroom in
 * `points`, and the 429 that may follow is retried. A CRM with a rolling limit or rate-limit
 * headers passes a `gate` instead (HubSpot: a rolling window adjusted from its headers), which
 * also sees every response.
 *
 * Redirects are not followed (maxRedirects 0): the CRM APIs do not need them, and following one to
 * another host would send it the auth header. A 3xx fails as a fatal CrmHttpError, except 304,
 * which resolves so that conditional GETs (If-Modified-Since) can read it from `requestRaw`.
 * Array query params repeat the key (`properties=a&properties=b`), not axios' `properties[]=a`.
 */
export class CrmHttpClient {
  private readonly http: AxiosInstance;
  private readonly provider: string;
  private readonly timeoutMs: number;
  private readonly retryBaseDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly classify: (err: CrmHttpError) => CrmErrorDecision;
  private readonly refreshAuth?: () => Promise<Record<string, string>>;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly logger: Pick<Logger, 'warn' | 'debug'>;
  private readonly gate?: RequestGate;
  private headers: Record<string, string>;
  /** Bumped by each auth refresh, so a 401 on credentials already replaced does not refresh again. */
  private headersVersion = 0;
  private refreshing?: Promise<void>;
  private readonly counters: CrmHttpStats = { requests: 0, retries: 0, rateLimitedWaits: 0 };

  constructor(options: CrmHttpClientOptions) {
    this.provider = options.provider;
    this.headers = { ...options.headers };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 60_000;
    this.classify = options.classifyError ?? defaultClassifyError;
    this.refreshAuth = options.refreshAuth;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? realSleep;
    this.logger = options.logger ?? new Logger(CrmHttpClient.name);
    if (options.gate) {
      this.gate = options.gate;
    } else if (options.rateLimit) {
      const { points, durationSeconds, key } = options.rateLimit;
      const store = (options.limiterStore ?? memoryLimiterStore).create({
        points,
        duration: durationSeconds,
        keyPrefix: `crm-http:${points}/${durationSeconds}`,
      });
      this.gate = fixedWindowGate(store, key);
    }
    this.http = axios.create({
      baseURL: options.baseURL,
      maxRedirects: 0,
      validateStatus: (status) => (status >= 200 && status < 300) || status === 304,
      paramsSerializer: { indexes: null },
      // ETIMEDOUT rather than ECONNABORTED, which axios also uses for aborted requests.
      transitional: { clarifyTimeoutError: true },
    });
    // Before axios-retry's own interceptor, so the gate sees every attempt's response.
    this.http.interceptors.response.use(
      async (res) => {
        await this.observe(res.config, res.status, res.headers, res.data);
        return res;
      },
      async (error: unknown) => {
        if (isAxiosError(error) && error.response) {
          const res = error.response;
          await this.observe(res.config ?? error.config, res.status, res.headers, res.data);
        }
        throw error;
      },
    );
    axiosRetry(this.http, {
      retries: options.retries ?? 5,
      // Each retry gets the full timeout; the wait happens in onRetry with the injectable sleep.
      shouldResetTimeout: true,
      retryDelay: () => 0,
      retryCondition: () => false,
    });
  }

  get stats(): CrmHttpStats {
    return { ...this.counters };
  }

  async get<T>(
    path: string,
    params?: QueryParams,
    config?: Omit<CrmRequestConfig, 'method' | 'url' | 'params'>,
  ): Promise<T> {
    return this.request<T>({ ...config, method: 'GET', url: path, params });
  }

  async post<T>(
    path: string,
    body: unknown,
    config?: Omit<CrmRequestConfig, 'method' | 'url' | 'data'>,
  ): Promise<T> {
    return this.request<T>({ ...config, method: 'POST', url: path, data: body });
  }

  async request<T>(config: CrmRequestConfig): Promise<T> {
    return (await this.requestRaw<T>(config)).data;
  }

  async requestRaw<T>(config: CrmRequestConfig): Promise<CrmResponse<T>> {
    const method = config.method ?? 'GET';
    const state: RequestState = {
      method,
      path: pathOf(config.url),
      retryable: config.retryable ?? IDEMPOTENT_METHODS.has(method),
      signal: config.signal,
      attempts: 0,
      refreshed: false,
      nextDelayMs: 0,
    };
    for (;;) {
      const headersVersion = this.headersVersion;
      try {
        await this.acquire(state);
        const request: StatefulConfig = {
          method,
          url: config.url,
          params: config.params,
          data: config.data,
          headers: mergeHeaders(this.headers, config.headers),
          timeout: config.timeoutMs ?? this.timeoutMs,
          signal: config.signal,
          crmState: state,
          'axios-retry': {
            retryCondition: (error) => this.shouldRetry(error, state),
            onRetry: (_count, error) => this.beforeRetry(error, state),
          },
        };
        const res = await this.http.request<T, AxiosResponse<T>>(request);
        return { data: res.data, status: res.status, headers: flattenHeaders(res.headers) };
      } catch (error) {
        // Already final: thrown by the limiter, possibly from inside a retry.
        if (error instanceof CrmHttpError) throw error;
        const init = this.describe(error, state);
        const decision = this.classify(new CrmHttpError(init));
        if (decision === 'refresh_auth' && this.refreshAuth && !state.refreshed) {
          state.refreshed = true;
          await this.refreshHeaders(headersVersion, init);
          this.counters.retries++;
          continue;
        }
        if (decision === 'rate_limited_stop' || (decision === 'retry' && this.mustWait(init))) {
          throw new CrmRateLimitedError(init);
        }
        throw new CrmHttpError(init);
      }
    }
  }

  /** A retryable failure we gave up on because the CRM wants us to hold off (longer than we sleep). */
  private mustWait(init: CrmHttpErrorInit): boolean {
    return (
      init.status === 429 ||
      (init.retryAfterSeconds !== undefined && init.retryAfterSeconds * 1000 > this.maxRetryDelayMs)
    );
  }

  private shouldRetry(error: unknown, state: RequestState): boolean {
    if (!state.retryable || state.signal?.aborted) return false;
    const err = new CrmHttpError(this.describe(error, state));
    if (this.classify(err) !== 'retry') return false;
    const cap = Math.min(this.maxRetryDelayMs, this.retryBaseDelayMs * 2 ** (state.attempts - 1));
    const delay =
      err.retryAfterSeconds !== undefined
        ? err.retryAfterSeconds * 1000
        : Math.floor(this.random() * cap);
    if (delay > this.maxRetryDelayMs) return false;
    state.nextDelayMs = delay;
    return true;
  }

  private async beforeRetry(error: unknown, state: RequestState): Promise<void> {
    const { status, code } = this.describe(error, state);
    this.logger.warn(
      {
        provider: this.provider,
        method: state.method,
        path: state.path,
        attempt: state.attempts,
        status,
        code,
        delayMs: state.nextDelayMs,
      },
      `${this.provider} request failed; retrying`,
    );
    this.counters.retries++;
    await this.sleep(state.nextDelayMs);
    await this.acquire(state);
  }

  /**
   * Waits for the gate's go-ahead. A loop rather than RateLimiterQueue, because the stop rule
   * needs the wait and the wait count needs to know that a request waited.
   */
  private async acquire(state: RequestState): Promise<void> {
    if (this.gate) {
      const req: GateRequest = { method: state.method, path: state.path };
      state.gateRequest = req;
      let waited = false;
      for (;;) {
        let waitMs: number;
        try {
          waitMs = await this.gate.acquire(req);
        } catch (err) {
          throw new CrmHttpError({
            ...this.baseInit(state),
            code: 'RATE_LIMITER_UNAVAILABLE',
            detail: err instanceof Error ? err.message : String(err),
          });
        }
        if (waitMs <= 0) break;
        if (waitMs > this.maxRetryDelayMs) {
          const retryAfterSeconds = Number.isFinite(waitMs) ? Math.ceil(waitMs / 1000) : undefined;
          throw new CrmRateLimitedError({
            ...this.baseInit(state),
            retryAfterSeconds,
            message: `${this.provider} ${state.method} ${state.path} stopped: request budget spent${
              retryAfterSeconds === undefined ? '' : `, next request in ${retryAfterSeconds} s`
            }`,
          });
        }
        if (!waited) {
          waited = true;
          this.counters.rateLimitedWaits++;
          this.logger.debug(
            { provider: this.provider, path: state.path, waitMs },
            `${this.provider} request budget spent; waiting`,
          );
        }
        await realSleep(waitMs);
      }
    }
    state.attempts++;
    this.counters.requests++;
  }

  private async observe(
    config: { method?: string; url?: string } | undefined,
    status: number,
    headers: unknown,
    data: unknown,
  ): Promise<void> {
    if (!this.gate?.observe) return;
    const req: GateRequest = (config as StatefulConfig | undefined)?.crmState?.gateRequest ?? {
      method: (config?.method ?? 'get').toUpperCase() as HttpMethod,
      path: pathOf(config?.url ?? ''),
    };
    try {
      await this.gate.observe(req, { status, headers: flattenHeaders(headers), data });
    } catch (err) {
      this.logger.warn({ provider: this.provider, path: req.path, err }, 'Rate gate failed');
    }
  }

  private async refreshHeaders(usedVersion: number, init: CrmHttpErrorInit): Promise<void> {
    const refreshAuth = this.refreshAuth;
    if (!refreshAuth || usedVersion !== this.headersVersion) return;
    this.refreshing ??= refreshAuth()
      .then((fresh) => {
        this.headers = mergeHeaders(this.headers, fresh);
        this.headersVersion++;
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    try {
      await this.refreshing;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CrmHttpError({
        ...init,
        message: `${failureMessage(init)}; refreshing credentials failed: ${reason}`,
      });
    }
  }

  private baseInit(state: RequestState): CrmHttpErrorInit {
    return {
      provider: this.provider,
      method: state.method,
      url: state.path,
      attempts: state.attempts,
    };
  }

  private describe(error: unknown, state: RequestState): CrmHttpErrorInit {
    const init = this.baseInit(state);
    if (!isAxiosError(error)) {
      return { ...init, detail: error instanceof Error ? error.message : String(error) };
    }
    const res = error.response;
    if (!res) return { ...init, code: error.code, detail: error.message };
    return {
      ...init,
      status: res.status,
      responseBody: bodyText(res.data),
      responseData: res.data,
      retryAfterSeconds: parseRetryAfter(flattenHeaders(res.headers)['retry-after'], Date.now()),
    };
  }
}

/** Seconds to wait from a Retry-After header (delta-seconds or HTTP date), rounded up. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed));
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

function pathOf(url: string): string {
  if (/^[a-z][a-z\d+.-]*:\/\//i.test(url)) {
    try {
      return new URL(url).pathname;
    } catch {
      // Not a parseable URL after all: strip the query below.
    }
  }
  return url.split(/[?#]/, 1)[0];
}

/** Header names are case-insensitive: a refreshed 'authorization' must replace 'Authorization'. */
function mergeHeaders(
  base: Record<string, string>,
  override: Record<string, string> = {},
): Record<string, string> {
  const replaced = new Set(Object.keys(override).map((name) => name.toLowerCase()));
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (!replaced.has(name.toLowerCase())) merged[name] = value;
  }
  return { ...merged, ...override };
}

function flattenHeaders(headers: unknown): Record<string, string> {
  const source = headers instanceof AxiosHeaders ? headers.toJSON() : headers;
  const flat: Record<string, string> = {};
  if (source === null || typeof source !== 'object') return flat;
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || value === null) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return flat;
}

function bodyText(data: unknown): string | undefined {
  if (data === undefined || data === null || data === '') return undefined;
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  try {
    return JSON.stringify(data);
  } catch {
    return String(data);
  }
}
