import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';

/**
 * The README's promise, checked on the built service as a user runs it: `npm start` on an empty
 * directory with no environment variables, then the management CLI.
 */
const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
  readyMs: number;
  /** Resolves when stdout contains the text; the milliseconds since the process started. */
  waitForOutput: (text: string) => Promise<number>;
}

/** Environment of a fresh machine: nothing of ours set (PORT=0 only so parallel runs never clash). */
const bareEnv = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH ?? '',
  HOME: tmpdir(),
  PORT: '0',
  ...extra,
});

function startService(cwd: string, env: Record<string, string> = {}): Promise<Running> {
  const started = Date.now();
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: bareEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /running on (http:\/\/localhost:\d+)/.exec(out);
      if (match) {
        child.stdout!.off('data', onData);
        const waiters: Array<{ text: string; done: (ms: number) => void }> = [];
        child.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          for (const w of waiters.filter((w) => out.includes(w.text))) {
            waiters.splice(waiters.indexOf(w), 1);
            w.done(Date.now() - started);
          }
        });
        resolve({
          child,
          url: match[1],
          output: () => out,
          readyMs: Date.now() - started,
          waitForOutput: (text) =>
            out.includes(text)
              ? Promise.resolve(Date.now() - started)
              : new Promise((done) => waiters.push({ text, done })),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) =>
      reject(new Error(`service exited with ${code} before it was ready:\n${out}`)),
    );
  });
}

/** SIGTERM, as a process manager stops it: Nest closes everything, then re-raises the signal. */
function stop(r: Running): Promise<string> {
  return new Promise((resolve) => {
    r.child.removeAllListeners('exit');
    r.child.on('exit', (code, signal) => resolve(signal ?? `exit ${code}`));
    r.child.kill('SIGTERM');
  });
}

function runCli(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: bareEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

const field = (out: string, name: string) => new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(out)?.[1];

describe('Starting the built service and the CLI', () => {
  let dir: string;

  beforeAll(() => {
    if (!existsSync(MAIN))
      throw new Error('dist/ is missing: `npm test` builds it first (npm run build)');
    dir = mkdtempSync(join(tmpdir(), 'revops-start-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The requirement is asserted below (health within 10 s, demo data within 60 s); the test
  // itself also starts, queries and gracefully stops the service, so it gets a longer budget.
  it('starts on an empty directory with no environment, serves health, docs, a working token and the demo data', async () => {
    const service = await startService(dir);
    try {
      const health = await request(service.url).get('/health');
      expect(health.status).toBe(200);
      expect(service.readyMs).toBeLessThan(10_000);
      expect(service.output()).toContain('/docs');
      const demoMs = await service.waitForOutput('Demo data loaded');
      expect(demoMs).toBeLessThan(60_000);

      const credsFile = join(dir, 'data', 'quickstart-credentials.json');
      expect(statSync(credsFile).mode & 0o077).toBe(0);
      const creds = JSON.parse(readFileSync(credsFile, 'utf8'));
      const token = await request(service.url).post('/oauth/token').type('form').send({
        grant_type: 'client_credentials',
        client_id: creds.client_id,
        client_secret: creds.client_secret,
      });
      expect(token.status).toBe(200);
      const ws = await request(service.url)
        .get('/v1/workspace')
        .set('Authorization', `Bearer ${token.body.access_token}`);
      expect(ws.body.data.slug).toBe('default');
      expect((await request(service.url).get('/docs-json')).status).toBe(200);

      // The embedded database belongs to one process: the CLI says so instead of corrupting it.
      const locked = await runCli(['clients', 'list'], dir);
      expect(locked.code).toBe(1);
      expect(locked.out).toMatch(/in use by process \d+/);
    } finally {
      expect(await stop(service)).toBe('SIGTERM');
      // A graceful stop released the embedded database's lock.
      expect(existsSync(join(dir, 'data', 'revops-hub.lock'))).toBe(false);
    }
  }, 120_000);

  it('keeps its data across a restart, and the CLI creates clients whose credentials work', async () => {
    const created = await runCli(
      ['clients', 'create', '--workspace', 'acme', '--tier', 'enterprise'],
      dir,
    );
    expect(created.out).toContain('acme (enterprise, new)');
    expect(created.code).toBe(0);
    const clientId = field(created.out, 'client_id')!;
    const secret = field(created.out, 'client_secret')!;
    const apiKey = field(created.out, 'api_key')!;

    const bad = await runCli(
      ['clients', 'create', '--workspace', 'acme', '--tier', 'platinum'],
      dir,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/must be one of growth, enterprise/);

    const service = await startService(dir);
    try {
      const token = await request(service.url)
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
      expect(token.status).toBe(200);
      const ws = await request(service.url).get('/v1/workspace').set('X-API-Key', apiKey);
      expect(ws.body.data).toMatchObject({ slug: 'acme', tier: 'enterprise' });
      // Quick-start credentials from the first start still work: the database persisted.
      const creds = JSON.parse(
        readFileSync(join(dir, 'data', 'quickstart-credentials.json'), 'utf8'),
      );
      expect(
        (await request(service.url).get('/v1/workspace').set('X-API-Key', creds.api_key)).status,
      ).toBe(200);
    } finally {
      expect(await stop(service)).toBe('SIGTERM');
    }
  });

  it('refuses invalid configuration with a readable message and exit code 1', async () => {
    const child = spawn(process.execPath, [MAIN], {
      cwd: dir,
      env: bareEnv({ PORT: 'abc' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(err).toContain('Invalid environment variables');
    expect(err).toContain('PORT must');
  });
});
