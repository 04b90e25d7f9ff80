import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Covering indexes for the forecast and coaching reads (docs/FORECAST.md, "Indexes"): each
 * read of a period's deals, of a deal's state at an instant and of a closed deal's contacts and
 * activities becomes an index-only scan instead of one heap fetch per row. Partial on
 * `deleted_at IS NULL` where the reads exclude soft-deleted rows.
 */
export class ForecastReadIndexes1764158400000 implements MigrationInterface {
  name = 'ForecastReadIndexes1764158400000';

  async up(q: QueryRunner): Promise<void> {
    // Deals closing in a period, with every column the summary, the snapshot and coaching read.
    await q.query(`DROP INDEX opportunities_close_idx`);
    await q.query(`DROP INDEX opportunities_owner_close_idx`);
    await q.query(
      `CREATE INDEX opportunities_close_idx ON opportunities (workspace_id, close_date)
       INCLUDE (id, status, stage, forecast_category, probability, amount, owner_id, segment, account_id, created_date)
       WHERE deleted_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX opportunities_owner_close_idx ON opportunities (workspace_id, owner_id, close_date)
       INCLUDE (id, status, stage, forecast_category, probability, amount, segment, account_id, created_date)
       WHERE deleted_at IS NULL`,
    );
    // A deal's state at an instant (the changes view): the latest row before it, in the order
    // the services use, with the state's columns.
    await q.query(
      `CREATE INDEX opportunity_stage_history_state_idx ON opportunity_stage_history
         (workspace_id, opportunity_id, changed_at DESC, created_at DESC, id DESC)
       INCLUDE (stage, status, amount, close_date, forecast_category, probability)`,
    );
    // The deals ever expected to close in a period (the changes view's candidates).
    await q.query(`DROP INDEX opportunity_stage_history_close_idx`);
    await q.query(
      `CREATE INDEX opportunity_stage_history_close_idx ON opportunity_stage_history (workspace_id, close_date)
       INCLUDE (opportunity_id)`,
    );
    // Trends and accuracy read category totals per day and close month.
    await q.query(`DROP INDEX forecast_snapshots_day_idx`);
    await q.query(
      `CREATE INDEX forecast_snapshots_day_idx ON forecast_snapshots (workspace_id, grain, snapshot_date, close_month)
       INCLUDE (category, amount, deal_count)`,
    );
    // Contacts and activities counted per closed deal (coaching insights).
    await q.query(
      `CREATE INDEX activities_live_opp_idx ON activities (workspace_id, opportunity_id) WHERE deleted_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX opportunity_contacts_live_opp_idx ON opportunity_contacts (workspace_id, opportunity_id) WHERE deleted_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX opportunity_contacts_live_opp_idx`);
    await q.query(`DROP INDEX activities_live_opp_idx`);
    await q.query(`DROP INDEX forecast_snapshots_day_idx`);
    await q.query(
      `CREATE INDEX forecast_snapshots_day_idx ON forecast_snapshots (workspace_id, grain, snapshot_date, close_month)`,
    );
    await q.query(`DROP INDEX opportunity_stage_history_close_idx`);
    await q.query(
      `CREATE INDEX opportunity_stage_history_close_idx ON opportunity_stage_history (workspace_id, close_date)`,
    );
    await q.query(`DROP INDEX opportunity_stage_history_state_idx`);
    await q.query(`DROP INDEX opportunities_owner_close_idx`);
    await q.query(`DROP INDEX opportunities_close_idx`);
    await q.query(
      `CREATE INDEX opportunities_close_idx ON opportunities (workspace_id, close_date)`,
    );
    await q.query(
      `CREATE INDEX opportunities_owner_close_idx ON opportunities (workspace_id, owner_id, close_date)`,
    );
  }
}
