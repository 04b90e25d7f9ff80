/**
 * The canonical tables a sync can write, described once: each column's kind (which drives both
 * validation and the SQL cast), its defaults, references to other records by external id, and
 * which columns the demo-data generator may fill when the source leaves them empty.
 */
export type ColumnKind =
  | { type: 'string'; max: number; values?: readonly string[] }
  | { type: 'text' }
  | { type: 'money' }
  | { type: 'probability' }
  | { type: 'int'; min?: number; max?: number }
  | { type: 'bool' }
  | { type: 'date' }
  | { type: 'timestamp' }
  | { type: 'currency' };

export interface ColumnSpec {
  kind: ColumnKind;
  required?: boolean;
  default?: string | number | boolean;
  /** This column holds another record's external id; `idColumn` gets its uuid. */
  ref?: { idColumn: string; table: string };
  /** May be filled by the demo-data generator when the source has no value. */
  generatable?: boolean;
}

export interface TargetSpec {
  table: string;
  columns: Record<string, ColumnSpec>;
  /** Record a stage-history row when these columns change (opportunities). */
  historyOn?: readonly string[];
}

const str = (max: number, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  kind: { type: 'string', max },
  ...extra,
});
const ref = (table: string, idColumn: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  kind: { type: 'string', max: 255 },
  ref: { table, idColumn },
  ...extra,
});
const oneOf = (values: readonly string[], extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  kind: { type: 'string', max: 40, values },
  ...extra,
});

export const OPPORTUNITY_STATUSES = ['open', 'won', 'lost'] as const;
export const FORECAST_CATEGORIES = [
  'pipeline',
  'best_case',
  'commit',
  'closed',
  'omitted',
] as const;
export const ACTIVITY_TYPES = ['call', 'meeting', 'email', 'task', 'note', 'sms'] as const;
export const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'converted', 'lost'] as const;

