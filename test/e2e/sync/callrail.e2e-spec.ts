import { SyncService, TriggerRequest } from '../../../src/modules/sync/sync.service';
import {
  createCallRailConnection,
  FakeCall,
  FakeCallRail,
  fakeCall,
} from '../../support/fake-callrail';
import { createClient, startTestApp, TestApp } from '../../support/test-app';

const ACCOUNT = '227799611';
const KEY = 'test-callrail-key';
const HOUR = 3_600_000;

interface ActivityRow {
  external_id: string;
  type: string;
  subject: string | null;
  direction: string | null;
  occurred_at: Date;
  duration_seconds: number | null;
  contact_id: string | null;
  lead_id: string | null;
}

/** The CallRail engine against a fake CallRail v3 on loopback that speaks the real wire format. */
describe('CallRail engine: calls and text messages to activities', () => {
  let t: TestApp;
  let fake: FakeCallRail;
  let workspaceId: string;
  let connectionId: string;
  let contactId: string;
  let leadId: string;
  // Recent calls, so that a delta's 72 h lookback covers all of them.
  const base = Date.now() - 20 * HOUR;

  beforeAll(async () => {
    fake = new FakeCallRail(ACCOUNT, KEY);
    await fake.start();
    for (let i = 0; i < 600; i++) {
      const call = fakeCall(i, base);
      fake.calls.set(call.id, call);
    }
    const bad = { ...fakeCall(9999, base), id: 'CALBAD', start_time: 'not a date' };
    fake.calls.set(bad.id, bad);
    t = await startTestApp();
    workspaceId = (await createClient(t)).workspaceId;
    connectionId = await createCallRailConnection(t, workspaceId, fake, 'fake', {
      history_start: new Date(base - 30 * 24 * HOUR).toISOString(),
    });
    // A contact and a lead whose phones (written differently) match calls 5 and 6.
    [{ id: contactId }] = await t.dataSource.query(
      `INSERT INTO contacts (workspace_id, source, external_id, content_hash, phone)
       VALUES ($1, 'test', 'contact-1', repeat('0', 64), '(303) 555-1005') RETURNING id`,
      [workspaceId],
    );
    [{ id: leadId }] = await t.dataSource.query(
      `INSERT INTO leads (workspace_id, source, external_id, content_hash, name, phone)
       VALUES ($1, 'test', 'lead-1', repeat('0', 64), 'Lead', '303.555.1006') RETURNING id`,
      [workspaceId],
    );
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });

  const run = (entity: string, options: TriggerRequest['options'] = {}) =>
    t.app.get(SyncService).runNow({
      workspaceId,
      provider: 'callrail',
      entity,
      connectionId,
      options,
      trigger: 'cli',
    });
  const activities = async (type: string): Promise<Map<string, ActivityRow>> => {
    const rows: ActivityRow[] = await t.dataSource.query(
      `SELECT external_id, type, subject, direction, occurred_at, duration_seconds, contact_id, lead_id
         FROM activities WHERE workspace_id = $1 AND connection_id = $2 AND type = $3`,
      [workspaceId, connectionId, type],
    );
    return new Map(rows.map((r) => [r.external_id, r]));
  };
  const expectEqualToSource = async () => {
    const rows = await activities('call');
    const good = [...fake.calls.values()].filter((c) => c.id !== 'CALBAD');
    expect(rows.size).toBe(good.length);
    for (const call of good) {
      const row = rows.get(call.id);
      const who = call.customer_name || call.customer_phone_number;
      expect({
        subject: row?.subject,
        direction: row?.direction,
        occurred_at: row?.occurred_at.getTime(),
        duration_seconds: row?.duration_seconds,
      }).toEqual({
        subject: `${call.direction === 'outbound' ? 'Call to' : 'Call from'} ${who}`,
        direction: call.direction,
        occurred_at: Date.parse(call.start_time),
        duration_seconds: call.duration,
      });
    }
    return rows;
  };
  const callRequests = () => fake.requests.filter((r) => r.path.endsWith('/calls.json'));

  it('a full sync of 600 calls over 3 pages survives a 429 and a 503, reports the bad call', async () => {
    fake.failNext({ status: 429, retryAfter: 1 }, { status: 503 });
    const [result] = await run('calls');
    expect(result).toMatchObject({
      mode: 'full',
      status: 'succeeded',
      processed: 601,
      created: 600,
      updated: 0,
      failed: 1,
    });

    // The 429 and the 503 were retried: 2 failures, then the 3 pages.
    expect(callRequests().map((r) => [r.status, r.query.page])).toEqual([
      [429, '1'],
      [503, '1'],
      [200, '1'],
      [200, '2'],
      [200, '3'],
    ]);
    for (const r of callRequests()) {
      expect(r.query).toMatchObject({ per_page: '250' });
      expect(Date.parse(r.query.start_date)).toBe(Date.parse(fakeStart()));
      expect(Date.parse(r.query.end_date)).toBe(result.startedAt?.getTime());
    }

    const errors = await t.dataSource.query(
      `SELECT external_id, stage, reason FROM sync_run_errors WHERE run_id = $1`,
      [result.id],
    );
    expect(errors).toEqual([
      {
        external_id: 'CALBAD',
        stage: 'transform',
        reason: 'start_time must be an ISO 8601 date-time with a zone (got "not a date")',
      },
    ]);

    const rows = await expectEqualToSource();
    // Linked by phone number whatever the formatting; the others are left unlinked.
    expect(rows.get(fakeCall(5).id)).toMatchObject({ contact_id: contactId, lead_id: null });
    expect(rows.get(fakeCall(6).id)).toMatchObject({ contact_id: null, lead_id: leadId });
    expect([...rows.values()].filter((r) => r.contact_id || r.lead_id)).toHaveLength(2);

    const [cursor] = await t.dataSource.query(
      `SELECT cursor FROM sync_cursors WHERE connection_id = $1 AND entity = 'calls'`,
      [connectionId],
    );
    expect(cursor.cursor).toMatchObject({ page: 3, complete: true });
    expect(Date.parse(cursor.cursor.window_end)).toBe(result.startedAt?.getTime());
  });

  it('a delta re-reads the lookback: 3 changed calls updated, 2 new created, the rest untouched', async () => {
    const [{ cursor: before }] = await t.dataSource.query(
      `SELECT cursor FROM sync_cursors WHERE connection_id = $1 AND entity = 'calls'`,
      [connectionId],
    );
    const edit = (i: number, change: Partial<FakeCall>) => {
      const call = fakeCall(i, base);
      fake.calls.set(call.id, { ...call, ...change });
      return call.id;
    };
    // Post-call data arriving late: a recording, a longer duration, a resolved caller name.
    const changed = [
      edit(10, { recording: 'https://api.callrail.com/v3/a/227799611/calls/10/recording.json' }),
      edit(200, { duration: 9999 }),
      edit(450, { customer_name: 'Renamed Caller' }),
    ];
    const added = [fakeCall(700, base), fakeCall(701, base)];
    for (const call of added) fake.calls.set(call.id, call);
    const requestsBefore = callRequests().length;

    const [delta] = await run('calls');
    expect(delta).toMatchObject({
      mode: 'delta',
      status: 'succeeded',
      processed: 603,
      created: 2,
      updated: 3,
      unchanged: 597,
      failed: 1,
    });
    const written: Array<{ external_id: string }> = await t.dataSource.query(
      `SELECT external_id FROM activities WHERE workspace_id = $1 AND updated_at >= $2`,
      [workspaceId, delta.startedAt],
    );
    expect(written.map((r) => r.external_id).sort()).toEqual(
      [...changed, ...added.map((c) => c.id)].sort(),
    );
    await expectEqualToSource();

    // The window: the last window's end minus the 72 h lookback, up to this run's start.
    const sent = callRequests().slice(requestsBefore);
    expect(sent.length).toBe(3);
    for (const r of sent) {
      expect(Date.parse(r.query.start_date)).toBe(Date.parse(before.window_end) - 72 * HOUR);
      expect(Date.parse(r.query.end_date)).toBe(delta.startedAt?.getTime());
    }
  });

  it('text messages become sms activities, linked by phone', async () => {
    const at = (h: number) => new Date(Date.now() - h * HOUR).toISOString();
    fake.conversations.set('CONV1', {
      id: 'CONV1',
      company_id: 'COM1',
      customer_name: 'Texting Lead',
      customer_phone_number: '+13035551006',
      tracking_phone_number: '+13038163491',
      last_message_at: at(1),
      state: 'active',
      recent_messages: [
        { direction: 'inbound', content: 'Hi, is this available?', created_at: at(2) },
        { direction: 'outbound', content: 'Yes it is', created_at: at(1) },
      ],
    });
    const [result] = await run('text_messages');
    expect(result).toMatchObject({ status: 'succeeded', processed: 1, created: 2, failed: 0 });
    const rows = [...(await activities('sms')).values()];
    expect(rows.map((r) => [r.direction, r.subject, r.lead_id]).sort()).toEqual([
      ['inbound', 'Text from Texting Lead', leadId],
      ['outbound', 'Text to Texting Lead', leadId],
    ]);
  });

  it('an interrupted run resumes at the first uncommitted page of the same window', async () => {
    const other = await createCallRailConnection(t, workspaceId, fake, 'resume');
    const runOther = (options: TriggerRequest['options']) =>
      t.app.get(SyncService).runNow({
        workspaceId,
        provider: 'callrail',
        entity: 'calls',
        connectionId: other,
        options,
        trigger: 'cli',
      });
    const [first] = await runOther({ maxRecords: 250 });
    expect(first).toMatchObject({ mode: 'full', processed: 250, created: 250 });
    const [{ cursor }] = await t.dataSource.query(
      `SELECT cursor FROM sync_cursors WHERE connection_id = $1 AND entity = 'calls'`,
      [other],
    );
    expect(cursor).toMatchObject({ page: 1, complete: false });

    const requestsBefore = callRequests().length;
    const [rest] = await runOther({});
    expect(rest).toMatchObject({ mode: 'delta', status: 'succeeded', created: 352, failed: 1 });
    const sent = callRequests().slice(requestsBefore);
    // Pages 2 and 3 of the first run's window, not page 1 again.
    expect(sent.map((r) => [r.query.page, r.query.start_date, r.query.end_date])).toEqual([
      ['2', cursor.window_start, cursor.window_end],
      ['3', cursor.window_start, cursor.window_end],
    ]);
  });

  it('a wrong API key fails the run with CallRail named in the error', async () => {
    const other = await createCallRailConnection(t, workspaceId, fake, 'wrong key', {}, 'nope');
    const [result] = await t.app.get(SyncService).runNow({
      workspaceId,
      provider: 'callrail',
      entity: 'calls',
      connectionId: other,
      options: {},
      trigger: 'cli',
    });
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/callrail GET .*calls\.json failed with 401/);
  });

  function fakeStart(): string {
    return new Date(base - 30 * 24 * HOUR).toISOString();
  }
});
