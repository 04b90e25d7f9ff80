/**
 * npm run bench:genius-memory
 *
 * A full Genius sync of 1,000,000 leads through the built CLI (`sync genius leads --full`), as an
 * operator runs it, against a generated Genius database on the local PostgreSQL server. Samples
 * the CLI process's resident memory (VmRSS / VmHWM from /proc) and prints its peak and the rows
 * per second; the target is a peak under 300 MB. The ceiling, measured in the same run: the same
 * rows generated into the app's database and copied by one server-side INSERT ... SELECT into a
 * table shaped and indexed like leads (no network, driver, mapping, validation, hashing,
 * references, cursor or run bookkeeping).
 *
 * Needs PostgreSQL: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the
 * server; the bench creates and drops its own app and Genius databases there. BENCH_LEADS
 * changes the row count.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { fmt } from './bench-support';

const LEADS = Number(process.env.BENCH_LEADS ?? 1_000_000);
const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CLI = join(__dirname, '..', 'src', 'cli', 'main.js');
const LIMIT_MB = 300;

/** The Genius leads table with the generated rows (the same rows in both databases). */
const leadsTable = (name: string) => `
  CREATE TABLE ${name} (
    lead_id int PRIMARY KEY, contact_id int, division_id int, agent_id int, status varchar(50),
    address1 varchar(200), city varchar(100), state varchar(2), zipcode varchar(10),
    created timestamp, modified timestamp NOT NULL);
  INSERT INTO ${name}
  SELECT g, 100000 + g, 1 + g % 5, 1 + g % 50,
         (ARRAY['new', 'Contacted', 'Appointment Set', 'Sold', 'Dead'])[1 + g % 5],
         g || ' Main St', 'Springfield', 'IL', lpad((g % 99999)::text, 5, '0'),
         timestamp '2020-01-01' + g * interval '1 minute',
         timestamp '2024-01-01' + (g / 3) * interval '1 second'
    FROM generate_series(1, ${LEADS}) g;`;

const dbUrl = (name: string) => {
  const u = new URL(SERVER);
  u.pathname = `/${name}`;
  return u.toString();
};

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** KiB values of a process's memory lines in /proc (Linux). */
function memoryOf(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return null;
  }
}