export const CRM_TARGETS = {
  users: {
    table: 'crm_users',
    columns: {
      name: str(200, { required: true }),
      email: str(320),
      title: str(200),
      role: oneOf(['rep', 'manager', 'admin', 'other'], { default: 'rep' }),
      manager_external_id: ref('crm_users', 'manager_id'),
      team: str(200),
      office: str(200),
      active: { kind: { type: 'bool' }, default: true },
    },
  },
  accounts: {
    table: 'accounts',
    columns: {
      name: str(300, { required: true }),
      industry: str(100),
      employees: { kind: { type: 'int', min: 0 } },
      annual_revenue: { kind: { type: 'money' } },
      segment: str(40),
      country: str(100),
      year_established: { kind: { type: 'int', min: 1000, max: 3000 } },
      parent_external_id: ref('accounts', 'parent_account_id'),
      owner_external_id: ref('crm_users', 'owner_id'),
      is_customer: { kind: { type: 'bool' }, default: false },
      arr: { kind: { type: 'money' } },
      currency: { kind: { type: 'currency' }, default: 'USD' },
    },
  },
  contacts: {
    table: 'contacts',
    columns: {
      account_external_id: ref('accounts', 'account_id'),
      owner_external_id: ref('crm_users', 'owner_id'),
      first_name: str(150),
      last_name: str(150),
      email: str(320),
      phone: str(40),
      title: str(200),
    },
  },
  products: {
    table: 'products',
    columns: {
      name: str(200, { required: true }),
      family: str(100),
      list_price: { kind: { type: 'money' } },
      currency: { kind: { type: 'currency' }, default: 'USD' },
      active: { kind: { type: 'bool' }, default: true },
    },
  },
  opportunities: {
    table: 'opportunities',
    columns: {
      name: str(300, { required: true }),
      account_external_id: ref('accounts', 'account_id'),
      owner_external_id: ref('crm_users', 'owner_id'),
      product_external_id: ref('products', 'product_id'),
      amount: { kind: { type: 'money' }, generatable: true },
      currency: { kind: { type: 'currency' }, default: 'USD' },
      stage: str(100, { required: true }),
      pipeline: str(100),
      probability: { kind: { type: 'probability' }, generatable: true },
      forecast_category: oneOf(FORECAST_CATEGORIES, { generatable: true }),
      status: oneOf(OPPORTUNITY_STATUSES, { required: true }),
      close_date: { kind: { type: 'date' }, generatable: true },
      created_date: { kind: { type: 'date' }, generatable: true },
      next_step: { kind: { type: 'text' }, generatable: true },
      segment: str(40),
      lead_source: str(100),
    },
    historyOn: ['stage', 'status', 'amount', 'close_date', 'forecast_category'],
  },
  opportunity_contacts: {
    table: 'opportunity_contacts',
    columns: {
      opportunity_external_id: ref('opportunities', 'opportunity_id', { required: true }),
      contact_external_id: ref('contacts', 'contact_id', { required: true }),
      role: str(100),
      is_primary: { kind: { type: 'bool' }, default: false },
    },
  },
  leads: {
    table: 'leads',
    columns: {
      name: str(200, { required: true }),
      email: str(320),
      phone: str(40),
      company: str(200),
      lead_source: str(40),
      status: oneOf(LEAD_STATUSES, { default: 'new' }),
      notes: { kind: { type: 'text' } },
      owner_external_id: ref('crm_users', 'owner_id'),
      source_created_at: { kind: { type: 'timestamp' } },
    },
  },
  activities: {
    table: 'activities',
    columns: {
      type: oneOf(ACTIVITY_TYPES, { required: true }),
      subject: str(500),
      direction: oneOf(['inbound', 'outbound']),
      occurred_at: { kind: { type: 'timestamp' }, required: true },
      duration_seconds: { kind: { type: 'int', min: 0 } },
      opportunity_external_id: ref('opportunities', 'opportunity_id'),
      account_external_id: ref('accounts', 'account_id'),
      contact_external_id: ref('contacts', 'contact_id'),
      lead_external_id: ref('leads', 'lead_id'),
      owner_external_id: ref('crm_users', 'owner_id'),
    },
  },
  /**
   * A link between two records as the source keeps it (HubSpot associations): a contact or deal
   * may belong to several companies, a meeting to several contacts and deals; the primary (else
   * the first) one becomes the record's reference.
   */
  associations: {
    table: 'crm_associations',
    columns: {
      from_object: oneOf(['contacts', 'opportunities', 'activities'], { required: true }),
      from_external_id: str(255, { required: true }),
      to_object: oneOf(['accounts', 'contacts', 'opportunities'], { required: true }),
      to_external_id: str(255, { required: true }),
      is_primary: { kind: { type: 'bool' }, default: false },
      label: str(200),
    },
  },
  // HubSpot custom objects of the integration document, named after their source like the other
  // source reference data (migrations/1764147600000-crm-associations-references.ts).
  hubspot_divisions: {
    table: 'hubspot_divisions',
    columns: {
      name: str(200, { required: true }),
      code: str(100),
      region: str(200),
      status: str(100),
    },
  },
  hubspot_zipcodes: {
    table: 'hubspot_zipcodes',
    columns: {
      zipcode: str(20, { required: true }),
      city: str(200),
      county: str(200),
      state: str(100),
      division: str(200),
    },
  },
  quotas: {
    table: 'quotas',
    columns: {
      user_external_id: ref('crm_users', 'user_id', { required: true }),
      period_start: { kind: { type: 'date' }, required: true },
      period_end: { kind: { type: 'date' }, required: true },
      amount: { kind: { type: 'money' }, required: true },
      currency: { kind: { type: 'currency' }, default: 'USD' },
    },
  },
  // Source reference data with no canonical home (migrations/1764144000000-source-reference-data.ts).
  genius_division_groups: {
    table: 'genius_division_groups',
    columns: {
      name: str(255, { required: true }),
      region: str(100),
      time_zone: str(64),
      active: { kind: { type: 'bool' }, default: true },
    },
  },
  genius_divisions: {
    table: 'genius_divisions',
    columns: {
      name: str(255, { required: true }),
      abbreviation: str(50),
      group_external_id: ref('genius_division_groups', 'group_id'),
      region_id: str(100),
      active: { kind: { type: 'bool' }, default: true },
    },
  },
  callrail_accounts: {
    table: 'callrail_accounts',
    columns: {
      name: str(255, { required: true }),
      hipaa_account: { kind: { type: 'bool' } },
      outbound_recording_enabled: { kind: { type: 'bool' } },
    },
  },
  callrail_companies: {
    table: 'callrail_companies',
    columns: {
      name: str(255, { required: true }),
      status: str(40),
      time_zone: str(64),
      disabled_at: { kind: { type: 'timestamp' } },
    },
  },
  callrail_trackers: {
    table: 'callrail_trackers',
    columns: {
      name: str(255, { required: true }),
      type: str(40),
      status: str(40),
      source_type: str(100),
      destination_number: str(40),
      tracking_numbers: { kind: { type: 'text' } },
      company_external_id: ref('callrail_companies', 'company_id'),
      disabled_at: { kind: { type: 'timestamp' } },
    },
  },
  callrail_tags: {
    table: 'callrail_tags',
    columns: {
      name: str(255, { required: true }),
      tag_level: str(40),
      color: str(40),
      status: str(40),
      company_external_id: ref('callrail_companies', 'company_id'),
    },
  },
} as const satisfies Record<string, TargetSpec>;

export type CrmTarget = keyof typeof CRM_TARGETS;
export const CRM_TARGET_NAMES = Object.keys(CRM_TARGETS) as CrmTarget[];

export type FieldValue = string | number | boolean | null;

/** One canonical record as an engine produces it. */
export interface CanonicalRecord {
  externalId: string;
  /** Column (snake_case) => value; an omitted column is null (or its default). */
  fields: Record<string, FieldValue>;
  /** The source record as received, kept so a mapping can be replayed without re-fetching. */
  raw: unknown;
  /** When the source says this state began (for stage history); defaults to the save time. */
  changedAt?: string;
}

export const pgTypeOf = (kind: ColumnKind): string => {
  switch (kind.type) {
    case 'money':
    case 'probability':
      return 'numeric';
    case 'int':
      return 'int';
    case 'bool':
      return 'bool';
    case 'date':
      return 'date';
    case 'timestamp':
      return 'timestamptz';
    default:
      return 'text';
  }
};
