import { PGlite } from '@electric-sql/pglite';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ALL_MIGRATIONS } from '../../migrations';
import { loadConfig } from '../../src/platform/config/app-config';
import { dataSourceOptions, runMigrations } from '../../src/platform/database/data-source.factory';
import { serverUrl, withDatabase } from '../support/databases';

/** Tables, columns, constraints and indexes of the public schema, in a comparable form. */
async function describeSchema(ds: DataSource): Promise<Record<string, string[]>> {
  const rows = async (sql: string) =>
    ((await ds.query(sql)) as Array<{ d: string }>).map((r) => r.d);
  return {
    columns: await rows(`
      SELECT table_name || '.' || column_name || ' ' || data_type || COALESCE('(' || character_maximum_length || ')', '')
             || CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END || COALESCE(' default ' || column_default, '') AS d
        FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name`),
    constraints: await rows(`
      SELECT cl.relname || '.' || co.conname || ' ' || pg_get_constraintdef(co.oid) AS d
        FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
       WHERE n.nspname = 'public' AND co.contype <> 'n' -- PostgreSQL 18 (PGlite) lists NOT NULL as constraints too
       ORDER BY 1`),
    indexes: await rows(
      `SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`,
    ),
  };
}

async function migrate(config: ReturnType<typeof loadConfig>, pglite?: PGlite) {
  const ds = new DataSource(dataSourceOptions(config, pglite));
  await ds.initialize();
  const applied = await runMigrations(ds, !!pglite);
  return { ds, applied };
}

describe('Migrations on the embedded database', () => {
  it('run from empty, are recorded, and a second run applies nothing', async () => {
    const pglite = await PGlite.create();
    const config = loadConfig({ DATA_DIR: 'memory://' });
    const { ds, applied } = await migrate(config, pglite);
    expect(applied).toEqual(ALL_MIGRATIONS.map((m) => m.name));
    expect(await runMigrations(ds, true)).toEqual([]);
    await ds.destroy();
    await pglite.close();
  });
});

const onServer = serverUrl() ? describe : describe.skip;

onServer('Migrations on PostgreSQL (DATABASE_URL set)', () => {
  const name = `rh_mig_${randomBytes(4).toString('hex')}`;
  const admin = () => new Client({ connectionString: serverUrl() });

  beforeAll(async () => {
    const c = admin();
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
  });
  afterAll(async () => {
    const c = admin();
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });

  it('produce the same schema as on the embedded database, and revert cleanly', async () => {
    const server = await migrate(
      loadConfig({ DATABASE_URL: withDatabase(serverUrl()!, name), DATA_DIR: 'memory://' }),
    );
    expect(server.applied).toEqual(ALL_MIGRATIONS.map((m) => m.name));
    const pglite = await PGlite.create();
    const embedded = await migrate(loadConfig({ DATA_DIR: 'memory://' }), pglite);

    const serverSchema = await describeSchema(server.ds);
    expect(serverSchema.columns.length).toBeGreaterThan(10);
    expect(await describeSchema(embedded.ds)).toEqual(serverSchema);

    for (let i = 0; i < ALL_MIGRATIONS.length; i++) await server.ds.undoLastMigration();
    const empty = await describeSchema(server.ds);
    expect(empty.columns.filter((c) => !c.startsWith('schema_migrations.'))).toEqual([]);
    await runMigrations(server.ds, false);
    expect(await describeSchema(server.ds)).toEqual(serverSchema);

    await server.ds.destroy();
    await embedded.ds.destroy();
    await pglite.close();
  });

  it('serialise concurrent start-ups: two instances migrating at once apply each migration once', async () => {
    const other = `${name}_b`;
    const c = admin();
    await c.connect();
    await c.query(`CREATE DATABASE ${other}`);
    await c.end();
    const config = loadConfig({
      DATABASE_URL: withDatabase(serverUrl()!, other),
      DATA_DIR: 'memory://',
    });
    const [one, two] = await Promise.all([migrate(config), migrate(config)]);
    expect([...one.applied, ...two.applied].sort()).toEqual(
      ALL_MIGRATIONS.map((m) => m.name).sort(),
    );
    await one.ds.destroy();
    await two.ds.destroy();
    const d = admin();
    await d.connect();
    await d.query(`DROP DATABASE ${other} WITH (FORCE)`);
    await d.end();
  });
});
