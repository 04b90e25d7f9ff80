import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import type { PGlite } from '@electric-sql/pglite';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ALL_MIGRATIONS } from '../../../migrations';
import { AppConfig } from '../config/app-config';
import { SnakeNamingStrategy } from './snake-naming.strategy';

/** Key of the session-level advisory lock that serialises migrations across app instances. */
const MIGRATION_LOCK_KEY = 727_100_001;

/**
 * The one TypeORM configuration: a real PostgreSQL server when DATABASE_URL is set, otherwise the
 * embedded PGlite instance given here, reached through PGlite's own node-postgres adapter so that
 * types parse exactly as on a server (numeric as string, date as YYYY-MM-DD).
 */
export function dataSourceOptions(
  config: AppConfig,
  pglite?: PGlite,
  entities: DataSourceOptions['entities'] = [],
): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities,
    migrations: ALL_MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    migrationsRun: false,
    namingStrategy: new SnakeNamingStrategy(),
    logging: false,
  };
  if (config.DATABASE_URL) {
    return {
      ...common,
      url: config.DATABASE_URL,
      poolSize: config.DATABASE_POOL_SIZE,
      // JIT compilation is planned from cost estimates and can cost seconds on a query that runs
      // in milliseconds (2.4 s of a 3.1 s forecast query, docs/FORECAST.md); the API's queries
      // are short, so it is off for every connection.
      extra: { application_name: 'revops-hub', idleTimeoutMillis: 30_000, options: '-c jit=off' },
    };
  }
  if (!pglite) throw new Error('No DATABASE_URL and no embedded database was opened');
  // PGlite is a single session: one pooled connection, so queries queue instead of interleaving.
  return { ...common, poolSize: 1, extra: createPgConfig(pglite) };
}

/**
 * Runs pending migrations. On a server several instances may start at once, so the run holds an
 * advisory lock on a connection of its own; the embedded database belongs to one process.
 */
export async function runMigrations(dataSource: DataSource, embedded: boolean): Promise<string[]> {
  if (embedded) {
    return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  }
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  } finally {
    await lockRunner
      .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    await lockRunner.release();
  }
}
