import type { CanonicalRecord, CrmTarget, FieldValue } from '../../../crm/crm-targets';
import { RecordError } from '../../sync.exception';

/**
 * CallRail's configuration lists (accounts, companies, users, trackers, tags): read whole on every
 * run, so records missing from a complete read were deleted in CallRail. Users become canonical
 * users (the agents answering calls); the rest is source reference data (docs/CRM_MODEL.md).
 */
export type CallRailObject = Record<string, unknown> & { id?: unknown };

export interface CallRailListSpec {
  /** Path under the base URL (accounts are listed at /a.json, the rest under the account). */
  path: (accountId: string) => string;
  key: string;
  target: CrmTarget;
  map(record: CallRailObject): Record<string, FieldValue>;
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== ''
    ? value.trim()
    : typeof value === 'number'
      ? String(value)
      : null;

const bool = (value: unknown): boolean | null => (typeof value === 'boolean' ? value : null);

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function optionalTime(value: unknown, field: string): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string' || !ISO_WITH_ZONE.test(value) || Number.isNaN(Date.parse(value)))
    throw new RecordError(
      `${field} must be an ISO 8601 date-time with a zone (got ${JSON.stringify(value)})`,
    );
  return value;
}

/** CallRail user roles => canonical roles. */
const USER_ROLES: Readonly<Record<string, string>> = {
  admin: 'admin',
  manager: 'manager',
  agent: 'rep',
  reporting: 'other',
};

const under = (suffix: string) => (accountId: string) =>
  `/a/${encodeURIComponent(accountId)}/${suffix}`;

export const CALLRAIL_LISTS = {
  accounts: {
    path: () => '/a.json',
    key: 'accounts',
    target: 'callrail_accounts',
    map: (r) => ({
      name: text(r.name),
      hipaa_account: bool(r.hipaa_account),
      outbound_recording_enabled: bool(r.outbound_recording_enabled),
    }),
  },
  companies: {
    path: under('companies.json'),
    key: 'companies',
    target: 'callrail_companies',
    map: (r) => ({
      name: text(r.name),
      status: text(r.status),
      time_zone: text(r.time_zone),
      disabled_at: optionalTime(r.disabled_at, 'disabled_at'),
    }),
  },
  users: {
    path: under('users.json'),
    key: 'users',
    target: 'users',
    map: (r) => {
      const role = text(r.role)?.toLowerCase() ?? null;
      const first = text(r.first_name);
      const last = text(r.last_name);
      return {
        name: text(r.name) ?? ([first, last].filter(Boolean).join(' ') || text(r.email)),
        email: text(r.email),
        role: role === null ? 'rep' : (USER_ROLES[role] ?? 'other'),
        title: role,
      };
    },
  },
  trackers: {
    path: under('trackers.json'),
    key: 'trackers',
    target: 'callrail_trackers',
    map: (r) => {
      const numbers = Array.isArray(r.tracking_numbers) ? r.tracking_numbers.map(String) : [];
      const company = (r.company ?? {}) as Record<string, unknown>;
      const source = (r.source ?? {}) as Record<string, unknown>;
      return {
        name: text(r.name),
        type: text(r.type),
        status: text(r.status),
        source_type: text(source.type),
        destination_number: text(r.destination_number),
        tracking_numbers: numbers.length ? numbers.join(', ') : null,
        company_external_id: text(company.id) ?? text(r.company_id),
        disabled_at: optionalTime(r.disabled_at, 'disabled_at'),
      };
    },
  },
  tags: {
    path: under('tags.json'),
    key: 'tags',
    target: 'callrail_tags',
    map: (r) => ({
      name: text(r.name),
      tag_level: text(r.tag_level),
      color: text(r.color),
      status: text(r.status),
      company_external_id: text(r.company_id),
    }),
  },
} as const satisfies Record<string, CallRailListSpec>;

export type CallRailList = keyof typeof CALLRAIL_LISTS;

export function mapListRecord(entity: CallRailList, record: CallRailObject): CanonicalRecord {
  const id = text(record.id);
  if (id === null) throw new RecordError(`${entity} record has no id`);
  return { externalId: id, fields: CALLRAIL_LISTS[entity].map(record), raw: record };
}
