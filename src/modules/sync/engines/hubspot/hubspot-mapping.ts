import type { CanonicalRecord, CrmTarget, FieldValue } from '../../../crm/crm-targets';
import type { AssociationEnd } from '../../../crm/crm-writer.service';
import { RecordError } from '../../sync.exception';

/** A CRM object as the list and search endpoints send it: every property value is a string. */
export interface HubSpotObject {
  id: string;
  properties: Record<string, string | null | undefined>;
  createdAt?: string;
  updatedAt?: string;
  archived?: boolean;
  [key: string]: unknown;
}

/** An object read through the list and search endpoints of the CRM objects API. */
export interface HubSpotObjectSpec {
  kind: 'object';
  /** The object type in the API path; absent for custom objects, whose type id is a setting. */
  type?: string;
  target: CrmTarget;
  /** The last-modified property the delta search filters on (it differs between object types). */
  modifiedProperty: string;
  /** The properties we map; HubSpot returns only a few defaults unless asked. */
  properties: readonly string[];
  /**
   * Prefix of the external ids, for objects sharing a table with another HubSpot object whose ids
   * may be equal (genius users beside owners in crm_users, appointments beside meetings).
   */
  idPrefix?: string;
}

/** HubSpot users who own records (`hubspot_owner_id`): the owners API, not an object. */
export interface HubSpotOwnersSpec {
  kind: 'owners';
  target: CrmTarget;
}

/** The associations of one object type with another (v4 associations API). */
export interface HubSpotAssociationSpec {
  kind: 'associations';
  from: 'contacts' | 'deals' | 'meetings';
  to: 'contacts' | 'companies' | 'deals';
  target: CrmTarget;
  /**
   * For links kept in crm_associations: the canonical tables they join (the first one, or the
   * primary one, becomes the `from` record's reference to `to`), and the external-id prefix that
   * keeps each entity's rows apart.
   */
  link?: { from: AssociationEnd; to: AssociationEnd; idPrefix: string };
}

export type HubSpotEntitySpec = HubSpotObjectSpec | HubSpotOwnersSpec | HubSpotAssociationSpec;

/** Every entity, in the order `sync hubspot all` runs them: referenced records first. */
export const HUBSPOT_ENTITIES = {
  owners: { kind: 'owners', target: 'users' },
  companies: {
    kind: 'object',
    type: 'companies',
    target: 'accounts',
    modifiedProperty: 'hs_lastmodifieddate',
    properties: [
      'name',
      'industry',
      'numberofemployees',
      'annualrevenue',
      'country',
      'hubspot_owner_id',
    ],
  },
  contacts: {
    kind: 'object',
    type: 'contacts',
    target: 'contacts',
    modifiedProperty: 'lastmodifieddate',
    properties: [
      'firstname',
      'lastname',
      'email',
      'phone',
      'jobtitle',
      'associatedcompanyid',
      'hubspot_owner_id',
    ],
  },
  deals: {
    kind: 'object',
    type: 'deals',
    target: 'opportunities',
    modifiedProperty: 'hs_lastmodifieddate',
    properties: [
      'dealname',
      'amount',
      'deal_currency_code',
      'dealstage',
      'pipeline',
      'closedate',
      'createdate',
      'hubspot_owner_id',
      'hs_is_closed_won',
      'hs_is_closed',
      'hs_manual_forecast_category',
    ],
  },
  genius_users: {
    kind: 'object',
    target: 'users',
    modifiedProperty: 'hs_lastmodifieddate',
    idPrefix: 'genius_users:',
    properties: [
      'name',
      'email',
      'job_title',
      'division',
      'division_id',
      'user_id',
      'user_account_type',
      'user_status_inactive',
    ],
  },
  divisions: {
    kind: 'object',
    target: 'hubspot_divisions',
    modifiedProperty: 'hs_lastmodifieddate',
    properties: [
      'division_name',
      'label',
      'division_label',
      'division_code',
      'code',
      'region',
      'status',
    ],
  },
  zipcodes: {
    kind: 'object',
    target: 'hubspot_zipcodes',
    modifiedProperty: 'hs_lastmodifieddate',
    properties: ['zipcode', 'zip', 'city', 'county', 'state', 'division'],
  },
  meetings: {
    kind: 'object',
    type: 'meetings',
    target: 'activities',
    modifiedProperty: 'hs_lastmodifieddate',
    properties: [
      'hs_meeting_title',
      'hs_meeting_start_time',
      'hs_meeting_end_time',
      'hs_timestamp',
      'hs_meeting_outcome',
      'hubspot_owner_id',
    ],
  },
  appointments: {
    kind: 'object',
    target: 'activities',
    modifiedProperty: 'hs_lastmodifieddate',
    idPrefix: 'appointments:',
    properties: [
      'hs_appointment_name',
      'hs_appointment_start',
      'hs_appointment_end',
      'hubspot_owner_id',
    ],
  },
  contact_company_associations: {
    kind: 'associations',
    from: 'contacts',
    to: 'companies',
    target: 'associations',
    link: { from: 'contacts', to: 'accounts', idPrefix: 'contact-company:' },
  },
  deal_company_associations: {
    kind: 'associations',
    from: 'deals',
    to: 'companies',
    target: 'associations',
    link: { from: 'opportunities', to: 'accounts', idPrefix: 'deal-company:' },
  },
  contact_deal_associations: {
    kind: 'associations',
    from: 'deals',
    to: 'contacts',
    target: 'opportunity_contacts',
  },
  meeting_contact_associations: {
    kind: 'associations',
    from: 'meetings',
    to: 'contacts',
    target: 'associations',
    link: { from: 'activities', to: 'contacts', idPrefix: 'meeting-contact:' },
  },
  meeting_deal_associations: {
    kind: 'associations',
    from: 'meetings',
    to: 'deals',
    target: 'associations',
    link: { from: 'activities', to: 'opportunities', idPrefix: 'meeting-deal:' },
  },
} as const satisfies Record<string, HubSpotEntitySpec>;

