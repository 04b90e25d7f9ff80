import { PGlite } from '@electric-sql/pglite';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { CRM_DATA_DIR } from '../../support/crm-data';
import { createTestDatabase, TestDatabase } from '../../support/databases';

/**
 * A sync process killed with SIGKILL in the middle of a run, then started again, ends with the
 * same database as an uninterrupted run: nothing lost or duplicated, and at no point a cursor
 * ahead of the committed rows. Runs the real CLI, on PostgreSQL or the embedded database.
 */
const CLI = join(__dirname, '..', '..', '..', 'dist', 'src', 'cli', 'main.js');

interface Db {
  env: Record<string, string>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

function cli(
  args: string[],
  env: Record<string, string>,
  killAfterLines?: number,
): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let lines = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      lines = (out.match(/processed/g) ?? []).length;
      if (killAfterLines && lines >= killAfterLines) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

describe('A sync killed mid-run and started again', () => {
  let dataDir: string | undefined;
  let server: TestDatabase | undefined;
  let db: Db;

  beforeAll(async () => {
    if (!existsSync(CLI))
      throw new Error('dist/ is missing: `npm test` builds it first (npm run build)');
    const env: Record<string, string> = { ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    if (process.env.DATABASE_URL) {
      server = await createTestDatabase();
      env.DATABASE_URL = server.url!;
      const client = new Client({ connectionString: server.url });
      await client.connect();
      db = {
        env,
        query: async (sql, params) => (await client.query(sql, params)).rows,
        close: () => client.end(),
      };
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'revops-kill-'));
      env.DATA_DIR = dataDir;
      // The embedded database allows one process at a time: open it only between CLI runs.
      db = {
        env,
        query: async (sql, params) => {
          const pglite = await PGlite.create({ dataDir: join(dataDir!, 'pg') });
          try {
            return (await pglite.query(sql, params)).rows as never[];
          } finally {
            await pglite.close();
          }
        },
        close: async () => undefined,
      };
    }
    for (const name of ['interrupted', 'reference']) {
      const settings = JSON.stringify({
        folder: CRM_DATA_DIR,
        preset: 'maven-crm',
        batch_size: 200,
      });
      const created = await cli(
        ['connections', 'create', 'csv', '--name', name, '--settings', settings],
        env,
      );
      expect(created.code).toBe(0);
    }
  });

  afterAll(async () => {
    await db?.close();
    await server?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const connectionId = async (name: string) =>
    (await db.query<{ id: string }>('SELECT id FROM crm_connections WHERE name = $1', [name]))[0]
      .id;

  const digest = async (name: string) =>
    (
      await db.query<{ n: number; digest: string }>(
        `SELECT count(*)::int AS n, md5(string_agg(external_id || ':' || content_hash, ',' ORDER BY external_id)) AS digest
           FROM opportunities WHERE connection_id = $1`,
        [await connectionId(name)],
      )
    )[0];

  it('resumes from the last committed batch and ends equal to an uninterrupted run', async () => {
    const interrupted = await connectionId('interrupted');
    const killed = await cli(
      ['sync', 'csv', 'opportunities', '--connection', interrupted],
      db.env,
      5,
    );
    expect(killed.signal).toBe('SIGKILL');

    // The cursor is exactly at the committed rows: never ahead of them.
    const [cursor] = await db.query<{ cursor: { offset: number; complete: boolean } }>(
      `SELECT cursor FROM sync_cursors WHERE connection_id = $1 AND entity = 'opportunities'`,
      [interrupted],
    );
    const committed = (await digest('interrupted')).n;
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(8800);
    expect(cursor.cursor).toMatchObject({ offset: committed, complete: false });

    const resumed = await cli(
      ['sync', 'csv', 'opportunities', '--connection', interrupted],
      db.env,
    );
    expect(resumed.code).toBe(0);
    const reference = await cli(
      ['sync', 'csv', 'opportunities', '--connection', await connectionId('reference')],
      db.env,
    );
    expect(reference.code).toBe(0);

    expect(await digest('interrupted')).toEqual(await digest('reference'));
    expect((await digest('interrupted')).n).toBe(8800);
    const runs = await db.query<{
      status: string;
      processed: number;
      created: number;
      mode: string;
    }>(
      `SELECT status, processed, created, mode FROM sync_runs WHERE connection_id = $1 ORDER BY queued_at`,
      [interrupted],
    );
    expect(runs).toEqual([
      { status: 'abandoned', processed: committed, created: committed, mode: 'full' },
      {
        status: 'succeeded',
        processed: 8800 - committed,
        created: 8800 - committed,
        mode: 'delta',
      },
    ]);
  });
});
