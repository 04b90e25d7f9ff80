import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthRecomputeService } from '../../../src/modules/pipeline/health-recompute.service';
import { PipelineClock } from '../../../src/modules/pipeline/pipeline-clock';
import { ConnectionsService } from '../../../src/modules/sync/connections/connections.service';
import { SyncService } from '../../../src/modules/sync/sync.service';
import { daysBefore } from '../../support/crm-builder';
import { createClient, startTestApp, TestApp } from '../../support/test-app';
import { waitFor } from '../../support/wait';

const MAPPINGS = {
  users: {
    file: 'users.csv',
    records: [{ external_id: 'id', fields: { name: 'name', role: { value: 'rep' } } }],
  },
  contacts: {
    file: 'contacts.csv',
    records: [{ external_id: 'id', fields: { first_name: 'first', last_name: 'last' } }],
  },
  opportunities: {
    file: 'deals.csv',
    records: [
      {
        external_id: 'id',
        fields: {
          name: 'name',
          stage: 'stage',
          status: 'status',
          amount: { column: 'amount', as: 'money' },
          next_step: 'next_step',
          owner_external_id: 'owner',
        },
        changed_at: 'changed_at',
      },
    ],
  },
  activities: {
    file: 'activities.csv',
    records: [
      {
        external_id: 'id',
        fields: {
          type: 'type',
          direction: 'direction',
          occurred_at: 'occurred_at',
          opportunity_external_id: 'deal',
          contact_external_id: 'contact',
        },
      },
    ],
  },
};

/**
 * Health and alerts follow syncs: a CSV sync whose build commits enqueues the recompute, which
 * publishes deal.health_changed and alert.* exactly once per change. "Now" is pinned.
 */
