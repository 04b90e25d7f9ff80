import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The pipeline module's tables: per-workspace settings (factor weights, status bands, alert
 * thresholds), the read model of every deal with its health score and the facts behind it
 * (rebuilt set-based after each sync build and nightly), and hygiene alerts with their lifecycle.
 */
export class Pipeline1764162000000 implements MigrationInterface {
  name = 'Pipeline1764162000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE pipeline_settings (
        workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
        weight_activity_recency numeric(5, 4) NOT NULL DEFAULT 0.30,
        weight_stage_velocity numeric(5, 4) NOT NULL DEFAULT 0.25,
        weight_engagement numeric(5, 4) NOT NULL DEFAULT 0.25,
        weight_multi_threading numeric(5, 4) NOT NULL DEFAULT 0.20,
        healthy_min smallint NOT NULL DEFAULT 75,
        monitor_min smallint NOT NULL DEFAULT 60,
        at_risk_min smallint NOT NULL DEFAULT 40,
        engagement_window_days smallint NOT NULL DEFAULT 14,
        stale_warning_days smallint NOT NULL DEFAULT 14,
        stale_critical_days smallint NOT NULL DEFAULT 21,
        past_close_critical_days smallint NOT NULL DEFAULT 14,
        next_step_critical_days smallint NOT NULL DEFAULT 14,
        recomputed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pipeline_settings_weights_check CHECK (
          weight_activity_recency >= 0 AND weight_stage_velocity >= 0 AND weight_engagement >= 0 AND weight_multi_threading >= 0
          AND weight_activity_recency + weight_stage_velocity + weight_engagement + weight_multi_threading > 0),
        CONSTRAINT pipeline_settings_bands_check CHECK (100 >= healthy_min AND healthy_min > monitor_min AND monitor_min > at_risk_min AND at_risk_min > 0),
        CONSTRAINT pipeline_settings_stale_check CHECK (stale_critical_days > stale_warning_days AND stale_warning_days > 0)
      )`);

    // One row per deal of the workspace (closed ones too, without health), as of the last
    // recompute: the list and summary endpoints filter and sort on these columns alone. Facts
    // change daily and every row is rewritten, so pages keep half their room for HOT updates.
    await q.query(`
      CREATE TABLE pipeline_deals (
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        opportunity_id uuid NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
        deal_status varchar(10) NOT NULL,
        stage varchar(100) NOT NULL,
        owner_id uuid,
        segment varchar(40),
        amount numeric(18, 2),
        close_date date,
        probability numeric(5, 4),
        days_in_stage integer,
        health_score smallint,
        health_status varchar(10),
        activity_recency numeric(5, 4),
        stage_velocity numeric(5, 4),
        engagement numeric(5, 4),
        multi_threading numeric(5, 4),
        points_activity_recency smallint,
        points_stage_velocity smallint,
        points_engagement smallint,
        points_multi_threading smallint,
        days_since_activity integer,
        last_activity_at timestamptz,
        stage_median_days numeric(8, 1),
        recent_activities integer,
        engagement_norm numeric(8, 2),
        engaged_contacts integer,
        contacts_norm numeric(6, 2),
        close_date_pushes integer,
        next_step_missing boolean,
        computed_at timestamptz NOT NULL,
        status_changed_at timestamptz,
        PRIMARY KEY (workspace_id, opportunity_id),
        CONSTRAINT pipeline_deals_health_status_check
          CHECK (health_status IS NULL OR health_status IN ('healthy', 'monitor', 'at_risk', 'critical')),
        CONSTRAINT pipeline_deals_points_check CHECK (
          health_score IS NULL OR health_score = points_activity_recency + points_stage_velocity + points_engagement + points_multi_threading)
      ) WITH (fillfactor = 50)`);
    await q.query(
      `CREATE INDEX pipeline_deals_amount_idx ON pipeline_deals (workspace_id, deal_status, amount DESC NULLS LAST, opportunity_id)`,
    );
    await q.query(
      `CREATE INDEX pipeline_deals_health_idx ON pipeline_deals (workspace_id, deal_status, health_status, amount DESC NULLS LAST, opportunity_id)`,
    );
    await q.query(
      `CREATE INDEX pipeline_deals_owner_idx ON pipeline_deals (workspace_id, owner_id, deal_status)`,
    );

    // Deal counts, amounts and score sums of the read model per status, band, owner, segment and
    // stage, rebuilt with it: the summary and the list's totals read a few hundred rows instead
    // of aggregating every deal on each request.
    await q.query(`
      CREATE TABLE pipeline_rollups (
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        deal_status varchar(10) NOT NULL,
        health_status varchar(10),
        owner_id uuid,
        segment varchar(40),
        stage varchar(100) NOT NULL,
        deals integer NOT NULL,
        amount numeric(18, 2) NOT NULL,
        score_sum bigint NOT NULL
      )`);
    await q.query(
      `CREATE INDEX pipeline_rollups_workspace_idx ON pipeline_rollups (workspace_id, deal_status)`,
    );

    await q.query(`
      CREATE TABLE pipeline_alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        opportunity_id uuid NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
        alert_type varchar(20) NOT NULL,
        severity varchar(10) NOT NULL,
        message text NOT NULL,
        status varchar(10) NOT NULL DEFAULT 'triggered',
        triggered_at timestamptz NOT NULL,
        resolved_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pipeline_alerts_type_check CHECK (alert_type IN ('stale', 'past_close', 'missing_next_step')),
        CONSTRAINT pipeline_alerts_severity_check CHECK (severity IN ('warning', 'critical')),
        CONSTRAINT pipeline_alerts_status_check CHECK (status IN ('triggered', 'resolved'))
      ) WITH (fillfactor = 70)`);
    // At most one open alert of a kind per deal: the lifecycle's guarantee; it also finds a
    // workspace's open alerts for the hygiene list.
    await q.query(
      `CREATE UNIQUE INDEX pipeline_alerts_open_key ON pipeline_alerts (workspace_id, opportunity_id, alert_type) WHERE status = 'triggered'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE pipeline_alerts`);
    await q.query(`DROP TABLE pipeline_rollups`);
    await q.query(`DROP TABLE pipeline_deals`);
    await q.query(`DROP TABLE pipeline_settings`);
  }
}
