import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * pipeline_deals is a read model the health recompute rewrites whole (160,000 rows on the bench),
 * and each inserted row's two foreign-key checks (workspace, deal) locked the referenced rows one
 * by one: a large share of the recompute's "scores" step. Like the forecast read models it keeps
 * no foreign keys; the recompute deletes the rows of deals that are gone, and nothing in the
 * product hard-deletes a deal or a workspace (deals are soft-deleted).
 */
export class PipelineReadModelKeys1764172800000 implements MigrationInterface {
  name = 'PipelineReadModelKeys1764172800000';

  async up(q: QueryRunner): Promise<void> {
    const constraints: Array<{ name: string }> = await q.query(
      `SELECT conname AS name FROM pg_constraint
        WHERE conrelid = 'pipeline_deals'::regclass AND contype = 'f' ORDER BY conname`,
    );
    for (const { name } of constraints)
      await q.query(`ALTER TABLE pipeline_deals DROP CONSTRAINT "${name}"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE pipeline_deals ADD FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE`,
    );
    await q.query(
      `ALTER TABLE pipeline_deals ADD FOREIGN KEY (opportunity_id) REFERENCES opportunities (id) ON DELETE CASCADE`,
    );
  }
}
