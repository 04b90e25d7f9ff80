import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import {
  CrmErrorDecision,
  CrmHttpClient,
  CrmHttpClientOptions,
  CrmHttpError,
  CrmRateLimitedError,
  defaultClassifyError,
  parseRetryAfter,
  redisLimiterStore,
} from './crm-http.client';

// The project's copy of the CRM wire formats (test/fixtures/wire-formats/, from shared/).
const WIRE_FORMATS = path.join(__dirname, '../../../../test/fixtures/wire-formats');

interface Hit {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Arrival on the server, performance.now() milliseconds. */
  at: number;
}

type Reply = (res: ServerResponse, hit: Hit, index: number) => void;

interface FakeCrm {
  baseURL: string;
  hits: Hit[];
}

const servers: Server[] = [];

async function fakeCrm(reply: Reply): Promise<FakeCrm> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const hit: Hit = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at,
      };
      hits.push(hit);
      reply(res, hit, hits.length - 1);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map(closeServer));
});

function send(
  res: ServerResponse,
  status: number,
  body: unknown = {},
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** A wire-format file as the CRM sends it: without the `_source` note we add. */
function wireBody(file: string): string {
  const { _source, ...body } = JSON.parse(
    readFileSync(path.join(WIRE_FORMATS, file), 'utf8'),
  ) as Record<string, unknown>;
  return JSON.stringify(body);
}

const silent = { warn: () => undefined, debug: () => undefined };
let keySeq = 0;
const uniqueKey = () => `spec:${process.pid}:${Date.now()}:${++keySeq}`;

function makeClient(baseURL: string, overrides: Partial<CrmHttpClientOptions> = {}) {
  const sleeps: number[] = [];
  const client = new CrmHttpClient({
    provider: 'hubspot',
    baseURL,
    headers: { Authorization: 'Bearer secret-token' },
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    logger: silent,
    ...overrides,
  });
  return { client, sleeps };
}

async function failure(promise: Promise<unknown>): Promise<CrmHttpError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CrmHttpError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

/** Fields of a parsed JSON body, for classifiers. */
function bodyField(err: CrmHttpError, name: string): unknown {
  const body = err.responseData;
  return typeof body === 'object' && body !== null
    ? (body as Record<string, unknown>)[name]
    : undefined;
}

/** The rules the HubSpot engine will pass: the daily limit stops the run, the 10 s limit retries. */
function hubspotClassifier(err: CrmHttpError): CrmErrorDecision {
  if (err.status === 429 && bodyField(err, 'policyName') === 'DAILY') return 'rate_limited_stop';
  if (err.status === 401) {
    return bodyField(err, 'category') === 'EXPIRED_AUTHENTICATION' ? 'refresh_auth' : 'fatal';
  }
  return defaultClassifyError(err);
}

describe('CrmHttpClient', () => {
  beforeAll(() => {
    if (!existsSync(WIRE_FORMATS)) {
      throw new Error(`Wire formats not found at ${WIRE_FORMATS}: the fixtures are missing`);
    }
  });

  it('retries 503s with full-jitter backoff and returns the data of the success', async () => {
    const crm = await fakeCrm((res, _hit, i) =>
      i < 2 ? send(res, 503, 'upstream busy') : send(res, 200, { results: [{ id: '1' }] }),
    );
    const { client, sleeps } = makeClient(crm.baseURL);

    const data = await client.get<{ results: { id: string }[] }>('/crm/v3/objects/contacts', {
      limit: 100,
    });

    expect(data.results).toEqual([{ id: '1' }]);
    expect(crm.hits).toHaveLength(3);
    expect(client.stats).toEqual({ requests: 3, retries: 2, rateLimitedWaits: 0 });
    // random() = 0.5 of min(60000, 500 * 2^(n-1)).
    expect(sleeps).toEqual([250, 500]);
  });

  it('waits what Retry-After asks instead of its own backoff', async () => {
    const crm = await fakeCrm((res, _hit, i) =>
      i === 0 ? send(res, 429, {}, { 'retry-after': '2' }) : send(res, 200, { ok: true }),
    );
    const { client, sleeps } = makeClient(crm.baseURL);

    await expect(client.get('/crm/v3/objects/deals')).resolves.toEqual({ ok: true });
    expect(sleeps).toEqual([2000]);
  });

  it('stops with CrmRateLimitedError when Retry-After is longer than it will sleep', async () => {
    const crm = await fakeCrm((res) => send(res, 503, 'maintenance', { 'retry-after': '3600' }));
    const { client, sleeps } = makeClient(crm.baseURL);

    const err = await failure(client.get('/crm/v3/objects/deals'));

    expect(err).toBeInstanceOf(CrmRateLimitedError);
    expect(err).toMatchObject({ status: 503, retryAfterSeconds: 3600, attempts: 1 });
    expect(sleeps).toEqual([]);
    expect(crm.hits).toHaveLength(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:27:58 GMT');
    expect(parseRetryAfter('2', now)).toBe(2);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now)).toBe(2);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('retries a server that does not answer in time, then fails with ETIMEDOUT', async () => {
    const crm = await fakeCrm(() => undefined);
    const { client, sleeps } = makeClient(crm.baseURL, { timeoutMs: 200, retries: 2 });

    const err = await failure(client.get('/crm/v3/objects/contacts'));

    expect(err).toMatchObject({ code: 'ETIMEDOUT', attempts: 3, status: undefined });
    expect(err.message).toMatch(
      /^hubspot GET \/crm\/v3\/objects\/contacts failed with ETIMEDOUT after 3 attempts/,
    );
    expect(crm.hits).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('fails with ECONNREFUSED when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await closeServer(closed);
    const { client } = makeClient(`http://127.0.0.1:${port}`, { retries: 1 });

    const err = await failure(client.get('/crm/v3/objects/contacts'));

    expect(err).toBeInstanceOf(CrmHttpError);
    expect(err).toMatchObject({ code: 'ECONNREFUSED', attempts: 2, status: undefined });
    expect(err.message).toContain('failed with ECONNREFUSED after 2 attempts');
  });

  it('does not retry a 400 and reports status, body, method and path without secrets', async () => {
    const body = { status: 'error', message: 'Property values were not valid', category: 'x' };
    const crm = await fakeCrm((res) => send(res, 400, body));
    const { client, sleeps } = makeClient(crm.baseURL);

    const err = await failure(
      client.get('/crm/v3/objects/contacts', { limit: 100, hapikey: 'query-secret' }),
    );

    expect(err).not.toBeInstanceOf(CrmRateLimitedError);
    expect(err).toMatchObject({
      provider: 'hubspot',
      method: 'GET',
      url: '/crm/v3/objects/contacts',
      status: 400,
      attempts: 1,
    });
    expect(JSON.parse(err.responseBody ?? '')).toEqual(body);
    expect(err.message).toMatch(
      /^hubspot GET \/crm\/v3\/objects\/contacts failed with 400 after 1 attempt: .*Property values were not valid/,
    );
    expect(crm.hits).toHaveLength(1);
    expect(sleeps).toEqual([]);
    const logged = JSON.stringify({ ...err, message: err.message, stack: err.stack });
    expect(logged).not.toContain('query-secret');
    expect(logged).not.toContain('secret-token');
  });

  it('keeps 2 KB of a long error body', async () => {
    const crm = await fakeCrm((res) => send(res, 422, 'x'.repeat(5000)));
    const { client } = makeClient(crm.baseURL);

    const err = await failure(client.get('/crm/v3/objects/contacts'));

    expect(err.responseBody).toHaveLength(2048);
    expect(err.message.length).toBeLessThan(500);
  });

  it('retries a POST only when the request says it is a read', async () => {
    const crm = await fakeCrm((res, _hit, i) =>
      i < 2
        ? send(res, 503)
        : send(res, 200, { total: 0 }, { 'x-hubspot-ratelimit-remaining': '99' }),
    );
    const { client } = makeClient(crm.baseURL);
    const search = { filterGroups: [], sorts: ['hs_object_id'], limit: 200 };

    const write = await failure(client.post('/crm/v3/objects/contacts', { properties: {} }));
    expect(write).toMatchObject({ method: 'POST', status: 503, attempts: 1 });

    const res = await client.requestRaw<{ total: number }>({
      method: 'POST',
      url: '/crm/v3/objects/contacts/search',
      data: search,
      retryable: true,
    });

    expect(res).toMatchObject({ status: 200, data: { total: 0 } });
    expect(res.headers['x-hubspot-ratelimit-remaining']).toBe('99');
    expect(crm.hits.map((hit) => hit.url)).toEqual([
      '/crm/v3/objects/contacts',
      '/crm/v3/objects/contacts/search',
      '/crm/v3/objects/contacts/search',
    ]);
    expect(JSON.parse(crm.hits[2].body)).toEqual(search);
    expect(crm.hits[2].headers['content-type']).toContain('application/json');
  });

  it('stops on the HubSpot DAILY limit and retries the TEN_SECONDLY_ROLLING one', async () => {
    const daily = wireBody('hubspot_429_daily.json');
    const tenSecondly = wireBody('hubspot_429_ten_secondly.json');
    const crm = await fakeCrm((res, hit, i) => {
      if (hit.url === '/daily') return send(res, 429, daily);
      return i === 1 ? send(res, 429, tenSecondly) : send(res, 200, { ok: true });
    });
    const { client, sleeps } = makeClient(crm.baseURL, { classifyError: hubspotClassifier });

    const err = await failure(client.get('/daily'));
    expect(err).toBeInstanceOf(CrmRateLimitedError);
    expect(err).toMatchObject({ status: 429, attempts: 1 });
    expect(err.message).toContain('You have reached your daily limit.');
    expect(sleeps).toEqual([]);

    await expect(client.get('/ten-secondly')).resolves.toEqual({ ok: true });
    expect(crm.hits.map((hit) => hit.url)).toEqual(['/daily', '/ten-secondly', '/ten-secondly']);
    expect(sleeps).toHaveLength(1);
  });

  it('refreshes an expired token once, keeps it, and fails on a second 401', async () => {
    const expired = wireBody('hubspot_401_expired_token.json');
    let accepted = 'Bearer fresh';
    const crm = await fakeCrm((res, hit) =>
      hit.headers.authorization === accepted
        ? send(res, 200, { ok: true })
        : send(res, 401, expired),
    );
    const refreshAuth = jest.fn(async () => ({ authorization: 'Bearer fresh' }));
    const { client } = makeClient(crm.baseURL, { classifyError: hubspotClassifier, refreshAuth });

    // Concurrent requests with the stale token share one refresh.
    await expect(Promise.all([client.get('/a'), client.get('/b')])).resolves.toEqual([
      { ok: true },
      { ok: true },
    ]);
    expect(refreshAuth).toHaveBeenCalledTimes(1);
    await expect(client.get('/c')).resolves.toEqual({ ok: true });
    expect(crm.hits.map((hit) => [hit.url, hit.headers.authorization])).toEqual(
      expect.arrayContaining([
        ['/a', 'Bearer secret-token'],
        ['/a', 'Bearer fresh'],
        ['/b', 'Bearer fresh'],
        ['/c', 'Bearer fresh'],
      ]),
    );
    expect(crm.hits.filter((hit) => hit.url === '/c')).toHaveLength(1);

    accepted = 'Bearer never';
    const err = await failure(client.get('/d'));
    expect(err).toMatchObject({ status: 401, attempts: 2 });
    expect(err).not.toBeInstanceOf(CrmRateLimitedError);
    expect(refreshAuth).toHaveBeenCalledTimes(2);
  });

  it('does not follow a redirect to another host', async () => {
    const other = await fakeCrm((res) => send(res, 200, { stolen: true }));
    const crm = await fakeCrm((res) => send(res, 302, '', { location: `${other.baseURL}/x` }));
    const { client } = makeClient(crm.baseURL);

    const err = await failure(client.get('/crm/v3/objects/contacts'));

    expect(err).toMatchObject({ status: 302, attempts: 1 });
    expect(other.hits).toHaveLength(0);
  });

  it('never lets more than `points` requests reach the CRM in a rolling window', async () => {
    const crm = await fakeCrm((res) => send(res, 200, { ok: true }));
    const { client } = makeClient(crm.baseURL, {
      rateLimit: { points: 3, durationSeconds: 1, key: uniqueKey() },
    });

    await Promise.all([1, 2, 3, 4, 5].map((i) => client.get('/crm/v3/objects/contacts', { i })));

    expectAtMostPerWindow(crm.hits, 3, 900);
    expect(client.stats).toEqual({ requests: 5, retries: 0, rateLimitedWaits: 2 });
  });

  it('shares one budget between clients that use the same key', async () => {
    const crm = await fakeCrm((res) => send(res, 200, { ok: true }));
    const rateLimit = { points: 2, durationSeconds: 1, key: uniqueKey() };
    const engines = [1, 2].map(() => makeClient(crm.baseURL, { rateLimit }).client);

    await Promise.all(engines.flatMap((client) => [client.get('/a'), client.get('/b')]));

    expectAtMostPerWindow(crm.hits, 2, 900);
    expect(engines[0].stats.rateLimitedWaits + engines[1].stats.rateLimitedWaits).toBe(2);
  });

  it('stops rather than wait when the budget reopens later than it will sleep', async () => {
    const crm = await fakeCrm((res) => send(res, 200, { ok: true }));
    const { client } = makeClient(crm.baseURL, {
      rateLimit: { points: 1, durationSeconds: 3600, key: uniqueKey() },
    });

    await client.get('/a');
    const err = await failure(client.get('/b'));

    expect(err).toBeInstanceOf(CrmRateLimitedError);
    expect(err.retryAfterSeconds).toBeGreaterThan(3500);
    expect(crm.hits).toHaveLength(1);
  });

  describe('with Redis', () => {
    // CI images without Redis skip this one; the memory store test above covers the logic.
    const hasRedis = spawnSync('redis-server', ['--version']).error === undefined;
    const itWithRedis = hasRedis ? it : it.skip;
    let dir: string;
    let child: ChildProcess | undefined;
    const clients: Redis[] = [];

    afterAll(async () => {
      await Promise.all(clients.map((redis) => redis.quit().catch(() => undefined)));
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child?.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    itWithRedis('shares one budget across app instances', async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'crm-http-redis-'));
      const socket = path.join(dir, 'redis.sock');
      child = spawn(
        'redis-server',
        ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      // Two connections stand for two instances of the service.
      for (let i = 0; i < 2; i++) clients.push(new Redis({ path: socket }));
      await Promise.all(clients.map((redis) => redis.ping()));

      const crm = await fakeCrm((res) => send(res, 200, { ok: true }));
      const rateLimit = { points: 2, durationSeconds: 1, key: uniqueKey() };
      const instances = clients.map(
        (redis) =>
          makeClient(crm.baseURL, { rateLimit, limiterStore: redisLimiterStore(redis, 'spec') })
            .client,
      );

      await Promise.all(instances.flatMap((client) => [client.get('/a'), client.get('/b')]));

      expectAtMostPerWindow(crm.hits, 2, 900);
      expect(instances[0].stats.rateLimitedWaits + instances[1].stats.rateLimitedWaits).toBe(2);
    });
  });
});

/**
 * No `points + 1` requests within `windowMs` of each other. The bound is a little under the
 * limiter's window because arrival times carry a few ms of scheduling noise.
 */
function expectAtMostPerWindow(hits: Hit[], points: number, windowMs: number): void {
  const times = hits.map((hit) => hit.at).sort((a, b) => a - b);
  expect(times.length).toBeGreaterThan(points);
  for (let i = 0; i + points < times.length; i++) {
    expect(times[i + points] - times[i]).toBeGreaterThanOrEqual(windowMs);
  }
}
