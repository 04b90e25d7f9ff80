import type { CanonicalRecord, CrmTarget, FieldValue } from '../../../crm/crm-targets';
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

export interface HubSpotEntitySpec {
  /** The object type in the API path. */
  type: string;
  target: CrmTarget;
  /** The last-modified property the delta search filters on (it differs between object types). */
  modifiedProperty: string;
  /** The properties we map; HubSpot returns only a few defaults unless asked. */
  properties: readonly string[];
}

export const HUBSPOT_ENTITIES = {
  contacts: {
    type: 'contacts',
    target: 'contacts',
    modifiedProperty: 'lastmodifieddate',
    properties: ['firstname', 'lastname', 'email', 'phone', 'jobtitle', 'associatedcompanyid'],
  },
  companies: {
    type: 'companies',
    target: 'accounts',
    modifiedProperty: 'hs_lastmodifieddate',
    properties: ['name', 'industry', 'numberofemployees', 'annualrevenue', 'country'],
  },
  deals: {
    type: 'deals',
    target: 'opportunities',
    modifiedProperty: 'hs_lastmodifieddate',
    properties: [
      'dealname',
      'amount',
      'dealstage',
      'pipeline',
      'closedate',
      'hubspot_owner_id',
      'hs_is_closed_won',
      'hs_is_closed',
      'hs_manual_forecast_category',
    ],
  },
} as const satisfies Record<string, HubSpotEntitySpec>;

export type HubSpotEntity = keyof typeof HUBSPOT_ENTITIES;

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

function status(p: HubSpotObject['properties']): 'won' | 'lost' | 'open' {
  if (text(p.hs_is_closed_won) === 'true') return 'won';
  if (text(p.hs_is_closed) === 'true') return 'lost';
  return 'open';
}

function fieldsOf(
  entity: HubSpotEntity,
  p: HubSpotObject['properties'],
): Record<string, FieldValue> {
  switch (entity) {
    case 'contacts':
      return {
        first_name: text(p.firstname),
        last_name: text(p.lastname),
        email: text(p.email),
        phone: text(p.phone),
        title: text(p.jobtitle),
        account_external_id: text(p.associatedcompanyid),
      };
    case 'companies':
      return {
        name: text(p.name),
        industry: text(p.industry)?.toLowerCase() ?? null,
        employees: int(p.numberofemployees, 'numberofemployees'),
        annual_revenue: money(p.annualrevenue, 'annualrevenue'),
        country: text(p.country),
      };
    case 'deals':
      return {
        name: text(p.dealname),
        amount: money(p.amount, 'amount'),
        stage: text(p.dealstage),
        // No pipeline column: the stage's pipeline is kept in raw until pipelines are mapped.
        close_date: isoDate(p.closedate, 'closedate'),
        owner_external_id: text(p.hubspot_owner_id),
        status: status(p),
        forecast_category: forecast(p.hs_manual_forecast_category),
      };
  }
}

export function mapHubSpotObject(entity: HubSpotEntity, obj: HubSpotObject): CanonicalRecord {
  if (typeof obj.id !== 'string' || obj.id === '') throw new RecordError('object has no id');
  if (obj.properties === null || typeof obj.properties !== 'object') {
    throw new RecordError('object has no properties');
  }
  const fields = fieldsOf(entity, obj.properties);
  if (entity === 'deals' && fields.stage === null) throw new RecordError('deal has no dealstage');
  return {
    externalId: obj.id,
    fields,
    // updatedAt changes with every edit: leave it out so an unchanged record hashes the same.
    raw: { id: obj.id, properties: obj.properties, createdAt: obj.createdAt ?? null },
    changedAt: typeof obj.updatedAt === 'string' ? obj.updatedAt : undefined,
  };
}
