import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/platform/config/app-config';

/** Nearest-rank percentile of a list of numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const fmt = (n: number, digits = 1) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * The application as production builds it, on a fresh database: a new PostgreSQL database when
 * DATABASE_URL is set (dropped afterwards), else a new in-memory embedded one.
 */
export async function startBenchApp(env: Record<string, string>) {
  let dropDatabase: (() => Promise<void>) | undefined;
  let url: string | undefined;
  if (process.env.DATABASE_URL) {
    const name = `rh_bench_${randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(process.env.DATABASE_URL);
    u.pathname = `/${name}`;
    url = u.toString();
    dropDatabase = async () => {
      const c = new Client({ connectionString: process.env.DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  const config = loadConfig({
    LOG_LEVEL: 'error',
    DATA_DIR: 'memory://',
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ...(url ? { DATABASE_URL: url } : {}),
    ...env,
  });
  const app = await createApp(config);
  await app.init();
  return {
    app,
    database: url ? 'PostgreSQL' : 'embedded (PGlite)',
    close: async () => {
      await app.close();
      await dropDatabase?.();
    },
  };
}
