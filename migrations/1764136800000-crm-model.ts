import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The canonical CRM model every analytic reads, and the sync machinery that fills it.
 * Synced tables share a shape: the connection the row came from, its id there (unique per
 * connection), the raw source record and a hash of the canonical projection (an unchanged row is
 * never rewritten), and soft deletion. References to other records are kept twice: the source's
 * external id (always) and our uuid (resolved once the target row exists).
 */
export const SYNCED = `
  connection_id uuid REFERENCES crm_connections (id) ON DELETE SET NULL,
  source varchar(40) NOT NULL,
  external_id varchar(255) NOT NULL,
  raw jsonb NOT NULL DEFAULT '{}'::jsonb,
  content_hash char(64) NOT NULL,
  synced_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()`;

/** One row per record of a connection; rows created without a connection (the API) share one space. */
export const unique = (table: string) =>
  `CREATE UNIQUE INDEX ${table}_external_key ON ${table} (workspace_id, COALESCE(connection_id, '00000000-0000-0000-0000-000000000000'::uuid), external_id)`;

export class CrmModel1764136800000 implements MigrationInterface {
  name = 'CrmModel1764136800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm_connections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        provider varchar(40) NOT NULL,
        name varchar(200) NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        credentials_encrypted text,
        schedules jsonb NOT NULL DEFAULT '{}'::jsonb,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT crm_connections_name_key UNIQUE (workspace_id, provider, name)
      )`);

    await q.query(`
      CREATE TABLE crm_users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        email varchar(320),
        title varchar(200),
        role varchar(20) NOT NULL DEFAULT 'rep',
        manager_id uuid REFERENCES crm_users (id) ON DELETE SET NULL,
        manager_external_id varchar(255),
        team varchar(200),
        office varchar(200),
        active boolean NOT NULL DEFAULT true,
        ${SYNCED},
        CONSTRAINT crm_users_role_check CHECK (role IN ('rep', 'manager', 'admin', 'other'))
      )`);
    await q.query(unique('crm_users'));
    await q.query(`CREATE INDEX crm_users_manager_idx ON crm_users (workspace_id, manager_id)`);

    await q.query(`
      CREATE TABLE accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        name varchar(300) NOT NULL,
        industry varchar(100),
        employees integer,
        annual_revenue numeric(18, 2),
        segment varchar(40),
        country varchar(100),
        year_established integer,
        parent_account_id uuid REFERENCES accounts (id) ON DELETE SET NULL,
        parent_external_id varchar(255),
        owner_id uuid REFERENCES crm_users (id) ON DELETE SET NULL,
        owner_external_id varchar(255),
        is_customer boolean NOT NULL DEFAULT false,
        arr numeric(18, 2),
        currency char(3) NOT NULL DEFAULT 'USD',
        ${SYNCED}
      )`);
    await q.query(unique('accounts'));
    await q.query(`CREATE INDEX accounts_segment_idx ON accounts (workspace_id, segment)`);
    await q.query(
      `CREATE INDEX accounts_customer_idx ON accounts (workspace_id, is_customer) WHERE is_customer`,
    );

    await q.query(`
      CREATE TABLE contacts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        account_id uuid REFERENCES accounts (id) ON DELETE SET NULL,
        account_external_id varchar(255),
        owner_id uuid REFERENCES crm_users (id) ON DELETE SET NULL,
        owner_external_id varchar(255),
        first_name varchar(150),
        last_name varchar(150),
        email varchar(320),
        phone varchar(40),
        title varchar(200),
        ${SYNCED}
      )`);
    await q.query(unique('contacts'));
    await q.query(`CREATE INDEX contacts_account_idx ON contacts (workspace_id, account_id)`);
    await q.query(`CREATE INDEX contacts_email_idx ON contacts (workspace_id, lower(email))`);
    await q.query(`CREATE INDEX contacts_phone_idx ON contacts (workspace_id, phone)`);

    await q.query(`
      CREATE TABLE products (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        family varchar(100),
        list_price numeric(18, 2),
        currency char(3) NOT NULL DEFAULT 'USD',
        active boolean NOT NULL DEFAULT true,
        ${SYNCED}
      )`);
    await q.query(unique('products'));

    await q.query(`
      CREATE TABLE opportunities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        name varchar(300) NOT NULL,
        account_id uuid REFERENCES accounts (id) ON DELETE SET NULL,
        account_external_id varchar(255),
        owner_id uuid REFERENCES crm_users (id) ON DELETE SET NULL,
        owner_external_id varchar(255),
        product_id uuid REFERENCES products (id) ON DELETE SET NULL,
        product_external_id varchar(255),
        amount numeric(18, 2),
        currency char(3) NOT NULL DEFAULT 'USD',
        stage varchar(100) NOT NULL,
        probability numeric(5, 4),
        forecast_category varchar(20),
        status varchar(10) NOT NULL,
        close_date date,
        created_date date,
        next_step text,
        segment varchar(40),
        lead_source varchar(100),
        generated_fields text[] NOT NULL DEFAULT '{}',
        ${SYNCED},
        CONSTRAINT opportunities_status_check CHECK (status IN ('open', 'won', 'lost')),
        CONSTRAINT opportunities_forecast_category_check
          CHECK (forecast_category IS NULL OR forecast_category IN ('pipeline', 'best_case', 'commit', 'closed', 'omitted')),
        CONSTRAINT opportunities_probability_check CHECK (probability IS NULL OR probability BETWEEN 0 AND 1),
        CONSTRAINT opportunities_amount_check CHECK (amount IS NULL OR amount >= 0)
      )`);
    await q.query(unique('opportunities'));
    await q.query(
      `CREATE INDEX opportunities_status_close_idx ON opportunities (workspace_id, status, close_date)`,
    );
    await q.query(
      `CREATE INDEX opportunities_owner_idx ON opportunities (workspace_id, owner_id, status)`,
    );
    await q.query(
      `CREATE INDEX opportunities_segment_idx ON opportunities (workspace_id, segment, status)`,
    );
    await q.query(`CREATE INDEX opportunities_stage_idx ON opportunities (workspace_id, stage)`);
    await q.query(
      `CREATE INDEX opportunities_account_idx ON opportunities (workspace_id, account_id)`,
    );

    await q.query(`
      CREATE TABLE opportunity_stage_history (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        opportunity_id uuid NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
        changed_at timestamptz NOT NULL,
        stage varchar(100) NOT NULL,
        status varchar(10) NOT NULL,
        amount numeric(18, 2),
        close_date date,
        forecast_category varchar(20),
        probability numeric(5, 4),
        source varchar(40) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX opportunity_stage_history_opp_idx ON opportunity_stage_history (workspace_id, opportunity_id, changed_at)`,
    );
    await q.query(
      `CREATE INDEX opportunity_stage_history_time_idx ON opportunity_stage_history (workspace_id, changed_at)`,
    );

    await q.query(`
      CREATE TABLE opportunity_contacts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        opportunity_id uuid REFERENCES opportunities (id) ON DELETE CASCADE,
        opportunity_external_id varchar(255) NOT NULL,
        contact_id uuid REFERENCES contacts (id) ON DELETE CASCADE,
        contact_external_id varchar(255) NOT NULL,
        role varchar(100),
        is_primary boolean NOT NULL DEFAULT false,
        ${SYNCED}
      )`);
    await q.query(unique('opportunity_contacts'));
    await q.query(
      `CREATE INDEX opportunity_contacts_opp_idx ON opportunity_contacts (workspace_id, opportunity_id)`,
    );
    await q.query(
      `CREATE INDEX opportunity_contacts_contact_idx ON opportunity_contacts (workspace_id, contact_id)`,
    );

    await q.query(`
      CREATE TABLE leads (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        email varchar(320),
        phone varchar(40),
        company varchar(200),
        lead_source varchar(40),
        status varchar(20) NOT NULL DEFAULT 'new',
        notes text,
        owner_id uuid REFERENCES crm_users (id) ON DELETE SET NULL,
        owner_external_id varchar(255),
        source_created_at timestamptz,
        ${SYNCED},
        CONSTRAINT leads_status_check CHECK (status IN ('new', 'contacted', 'qualified', 'converted', 'lost'))
      )`);
    await q.query(unique('leads'));
    await q.query(
      `CREATE INDEX leads_status_idx ON leads (workspace_id, status, source_created_at)`,
    );
    await q.query(`CREATE INDEX leads_phone_idx ON leads (workspace_id, phone)`);

    await q.query(`
      CREATE TABLE activities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        type varchar(10) NOT NULL,
        subject varchar(500),
        direction varchar(10),
        occurred_at timestamptz NOT NULL,
        duration_seconds integer,
        opportunity_id uuid REFERENCES opportunities (id) ON DELETE SET NULL,
        opportunity_external_id varchar(255),
        account_id uuid REFERENCES accounts (id) ON DELETE SET NULL,
        account_external_id varchar(255),
        contact_id uuid REFERENCES contacts (id) ON DELETE SET NULL,
        contact_external_id varchar(255),
        lead_id uuid REFERENCES leads (id) ON DELETE SET NULL,
        lead_external_id varchar(255),
        owner_id uuid REFERENCES crm_users (id) ON DELETE SET NULL,
        owner_external_id varchar(255),
        ${SYNCED},
        CONSTRAINT activities_type_check CHECK (type IN ('call', 'meeting', 'email', 'task', 'note', 'sms')),
        CONSTRAINT activities_direction_check CHECK (direction IS NULL OR direction IN ('inbound', 'outbound'))
      )`);
    await q.query(unique('activities'));
    await q.query(
      `CREATE INDEX activities_opp_idx ON activities (workspace_id, opportunity_id, occurred_at)`,
    );
    await q.query(
      `CREATE INDEX activities_account_idx ON activities (workspace_id, account_id, occurred_at)`,
    );
    await q.query(`CREATE INDEX activities_contact_idx ON activities (workspace_id, contact_id)`);
    await q.query(
      `CREATE INDEX activities_owner_idx ON activities (workspace_id, owner_id, occurred_at)`,
    );

    await q.query(`
      CREATE TABLE quotas (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        user_id uuid REFERENCES crm_users (id) ON DELETE CASCADE,
        user_external_id varchar(255) NOT NULL,
        period_start date NOT NULL,
        period_end date NOT NULL,
        amount numeric(18, 2) NOT NULL,
        currency char(3) NOT NULL DEFAULT 'USD',
        ${SYNCED},
        CONSTRAINT quotas_period_check CHECK (period_end >= period_start),
        CONSTRAINT quotas_amount_check CHECK (amount >= 0)
      )`);
    await q.query(unique('quotas'));
    await q.query(
      `CREATE INDEX quotas_user_period_idx ON quotas (workspace_id, user_id, period_start)`,
    );

    await q.query(`
      CREATE TABLE sync_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        connection_id uuid NOT NULL REFERENCES crm_connections (id) ON DELETE CASCADE,
        provider varchar(40) NOT NULL,
        entity varchar(60) NOT NULL,
        mode varchar(10) NOT NULL,
        trigger varchar(10) NOT NULL,
        status varchar(20) NOT NULL,
        dry_run boolean NOT NULL DEFAULT false,
        options jsonb NOT NULL DEFAULT '{}'::jsonb,
        queued_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        heartbeat_at timestamptz,
        processed integer NOT NULL DEFAULT 0,
        created integer NOT NULL DEFAULT 0,
        updated integer NOT NULL DEFAULT 0,
        unchanged integer NOT NULL DEFAULT 0,
        deleted integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        total integer,
        duration_ms integer,
        error text,
        cursor_before jsonb,
        cursor_after jsonb,
        CONSTRAINT sync_runs_mode_check CHECK (mode IN ('full', 'delta')),
        CONSTRAINT sync_runs_trigger_check CHECK (trigger IN ('cli', 'cron', 'api', 'demo')),
        CONSTRAINT sync_runs_status_check
          CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'rate_limited', 'abandoned'))
      )`);
    // The guarantee of one active run per connection and entity, across every instance.
    await q.query(
      `CREATE UNIQUE INDEX sync_runs_one_active ON sync_runs (connection_id, entity) WHERE status IN ('queued', 'running')`,
    );
    await q.query(
      `CREATE INDEX sync_runs_workspace_idx ON sync_runs (workspace_id, queued_at DESC)`,
    );

    await q.query(`
      CREATE TABLE sync_run_errors (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        run_id uuid NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
        external_id varchar(255),
        stage varchar(20) NOT NULL,
        reason text NOT NULL,
        record jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sync_run_errors_run_idx ON sync_run_errors (run_id, created_at)`);

    // Files uploaded through the admin API for the CSV engine: kept in the database so every
    // instance can read them.
    await q.query(`
      CREATE TABLE sync_files (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        connection_id uuid NOT NULL REFERENCES crm_connections (id) ON DELETE CASCADE,
        entity varchar(60) NOT NULL,
        filename varchar(255) NOT NULL,
        content bytea NOT NULL,
        sha256 char(64) NOT NULL,
        size_bytes integer NOT NULL,
        uploaded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sync_files_entity_key UNIQUE (connection_id, entity)
      )`);

    await q.query(`
      CREATE TABLE sync_cursors (
        connection_id uuid NOT NULL REFERENCES crm_connections (id) ON DELETE CASCADE,
        entity varchar(60) NOT NULL,
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        cursor jsonb NOT NULL,
        run_id uuid REFERENCES sync_runs (id) ON DELETE SET NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (connection_id, entity)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'sync_cursors',
      'sync_files',
      'sync_run_errors',
      'sync_runs',
      'quotas',
      'activities',
      'leads',
      'opportunity_contacts',
      'opportunity_stage_history',
      'opportunities',
      'products',
      'contacts',
      'accounts',
      'crm_users',
      'crm_connections',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
