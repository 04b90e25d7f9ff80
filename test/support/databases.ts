import { PGlite } from '@electric-sql/pglite';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../../src/platform/config/app-config';
import {
  buildEmbeddedTemplate,
  installSchema,
} from '../../src/platform/database/embedded-template';

/**
 * Test databases are built by the real migrations, once per test run, into a template: a
 * PostgreSQL template database when DATABASE_URL is set, else a PGlite data-directory dump. Each
 * suite then gets its own copy in a few hundred milliseconds.
 */
export const CACHE_DIR = join(__dirname, '..', '..', '.test-cache');
const PGLITE_DUMP = join(CACHE_DIR, 'pglite-template.tar.gz');
const TEMPLATE_NAME_FILE = join(CACHE_DIR, 'pg-template-name');

export const serverUrl = (): string | undefined => process.env.DATABASE_URL || undefined;

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function buildTemplates(): Promise<void> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const url = serverUrl();
  if (url) {
    const name = `rh_tpl_${process.pid}_${randomBytes(3).toString('hex')}`;
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    await installSchema(
      loadConfig({ DATABASE_URL: withDatabase(url, name), DATA_DIR: 'memory://' }),
    );
    writeFileSync(TEMPLATE_NAME_FILE, name);
    return;
  }
  // The same template a production build writes for a first start.
  await buildEmbeddedTemplate(PGLITE_DUMP);
}

export async function dropTemplates(): Promise<void> {
  const url = serverUrl();
  if (!url || !existsSync(TEMPLATE_NAME_FILE)) return;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(
      `DROP DATABASE IF EXISTS ${readFileSync(TEMPLATE_NAME_FILE, 'utf8').trim()} WITH (FORCE)`,
    );
  } finally {
    await admin.end();
  }
}

export interface TestDatabase {
  /** Set on PostgreSQL. */
  url?: string;
  /** Set on the embedded database. */
  pglite?: PGlite;
  drop(): Promise<void>;
}

/** A fresh, migrated database of the kind this run tests (PostgreSQL or embedded). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const url = serverUrl();
  if (url) {
    const template = readFileSync(TEMPLATE_NAME_FILE, 'utf8').trim();
    const name = `rh_t_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    } finally {
      await admin.end();
    }
    return {
      url: withDatabase(url, name),
      drop: async () => {
        const c = new Client({ connectionString: url });
        await c.connect();
        try {
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await c.end();
        }
      },
    };
  }
  const dump = readFileSync(PGLITE_DUMP);
  const pglite = await PGlite.create({ loadDataDir: new Blob([dump]) });
  return { pglite, drop: () => (pglite.closed ? Promise.resolve() : pglite.close()) };
}
