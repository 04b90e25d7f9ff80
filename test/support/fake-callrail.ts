import { ConnectionsService } from '../../src/modules/sync/connections/connections.service';
import type { TestApp } from './test-app';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A call in CallRail v3's wire format (the fields of test/fixtures/wire-formats/callrail_*). */
export interface FakeCall {
  id: string;
  answered: boolean;
  business_phone_number: string | null;
  customer_city: string;
  customer_country: string;
  customer_name: string;
  customer_phone_number: string;
  customer_state: string;
  direction: 'inbound' | 'outbound';
  duration: number;
  recording: string | null;
  recording_duration: string | null;
  recording_player: string | null;
  start_time: string;
  tracking_phone_number: string;
  voicemail: boolean;
  agent_email: string;
}

export interface FakeConversation {
  id: string;
  company_id: string;
  customer_name: string;
  customer_phone_number: string;
  tracking_phone_number: string;
  last_message_at: string;
  state: string;
  recent_messages: Array<{
    direction: 'inbound' | 'outbound';
    content: string;
    created_at: string;
  }>;
}

/** A form submission in CallRail v3's wire format (Listing All Form Submissions). */
export interface FakeFormSubmission {
  id: string;
  company_id: string;
  person_id: string;
  form_data: Record<string, string>;
  form_url: string;
  landing_page_url: string;
  referrer: string;
  referring_url: string;
  submitted_at: string;
  first_form: boolean;
  customer_name: string | null;
  customer_phone_number: string | null;
  customer_email?: string | null;
  source: string | null;
  lead_status: string | null;
}

/** Accounts, companies, users, trackers and tags: listed whole, no dates. */
export type FakeObject = Record<string, unknown> & { id: string | number };

export interface FakeRequest {
  path: string;
  query: Record<string, string>;
  status: number;
}

/** A failed answer, or `hang`: the request is held and never answered (the client must time out). */
type Fault = { status: 429 | 503; retryAfter?: number } | { hang: true };

interface Resource {
  key: string;
  rows: () => unknown[];
  /** The record's time, for resources filtered by start_date/end_date; lists have none. */
  at?: (row: unknown) => string;
}

/**
 * CallRail v3 on loopback: checks `Authorization: Token token="..."`, refuses a request without
 * start_date/end_date (the real API would silently return only 7 days, which a test cannot see),
 * filters by start_time in the window and pages with page/per_page/total_pages/total_records.
 */
export class FakeCallRail {
  readonly calls = new Map<string, FakeCall>();
  readonly conversations = new Map<string, FakeConversation>();
  readonly formSubmissions = new Map<string, FakeFormSubmission>();
  readonly accounts = new Map<string, FakeObject>();
  readonly companies = new Map<string, FakeObject>();
  readonly users = new Map<string, FakeObject>();
  readonly trackers = new Map<string, FakeObject>();
  readonly tags = new Map<string, FakeObject>();
  readonly requests: FakeRequest[] = [];
  private readonly faults: Fault[] = [];
  private readonly held = new Set<ServerResponse>();
  private server?: Server;
  url = '';

