import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event outbox and outbound webhooks. An event row is written in the same transaction as the
 * change it describes; the delivery worker fans it out to matching endpoints (one delivery row
 * each) and works the deliveries like a queue (FOR UPDATE SKIP LOCKED), logging every attempt.
 */
export class EventsWebhooks1764140400000 implements MigrationInterface {
  name = 'EventsWebhooks1764140400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE domain_events (
        id varchar(40) PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        type varchar(80) NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        payload jsonb NOT NULL,
        dispatched_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX domain_events_undispatched_idx ON domain_events (occurred_at) WHERE dispatched_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX domain_events_workspace_idx ON domain_events (workspace_id, occurred_at)`,
    );

    await q.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        url text NOT NULL,
        description varchar(500),
        events text[] NOT NULL,
        secret_encrypted text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        disabled_at timestamptz,
        disabled_reason text,
        failing_since timestamptz,
        last_success_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX webhook_endpoints_workspace_idx ON webhook_endpoints (workspace_id) WHERE enabled`,
    );

    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id varchar(40) NOT NULL REFERENCES domain_events (id) ON DELETE CASCADE,
        status varchar(12) NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        last_status_code integer,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled'))
      )`);
    await q.query(
      `CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
    );
    await q.query(
      `CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (workspace_id, endpoint_id, created_at DESC)`,
    );
    await q.query(`CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id)`);

    await q.query(`
      CREATE TABLE webhook_attempts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        attempted_at timestamptz NOT NULL,
        status_code integer,
        duration_ms integer NOT NULL,
        response_excerpt text,
        error text
      )`);
    await q.query(
      `CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempted_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'webhook_attempts',
      'webhook_deliveries',
      'webhook_endpoints',
      'domain_events',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
