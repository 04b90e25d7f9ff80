import { CrmWriterService } from '../../../src/modules/crm/crm-writer.service';
import { HealthRecomputeService } from '../../../src/modules/pipeline/health-recompute.service';
import { CrmBuilder, dateBefore, daysBefore } from '../../support/crm-builder';
import { createClient, startTestApp, TestApp } from '../../support/test-app';

/**
 * The factor definitions (docs/PIPELINE.md), pinned on hand-built deals. The norms come from five
 * won deals that each spent exactly 10 days in Engaging, with an activity every 2 days (5 in the
 * stay) across 3 contacts: median stay 10 days, engagement norm 5 per 14 days, contacts norm 3,
 * recency full credit up to 2 days (median gap) and none from 9 (2 + 7, above the 2-day p90 gap).
 */
describe('Deal health: factor definitions', () => {
  let t: TestApp;
  let crm: CrmBuilder;
  const now = new Date('2026-06-15T12:00:00Z');

  const health = async (deal: string) => {
    const [row] = await t.dataSource.query(
      `SELECT d.health_score, d.health_status, d.activity_recency::float8 AS activity_recency, d.stage_velocity::float8 AS stage_velocity,
              d.engagement::float8 AS engagement, d.multi_threading::float8 AS multi_threading,
              d.points_activity_recency + d.points_stage_velocity + d.points_engagement + d.points_multi_threading AS points,
              d.points_activity_recency, d.points_stage_velocity, d.points_engagement, d.points_multi_threading,
              d.days_in_stage, d.days_since_activity, d.stage_median_days::float8 AS stage_median_days,
              d.engagement_norm::float8 AS engagement_norm, d.contacts_norm::float8 AS contacts_norm, d.engaged_contacts
         FROM pipeline_deals d JOIN opportunities o ON o.id = d.opportunity_id
        WHERE d.workspace_id = $1 AND o.external_id = $2`,
      [crm.workspaceId, deal],
    );
    return row;
  };

  const openDeal = async (id: string, stageDays: number, stage = 'Engaging') =>
    crm.write('opportunities', [
      {
        id,
        changedAt: daysBefore(now, stageDays),
        fields: {
          name: id,
          stage,
          status: 'open',
          amount: '1000.00',
          close_date: dateBefore(now, -30),
          created_date: dateBefore(now, stageDays + 3),
          owner_external_id: 'rep-1',
          account_external_id: 'acc-1',
          next_step: 'Call back',
        },
      },
    ]);

  beforeAll(async () => {
    t = await startTestApp();
    const { workspaceId } = await createClient(t);
    crm = new CrmBuilder(t.dataSource, t.app.get(CrmWriterService), workspaceId);
    await crm.write('users', [{ id: 'rep-1', fields: { name: 'Rep One', role: 'rep' } }]);
    await crm.write('accounts', [{ id: 'acc-1', fields: { name: 'Acme' } }]);
    await crm.write(
      'contacts',
      [1, 2, 3, 4, 5].map((n) => ({
        id: `c${n}`,
        fields: { first_name: 'Contact', last_name: String(n), account_external_id: 'acc-1' },
      })),
    );
    for (let w = 1; w <= 5; w++) {
      const id = `won-${w}`;
      const start = 100 + w * 20; // days before now
      const base = { name: id, amount: '5000.00', owner_external_id: 'rep-1' };
      await crm.write('opportunities', [
        {
          id,
          changedAt: daysBefore(now, start),
          fields: { ...base, stage: 'Engaging', status: 'open' },
        },
      ]);
      await crm.write('opportunities', [
        {
          id,
          changedAt: daysBefore(now, start - 10),
          fields: { ...base, stage: 'Won', status: 'won', close_date: dateBefore(now, start - 10) },
        },
      ]);
      await crm.activities(
        now,
        id,
        [0, 2, 4, 6, 8].map((d, i) => ({ daysAgo: start - d - 0.5, contact: `c${(i % 3) + 1}` })),
      );
    }

    // Fresh: 5 days in stage, 5 activities in the window, the last yesterday, 4 contacts.
    await openDeal('fresh', 5);
    await crm.activities(
      now,
      'fresh',
      [4.5, 3.5, 2.5, 1.5, 1].map((d, i) => ({ daysAgo: d, contact: `c${(i % 4) + 1}` })),
    );
    // Stale: 40 days in stage (4x the median), nothing for 30 days, one contact.
    await openDeal('stale', 40);
    await crm.activities(now, 'stale', [
      { daysAgo: 35, contact: 'c1' },
      { daysAgo: 30, contact: 'c1' },
    ]);
    // Middling: 24 days in stage (2.4x), last activity 5 days ago, 2 in the window, 2 contacts.
    await openDeal('middling', 24);
    await crm.activities(now, 'middling', [
      { daysAgo: 20, contact: 'c1' },
      { daysAgo: 9.5, contact: 'c2' },
      { daysAgo: 5.2, contact: 'c1' },
    ]);
    await t.app.get(HealthRecomputeService).recompute(crm.workspaceId, now);
  });
  afterAll(() => t.close());

  it("derives the norms from the workspace's won deals", async () => {
    expect(await health('fresh')).toMatchObject({
      stage_median_days: 10,
      engagement_norm: 5,
      contacts_norm: 3,
    });
  });

  it('scores a worked, fast, multi-threaded deal 100, and 4 engaged contacts against a norm of 3 as multi-threading 1', async () => {
    expect(await health('fresh')).toMatchObject({
      activity_recency: 1,
      stage_velocity: 1,
      engagement: 1,
      multi_threading: 1,
      engaged_contacts: 4,
      health_score: 100,
      health_status: 'healthy',
      points: 100,
    });
  });

  it('gives a deal with no activity for 30 days recency 0, and a stay of 3x the median or more velocity 0', async () => {
    const stale = await health('stale');
    expect(stale).toMatchObject({
      days_since_activity: 30,
      activity_recency: 0,
      days_in_stage: 40,
      stage_velocity: 0,
      engagement: 0,
      multi_threading: 0.3333,
      health_status: 'critical',
    });
    // 20 points x 0.3333 = 6.67: rounded to 7, all from multi-threading.
    expect(stale).toMatchObject({ health_score: 7, points_multi_threading: 7, points: 7 });
  });

  it('interpolates between the norms, and its points add up exactly to the score', async () => {
    const mid = await health('middling');
    expect(mid).toMatchObject({
      days_since_activity: 5,
      activity_recency: 0.5714, // (9 - 5) / (9 - 2)
      days_in_stage: 24,
      stage_velocity: 0.3, // (3 - 2.4) / 2
      engagement: 0.4, // 2 of 5
      multi_threading: 0.6667, // 2 of 3
    });
    // Shares 17.142 + 7.5 + 10 + 13.334 = 47.976 -> 48; floors give 47, the point left goes
    // to the largest remainder (velocity's .5).
    expect(mid).toMatchObject({
      health_score: 48,
      health_status: 'at_risk',
      points_activity_recency: 17,
      points_stage_velocity: 8,
      points_engagement: 10,
      points_multi_threading: 13,
      points: 48,
    });
  });

  it('falls back to documented defaults while a workspace has fewer than 5 won deals', async () => {
    const other = await createClient(t);
    const fresh = new CrmBuilder(t.dataSource, t.app.get(CrmWriterService), other.workspaceId);
    await fresh.write('users', [{ id: 'rep-1', fields: { name: 'Rep', role: 'rep' } }]);
    await fresh.write('opportunities', [
      {
        id: 'lonely',
        changedAt: daysBefore(now, 45),
        fields: { name: 'lonely', stage: 'Discovery', status: 'open', owner_external_id: 'rep-1' },
      },
    ]);
    await fresh.activities(now, 'lonely', [{ daysAgo: 12 }]);
    await t.app.get(HealthRecomputeService).recompute(other.workspaceId, now);
    const [row] = await t.dataSource.query(
      `SELECT stage_velocity::float8 AS v, activity_recency::float8 AS r, engagement::float8 AS e, multi_threading::float8 AS m,
              stage_median_days::float8 AS median FROM pipeline_deals WHERE workspace_id = $1`,
      [other.workspaceId],
    );
    // 45 days against a 30-day default median: (3 - 1.5) / 2; 12 days between 3 and 21: 9/18;
    // 1 activity of a default 4; no contact of a default 2.
    expect(row).toEqual({ v: 0.75, r: 0.5, e: 0.25, m: 0, median: 30 });
  });
});
