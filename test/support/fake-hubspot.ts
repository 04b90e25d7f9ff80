import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A CRM object as HubSpot stores it; every property value is a string on the wire. */
export interface FakeObject {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface FakeHubSpotRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
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

const MODIFIED: Record<string, string> = {
  contacts: 'lastmodifieddate',
  companies: 'hs_lastmodifieddate',
  deals: 'hs_lastmodifieddate',
};
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

const byId = (a: FakeObject, b: FakeObject) => Number(a.id) - Number(b.id);

/**
 * HubSpot CRM v3 objects on loopback, in the real wire format: GET list (limit <= 100, `after`,
 * no paging on the last page) and POST search (filters GTE/LTE/GT on the last-modified property
 * and hs_object_id, sorted by id, limit <= 200, `total`), enforcing the 10,000-result cap of one
 * search query (400 for `after` >= 10000, as HubSpot does). Checks the Bearer token.
 */
export class FakeHubSpot {
  readonly objects: Record<string, Map<string, FakeObject>> = {
    contacts: new Map(),
    companies: new Map(),
    deals: new Map(),
  };
  readonly requests: FakeHubSpotRequest[] = [];
  private tenSecondly = 0;
  /** Requests still allowed before every request gets the DAILY 429; null: no daily limit. */
  private dailyAllowance: number | null = null;
  private server?: Server;
  url = '';

  constructor(
    readonly token: string,
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
    this.objects[type].set(obj.id, obj);
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
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams.entries());
    let body: unknown = undefined;
    const send = (status: number, payload: unknown) => {
      this.requests.push({ method: req.method ?? '', path: url.pathname, query, body, status });
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
      res.end(JSON.stringify(payload));
    };
    const bad = (message: string) =>
      send(400, { status: 'error', message, category: 'VALIDATION_ERROR' });
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return bad('Invalid JSON');
      }
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
      const rows = [...store.values()].filter((o) => Number(o.id) > after).sort(byId);
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
            f.propertyName === MODIFIED[type]
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
      const rows = [...store.values()].filter(matches).sort(byId);
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

  /** The object as the API returns it: the asked properties plus hs_object_id. */
  private wire(o: FakeObject, props: string[]) {
    const properties: Record<string, string | null> = { hs_object_id: o.id };
    for (const p of props) properties[p] = o.properties[p] ?? null;
    return {
      id: o.id,
      properties,
      createdAt: o.createdAt,
      updatedAt: o.updatedAt,
      archived: false,
    };
  }
}

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

export function fakeDeal(i: number, updatedAt: string): FakeObject {
  return {
    id: String(5000 + i),
    properties: {
      dealname: `Deal ${i}`,
      amount: String(1000 + i * 1.5),
      dealstage: 'appointmentscheduled',
      pipeline: 'default',
      closedate: '2025-03-01T00:00:00.000Z',
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