export type HubSpotEntity = keyof typeof HUBSPOT_ENTITIES;
export type HubSpotObjectEntity = {
  [K in HubSpotEntity]: (typeof HUBSPOT_ENTITIES)[K] extends { kind: 'object' } ? K : never;
}[HubSpotEntity];

/** Custom objects: their object type id (e.g. 2-37778609) or fully qualified name is a setting. */
export const CUSTOM_OBJECTS = ['genius_users', 'divisions', 'zipcodes', 'appointments'] as const;

/** A deal stage as the pipelines API defines it. */
export interface StageDefinition {
  stage: string;
  pipeline: string;
  isClosed: boolean;
  /** 0-1 as a decimal string; null when the stage has none. */
  probability: string | null;
}

/** An owner as GET /crm/v3/owners lists it. */
export interface HubSpotOwner {
  id: string;
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  userId?: number | null;
  archived?: boolean;
  teams?: Array<{ id: string; name?: string; primary?: boolean }>;
  [key: string]: unknown;
}

/** One association of a record, as the v4 batch read returns it, with the record it is from. */
export interface HubSpotAssociation {
  from: string;
  toObjectId?: string | number | null;
  associationTypes?: Array<{ category?: string; typeId?: number; label?: string | null }>;
}

const show = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));

/** HubSpot sends '' for a property that was cleared: treat it as absent. */
function text(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** A decimal string with at most 2 decimals, as the money columns store it. */
export function money(value: string | null | undefined, field: string): string | null {
  const v = text(value);
  if (v === null) return null;
  if (!/^-?\d+(\.\d+)?$/.test(v))
    throw new RecordError(`${field} is not a number (got ${show(value)})`);
  const [whole, fraction = ''] = v.split('.');
  if (fraction.length <= 2) return fraction ? `${whole}.${fraction}` : whole;
  // More than 2 decimals: round half away from zero in integer cents, never through a float.
  const negative = whole.startsWith('-');
  const cents =
    BigInt(`${negative ? whole.slice(1) : whole}${fraction.slice(0, 2)}`) +
    (Number(fraction[2]) >= 5 ? 1n : 0n);
  const digits = cents.toString().padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

function int(value: string | null | undefined, field: string): number | null {
  const v = text(value);
  if (v === null) return null;
  const n = Number(v);
  if (!Number.isInteger(n))
    throw new RecordError(`${field} is not a whole number (got ${show(value)})`);
  return n;
}

/** Date properties come as ISO date-times or as epoch milliseconds depending on the endpoint. */
function isoDate(value: string | null | undefined, field: string): string | null {
  const v = text(value);
  if (v === null) return null;
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isNaN(ms)) throw new RecordError(`${field} is not a date (got ${show(value)})`);
  return new Date(ms).toISOString().slice(0, 10);
}

const FORECAST: Record<string, string> = {
  pipeline: 'pipeline',
  best_case: 'best_case',
  commit: 'commit',
  closed: 'closed',
  omit: 'omitted',
  omitted: 'omitted',
};

function forecast(value: string | null | undefined): string | null {
  const v = text(value);
  if (v === null) return null;
  const mapped = FORECAST[v.toLowerCase()];
  if (!mapped) throw new RecordError(`hs_manual_forecast_category is unknown (got ${show(value)})`);
  return mapped;
}

function deal(
  obj: HubSpotObject,
  stages: ReadonlyMap<string, StageDefinition> | undefined,
): Record<string, FieldValue> {
  const p = obj.properties;
  const stageId = text(p.dealstage);
  if (stageId === null) throw new RecordError('deal has no dealstage');
  const defined = stages?.get(stageId);
  // A stage the pipelines no longer define (deleted since): keep its id, trust the deal's flags.
  const status = defined
    ? defined.isClosed
      ? Number(defined.probability ?? 0) >= 1
        ? 'won'
        : 'lost'
      : 'open'
    : text(p.hs_is_closed_won) === 'true'
      ? 'won'
      : text(p.hs_is_closed) === 'true'
        ? 'lost'
        : 'open';
  return {
    name: text(p.dealname),
    amount: money(p.amount, 'amount'),
    currency: text(p.deal_currency_code)?.toUpperCase() ?? null,
    stage: defined?.stage ?? stageId,
    pipeline: defined?.pipeline ?? text(p.pipeline),
    probability: defined?.probability ?? null,
    close_date: isoDate(p.closedate, 'closedate'),
    created_date: isoDate(p.createdate, 'createdate'),
    owner_external_id: text(p.hubspot_owner_id),
    // The account comes from the deal's primary company association (crm_associations).
    account_external_id: null,
    status,
    forecast_category: forecast(p.hs_manual_forecast_category),
  };
}

/** An ISO date-time from an ISO string or epoch milliseconds. */
function isoDateTime(value: string | null | undefined, field: string): string | null {
  const v = text(value);
  if (v === null) return null;
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isNaN(ms)) throw new RecordError(`${field} is not a date-time (got ${show(value)})`);
  return new Date(ms).toISOString();
}

