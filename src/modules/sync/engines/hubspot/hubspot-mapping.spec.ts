import {
  HUBSPOT_ENTITIES,
  mapAssociation,
  mapHubSpotObject,
  money,
  stageIndex,
} from './hubspot-mapping';

describe('HubSpot money values', () => {
  it('keeps up to 2 decimals as they are and rounds more in decimal, not through a float', () => {
    expect(money('1054', 'amount')).toBe('1054');
    expect(money('1054.5', 'amount')).toBe('1054.5');
    expect(money('0.125', 'amount')).toBe('0.13');
    expect(money('1.005', 'amount')).toBe('1.01'); // 1.005 is 1.00499... as a float
    expect(money('9007199254740993.999', 'amount')).toBe('9007199254740994.00');
    expect(money('', 'amount')).toBeNull();
    expect(() => money('12,50', 'amount')).toThrow(/amount is not a number/);
  });
});

describe('HubSpot deal stages', () => {
  // The shape of GET /crm/v3/pipelines/deals: metadata values are strings.
  const stages = stageIndex({
    results: [
      {
        id: 'default',
        label: 'Sales Pipeline',
        stages: [
          {
            id: 'qualifiedtobuy',
            label: 'Qualified To Buy',
            metadata: { isClosed: 'false', probability: '0.4' },
          },
          {
            id: '1038553758',
            label: 'Closed Won',
            metadata: { isClosed: 'true', probability: '1.0' },
          },
          {
            id: '1038553759',
            label: 'Closed Lost',
            metadata: { isClosed: 'true', probability: '0.0' },
          },
        ],
      },
      {
        id: 'renewals',
        label: 'Renewals',
        stages: [{ id: 'r1', label: 'Renewal due', metadata: {} }],
      },
    ],
  });
  const deal = (dealstage: string, extra: Record<string, string> = {}) =>
    mapHubSpotObject(
      'deals',
      { id: '1', properties: { dealname: 'D', amount: '10.50', dealstage, ...extra } },
      stages,
    ).fields;

  it('maps stage ids to labels, pipelines, probabilities and won/lost/open', () => {
    expect(deal('qualifiedtobuy')).toMatchObject({
      stage: 'Qualified To Buy',
      pipeline: 'Sales Pipeline',
      probability: '0.4',
      status: 'open',
      amount: '10.50',
    });
    expect(deal('1038553758')).toMatchObject({
      stage: 'Closed Won',
      status: 'won',
      probability: '1',
    });
    expect(deal('1038553759')).toMatchObject({
      stage: 'Closed Lost',
      status: 'lost',
      probability: '0',
    });
    expect(deal('r1')).toMatchObject({
      stage: 'Renewal due',
      pipeline: 'Renewals',
      probability: null,
    });
  });

  it('keeps the id of a stage the pipelines no longer define and trusts the deal flags', () => {
    expect(
      deal('gone', { hs_is_closed: 'true', hs_is_closed_won: 'false', pipeline: 'old' }),
    ).toMatchObject({
      stage: 'gone',
      pipeline: 'old',
      status: 'lost',
    });
  });

  it('refuses a pipelines answer without results', () => {
    expect(() => stageIndex({ status: 'error' })).toThrow(/results/);
  });
});

describe('HubSpot associations', () => {
  it('marks the primary company from the HubSpot-defined type and keeps the label', () => {
    const spec = HUBSPOT_ENTITIES.contact_company_associations;
    const primary = mapAssociation(spec, {
      from: '1001',
      toObjectId: 9001,
      associationTypes: [
        { category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' },
        { category: 'HUBSPOT_DEFINED', typeId: 279, label: null },
      ],
    });
    expect(primary).toMatchObject({
      externalId: 'contact-company:1001:9001',
      fields: {
        from_object: 'contacts',
        from_external_id: '1001',
        to_object: 'accounts',
        to_external_id: '9001',
        is_primary: true,
        label: 'Primary',
      },
    });
    const other = mapAssociation(spec, {
      from: '1001',
      toObjectId: '9002',
      associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 279, label: null }],
    });
    expect(other.fields).toMatchObject({ is_primary: false, label: null });
  });

  it('maps deal contacts to opportunity contact roles and refuses one without a target', () => {
    const spec = HUBSPOT_ENTITIES.contact_deal_associations;
    expect(
      mapAssociation(spec, {
        from: '5001',
        toObjectId: 1001,
        associationTypes: [{ category: 'USER_DEFINED', typeId: 42, label: 'Decision Maker' }],
      }),
    ).toMatchObject({
      externalId: '5001:1001',
      fields: {
        opportunity_external_id: '5001',
        contact_external_id: '1001',
        role: 'Decision Maker',
      },
    });
    expect(() => mapAssociation(spec, { from: '5001', toObjectId: null })).toThrow(/toObjectId/);
  });
});
