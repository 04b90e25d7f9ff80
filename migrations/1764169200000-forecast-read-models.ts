import { MigrationInterface, QueryRunner } from 'typeorm';

/** The tables whose writes can change a forecast or coaching answer served from a read model. */
const WATCHED = [
  'opportunities',
  'opportunity_stage_history',
  'accounts',
  'activities',
  'opportunity_contacts',
  'forecast_settings',
  'forecast_stage_settings',
];

/**
 * Forecast and coaching read models (docs/FORECAST.md, "Performance"): live category totals per
 * close month, owner, segment, category and probability source; per-rep running totals by close
 * day; per closed deal its contacts, activities and seconds in each open stage; and a response
 * cache for the changes view. All are rebuilt per workspace by ForecastReadModelService.refresh.
 * The three derived tables carry no foreign key to workspaces: they are rewritten whole on each
 * refresh (100,000+ rows on the bench), where a per-row key check cost more than the rest of the
 * insert; forecast_read_state (cascading) says which workspaces have them.
 *
 * Freshness: a statement trigger on every table that feeds them records "workspace W changed in
 * transaction T" (insert-only, one row per transaction, so writers never wait on each other); the
 * refresh deletes the marks it can see before it reads, and the routes use the read models only
 * when the workspace has been refreshed and has no mark left, otherwise the direct queries.
 */
export class ForecastReadModels1764169200000 implements MigrationInterface {
  name = 'ForecastReadModels1764169200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE forecast_read_state (
        workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
        version bigint NOT NULL,
        refreshed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE forecast_read_dirty (
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        txid bigint NOT NULL,
        marked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, txid)
      )`);
    for (const [name, rows] of [
      ['forecast_mark_dirty_new', 'new_rows'],
      ['forecast_mark_dirty_old', 'old_rows'],
    ])
      await q.query(`
        CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO forecast_read_dirty (workspace_id, txid)
          SELECT DISTINCT workspace_id, txid_current() FROM ${rows}
          ON CONFLICT DO NOTHING;
          RETURN NULL;
        END $$`);
    for (const table of WATCHED) {
      for (const [event, ref, fn] of [
        ['INSERT', 'NEW TABLE AS new_rows', 'forecast_mark_dirty_new'],
        ['UPDATE', 'NEW TABLE AS new_rows', 'forecast_mark_dirty_new'],
        ['DELETE', 'OLD TABLE AS old_rows', 'forecast_mark_dirty_old'],
      ])
        await q.query(
          `CREATE TRIGGER ${table}_forecast_dirty_${event.toLowerCase()} AFTER ${event} ON ${table}
           REFERENCING ${ref} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
        );
    }

    // Category totals of the live deals per close month, at four grains like forecast_snapshots
    // (owner_segment, owner, segment, workspace); owner and segment are NULL where rolled up.
    // source = the probability source (status for closed deals).
    await q.query(`
      CREATE TABLE forecast_month_totals (
        workspace_id uuid NOT NULL,
        grain varchar(20) NOT NULL,
        owner_id uuid,
        segment varchar(40),
        close_month date NOT NULL,
        category varchar(20) NOT NULL,
        source varchar(20) NOT NULL,
        deal_count integer NOT NULL,
        amount numeric NOT NULL,
        weighted numeric,
        CONSTRAINT forecast_month_totals_grain_check CHECK (grain IN ('owner_segment', 'owner', 'segment', 'workspace'))
      )`);
    await q.query(
      `CREATE INDEX forecast_month_totals_idx ON forecast_month_totals (workspace_id, grain, owner_id, segment, close_month)`,
    );

    // Per rep (deal owner) and close day, running totals from the first day: a window's figures
    // are the row at its last day minus the row before its first.
    await q.query(`
      CREATE TABLE coaching_rep_days (
        workspace_id uuid NOT NULL,
        owner_id uuid NOT NULL,
        close_date date NOT NULL,
        deals bigint NOT NULL,
        won bigint NOT NULL,
        lost bigint NOT NULL,
        won_amount numeric NOT NULL,
        pipeline numeric NOT NULL,
        cycle_days bigint NOT NULL,
        cycle_deals bigint NOT NULL,
        PRIMARY KEY (workspace_id, owner_id, close_date)
      )`);

    // Each closed (won or lost) deal with an owner: its contact roles, activities and the
    // seconds it spent in each open stage (parallel arrays, sorted by stage). No primary key:
    // rewritten whole by each refresh, read by owner and close date.
    await q.query(`
      CREATE TABLE coaching_closed_deals (
        workspace_id uuid NOT NULL,
        opportunity_id uuid NOT NULL,
        owner_id uuid NOT NULL,
        close_date date NOT NULL,
        won boolean NOT NULL,
        contacts integer NOT NULL,
        activities integer NOT NULL,
        stages varchar(100)[] NOT NULL,
        stage_seconds numeric[] NOT NULL
      )`);
    await q.query(
      `CREATE INDEX coaching_closed_deals_owner_idx ON coaching_closed_deals (workspace_id, owner_id, close_date)`,
    );

    // The changes view's answers, per normalised question and read-model version.
    await q.query(`
      CREATE TABLE forecast_response_cache (
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        route varchar(40) NOT NULL,
        params text NOT NULL,
        version bigint NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, route, params)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE forecast_response_cache`);
    await q.query(`DROP TABLE coaching_closed_deals`);
    await q.query(`DROP TABLE coaching_rep_days`);
    await q.query(`DROP TABLE forecast_month_totals`);
    for (const table of [...WATCHED].reverse())
      for (const event of ['delete', 'update', 'insert'])
        await q.query(`DROP TRIGGER ${table}_forecast_dirty_${event} ON ${table}`);
    await q.query(`DROP FUNCTION forecast_mark_dirty_old()`);
    await q.query(`DROP FUNCTION forecast_mark_dirty_new()`);
    await q.query(`DROP TABLE forecast_read_dirty`);
    await q.query(`DROP TABLE forecast_read_state`);
  }
}
