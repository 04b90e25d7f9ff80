import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { SyncEngine } from '../../src/modules/sync/engine/sync-engine';
import { withDatabase } from './databases';

/**
 * A real Genius-shaped database on the local PostgreSQL server for the Genius engine's tests
 * (the RevOps Hub app itself runs on whatever the test run uses: embedded or DATABASE_URL).
 */
export const GENIUS_ADMIN_URL =
  process.env.GENIUS_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** jest needs to know synchronously whether to run a suite: probe the server in a child. */
export function geniusServerReachable(): boolean {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const { Client } = require('pg');
       const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
       c.connect().then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`,
      GENIUS_ADMIN_URL,
    ],
    { cwd: process.cwd(), timeout: 10_000 },
  );
  const ok = probe.status === 0;
  if (!ok) {
    console.warn(
      `Genius e2e skipped: no PostgreSQL server at ${GENIUS_ADMIN_URL.replace(/:[^:@/]*@/, ':***@')} ` +
        '(set GENIUS_TEST_URL to one) to hold the fake Genius database',
    );
  }
  return ok;
}

export interface GeniusDatabase {
  url: string;
  client: Client;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: GENIUS_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh database holding `schema` (DDL and seed rows), with a client connected to it. */
export async function createGeniusDatabase(schema: string): Promise<GeniusDatabase> {
  const name = `genius_t_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(GENIUS_ADMIN_URL, name);
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(schema);
  return {
    url,
    client,
    drop: async () => {
      await client.end().catch(() => undefined);
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * Runs `between` once, right after the engine's first batch was committed (the runner commits a
 * batch before asking for the next): a change "while the sync runs" at a known point, not after
 * a sleep. Call the returned function to restore the engine.
 */
export function afterFirstBatch(engine: SyncEngine, between: () => Promise<unknown>): () => void {
  const fetch = engine.fetch.bind(engine);
  const spy = jest.spyOn(engine, 'fetch').mockImplementation(async function* (ctx) {
    let batches = 0;
    for await (const batch of fetch(ctx)) {
      yield batch;
      if (++batches === 1) await between();
    }
  });
  return () => spy.mockRestore();
}
