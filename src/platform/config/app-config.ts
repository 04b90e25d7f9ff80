import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === ''
    ? undefined
    : ['1', 'true', 'yes', 'on'].includes(String(value).toLowerCase());
const toNumber = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

export const TIERS = ['growth', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];

/**
 * Every environment variable the service reads, validated once at boot.
 * Nothing else in the code base touches process.env (see docs/ARCHITECTURE.md).
 */
export class AppConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /** PostgreSQL connection string; when absent the embedded database in DATA_DIR is used. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, {
    message: 'DATABASE_URL must start with postgres:// or postgresql://',
  })
  DATABASE_URL?: string;

  @Transform(toNumber)
  @IsInt()
  @Min(2)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** Directory of the embedded database and of generated local keys. `memory://` keeps it in memory. */
  @IsString()
  DATA_DIR = './data';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must start with redis:// or rediss://' })
  REDIS_URL?: string;

  /** Prefix of every Redis key this service writes (rate-limit counters), so instances of one deployment share them. */
  @IsString()
  @Matches(/^[A-Za-z0-9:_-]{1,64}$/, {
    message: 'REDIS_KEY_PREFIX must be 1-64 characters of A-Z a-z 0-9 : _ -',
  })
  REDIS_KEY_PREFIX = 'revops-hub';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** 32 bytes, base64: key for secrets encrypted at rest. Generated into DATA_DIR when absent. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, {
    message: 'ENCRYPTION_KEY must be 32 bytes in base64 (openssl rand -base64 32)',
  })
  ENCRYPTION_KEY?: string;

  /** PEM of an EC P-256 private key for ES256 tokens. Generated once and stored encrypted when absent. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/-----BEGIN (EC )?PRIVATE KEY-----/, {
    message: 'JWT_PRIVATE_KEY must be a PEM private key',
  })
  JWT_PRIVATE_KEY?: string;

  @IsString()
  JWT_ISSUER = 'revops-hub';

  @IsString()
  JWT_AUDIENCE = 'revops-hub-api';

  @Transform(toNumber)
  @IsInt()
  @Min(60)
  @Max(86400)
  TOKEN_TTL_SECONDS = 3600;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{3,64}$/, {
    message: 'BOOTSTRAP_CLIENT_ID must be 3-64 characters of A-Z a-z 0-9 _ . -',
  })
  BOOTSTRAP_CLIENT_ID?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'BOOTSTRAP_CLIENT_SECRET must be at least 16 characters' })
  BOOTSTRAP_CLIENT_SECRET?: string;

  @IsIn(TIERS)
  BOOTSTRAP_TIER: Tier = 'enterprise';

  /** Load the demo data set: defaults to true on a new embedded database, false on DATABASE_URL. */
  @Transform(toBool)
  @IsOptional()
  @IsBoolean()
  DEMO_DATA?: boolean;

  /** Largest accepted request body in bytes. */
  @Transform(toNumber)
  @IsInt()
  @Min(1024)
  MAX_BODY_BYTES = 1024 * 1024;

  /** Trust X-Forwarded-For from a reverse proxy (for per-IP limits of unauthenticated routes). */
  @Transform(toBool)
  @IsBoolean()
  TRUST_PROXY = false;

  /** Run job workers and cron schedules in this process (turn off for API-only replicas). */
  @Transform(toBool)
  @IsBoolean()
  JOBS_ENABLED = true;

  /** How often idle job workers look for new jobs, in seconds (pg-boss polling; minimum 0.5). */
  @Transform(toNumber)
  @Min(0.5)
  @Max(60)
  JOBS_POLL_INTERVAL_SECONDS = 2;

  /** Hosts exempt from the private-address rule for webhook URLs (comma list), e.g. 127.0.0.1,localhost. */
  @Transform(({ value }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((h) => h.trim())
          .filter(Boolean)
      : value,
  )
  @IsString({ each: true })
  WEBHOOK_ALLOWED_HOSTS: string[] = [];

  /** Seconds between webhook delivery attempts (comma list; its length is the number of retries). */
  @Transform(({ value }) =>
    typeof value === 'string' ? value.split(',').map((s) => Number(s.trim())) : value,
  )
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { each: true, message: 'WEBHOOK_RETRY_SCHEDULE must be a comma list of seconds' },
  )
  @Min(0, { each: true })
  WEBHOOK_RETRY_SCHEDULE: number[] = [5, 300, 1800, 7200, 18000, 36000, 36000];

  /** How long a webhook receiver has to answer, in milliseconds. */
  @Transform(toNumber)
  @IsInt()
  @Min(100)
  @Max(120_000)
  WEBHOOK_TIMEOUT_MS = 15_000;

  /** An endpoint failing this long without one success is disabled, in seconds (default 5 days). */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  WEBHOOK_DISABLE_AFTER_SECONDS = 5 * 86_400;

  /** How often an idle delivery worker looks for new events, in milliseconds (it is also woken on commit). */
  @Transform(toNumber)
  @IsInt()
  @Min(10)
  @Max(60_000)
  WEBHOOK_POLL_INTERVAL_MS = 500;

  /** Requests in flight at once per instance. */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(1000)
  WEBHOOK_CONCURRENCY = 64;

  get usesEmbeddedDatabase(): boolean {
    return !this.DATABASE_URL;
  }

  get isTest(): boolean {
    return this.NODE_ENV === 'test';
  }
}

export class ConfigValidationError extends Error {}

/** Parses and validates an environment; throws one readable error listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const known = Object.keys(new AppConfig()).concat([
    'DATABASE_URL',
    'REDIS_URL',
    'ENCRYPTION_KEY',
    'JWT_PRIVATE_KEY',
    'BOOTSTRAP_CLIENT_ID',
    'BOOTSTRAP_CLIENT_SECRET',
    'DEMO_DATA',
  ]);
  const picked: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined) picked[key] = value;
  }
  const config = plainToInstance(AppConfig, picked, { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false });
  const problems = errors.flatMap((e) => Object.values(e.constraints ?? {}));
  if (config.BOOTSTRAP_CLIENT_ID && !config.BOOTSTRAP_CLIENT_SECRET) {
    problems.push('BOOTSTRAP_CLIENT_SECRET is required when BOOTSTRAP_CLIENT_ID is set');
  }
  if (problems.length > 0) {
    throw new ConfigValidationError(
      `Invalid environment variables:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return config;
}