/** A meeting or appointment: when it starts, and how long it lasts when it says when it ends. */
function meeting(subject: string | null, start: string | null, end: string | null) {
  const seconds = start && end ? Math.round((Date.parse(end) - Date.parse(start)) / 1000) : null;
  return {
    type: 'meeting',
    subject,
    occurred_at: start,
    duration_seconds: seconds !== null && seconds >= 0 ? seconds : null,
  };
}

const TRUE = new Set(['true', '1', 'yes']);

function fieldsOf(
  entity: HubSpotObjectEntity,
  obj: HubSpotObject,
  stages: ReadonlyMap<string, StageDefinition> | undefined,
): Record<string, FieldValue> {
  const p = obj.properties;
  switch (entity) {
    case 'contacts':
      return {
        first_name: text(p.firstname),
        last_name: text(p.lastname),
        email: text(p.email),
        phone: text(p.phone),
        title: text(p.jobtitle),
        account_external_id: text(p.associatedcompanyid),
        owner_external_id: text(p.hubspot_owner_id),
      };
    case 'companies':
      return {
        name: text(p.name),
        industry: text(p.industry)?.toLowerCase() ?? null,
        employees: int(p.numberofemployees, 'numberofemployees'),
        annual_revenue: money(p.annualrevenue, 'annualrevenue'),
        country: text(p.country),
        owner_external_id: text(p.hubspot_owner_id),
      };
    case 'deals':
      return deal(obj, stages);
    case 'genius_users':
      return {
        name: text(p.name) ?? text(p.email),
        email: text(p.email),
        title: text(p.job_title),
        office: text(p.division),
        active: !TRUE.has(text(p.user_status_inactive)?.toLowerCase() ?? ''),
      };
    case 'divisions':
      return {
        name: text(p.division_name) ?? text(p.label) ?? text(p.division_label),
        code: text(p.division_code) ?? text(p.code),
        region: text(p.region),
        status: text(p.status),
      };
    case 'zipcodes':
      return {
        zipcode: text(p.zipcode) ?? text(p.zip),
        city: text(p.city),
        county: text(p.county),
        state: text(p.state),
        division: text(p.division),
      };
    case 'meetings': {
      const start =
        isoDateTime(p.hs_meeting_start_time, 'hs_meeting_start_time') ??
        isoDateTime(p.hs_timestamp, 'hs_timestamp');
      return {
        ...meeting(
          text(p.hs_meeting_title),
          start,
          isoDateTime(p.hs_meeting_end_time, 'hs_meeting_end_time'),
        ),
        owner_external_id: text(p.hubspot_owner_id),
      };
    }
    case 'appointments':
      return {
        ...meeting(
          text(p.hs_appointment_name),
          isoDateTime(p.hs_appointment_start, 'hs_appointment_start'),
          isoDateTime(p.hs_appointment_end, 'hs_appointment_end'),
        ),
        owner_external_id: text(p.hubspot_owner_id),
      };
  }
}

const VOLATILE = new Set(['lastmodifieddate', 'hs_lastmodifieddate']);

