import { ConnectionsService } from '../../../src/modules/sync/connections/connections.service';
import { SyncService } from '../../../src/modules/sync/sync.service';
import { CRM_DATA_DIR, fileTotals, readCsv } from '../../support/crm-data';
import { createClient, startTestApp, TestApp } from '../../support/test-app';

describe('CSV engine: importing the CRM data set', () => {
  let t: TestApp;
  let workspaceId: string;
  let connectionId: string;

  beforeAll(async () => {
    t = await startTestApp();
    workspaceId = (await createClient(t)).workspaceId;
    const connection = await t.app.get(ConnectionsService).create(workspaceId, {
      provider: 'csv',
      name: 'maven',
      settings: { folder: CRM_DATA_DIR, preset: 'maven-crm' },
    });
    connectionId = connection.id;
  });
  afterAll(() => t.close());

  const count = async (table: string) =>
    Number(
      (
        await t.dataSource.query(
          `SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = $1`,
          [workspaceId],
        )
      )[0].n,
    );

  const syncAll = () =>
    t.app.get(SyncService).runNow({
      workspaceId,
      provider: 'csv',
      entity: 'all',
      connectionId,
      options: {},
      trigger: 'cli',
    });

  it('yields exactly the file: 8,800 deals, 35 reps with managers and offices, 85 accounts, 7 products', async () => {
    const runs = await syncAll();
    expect(runs.map((r) => [r.entity, r.status])).toEqual([
      ['users', 'succeeded'],
      ['accounts', 'succeeded'],
      ['products', 'succeeded'],
      ['opportunities', 'succeeded'],
    ]);
    expect(await count('opportunities')).toBe(8800);
    expect(await count('accounts')).toBe(85);
    expect(await count('products')).toBe(7);
    const reps = await t.dataSource.query(
      `SELECT u.name, u.office, m.name AS manager FROM crm_users u LEFT JOIN crm_users m ON m.id = u.manager_id
        WHERE u.workspace_id = $1 AND u.role = 'rep' ORDER BY u.name`,
      [workspaceId],
    );
    const teams = readCsv('sales_teams.csv').sort((a, b) =>
      a.sales_agent.localeCompare(b.sales_agent),
    );
    expect(reps).toEqual(
      teams.map((r) => ({ name: r.sales_agent, office: r.regional_office, manager: r.manager })),
    );
    expect(
      await t.dataSource.query(
        `SELECT count(*)::int AS n FROM crm_users WHERE workspace_id = $1 AND role = 'manager'`,
        [workspaceId],
      ),
    ).toEqual([{ n: 6 }]);
  });

  it("publishes build.completed with the counts of each run, in the run's own transaction", async () => {
    const events = await t.dataSource.query(
      `SELECT type, payload FROM domain_events WHERE workspace_id = $1 AND type LIKE 'build.%' ORDER BY occurred_at`,
      [workspaceId],
    );
    expect(
      events.map(
        (e: { type: string; payload: { entity: string; counts: { created: number } } }) => [
          e.type,
          e.payload.entity,
          e.payload.counts.created,
        ],
      ),
    ).toEqual([
      ['build.completed', 'users', 41],
      ['build.completed', 'accounts', 85],
      ['build.completed', 'products', 7],
      ['build.completed', 'opportunities', 8800],
    ]);
  });

  it('keeps won and lost amounts to the cent of the file totals', async () => {
    const [sums] = await t.dataSource.query(
      `SELECT COALESCE(sum(amount) FILTER (WHERE status = 'won'), 0)::text AS won,
              COALESCE(sum(amount) FILTER (WHERE status = 'lost'), 0)::text AS lost
         FROM opportunities WHERE workspace_id = $1`,
      [workspaceId],
    );
    const totals = fileTotals();
    expect(BigInt(Math.round(Number(sums.won) * 100))).toBe(totals.won);
    expect(sums.won).toBe('10005534.00');
    expect(BigInt(Math.round(Number(sums.lost) * 100))).toBe(totals.lost);
  });

  it('handles the dirt: GTXPro is GTX Pro, technolgy is technology, open deals without account', async () => {
    const [gtx] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM opportunities o JOIN products p ON p.id = o.product_id
        WHERE o.workspace_id = $1 AND p.name = 'GTX Pro'`,
      [workspaceId],
    );
    expect(gtx.n).toBe(readCsv('sales_pipeline.csv').filter((r) => r.product === 'GTXPro').length);
    const [unlinked] = await t.dataSource.query(
      `SELECT count(*) FILTER (WHERE product_id IS NULL)::int AS no_product, count(*) FILTER (WHERE owner_id IS NULL)::int AS no_owner,
              count(*) FILTER (WHERE account_id IS NULL)::int AS no_account,
              count(*) FILTER (WHERE account_id IS NULL AND status <> 'open')::int AS closed_no_account
         FROM opportunities WHERE workspace_id = $1`,
      [workspaceId],
    );
    expect(unlinked).toEqual({
      no_product: 0,
      no_owner: 0,
      no_account: 1425,
      closed_no_account: 0,
    });
    const industries = await t.dataSource.query(
      `SELECT DISTINCT industry FROM accounts WHERE workspace_id = $1 ORDER BY 1`,
      [workspaceId],
    );
    expect(industries.map((r: { industry: string }) => r.industry)).toContain('technology');
    expect(industries.map((r: { industry: string }) => r.industry)).not.toContain('technolgy');
  });

  it('imports again without creating or updating anything', async () => {
    const runs = await t.app.get(SyncService).runNow({
      workspaceId,
      provider: 'csv',
      entity: 'all',
      connectionId,
      options: { full: true },
      trigger: 'cli',
    });
    for (const run of runs) {
      expect({ entity: run.entity, created: run.created, updated: run.updated }).toEqual({
        entity: run.entity,
        created: 0,
        updated: 0,
      });
    }
    expect(runs.find((r) => r.entity === 'opportunities')?.unchanged).toBe(8800);
    expect(await count('opportunities')).toBe(8800);
  });
});
