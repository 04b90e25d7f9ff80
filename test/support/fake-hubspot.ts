import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A CRM object as HubSpot stores it; every property value is a string on the wire. */
export interface FakeObject {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  /** Archived records are listed only with archived=true and are not searchable. */
  archived?: boolean;
  archivedAt?: string;
}

/** A user who owns records, as GET /crm/v3/owners lists it. */
export interface FakeOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  teams?: Array<{ id: string; name: string; primary: boolean }>;
}

/** One association in the v4 shape: the other record and the association's types. */
export interface FakeAssociation {
  toObjectId: number;
  associationTypes: Array<{ category: string; typeId: number; label: string | null }>;
}

export interface FakeHubSpotRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  /** When it arrived (Date.now()). */
  at: number;
}

/** HubSpot's request limits, enforced as HubSpot does when set (see `enforceRateLimit`). */
export interface FakeRateLimit {
  /** Requests per rolling interval: 100 (Free, Starter) or 190 (Professional, Enterprise). */
  max: number;
  /** Default 10,000 (HubSpot's ten seconds); shorter windows keep tests quick. */
  intervalMs?: number;
  /** Search requests per rolling second. Default 5. */
  searchPerSecond?: number;
  /** The daily limit reported in X-HubSpot-RateLimit-Daily. Default 500,000. */
  daily?: number;
}

interface SearchFilter {
  propertyName: string;
  operator: string;
  value: string;
}

interface SearchBody {
  filterGroups?: Array<{ filters?: SearchFilter[] }>;
  sorts?: Array<{ propertyName: string; direction: string }>;
  properties?: string[];
  limit?: number;
  after?: string;
}

/** Contacts filter on lastmodifieddate; every other object type on hs_lastmodifieddate. */
const MODIFIED: Record<string, string> = { contacts: 'lastmodifieddate' };
const modifiedOf = (type: string) => MODIFIED[type] ?? 'hs_lastmodifieddate';
const SEARCH_CAP = 10_000;

const TEN_SECONDLY = {
  status: 'error',
  message: 'You have reached your ten_secondly_rolling limit.',
  errorType: 'RATE_LIMIT',
  correlationId: 'c93e06a4-7d61-4c3e-b63f-edf486fc6e90',
  policyName: 'TEN_SECONDLY_ROLLING',
  groupName: 'publicapi:hapikey-api-calls-ten-secondly:6748263',
};
const DAILY = {
  status: 'error',
  message: 'You have reached your daily limit.',
  errorType: 'RATE_LIMIT',
  correlationId: 'c033cdaa-2c40-4a64-ae48-b4cec88dad24',
  policyName: 'DAILY',
  requestId: '3d3e35b7-0dae-4b9f-a6e3-9c230cbcf8dd',
};

/** The search API's 429 (its message is what the official clients match on). */
const SECONDLY = {
  status: 'error',
  message: 'You have reached your secondly limit.',
  errorType: 'RATE_LIMIT',
  correlationId: '5d5e3c8a-94d1-4a3f-9c37-1f3a2b9e6d10',
};

const byId = (a: FakeObject, b: FakeObject) => Number(a.id) - Number(b.id);

/**
 * HubSpot CRM v3 objects on loopback, in the real wire format: GET list (limit <= 100, `after`,
 * no paging on the last page, `archived=true` for archived records) and POST search (filters
 * GTE/LTE/GT on the last-modified property and hs_object_id, sorted by id, limit <= 200, `total`,
 * archived records excluded), enforcing the 10,000-result cap of one search query (400 for
 * `after` >= 10000, as HubSpot does). Also the owners list, the deal pipelines, the v4
 * associations batch read with per-record paging, and the OAuth token refresh. Checks the Bearer
 * token (401 EXPIRED_AUTHENTICATION once it has expired); can inject 429s, 502s and stalls.
 */