  constructor(
    readonly accountId: string,
    readonly apiKey: string,
  ) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    await new Promise<void>((resolve, reject) =>
      this.server?.close((err) => (err ? reject(err) : resolve())),
    );
  }

  /** The next request(s) fail this way, in order. */
  failNext(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams.entries());
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ path: url.pathname, query, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Token token="${this.apiKey}"`) {
      return send(401, { error: 'HTTP Token: Access denied.' });
    }
    const fault = this.faults.shift();
    if (fault && 'hang' in fault) {
      this.requests.push({ path: url.pathname, query, status: 0 });
      this.held.add(res);
      return;
    }
    if (fault) {
      return send(
        fault.status,
        { error: fault.status === 429 ? 'Too Many Requests' : 'Service Unavailable' },
        fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {},
      );
    }
    const source = this.resource(url.pathname);
    if (!source) return send(404, { error: 'Not found' });
    let rows = source.rows();
    const at = source.at;
    if (at) {
      if (!query.start_date || !query.end_date) {
        return send(400, { error: 'this fake requires start_date and end_date' });
      }
      const from = Date.parse(query.start_date);
      const to = Date.parse(query.end_date);
      if (Number.isNaN(from) || Number.isNaN(to)) return send(400, { error: 'Invalid date' });
      // A malformed time is still listed (the real API lists what it has): keep it in window.
      rows = rows
        .filter((row) => {
          const t = Date.parse(at(row));
          return Number.isNaN(t) || (t >= from && t <= to);
        })
        .sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : 0));
    }
    const perPage = Math.min(250, Number(query.per_page ?? 100));
    const page = Math.max(1, Number(query.page ?? 1));
    send(200, {
      page,
      per_page: perPage,
      total_pages: Math.ceil(rows.length / perPage),
      total_records: rows.length,
      // A page past the last one is empty, as CallRail answers it.
      [source.key]: rows.slice((page - 1) * perPage, page * perPage),
    });
  }

  private resource(path: string): Resource | undefined {
    if (path === '/v3/a.json') return { key: 'accounts', rows: () => [...this.accounts.values()] };
    const prefix = `/v3/a/${this.accountId}/`;
    if (!path.startsWith(prefix)) return undefined;
    const list = (key: string, map: Map<string, FakeObject>): Resource => ({
      key,
      rows: () => [...map.values()],
    });
    switch (path.slice(prefix.length)) {
      case 'calls.json':
        return {
          key: 'calls',
          rows: () => [...this.calls.values()],
          at: (c) => (c as FakeCall).start_time,
        };
      case 'text-messages.json':
        return {
          key: 'conversations',
          rows: () => [...this.conversations.values()],
          at: (c) => (c as FakeConversation).last_message_at,
        };
      case 'form_submissions.json':
        return {
          key: 'form_submissions',
          rows: () => [...this.formSubmissions.values()],
          at: (f) => (f as FakeFormSubmission).submitted_at,
        };
      case 'companies.json':
        return list('companies', this.companies);
      case 'users.json':
        return list('users', this.users);
      case 'trackers.json':
        return list('trackers', this.trackers);
      case 'tags.json':
        return list('tags', this.tags);
      default:
        return undefined;
    }
  }
}

/** A deterministic call; `i` picks the values. */
export function fakeCall(i: number, base = Date.parse('2025-06-01T12:00:00Z')): FakeCall {
  const phone = `+1303555${String(1000 + (i % 9000)).padStart(4, '0')}`;
  const start = new Date(base + i * 60_000);
  return {
    id: `CAL${String(i).padStart(32, '0')}`,
    answered: i % 3 !== 0,
    business_phone_number: null,
    customer_city: 'Denver',
    customer_country: 'US',
    customer_name: i % 5 === 0 ? '' : `Customer ${i}`,
    customer_phone_number: phone,
    customer_state: 'CO',
    direction: i % 4 === 0 ? 'outbound' : 'inbound',
    duration: (i * 7) % 600,
    recording: null,
    recording_duration: null,
    recording_player: null,
    // CallRail sends local time with an offset.
    start_time: start.toISOString().replace('Z', '+00:00'),
    tracking_phone_number: '+13038163491',
    voicemail: false,
    agent_email: 'agent@example.com',
  };
}

/** A CallRail connection of `workspaceId` pointed at the fake (tiny retry delays). */
export async function createCallRailConnection(
  t: TestApp,
  workspaceId: string,
  fake: FakeCallRail,
  name: string,
  settings: Record<string, unknown> = {},
  apiKey = fake.apiKey,
): Promise<string> {
  const connection = await t.app.get(ConnectionsService).create(workspaceId, {
    provider: 'callrail',
    name,
    settings: {
      base_url: fake.url,
      account_id: fake.accountId,
      retry_base_delay_ms: 1,
      ...settings,
    },
    credentials: { api_key: apiKey },
  });
  return connection.id;
}
