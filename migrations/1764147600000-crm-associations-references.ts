import { MigrationInterface, QueryRunner } from 'typeorm';
import { SYNCED, unique } from './1764136800000-crm-model';

/**
 * What the HubSpot engines need beyond the first model: a deal's pipeline; associations between
 * records (a contact or deal may belong to several companies, a meeting to several contacts and
 * deals, while each record carries one account, contact or deal: the primary association); and
 * two reference tables named after their source, the divisions and service-area zip codes the
 * integration document syncs from HubSpot custom objects.
 */
export class CrmAssociationsReferences1764147600000 implements MigrationInterface {
  name = 'CrmAssociationsReferences1764147600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE opportunities ADD COLUMN pipeline varchar(100)`);

    await q.query(`
      CREATE TABLE crm_associations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        from_object varchar(40) NOT NULL,
        from_external_id varchar(255) NOT NULL,
        to_object varchar(40) NOT NULL,
        to_external_id varchar(255) NOT NULL,
        is_primary boolean NOT NULL DEFAULT false,
        label varchar(200),
        ${SYNCED}
      )`);
    await q.query(unique('crm_associations'));
    await q.query(
      `CREATE INDEX crm_associations_from_idx ON crm_associations (workspace_id, connection_id, from_object, from_external_id)`,
    );

    await q.query(`
      CREATE TABLE hubspot_divisions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        code varchar(100),
        region varchar(200),
        status varchar(100),
        ${SYNCED}
      )`);
    await q.query(unique('hubspot_divisions'));

    await q.query(`
      CREATE TABLE hubspot_zipcodes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        zipcode varchar(20) NOT NULL,
        city varchar(200),
        county varchar(200),
        state varchar(100),
        division varchar(200),
        ${SYNCED}
      )`);
    await q.query(unique('hubspot_zipcodes'));
    await q.query(
      `CREATE INDEX hubspot_zipcodes_zipcode_idx ON hubspot_zipcodes (workspace_id, zipcode)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE hubspot_zipcodes`);
    await q.query(`DROP TABLE hubspot_divisions`);
    await q.query(`DROP TABLE crm_associations`);
    await q.query(`ALTER TABLE opportunities DROP COLUMN pipeline`);
  }
}