export class FakeHubSpot {
  readonly objects: Record<string, Map<string, FakeObject>> = {
    contacts: new Map(),
    companies: new Map(),
    deals: new Map(),
    meetings: new Map(),
  };
  readonly owners = new Map<string, FakeOwner>();
  /** `${fromType}/${toType}/${fromId}` => that record's associations. */
  readonly associations = new Map<string, FakeAssociation[]>();
  /** GET /crm/v3/pipelines/deals `results`. */
  pipelines: unknown[] = [DEFAULT_PIPELINE];
  /** How many associations of one record a batch read returns before paging. */
  associationPageSize = 100;
  /** The OAuth app and refresh token the token endpoint accepts. */
  oauth?: { clientId: string; clientSecret: string; refreshToken: string };
  /** Called with each request before it is answered (to change the source mid-sync). */
  onRequest?: (r: { method: string; path: string; n: number }) => void;
  private expiredTokens = new Set<string>();
  private serverErrors = 0;
  private stalls = 0;
  private malformed = 0;
  /** Requests left unanswered by `stallNext`. */
  stalled = 0;
  private received = 0;
  readonly requests: FakeHubSpotRequest[] = [];
  private tenSecondly = 0;
  /** Requests still allowed before every request gets the DAILY 429; null: no daily limit. */
  private dailyAllowance: number | null = null;
  private server?: Server;
  private limit: Required<FakeRateLimit> | null = null;
  /** Arrival times of the requests counted in the rolling windows (burst, search) and today. */
  private readonly burstLog: number[] = [];
  private readonly searchLog: number[] = [];
  private dailyUsed = 0;
  /** Ids of a type sorted by id, rebuilt after an object is added (list paging reads it). */
  private readonly sortedCache = new Map<string, string[]>();
  url = '';

