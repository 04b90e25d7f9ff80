import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The pipeline's response cache (docs/PIPELINE.md, "Performance"): the answers of the summary
 * and of the deal list, each stored with the version of the pipeline read model it was computed
 * at. `answers_version` is bumped by every recompute, every settings change and every finished
 * sync build, in their transactions, which invalidates every stored answer at once.
 */
export class PipelineAnswerCache1764180000000 implements MigrationInterface {
  name = 'PipelineAnswerCache1764180000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE pipeline_settings ADD COLUMN answers_version bigint NOT NULL DEFAULT 1`,
    );
    await q.query(`
      CREATE TABLE pipeline_response_cache (
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
    await q.query(`DROP TABLE pipeline_response_cache`);
    await q.query(`ALTER TABLE pipeline_settings DROP COLUMN answers_version`);
  }
}
