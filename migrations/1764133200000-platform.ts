import { MigrationInterface, QueryRunner } from 'typeorm';

/** Workspaces (tenants), API clients and keys, and the token signing keys. */
export class Platform1764133200000 implements MigrationInterface {
  name = 'Platform1764133200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workspaces (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug varchar(64) NOT NULL,
        name varchar(200) NOT NULL,
        tier varchar(20) NOT NULL,
        is_default boolean NOT NULL DEFAULT false,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT workspaces_slug_key UNIQUE (slug),
        CONSTRAINT workspaces_tier_check CHECK (tier IN ('growth', 'enterprise'))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX workspaces_single_default ON workspaces (is_default) WHERE is_default`,
    );

    await q.query(`
      CREATE TABLE api_clients (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        client_id varchar(64) NOT NULL,
        name varchar(200) NOT NULL,
        secret_hash char(64) NOT NULL,
        scopes text[] NOT NULL,
        revoked_at timestamptz,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT api_clients_client_id_key UNIQUE (client_id)
      )`);
    await q.query(`CREATE INDEX api_clients_workspace_idx ON api_clients (workspace_id)`);

    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        api_client_id uuid NOT NULL REFERENCES api_clients (id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        prefix varchar(32) NOT NULL,
        key_hash char(64) NOT NULL,
        scopes text[] NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT api_keys_prefix_key UNIQUE (prefix)
      )`);
    await q.query(`CREATE INDEX api_keys_workspace_idx ON api_keys (workspace_id, created_at)`);
    await q.query(`CREATE INDEX api_keys_client_idx ON api_keys (api_client_id)`);

    await q.query(`
      CREATE TABLE signing_keys (
        kid varchar(64) PRIMARY KEY,
        algorithm varchar(10) NOT NULL,
        public_key text NOT NULL,
        private_key_encrypted text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE signing_keys');
    await q.query('DROP TABLE api_keys');
    await q.query('DROP TABLE api_clients');
    await q.query('DROP TABLE workspaces');
  }
}