  constructor(
    public token: string,
    readonly objectPath = '/crm/v3/objects',
  ) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => this.receive(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.server?.close((err) => (err ? reject(err) : resolve())),
    );
  }

  put(type: string, obj: FakeObject): void {
    (this.objects[type] ??= new Map()).set(obj.id, obj);
    this.sortedCache.delete(type);
  }

  /**
   * Enforces HubSpot's limits as the API does (null lifts them): at most `max` requests in any
   * rolling `intervalMs` (else the TEN_SECONDLY_ROLLING 429) and `searchPerSecond` searches in any
   * rolling second (else the search API's 429); every non-search response carries the
   * X-HubSpot-RateLimit-* headers (search responses carry none, as documented).
   */
  enforceRateLimit(limit: FakeRateLimit | null): void {
    this.limit = limit && {
      intervalMs: 10_000,
      searchPerSecond: 5,
      daily: 500_000,
      ...limit,
    };
    this.burstLog.length = 0;
    this.searchLog.length = 0;
  }

  /** The next `n` requests get the TEN_SECONDLY_ROLLING 429. */
  failTenSecondly(n = 1): void {
    this.tenSecondly += n;
  }

  /** After `allowed` more requests, every request gets the DAILY 429 (null lifts it). */
  dailyLimitAfter(allowed: number | null): void {
    this.dailyAllowance = allowed;
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
  }

  private handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams.entries());
    let body: unknown = undefined;
    const send = (status: number, payload: unknown) => {
      this.requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query,
        body,
        status,
        at,
      });
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
      res.end(JSON.stringify(payload));
    };
    const bad = (message: string) =>
      send(400, { status: 'error', message, category: 'VALIDATION_ERROR' });
    if (req.method === 'POST' && url.pathname === '/oauth/v1/token') {
      // Form-encoded, and no Bearer token: the app authenticates with its client secret.
      return this.token_(raw, send);
    }
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return bad('Invalid JSON');
      }
    }
    if (this.expiredTokens.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) {
      return send(401, EXPIRED);
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return send(401, {
        status: 'error',
        message: 'Authentication credentials not found.',
        category: 'INVALID_AUTHENTICATION',
      });
    }
    if (this.dailyAllowance !== null) {
      if (this.dailyAllowance <= 0) return send(429, DAILY);
      this.dailyAllowance--;
    }
    if (this.tenSecondly > 0) {
      this.tenSecondly--;
      return send(429, TEN_SECONDLY);
    }
    if (this.limit && !this.admit(url.pathname, res, at)) {
      return send(429, url.pathname.endsWith('/search') ? SECONDLY : TEN_SECONDLY);
    }
    this.onRequest?.({ method: req.method ?? '', path: url.pathname, n: ++this.received });
    if (this.serverErrors > 0) {
      this.serverErrors--;
      return send(502, { status: 'error', message: 'Bad gateway' });
    }
    if (this.malformed > 0) {
      this.malformed--;
      return send(200, { status: 'ok' });
    }
    if (this.stalls > 0) {
      // Never answered: the client times out; the socket is dropped once it gives up.
      this.stalls--;
      this.stalled++;
      req.socket.once('close', () => res.destroy());
      return;
    }
    if (this.extraRoute(req.method ?? '', url.pathname, query, body, send)) return;
    const prefix = `${this.objectPath}/`;
    if (!url.pathname.startsWith(prefix))
      return send(404, { status: 'error', message: 'Not found' });
    const [type, action] = url.pathname.slice(prefix.length).split('/');
    const store = this.objects[type];
    if (!store) return send(404, { status: 'error', message: `Unknown object type ${type}` });

    if (req.method === 'GET' && action === undefined) {
      const limit = Number(query.limit ?? 10);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        return bad('limit must be between 1 and 100');
      }
      const after = query.after !== undefined ? Number(query.after) : -Infinity;
      const props = (query.properties ?? '').split(',').filter(Boolean);
      const archived = query.archived === 'true';
      const rows = this.sortedAfter(type, after, limit + 1, archived);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return send(200, {
        results: page.map((o) => this.wire(o, props)),
        ...(rows.length > limit && last
          ? { paging: { next: { after: last.id, link: `?after=${last.id}` } } }
          : {}),
      });
    }
    if (req.method === 'POST' && action === 'search') {
      const search = (body ?? {}) as SearchBody;
      const limit = search.limit ?? 10;
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
        return bad('limit must be between 1 and 200');
      }
      const offset = search.after !== undefined ? Number(search.after) : 0;
      if (!Number.isInteger(offset) || offset < 0) return bad('Invalid after');
      if (offset >= SEARCH_CAP) {
        return bad('Paging beyond 10000 results is not supported. Use a narrower query.');
      }
      const sort = search.sorts?.[0];
      if (!sort || sort.propertyName !== 'hs_object_id' || sort.direction !== 'ASCENDING') {
        return bad('this fake only sorts by hs_object_id ASCENDING');
      }
      const filters = search.filterGroups?.flatMap((g) => g.filters ?? []) ?? [];
      const matches = (o: FakeObject) =>
        filters.every((f) => {
          const actual =
            f.propertyName === modifiedOf(type)
              ? Date.parse(o.updatedAt)
              : f.propertyName === 'hs_object_id'
                ? Number(o.id)
                : NaN;
          const wanted = Number(f.value);
          if (Number.isNaN(actual) || Number.isNaN(wanted)) return false;
          if (f.operator === 'GTE') return actual >= wanted;
          if (f.operator === 'LTE') return actual <= wanted;
          if (f.operator === 'GT') return actual > wanted;
          if (f.operator === 'LT') return actual < wanted;
          if (f.operator === 'EQ') return actual === wanted;
          return false;
        });
      const rows = [...store.values()].filter((o) => !o.archived && matches(o)).sort(byId);
      // Never past the 10,000th result of one query, whatever the paging asks.
      const page = rows.slice(offset, Math.min(offset + limit, SEARCH_CAP));
      const next = offset + limit;
      return send(200, {
        total: rows.length,
        results: page.map((o) => this.wire(o, search.properties ?? [])),
        ...(next < rows.length
          ? { paging: { next: { after: String(next), link: `?after=${next}` } } }
          : {}),
      });
    }
    return send(405, { status: 'error', message: 'Method not allowed' });
  }

  /**
   * Counts the request against the rolling windows and sets the rate-limit headers; false when
   * a limit is reached (the request is not counted).
   */
  private admit(path: string, res: ServerResponse, now: number): boolean {
    const limit = this.limit!;
    if (path.endsWith('/search')) {
      while (this.searchLog.length && this.searchLog[0] <= now - 1000) this.searchLog.shift();
      if (this.searchLog.length >= limit.searchPerSecond) return false;
      this.searchLog.push(now);
      this.dailyUsed++;
      return true;
    }
    while (this.burstLog.length && this.burstLog[0] <= now - limit.intervalMs) {
      this.burstLog.shift();
    }
    const allowed = this.burstLog.length < limit.max;
    if (allowed) {
      this.burstLog.push(now);
      this.dailyUsed++;
    }
    const perSecond = Math.floor((limit.max * 1000) / limit.intervalMs);
    res.setHeader('X-HubSpot-RateLimit-Daily', String(limit.daily));
    res.setHeader('X-HubSpot-RateLimit-Daily-Remaining', String(limit.daily - this.dailyUsed));
    res.setHeader('X-HubSpot-RateLimit-Interval-Milliseconds', String(limit.intervalMs));
    res.setHeader('X-HubSpot-RateLimit-Max', String(limit.max));
    res.setHeader('X-HubSpot-RateLimit-Remaining', String(limit.max - this.burstLog.length));
    res.setHeader('X-HubSpot-RateLimit-Secondly', String(perSecond));
    res.setHeader(
      'X-HubSpot-RateLimit-Secondly-Remaining',
      String(Math.max(0, perSecond - this.burstLog.filter((t) => t > now - 1000).length)),
    );
    return allowed;
  }

  /** Up to `n` objects with an id above `after`, by id. */
  private sortedAfter(type: string, after: number, n: number, archived = false): FakeObject[] {
    const store = this.objects[type];
    let ids = this.sortedCache.get(type);
    if (!ids || ids.length !== store.size) {
      ids = [...store.values()].sort(byId).map((o) => o.id);
      this.sortedCache.set(type, ids);
    }
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (Number(ids[mid]) > after) hi = mid;
      else lo = mid + 1;
    }
    const out: FakeObject[] = [];
    for (let i = lo; i < ids.length && out.length < n; i++) {
      const obj = store.get(ids[i]);
      if (obj && !!obj.archived === archived) out.push(obj);
    }
    return out;
  }

  /** The object as the API returns it: the asked properties plus hs_object_id. */
  private wire(o: FakeObject, props: string[]) {
    const properties: Record<string, string | null> = { hs_object_id: o.id };
    for (const p of props) properties[p] = o.properties[p] ?? null;
    return {
      id: o.id,
      properties,
      createdAt: o.createdAt,
      updatedAt: o.updatedAt,
      archived: !!o.archived,
      ...(o.archived ? { archivedAt: o.archivedAt ?? o.updatedAt } : {}),
    };
  }

  // --- Beyond the objects API: owners, pipelines, associations, OAuth, faults ----------------

  /** The next `n` requests get a 502. */
  failNext(n = 1): void {
    this.serverErrors += n;
  }

  /** The next `n` requests get a 200 whose body lacks `results` (a broken proxy, an outage page). */
  malformNext(n = 1): void {
    this.malformed += n;
  }

  /** The next `n` requests are never answered (the client's timeout fires). */
  stallNext(n = 1): void {
    this.stalls += n;
  }

  /** The current token expires: it gets 401 EXPIRED_AUTHENTICATION from now on. */
  expireToken(): void {
    this.expiredTokens.add(this.token);
  }

  /** Archives a record as HubSpot does (updatedAt moves); `restore` brings it back. */
  archive(type: string, id: string, at: string, restore = false): void {
    const o = this.objects[type].get(id);
    if (!o) throw new Error(`no ${type} ${id}`);
    o.archived = !restore;
    o.archivedAt = restore ? undefined : at;
    o.updatedAt = at;
  }

  /** Associates two records both ways, as HubSpot does (typeIds of the HubSpot-defined types). */
  associate(
    fromType: string,
    fromId: string,
    toType: string,
    toId: string,
    types: FakeAssociation['associationTypes'],
  ): void {
    const add = (a: string, aId: string, b: string, bId: string) => {
      const key = `${a}/${b}/${aId}`;
      const list = (this.associations.get(key) ?? []).filter((x) => String(x.toObjectId) !== bId);
      list.push({ toObjectId: Number(bId), associationTypes: types });
      this.associations.set(key, list);
    };
    add(fromType, fromId, toType, toId);
    add(toType, toId, fromType, fromId);
  }

  dissociate(fromType: string, fromId: string, toType: string, toId: string): void {
    const drop = (a: string, aId: string, b: string, bId: string) => {
      const key = `${a}/${b}/${aId}`;
      this.associations.set(
        key,
        (this.associations.get(key) ?? []).filter((x) => String(x.toObjectId) !== bId),
      );
    };
    drop(fromType, fromId, toType, toId);
    drop(toType, toId, fromType, fromId);
  }

  /** Routes other than the objects API; false when the path is not one of them. */
  private extraRoute(
    method: string,
    path: string,
    query: Record<string, string>,
    body: unknown,
    send: (status: number, payload: unknown) => void,
  ): boolean {
    if (method === 'GET' && path === '/crm/v3/owners') {
      // limit up to 500 on this endpoint; `after` is the last id of the previous page.
      const limit = Number(query.limit ?? 100);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
        send(400, { status: 'error', message: 'limit must be between 1 and 500' });
        return true;
      }
      const after = query.after !== undefined ? Number(query.after) : -Infinity;
      const archived = query.archived === 'true';
      const rows = [...this.owners.values()]
        .filter((o) => Number(o.id) > after && o.archived === archived)
        .sort((a, b) => Number(a.id) - Number(b.id));
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      send(200, {
        results: page,
        ...(rows.length > limit && last ? { paging: { next: { after: last.id } } } : {}),
      });
      return true;
    }
    if (method === 'GET' && path === '/crm/v3/pipelines/deals') {
      send(200, { results: this.pipelines });
      return true;
    }
    const batch = /^\/crm\/v4\/associations\/([^/]+)\/([^/]+)\/batch\/read$/.exec(path);
    if (method === 'POST' && batch) {
      send(...this.batchRead(batch[1], batch[2], body));
      return true;
    }
    return false;
  }

  /**
   * POST /crm/v4/associations/{from}/{to}/batch/read: per input, its associations from `after`
   * on, at most `associationPageSize`, with `paging.next.after` when more remain. Records
   * without associations are reported under `errors` with a 207, as HubSpot does.
   */
  private batchRead(from: string, to: string, body: unknown): [number, unknown] {
    const inputs = (body as { inputs?: Array<{ id?: string; after?: string }> })?.inputs;
    if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > 1000) {
      return [400, { status: 'error', message: 'inputs must hold 1 to 1000 items' }];
    }
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const input of inputs) {
      const id = String(input.id);
      const all = this.associations.get(`${from}/${to}/${id}`) ?? [];
      if (all.length === 0) {
        errors.push({
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          message: `No ${to} is associated with ${from} ${id}.`,
          context: { fromObjectId: [id] },
        });
        continue;
      }
      const offset = input.after ? Number(Buffer.from(input.after, 'base64').toString()) : 0;
      const page = all.slice(offset, offset + this.associationPageSize);
      const next = offset + this.associationPageSize;
      results.push({
        from: { id },
        to: page,
        ...(next < all.length
          ? { paging: { next: { after: Buffer.from(String(next)).toString('base64') } } }
          : {}),
      });
    }
    const at = new Date(0).toISOString();
    return errors.length
      ? [
          207,
          {
            status: 'COMPLETE',
            results,
            numErrors: errors.length,
            errors,
            startedAt: at,
            completedAt: at,
          },
        ]
      : [200, { status: 'COMPLETE', results, startedAt: at, completedAt: at }];
  }

  /** POST /oauth/v1/token (form-encoded): a refresh_token grant issues a new access token. */
  private token_(raw: string, send: (status: number, payload: unknown) => void): void {
    const form = new URLSearchParams(raw);
    const o = this.oauth;
    if (
      !o ||
      form.get('grant_type') !== 'refresh_token' ||
      form.get('client_id') !== o.clientId ||
      form.get('client_secret') !== o.clientSecret ||
      form.get('refresh_token') !== o.refreshToken
    ) {
      return send(400, {
        status: 'BAD_REFRESH_TOKEN',
        message: 'missing or unknown refresh token',
      });
    }
    this.token = `${this.token}-refreshed`;
    send(200, {
      token_type: 'bearer',
      refresh_token: o.refreshToken,
      access_token: this.token,
      expires_in: 1800,
    });
  }
}