function cli(args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cli ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

async function main(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const appDb = `rh_bench_genius_${suffix}`;
  const geniusDb = `genius_bench_${suffix}`;
  await withClient(SERVER, async (c) => {
    await c.query(`CREATE DATABASE ${appDb}`);
    await c.query(`CREATE DATABASE ${geniusDb}`);
  });
  try {
    console.log(`Generating ${LEADS.toLocaleString('en-US')} Genius leads ...`);
    await withClient(dbUrl(geniusDb), (g) =>
      g.query(`${leadsTable('leads')}
        CREATE INDEX leads_modified ON leads (modified, lead_id);
        ANALYZE leads;`),
    );

    const env = {
      ...process.env,
      DATABASE_URL: dbUrl(appDb),
      DATA_DIR: 'memory://',
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
    };
    cli(['migrate'], env);
    const created = cli(
      [
        'connections',
        'create',
        'genius',
        '--name',
        'bench',
        '--settings',
        JSON.stringify({ entities: ['leads'] }),
        '--credentials',
        JSON.stringify({ database_url: dbUrl(geniusDb) }),
      ],
      env,
    );
    const connectionId = /connection ([0-9a-f-]{36})/.exec(created)?.[1];
    if (!connectionId) throw new Error(`no connection id in: ${created}`);

    console.log('Full sync through the CLI ...');
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [CLI, 'sync', 'genius', 'leads', '--full', '--connection', connectionId],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let lastLine = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      const lines = d.toString().trim().split('\n');
      lastLine = lines[lines.length - 1] ?? lastLine;
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let peakKiB = 0;
    const rss: number[] = [];
    const sampler = setInterval(() => {
      const m = memoryOf(child.pid!);
      if (m) {
        peakKiB = Math.max(peakKiB, m.hwm || m.rss);
        rss.push(m.rss);
      }
    }, 100);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`sync exited with ${code}: ${stderr || lastLine}`);

    const [run] = await withClient(
      dbUrl(appDb),
      async (c) =>
        (
          await c.query(
            `SELECT processed, created, failed, status, duration_ms FROM sync_runs WHERE connection_id = $1`,
            [connectionId],
          )
        ).rows,
    );
    const stored = await withClient(
      dbUrl(appDb),
      async (c) =>
        (
          await c.query(`SELECT count(*)::int AS n FROM leads WHERE connection_id = $1`, [
            connectionId,
          ])
        ).rows[0].n,
    );

    // Ceiling: the same rows, already in the app's database, copied by one INSERT ... SELECT
    // into a table shaped and indexed like leads: the write speed of this machine, with no
    // network, driver, mapping, validation, hashing, references or bookkeeping.
    console.log('Ceiling: INSERT ... SELECT of the same rows ...');
    const ceilingSeconds = await withClient(dbUrl(appDb), async (a) => {
      await a.query(leadsTable('genius_leads_staging'));
      await a.query('CREATE TABLE leads_ceiling (LIKE leads INCLUDING ALL)');
      const [{ workspace_id }] = (
        await a.query('SELECT id AS workspace_id FROM workspaces LIMIT 1')
      ).rows;
      const t0 = performance.now();
      await a.query(
        `INSERT INTO leads_ceiling (workspace_id, source, external_id, raw, content_hash, name, status, owner_external_id, notes, source_created_at)
         SELECT $1, 'genius', s.lead_id::text, to_jsonb(s), md5(s::text) || md5(s::text), 'Contact ' || s.contact_id,
                'new', s.agent_id::text, s.address1 || ', ' || s.city || ', ' || s.state || ' ' || s.zipcode,
                s.created AT TIME ZONE 'UTC'
           FROM genius_leads_staging s`,
        [workspace_id],
      );
      return (performance.now() - t0) / 1000;
    });

    const peakMb = peakKiB / 1024;
    const engineRate = LEADS / seconds;
    const ceilingRate = LEADS / ceilingSeconds;
    console.log('');
    console.log(`leads in the source       ${LEADS.toLocaleString('en-US')}`);
    console.log(
      `run                       ${run.status}: processed ${run.processed}, created ${run.created}, failed ${run.failed}; stored ${stored}`,
    );
    console.log(
      `peak RSS of the CLI       ${fmt(peakMb)} MB (${rss.length} samples; limit ${LIMIT_MB} MB: ${peakMb < LIMIT_MB ? 'met' : 'NOT met'})`,
    );
    const at = (q: number) =>
      fmt(rss[Math.min(rss.length - 1, Math.floor(q * rss.length))] / 1024, 0);
    console.log(
      `RSS at 10/25/50/75/95% of the run  ${[0.1, 0.25, 0.5, 0.75, 0.95].map(at).join(' / ')} MB`,
    );
    console.log(
      `engine (CLI, end to end)  ${fmt(engineRate, 0)} rows/s (${fmt(seconds)} s; the run itself ${fmt(run.duration_ms / 1000)} s)`,
    );
    console.log(
      `ceiling (INSERT..SELECT)  ${fmt(ceilingRate, 0)} rows/s (${fmt(ceilingSeconds)} s)`,
    );
    console.log(`ratio                     ${fmt(engineRate / ceilingRate, 2)}`);
    if (run.status !== 'succeeded' || stored !== LEADS || peakMb >= LIMIT_MB) process.exitCode = 1;
  } finally {
    await withClient(SERVER, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${appDb} WITH (FORCE)`);
      await c.query(`DROP DATABASE IF EXISTS ${geniusDb} WITH (FORCE)`);
    });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
