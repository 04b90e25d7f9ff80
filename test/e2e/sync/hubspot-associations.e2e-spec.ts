import { EngineRegistry } from '../../../src/modules/sync/engine/engine-registry';
import type { SyncRun } from '../../../src/modules/sync/entities/sync-run.entity';
import {
  FakeAssociation,
  FakeHubSpot,
  fakeCompany,
  fakeContact,
  fakeDeal,
} from '../../support/fake-hubspot';
import { connectHubSpot, runHubSpot } from '../../support/hubspot-sync';
import { createClient, startTestApp, TestApp } from '../../support/test-app';

const TOKEN = 'test-hubspot-associations-token';

const hubspot = (typeId: number): FakeAssociation['associationTypes'][number] => ({
  category: 'HUBSPOT_DEFINED',
  typeId,
  label: null,
});
const PRIMARY_COMPANY_OF_CONTACT = [hubspot(1), hubspot(279)];
const COMPANY_OF_CONTACT = [hubspot(279)];
const PRIMARY_COMPANY_OF_DEAL = [hubspot(5), hubspot(341)];
const COMPANY_OF_DEAL = [hubspot(341)];
const CONTACT_OF_DEAL = [hubspot(3)];

/** Associations (v4 batch read, per-record paging) and `sync hubspot all` against the fake. */
describe('HubSpot engine: associations, deal stages and `all`', () => {
  let t: TestApp;
  let fake: FakeHubSpot;
  let workspaceId: string;
  let connectionId: string;
  const old = new Date(Date.now() - 60 * 60_000).toISOString();

  beforeAll(async () => {
    fake = new FakeHubSpot(TOKEN);
    await fake.start();
    for (let i = 1; i <= 3; i++) fake.put('companies', fakeCompany(i, old)); // 9001-9003
    for (let i = 0; i < 250; i++) fake.put('contacts', fakeContact(i, old)); // 1000-1249
    for (let i = 1; i <= 3; i++) fake.put('deals', fakeDeal(i, old)); // 5001-5003 (lost, open, won)
    fake.objects.deals.get('5001')!.properties.hubspot_owner_id = '71';
    const open = fakeDeal(4, old); // 5004, open in the first stage
    open.properties.dealstage = 'appointmentscheduled';
    fake.put('deals', open);
    fake.associate('contacts', '1001', 'companies', '9001', PRIMARY_COMPANY_OF_CONTACT);
    fake.associate('contacts', '1001', 'companies', '9002', COMPANY_OF_CONTACT);
    fake.associate('contacts', '1002', 'companies', '9002', PRIMARY_COMPANY_OF_CONTACT);
    fake.associate('deals', '5001', 'companies', '9003', PRIMARY_COMPANY_OF_DEAL);
    fake.associate('deals', '5001', 'companies', '9001', COMPANY_OF_DEAL);
    fake.associate('deals', '5001', 'contacts', '1001', [
      hubspot(3),
      { category: 'USER_DEFINED', typeId: 42, label: 'Decision Maker' },
    ]);
    // 150 contacts on one deal: the batch read pages that record's associations (100 + 50).
    for (let i = 100; i < 250; i++)
      fake.associate('deals', '5002', 'contacts', String(1000 + i), CONTACT_OF_DEAL);
    // A malformed association: no toObjectId.
    fake.associations.set('deals/contacts/5003', [
      { toObjectId: null as unknown as number, associationTypes: CONTACT_OF_DEAL },
    ]);
    // A meeting with two contacts and a deal: the lowest contact id becomes its contact.
    fake.put('meetings', {
      id: '7001',
      properties: {
        hs_meeting_title: 'Kickoff',
        hs_meeting_start_time: '2025-05-01T15:00:00.000Z',
        hs_meeting_end_time: '2025-05-01T16:00:00.000Z',
      },
      createdAt: old,
      updatedAt: old,
    });
    fake.associate('meetings', '7001', 'contacts', '1002', [hubspot(200)]);
    fake.associate('meetings', '7001', 'contacts', '1001', [hubspot(200)]);
    fake.associate('meetings', '7001', 'deals', '5001', [hubspot(212)]);
    fake.owners.set('71', {
      id: '71',
      email: 'owner@example.com',
      firstName: 'Olive',
      lastName: 'Owner',
      userId: 1,
      createdAt: old,
      updatedAt: old,
      archived: false,
    });
    t = await startTestApp();
    workspaceId = (await createClient(t)).workspaceId;
    connectionId = (await connectHubSpot(t, workspaceId, fake, 'associations')).id;
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });

  const run = (entity: string, full = false): Promise<SyncRun[]> =>
    runHubSpot(t, workspaceId, connectionId, entity, full);
  const accountOf = async (table: 'contacts' | 'opportunities', externalId: string) =>
    (
      await t.dataSource.query(
        `SELECT a.external_id FROM ${table} x LEFT JOIN accounts a ON a.id = x.account_id
          WHERE x.connection_id = $1 AND x.external_id = $2`,
        [connectionId, externalId],
      )
    )[0]?.external_id ?? null;
  /** Every live link of the source from live records of `from` to `to`, as from:to. */
  const sourceLinks = (from: string, to: string) =>
    [...fake.associations]
      .filter(([key]) => key.startsWith(`${from}/${to}/`))
      .flatMap(([key, list]) => {
        const id = key.split('/')[2];
        const record = fake.objects[from].get(id);
        return record && !record.archived
          ? list.filter((a) => a.toObjectId !== null).map((a) => `${id}:${a.toObjectId}`)
          : [];
      })
      .sort();
  /** The database's links equal the source's, for every association entity. */
  const expectLinksEqualToSource = async () => {
    const stored = async (sql: string) =>
      (await t.dataSource.query(sql, [connectionId])).map((r: { link: string }) => r.link).sort();
    const alive = `connection_id = $1 AND deleted_at IS NULL`;
    expect(
      await stored(
        `SELECT opportunity_external_id || ':' || contact_external_id AS link FROM opportunity_contacts WHERE ${alive}`,
      ),
    ).toEqual(sourceLinks('deals', 'contacts'));
    for (const [from, to, fromObject, toObject] of [
      ['contacts', 'companies', 'contacts', 'accounts'],
      ['deals', 'companies', 'opportunities', 'accounts'],
      ['meetings', 'contacts', 'activities', 'contacts'],
      ['meetings', 'deals', 'activities', 'opportunities'],
    ]) {
      expect(
        await stored(
          `SELECT from_external_id || ':' || to_external_id AS link FROM crm_associations
            WHERE ${alive} AND from_object = '${fromObject}' AND to_object = '${toObject}'`,
        ),
      ).toEqual(sourceLinks(from, to));
    }
  };
  const meetingLinks = async (externalId: string) => {
    const [row] = await t.dataSource.query(
      `SELECT c.external_id AS contact, o.external_id AS deal FROM activities a
         LEFT JOIN contacts c ON c.id = a.contact_id LEFT JOIN opportunities o ON o.id = a.opportunity_id
        WHERE a.connection_id = $1 AND a.external_id = $2`,
      [connectionId, externalId],
    );
    return row;
  };
  const dealContacts = async (
    deal: string,
  ): Promise<Array<{ contact_external_id: string; role: string | null; resolved: string }>> =>
    await t.dataSource.query(
      `SELECT oc.contact_external_id, oc.role, c.external_id AS resolved
           FROM opportunity_contacts oc
           JOIN opportunities o ON o.id = oc.opportunity_id
           LEFT JOIN contacts c ON c.id = oc.contact_id
          WHERE oc.connection_id = $1 AND oc.opportunity_external_id = $2 AND oc.deleted_at IS NULL
          ORDER BY oc.contact_external_id`,
      [connectionId, deal],
    );

  it('`all` runs owners, records, custom objects and meetings, then associations last', async () => {
    expect(t.app.get(EngineRegistry).entitiesOf('hubspot')).toEqual([
      'owners',
      'companies',
      'contacts',
      'deals',
      'genius_users',
      'divisions',
      'zipcodes',
      'meetings',
      'appointments',
      'contact_company_associations',
      'deal_company_associations',
      'contact_deal_associations',
      'meeting_contact_associations',
      'meeting_deal_associations',
    ]);
    const before = fake.requests.length;
    const runs = await run('all');
    // Custom objects are skipped: this connection names no object types for them.
    expect(runs.map((r) => [r.entity, r.status])).toEqual([
      ['owners', 'succeeded'],
      ['companies', 'succeeded'],
      ['contacts', 'succeeded'],
      ['deals', 'succeeded'],
      ['meetings', 'succeeded'],
      ['contact_company_associations', 'succeeded'],
      ['deal_company_associations', 'succeeded'],
      ['contact_deal_associations', 'succeeded'],
      ['meeting_contact_associations', 'succeeded'],
      ['meeting_deal_associations', 'succeeded'],
    ]);
    const byEntity = Object.fromEntries(runs.map((r) => [r.entity, r]));
    expect(byEntity.contact_company_associations).toMatchObject({ created: 3, failed: 0 });
    expect(byEntity.deal_company_associations).toMatchObject({ created: 2, failed: 0 });
    expect(byEntity.contact_deal_associations).toMatchObject({
      processed: 152,
      created: 151,
      failed: 1,
    });

    // Deal 5002's 150 contacts came in two pages of that record's associations.
    const reads = fake.requests
      .slice(before)
      .filter((r) => r.path === '/crm/v4/associations/deals/contacts/batch/read');
    const inputs = reads.flatMap(
      (r) => (r.body as { inputs: Array<{ id: string; after?: string }> }).inputs,
    );
    expect(inputs.filter((i) => i.id === '5002').map((i) => !!i.after)).toEqual([false, true]);
    const contactsOf5002 = await dealContacts('5002');
    expect(contactsOf5002).toHaveLength(150);
    expect(contactsOf5002.every((r) => r.resolved === r.contact_external_id)).toBe(true);
    expect(await dealContacts('5001')).toEqual([
      { contact_external_id: '1001', role: 'Decision Maker', resolved: '1001' },
    ]);

    // The primary company is the account; an only company too.
    expect(await accountOf('contacts', '1001')).toBe('9001');
    expect(await accountOf('contacts', '1002')).toBe('9002');
    expect(await accountOf('contacts', '1003')).toBeNull();
    expect(await accountOf('opportunities', '5001')).toBe('9003');
    // The deal's owner is the HubSpot owner synced first.
    const [owner] = await t.dataSource.query(
      `SELECT u.external_id, u.name FROM opportunities o JOIN crm_users u ON u.id = o.owner_id
        WHERE o.connection_id = $1 AND o.external_id = '5001'`,
      [connectionId],
    );
    expect(owner).toEqual({ external_id: '71', name: 'Olive Owner' });

    expect(byEntity.meeting_contact_associations).toMatchObject({ created: 2, failed: 0 });
    expect(byEntity.meeting_deal_associations).toMatchObject({ created: 1, failed: 0 });
    expect(await meetingLinks('7001')).toEqual({ contact: '1001', deal: '5001' });
    await expectLinksEqualToSource();
  });

  it('a meeting synced again keeps the contact and deal its associations give it', async () => {
    const meeting = fake.objects.meetings.get('7001')!;
    meeting.properties.hs_meeting_title = 'Kickoff (moved)';
    meeting.updatedAt = new Date(Date.now() - 1000).toISOString();
    const [meetings] = await run('meetings');
    expect(meetings).toMatchObject({ status: 'succeeded', updated: 1, failed: 0 });
    expect(await meetingLinks('7001')).toEqual({ contact: '1001', deal: '5001' });
  });

  it('a delta reads the associations of changed records: removed ones soft-deleted, accounts follow', async () => {
    const now = new Date(Date.now() - 1000).toISOString();
    // HubSpot moves a record's last-modified time when its associations change.
    fake.dissociate('deals', '5002', 'contacts', '1100');
    fake.objects.deals.get('5002')!.updatedAt = now;
    fake.dissociate('contacts', '1001', 'companies', '9001');
    fake.objects.contacts.get('1001')!.updatedAt = now;

    const [dealContactsRun] = await run('contact_deal_associations');
    expect(dealContactsRun).toMatchObject({
      mode: 'delta',
      status: 'succeeded',
      processed: 149,
      created: 0,
      updated: 0,
      unchanged: 149,
      deleted: 1,
      failed: 0,
    });
    expect(await dealContacts('5002')).toHaveLength(149);

    const [contactCompanies] = await run('contact_company_associations');
    expect(contactCompanies).toMatchObject({
      processed: 1,
      unchanged: 1,
      deleted: 1,
      failed: 0,
    });
    // Its primary company is gone: the remaining one is its account now.
    expect(await accountOf('contacts', '1001')).toBe('9002');
    await expectLinksEqualToSource();

    // A contact synced again keeps the account its associations give it.
    fake.objects.contacts.get('1001')!.properties.jobtitle = 'Head of Buying';
    const [contacts] = await run('contacts');
    expect(contacts).toMatchObject({ updated: 1, failed: 0 });
    expect(await accountOf('contacts', '1001')).toBe('9002');
  });

  it('a link added while an associations run reads is picked up by the next run', async () => {
    let added = false;
    fake.onRequest = (r) => {
      if (added || !r.path.endsWith('/deals/search')) return;
      // After this run's start: its window ends before; the next one reads it.
      added = true;
      fake.associate('deals', '5003', 'contacts', '1005', CONTACT_OF_DEAL);
      fake.objects.deals.get('5003')!.updatedAt = new Date(Date.now() + 1).toISOString();
    };
    const [during] = await run('contact_deal_associations');
    fake.onRequest = undefined;
    expect(added).toBe(true);
    expect(during).toMatchObject({ status: 'succeeded', created: 0, deleted: 0 });
    const [next] = await run('contact_deal_associations');
    // 5003's malformed link fails again; its new one is created.
    expect(next).toMatchObject({ status: 'succeeded', created: 1, deleted: 0, failed: 1 });
    expect((await dealContacts('5003')).map((r) => r.contact_external_id)).toEqual(['1005']);
    await expectLinksEqualToSource();
  });

  it('an association added without touching its record is read once the last complete read is a day old', async () => {
    // HubSpot does not always move a record's last-modified time when only its associations change.
    fake.associate('contacts', '1003', 'companies', '9003', PRIMARY_COMPANY_OF_CONTACT);
    const [quiet] = await run('contact_company_associations');
    expect(quiet).toMatchObject({ mode: 'delta', status: 'succeeded', created: 0 });
    expect(await accountOf('contacts', '1003')).toBeNull();

    const dayAgo = new Date(quiet.startedAt!.getTime() - 25 * 3_600_000).toISOString();
    await t.dataSource.query(
      `UPDATE sync_cursors SET cursor = jsonb_set(cursor, '{full_at}', to_jsonb($2::text))
        WHERE connection_id = $1 AND entity = 'contact_company_associations'`,
      [connectionId, dayAgo],
    );
    const [complete] = await run('contact_company_associations');
    expect(complete).toMatchObject({
      status: 'succeeded',
      processed: 3,
      created: 1,
      unchanged: 2,
      deleted: 0,
      failed: 0,
    });
    expect(await accountOf('contacts', '1003')).toBe('9003');
    const [{ cursor }] = await t.dataSource.query(
      `SELECT cursor FROM sync_cursors WHERE connection_id = $1 AND entity = 'contact_company_associations'`,
      [connectionId],
    );
    expect(cursor).toEqual({
      phase: 'delta',
      modified: complete.startedAt!.toISOString(),
      full_at: complete.startedAt!.toISOString(),
    });
  });

  it('a deal that changes stage keeps its account, records history and publishes deal.stage_changed', async () => {
    const deal = fake.objects.deals.get('5004')!;
    deal.properties.dealstage = 'contractsent';
    deal.properties.amount = '2500.75';
    deal.updatedAt = new Date(Date.now() - 500).toISOString();
    fake.objects.deals.get('5001')!.properties.dealname = 'Deal 1 renamed';
    fake.objects.deals.get('5001')!.updatedAt = deal.updatedAt;
    const [deals] = await run('deals');
    expect(deals).toMatchObject({ status: 'succeeded', updated: 2, failed: 0 });
    expect(await accountOf('opportunities', '5001')).toBe('9003');

    const history = await t.dataSource.query(
      `SELECT h.stage, h.status, h.amount::text AS amount, h.probability::text AS probability, h.changed_at
         FROM opportunity_stage_history h JOIN opportunities o ON o.id = h.opportunity_id
        WHERE o.connection_id = $1 AND o.external_id = '5004' ORDER BY h.changed_at`,
      [connectionId],
    );
    expect(history.map((h: { stage: string }) => h.stage)).toEqual([
      'Appointment Scheduled',
      'Contract Sent',
    ]);
    expect(history[1]).toMatchObject({ status: 'open', amount: '2500.75', probability: '0.9000' });
    expect(new Date(history[1].changed_at).toISOString()).toBe(deal.updatedAt);
    const events = await t.dataSource.query(
      `SELECT payload FROM domain_events WHERE workspace_id = $1 AND type = 'deal.stage_changed'`,
      [workspaceId],
    );
    expect(events.map((e: { payload: unknown }) => e.payload)).toEqual([
      expect.objectContaining({
        crm_id: '5004',
        previous_stage: 'Appointment Scheduled',
        new_stage: 'Contract Sent',
        amount: '2500.75',
        changed_at: deal.updatedAt,
      }),
    ]);
  });

  it('a full associations run drops the links of an archived deal', async () => {
    fake.archive('deals', '5001', new Date(Date.now() - 500).toISOString());
    const [dealCompanies] = await run('deal_company_associations', true);
    expect(dealCompanies).toMatchObject({
      mode: 'full',
      status: 'succeeded',
      processed: 0,
      deleted: 2,
      failed: 0,
    });
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM crm_associations
        WHERE connection_id = $1 AND from_object = 'opportunities' AND deleted_at IS NULL`,
      [connectionId],
    );
    expect(n).toBe(0);
    // The contacts' links are another entity's: untouched.
    const [{ m }] = await t.dataSource.query(
      `SELECT count(*)::int AS m FROM crm_associations
        WHERE connection_id = $1 AND from_object = 'contacts' AND deleted_at IS NULL`,
      [connectionId],
    );
    expect(m).toBe(3);
    // The archived deal's contacts go with that entity's own full run.
    const [dealContactsRun] = await run('contact_deal_associations', true);
    expect(dealContactsRun).toMatchObject({ status: 'succeeded', deleted: 1, failed: 1 });
    await expectLinksEqualToSource();
  });
});