const EXPIRED = {
  status: 'error',
  message: 'The OAuth token used to make this call expired 0 second(s) ago.',
  correlationId: '019cd9fe-d093-7d4f-99bc-45975fdcf7c6',
  category: 'EXPIRED_AUTHENTICATION',
  context: { 'expire time': ['2026-03-10T23:04:41.164Z'] },
};

/** HubSpot's default deal pipeline, as GET /crm/v3/pipelines/deals returns it. */
const DEFAULT_PIPELINE = {
  id: 'default',
  label: 'Sales Pipeline',
  displayOrder: 0,
  archived: false,
  createdAt: '2024-01-01T00:00:00Z',
  updatedAt: '2024-01-01T00:00:00Z',
  stages: [
    ['appointmentscheduled', 'Appointment Scheduled', 'false', '0.2'],
    ['qualifiedtobuy', 'Qualified To Buy', 'false', '0.4'],
    ['contractsent', 'Contract Sent', 'false', '0.9'],
    ['closedwon', 'Closed Won', 'true', '1.0'],
    ['closedlost', 'Closed Lost', 'true', '0.0'],
  ].map(([id, label, isClosed, probability], displayOrder) => ({
    id,
    label,
    displayOrder,
    metadata: { isClosed, probability },
    archived: false,
    createdAt: '2024-01-01T00:00:00Z',
    updatedAt: '2024-01-01T00:00:00Z',
    writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
  })),
};

