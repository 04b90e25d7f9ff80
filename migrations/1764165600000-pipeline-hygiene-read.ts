import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hygiene list without reading every open alert per request: each alert carries its deal's
 * amount and owner as the recompute saw them (the list's sort key and filter), an index serves
 * "critical first, then by amount" as a range scan, and per-workspace counts by type, severity
 * and owner answer the summary. The recompute keeps all three (health-sql.ts).
 */
export class PipelineHygieneRead1764165600000 implements MigrationInterface {
  name = 'PipelineHygieneRead1764165600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE pipeline_alerts ADD COLUMN amount numeric(18, 2), ADD COLUMN owner_id uuid`,
    );
    await q.query(`
      UPDATE pipeline_alerts al SET amount = o.amount, owner_id = o.owner_id
        FROM opportunities o WHERE o.id = al.opportunity_id`);
    await q.query(
      `CREATE INDEX pipeline_alerts_list_idx ON pipeline_alerts
         (workspace_id, (severity = 'critical') DESC, amount DESC NULLS LAST, id) WHERE status = 'triggered'`,
    );
    await q.query(`
      CREATE TABLE pipeline_alert_counts (
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        alert_type varchar(20) NOT NULL,
        severity varchar(10) NOT NULL,
        owner_id uuid,
        alerts integer NOT NULL
      )`);
    await q.query(
      `CREATE INDEX pipeline_alert_counts_workspace_idx ON pipeline_alert_counts (workspace_id)`,
    );
    await q.query(`
      INSERT INTO pipeline_alert_counts (workspace_id, alert_type, severity, owner_id, alerts)
      SELECT workspace_id, alert_type, severity, owner_id, count(*) FROM pipeline_alerts
       WHERE status = 'triggered' GROUP BY 1, 2, 3, 4`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE pipeline_alert_counts`);
    await q.query(`DROP INDEX pipeline_alerts_list_idx`);
    await q.query(`ALTER TABLE pipeline_alerts DROP COLUMN amount, DROP COLUMN owner_id`);
  }
}
