import { MigrationInterface, QueryRunner } from 'typeorm';
import { SYNCED, unique } from './1764136800000-crm-model';

/**
 * Reference data of the Genius and CallRail sources that has no home in the canonical CRM model:
 * Genius divisions and division groups (the customer's branches and regions), CallRail accounts,
 * companies (the tracked businesses, not customer accounts), trackers and tags. Named after their
 * source on purpose: they describe that source's configuration, and a generic table for other
 * CRMs' custom objects stays free to be designed on its own. Each table has the synced-row shape
 * of the CRM model (connection, external id, raw record, content hash, soft deletion).
 */
const COMMON = `
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  ${SYNCED}`;

const TABLES: Record<string, string> = {
  genius_division_groups: `
    name varchar(255) NOT NULL,
    region varchar(100),
    time_zone varchar(64),
    active boolean NOT NULL DEFAULT true`,
  genius_divisions: `
    name varchar(255) NOT NULL,
    abbreviation varchar(50),
    group_id uuid REFERENCES genius_division_groups (id) ON DELETE SET NULL,
    group_external_id varchar(255),
    region_id varchar(100),
    active boolean NOT NULL DEFAULT true`,
  callrail_accounts: `
    name varchar(255) NOT NULL,
    hipaa_account boolean,
    outbound_recording_enabled boolean`,
  callrail_companies: `
    name varchar(255) NOT NULL,
    status varchar(40),
    time_zone varchar(64),
    disabled_at timestamptz`,
  callrail_trackers: `
    name varchar(255) NOT NULL,
    type varchar(40),
    status varchar(40),
    source_type varchar(100),
    destination_number varchar(40),
    tracking_numbers text,
    company_id uuid REFERENCES callrail_companies (id) ON DELETE SET NULL,
    company_external_id varchar(255),
    disabled_at timestamptz`,
  callrail_tags: `
    name varchar(255) NOT NULL,
    tag_level varchar(40),
    color varchar(40),
    status varchar(40),
    company_id uuid REFERENCES callrail_companies (id) ON DELETE SET NULL,
    company_external_id varchar(255)`,
};

export class SourceReferenceData1764144000000 implements MigrationInterface {
  name = 'SourceReferenceData1764144000000';

  async up(q: QueryRunner): Promise<void> {
    for (const [table, columns] of Object.entries(TABLES)) {
      await q.query(`CREATE TABLE ${table} (${COMMON},${columns})`);
      await q.query(unique(table));
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of Object.keys(TABLES).reverse()) await q.query(`DROP TABLE ${table}`);
  }
}