export function fakeContact(i: number, updatedAt: string): FakeObject {
  return {
    id: String(1000 + i),
    properties: {
      firstname: `First${i}`,
      lastname: `Last${i}`,
      email: `contact${i}@example.com`,
      phone: `+1303555${String(i).padStart(4, '0')}`,
      jobtitle: i % 2 ? 'Buyer' : 'CFO',
    },
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt,
  };
}

/** Deal i is won when i % 3 == 0, lost when i % 3 == 1, else open in its first stage. */
export function fakeDeal(i: number, updatedAt: string): FakeObject {
  const stage = ['closedwon', 'closedlost', 'appointmentscheduled'][i % 3];
  return {
    id: String(5000 + i),
    properties: {
      dealname: `Deal ${i}`,
      amount: String(1000 + i * 1.5),
      dealstage: stage,
      pipeline: 'default',
      closedate: '2025-03-01T00:00:00.000Z',
      createdate: '2024-01-01T00:00:00.000Z',
      hubspot_owner_id: '',
      hs_is_closed_won: i % 3 === 0 ? 'true' : 'false',
      hs_is_closed: i % 3 !== 2 ? 'true' : 'false',
      hs_manual_forecast_category: i % 2 ? 'COMMIT' : '',
    },
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt,
  };
}

export function fakeCompany(i: number, updatedAt: string): FakeObject {
  return {
    id: String(9000 + i),
    properties: {
      name: `Company ${i}`,
      industry: 'COMPUTER_SOFTWARE',
      numberofemployees: String(10 + i),
      annualrevenue: String(100000 + i),
      country: 'United States',
    },
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt,
  };
}