function stable(properties: HubSpotObject['properties']): HubSpotObject['properties'] {
  return Object.fromEntries(Object.entries(properties).filter(([k]) => !VOLATILE.has(k)));
}

export function mapHubSpotObject(
  entity: HubSpotObjectEntity,
  obj: HubSpotObject,
  stages?: ReadonlyMap<string, StageDefinition>,
): CanonicalRecord {
  if (typeof obj.id !== 'string' || obj.id === '') throw new RecordError('object has no id');
  if (obj.properties === null || typeof obj.properties !== 'object') {
    throw new RecordError('object has no properties');
  }
  const spec: HubSpotObjectSpec = HUBSPOT_ENTITIES[entity];
  return {
    externalId: `${spec.idPrefix ?? ''}${obj.id}`,
    fields: fieldsOf(entity, obj, stages),
    // The last-modified times change with every touch, and the search endpoint returns the
    // property the list does not: leave them out so an unchanged record hashes the same.
    raw: { id: obj.id, properties: stable(obj.properties), createdAt: obj.createdAt ?? null },
    changedAt: typeof obj.updatedAt === 'string' ? obj.updatedAt : undefined,
  };
}

export function mapOwner(owner: HubSpotOwner): CanonicalRecord {
  if (typeof owner.id !== 'string' || owner.id === '') throw new RecordError('owner has no id');
  const name = [text(owner.firstName), text(owner.lastName)].filter(Boolean).join(' ');
  const { updatedAt: _updatedAt, ...raw } = owner;
  return {
    externalId: owner.id,
    fields: {
      name: name || text(owner.email),
      email: text(owner.email),
      team: (owner.teams?.find((t) => t.primary) ?? owner.teams?.[0])?.name ?? null,
      active: owner.archived !== true,
    },
    raw,
  };
}

/** The pipelines API response (GET /crm/v3/pipelines/deals) as a stage id => definition index. */
export function stageIndex(body: unknown): Map<string, StageDefinition> {
  const results = (body as { results?: unknown })?.results;
  if (!Array.isArray(results)) throw new Error('the pipelines response has no "results" array');
  const index = new Map<string, StageDefinition>();
  for (const pipeline of results as Array<Record<string, unknown>>) {
    const stages = Array.isArray(pipeline.stages) ? pipeline.stages : [];
    for (const stage of stages as Array<Record<string, unknown>>) {
      const meta = (stage.metadata ?? {}) as Record<string, unknown>;
      const probability = Number(meta.probability);
      index.set(String(stage.id), {
        stage: String(stage.label ?? stage.id),
        pipeline: String(pipeline.label ?? pipeline.id),
        isClosed: String(meta.isClosed) === 'true',
        probability:
          meta.probability === undefined || meta.probability === null || Number.isNaN(probability)
            ? null
            : String(Math.round(Math.min(1, Math.max(0, probability)) * 10_000) / 10_000),
      });
    }
  }
  return index;
}

/** HubSpot-defined association types that mark the primary company (contact 1, deal 5). */
const PRIMARY_COMPANY_TYPE_IDS: Record<string, number> = { contacts: 1, deals: 5 };

export function associationExternalId(spec: HubSpotAssociationSpec, from: string, to: string) {
  return spec.link ? `${spec.link.idPrefix}${from}:${to}` : `${from}:${to}`;
}

export function mapAssociation(
  spec: HubSpotAssociationSpec,
  a: HubSpotAssociation,
): CanonicalRecord {
  const to = a.toObjectId === null || a.toObjectId === undefined ? '' : String(a.toObjectId);
  if (!/^\d+$/.test(to))
    throw new RecordError(`association has no toObjectId (got ${show(a.toObjectId)})`);
  const types = Array.isArray(a.associationTypes) ? a.associationTypes : [];
  const label = types.map((t) => text(t.label ?? null)).find((l) => l !== null) ?? null;
  const primary =
    label === 'Primary' ||
    (spec.to === 'companies' &&
      types.some(
        (t) => t.typeId === PRIMARY_COMPANY_TYPE_IDS[spec.from] && t.category === 'HUBSPOT_DEFINED',
      ));
  const raw = { from: a.from, toObjectId: to, associationTypes: types };
  const externalId = associationExternalId(spec, a.from, to);
  if (!spec.link) {
    return {
      externalId,
      fields: {
        opportunity_external_id: a.from,
        contact_external_id: to,
        role: label,
        is_primary: primary,
      },
      raw,
    };
  }
  return {
    externalId,
    fields: {
      from_object: spec.link.from,
      from_external_id: a.from,
      to_object: spec.link.to,
      to_external_id: to,
      is_primary: primary,
      label,
    },
    raw,
  };
}
