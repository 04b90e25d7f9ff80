import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Forecast settings (fiscal calendar, stage -> category and probability mapping) and the daily
 * forecast snapshots: category totals per day, owner, segment and close month, stored by the
 * snapshot job and rebuilt from the stage history for days before the first one.
 */
export class Forecast1764154800000 implements MigrationInterface {
  name = 'Forecast1764154800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE forecast_settings (
        workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
        fiscal_year_start_month smallint NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT forecast_settings_month_check CHECK (fiscal_year_start_month BETWEEN 1 AND 12)
      )`);

    // Used for a deal whose CRM record has no forecast category or probability of its own.
    await q.query(`
      CREATE TABLE forecast_stage_settings (
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        stage varchar(100) NOT NULL,
        forecast_category varchar(20),
        probability numeric(5, 4),
        PRIMARY KEY (workspace_id, stage),
        CONSTRAINT forecast_stage_settings_category_check
          CHECK (forecast_category IS NULL OR forecast_category IN ('pipeline', 'best_case', 'commit', 'closed', 'omitted')),
        CONSTRAINT forecast_stage_settings_probability_check CHECK (probability IS NULL OR probability BETWEEN 0 AND 1)
      )`);

    // One row per workspace and day that has a snapshot: rebuilt from history, or taken live.
    await q.query(`
      CREATE TABLE forecast_snapshot_days (
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        snapshot_date date NOT NULL,
        rebuilt boolean NOT NULL,
        taken_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, snapshot_date)
      )`);

    // The state at the end of snapshot_date (UTC) of deals closing in close_month, summed per
    // owner, segment and category (grain owner_segment), and rolled up per owner, per segment and
    // for the workspace, so a trend reads a few rows a day. Owner and segment are kept as they
    // were (no foreign key).
    await q.query(`
      CREATE TABLE forecast_snapshots (
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        grain varchar(20) NOT NULL,
        snapshot_date date NOT NULL,
        owner_id uuid,
        segment varchar(40),
        close_month date NOT NULL,
        category varchar(20) NOT NULL,
        deal_count integer NOT NULL,
        amount numeric(18, 2) NOT NULL,
        weighted_amount numeric(24, 6) NOT NULL,
        CONSTRAINT forecast_snapshots_grain_check CHECK (grain IN ('owner_segment', 'owner', 'segment', 'workspace'))
      )`);
    await q.query(
      `CREATE INDEX forecast_snapshots_day_idx ON forecast_snapshots (workspace_id, grain, snapshot_date, close_month)`,
    );

    // The changes view finds the deals that were ever expected to close in a period.
    await q.query(
      `CREATE INDEX opportunity_stage_history_close_idx ON opportunity_stage_history (workspace_id, close_date)`,
    );
    // Deals closing in a period (summary, coaching), whatever their status; and by owner.
    await q.query(
      `CREATE INDEX opportunities_close_idx ON opportunities (workspace_id, close_date)`,
    );
    await q.query(
      `CREATE INDEX opportunities_owner_close_idx ON opportunities (workspace_id, owner_id, close_date)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX opportunities_owner_close_idx`);
    await q.query(`DROP INDEX opportunities_close_idx`);
    await q.query(`DROP INDEX opportunity_stage_history_close_idx`);
    for (const table of [
      'forecast_snapshots',
      'forecast_snapshot_days',
      'forecast_stage_settings',
      'forecast_settings',
    ])
      await q.query(`DROP TABLE ${table}`);
  }
}