describe('Pipeline after a sync (acceptance 4)', () => {
  let t: TestApp;
  let dir: string;
  let workspaceId: string;
  let connectionId: string;
  const now = new Date('2026-03-10T12:00:00Z');

  const writeActivities = (rows: Array<[string, number, string]>) =>
    writeFileSync(
      join(dir, 'activities.csv'),
      ['id,type,direction,occurred_at,deal,contact']
        .concat(
          rows.map(
            ([id, days, contact]) => `${id},call,outbound,${daysBefore(now, days)},D1,${contact}`,
          ),
        )
        .join('\n'),
    );
  const sync = () =>
    t.app.get(SyncService).runNow({
      workspaceId,
      provider: 'csv',
      entity: 'all',
      connectionId,
      options: {},
      trigger: 'cli',
    });
  const events = async (type: string) =>
    (
      await t.dataSource.query(
        `SELECT payload FROM domain_events WHERE workspace_id = $1 AND type = $2 ORDER BY occurred_at, id`,
        [workspaceId, type],
      )
    ).map((r: { payload: Record<string, unknown> }) => r.payload);
  /** Until no recompute job is waiting or running. */
  const recomputeIdle = () =>
    waitFor(async () => {
      const [row] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'pipeline.recompute' AND state IN ('created', 'retry', 'active')`,
      );
      return row.n === 0;
    }, 'the health recompute to finish');
  const health = async () =>
    (
      await t.dataSource.query(
        `SELECT d.health_status, d.health_score FROM pipeline_deals d WHERE d.workspace_id = $1`,
        [workspaceId],
      )
    )[0];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revops-pipeline-'));
    writeFileSync(join(dir, 'users.csv'), 'id,name\nrep-1,Rep One\n');
    writeFileSync(join(dir, 'contacts.csv'), 'id,first,last\nc1,Ann,Lee\nc2,Bob,Ray\nc3,Cat,Poe\n');
    writeFileSync(
      join(dir, 'deals.csv'),
      `id,name,stage,status,amount,next_step,owner,changed_at\nD1,Acme - Platform,Negotiation,open,50000,Send contract,rep-1,${daysBefore(now, 5)}\n`,
    );
    writeActivities([
      ['old', 40, 'c1'],
      ['a1', 4, 'c1'],
      ['a2', 3, 'c2'],
      ['a3', 2, 'c3'],
      ['a4', 1.5, 'c1'],
      ['a5', 1, 'c2'],
    ]);
    t = await startTestApp();
    jest.spyOn(t.app.get(PipelineClock), 'now').mockReturnValue(now);
    workspaceId = (await createClient(t)).workspaceId;
    connectionId = (
      await t.app.get(ConnectionsService).create(workspaceId, {
        provider: 'csv',
        name: 'crm export',
        settings: { folder: dir, entities: MAPPINGS },
      })
    ).id;
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let before: number;

  it('scores the deal after the first sync: healthy, no alert', async () => {
    const runs = await sync();
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    await waitFor(async () => (await health())?.health_status, 'the deal to be scored');
    await recomputeIdle();
    await t.app.get(HealthRecomputeService).recompute(workspaceId);
    expect(await health()).toEqual({ health_status: 'healthy', health_score: 100 });
    expect(await events('alert.triggered')).toEqual([]);
    // Each run of the sync (users, contacts, deals, activities) that changed data enqueued a
    // recompute: one that ran between the deal and its activities saw a deal without activity.
    before = (await events('deal.health_changed')).length;
  });

  it('a sync that removes the recent activity moves the deal to critical: exactly one deal.health_changed, one stale alert', async () => {
    writeActivities([['old', 40, 'c1']]);
    const runs = await sync();
    expect(runs.find((r) => r.entity === 'activities')).toMatchObject({ deleted: 5 });
    await waitFor(async () => (await events('deal.health_changed')).length > before, 'the event');
    await recomputeIdle();
    // Recency 0, velocity 1 (5 of a default 30 days), engagement 0, one of 2 contacts: 25 + 10.
    expect(await health()).toEqual({ health_status: 'critical', health_score: 35 });
    const changed = (await events('deal.health_changed')).slice(before);
    expect(changed).toEqual([
      {
        opportunity_id: expect.any(String),
        crm_id: 'D1',
        previous_status: 'healthy',
        new_status: 'critical',
        health_score: 35,
        previous_score: 100,
        computed_at: now.toISOString(),
      },
    ]);
    const triggered = await events('alert.triggered');
    expect(triggered).toEqual([
      expect.objectContaining({
        crm_id: 'D1',
        alert_type: 'stale',
        severity: 'critical',
        message: 'No activity in 40 days',
        triggered_at: now.toISOString(),
        resolved_at: null,
      }),
    ]);

    // Recomputing again (nightly, another build) changes nothing and publishes nothing.
    await t.app.get(HealthRecomputeService).recompute(workspaceId);
    expect(await events('deal.health_changed')).toHaveLength(before + 1);
    expect(await events('alert.triggered')).toHaveLength(1);
    const hygiene = await t.dataSource.query(
      `SELECT alert_type, severity, status FROM pipeline_alerts WHERE workspace_id = $1`,
      [workspaceId],
    );
    expect(hygiene).toEqual([{ alert_type: 'stale', severity: 'critical', status: 'triggered' }]);
  });

  it('resolves the stale alert once when activity arrives', async () => {
    writeActivities([
      ['old', 40, 'c1'],
      ['new', 0.5, 'c2'],
    ]);
    await sync();
    await waitFor(async () => (await events('alert.resolved')).length > 0, 'the alert to resolve');
    await recomputeIdle();
    await t.app.get(HealthRecomputeService).recompute(workspaceId);
    const [triggered] = await events('alert.triggered');
    expect(await events('alert.resolved')).toEqual([
      { ...triggered, resolved_at: now.toISOString() },
    ]);
    expect(await events('alert.triggered')).toHaveLength(1);
    expect(
      await t.dataSource.query(
        `SELECT status, resolved_at FROM pipeline_alerts WHERE workspace_id = $1`,
        [workspaceId],
      ),
    ).toEqual([{ status: 'resolved', resolved_at: now }]);
    // Recency back to 1, engagement 1 of 4, 2 contacts: 30 + 25 + 6.25 + 20 = 81.25.
    expect(await health()).toEqual({ health_status: 'healthy', health_score: 81 });
    expect(
      (await events('deal.health_changed'))
        .slice(before)
        .map((e: Record<string, unknown>) => e.new_status),
    ).toEqual(['critical', 'healthy']);
  });
});
