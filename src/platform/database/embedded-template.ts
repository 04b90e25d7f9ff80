import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig } from '../config/app-config';
import { dataSourceOptions, runMigrations } from './data-source.factory';

/**
 * A new embedded database that has already been through initdb, every migration and pg-boss's
 * schema, as a PGlite data-directory dump written by `npm run build` next to this file. A first
 * start on an empty data directory loads it instead of doing that work (initdb alone is 3-5 s of
 * WebAssembly); the start still runs the migrations, which then find nothing to do.
 */
export const EMBEDDED_TEMPLATE = join(__dirname, 'embedded-template.tar.gz');

/** The template, when the build wrote one. */
export function embeddedTemplate(): Blob | undefined {
  return existsSync(EMBEDDED_TEMPLATE) ? new Blob([readFileSync(EMBEDDED_TEMPLATE)]) : undefined;
}

/**
 * Brings a new database to what the application expects at start: every migration, then
 * pg-boss's schema. The embedded database when `pglite` is given, else `config.DATABASE_URL`.
 * The build's template and the tests' templates are made by it.
 */
export async function installSchema(config: AppConfig, pglite?: PGlite): Promise<void> {
  const ds = new DataSource(dataSourceOptions(config, pglite));
  await ds.initialize();
  await runMigrations(ds, pglite !== undefined);
  await ds.destroy();
  const boss = new PgBoss({
    ...(pglite ? (createPgConfig(pglite) as object) : { connectionString: config.DATABASE_URL }),
    schema: 'pgboss',
    supervise: false,
    schedule: false,
    max: 1,
  });
  await boss.start();
  await boss.stop({ graceful: false, wait: true });
}

/** Builds the template in memory with the application's own migrations and writes it. */
export async function buildEmbeddedTemplate(path = EMBEDDED_TEMPLATE): Promise<void> {
  const pglite = await PGlite.create();
  await installSchema(loadConfig({ DATA_DIR: 'memory://' }), pglite);
  const dump = await pglite.dumpDataDir('gzip');
  writeFileSync(path, Buffer.from(await dump.arrayBuffer()));
  await pglite.close();
}

if (require.main === module)
  buildEmbeddedTemplate().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
