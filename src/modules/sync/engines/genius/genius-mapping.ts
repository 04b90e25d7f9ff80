import type { CanonicalRecord, CrmTarget, FieldValue } from '../../../crm/crm-targets';
import { RecordError } from '../../sync.exception';
import { key } from '../csv/csv-values';

/**
 * How each Genius table is read and mapped. Genius is read straight from its PostgreSQL
 * database, so a "record" is one row as node-postgres returns it, with the date/time types left
 * as PostgreSQL's own text (see GENIUS_TEXT_TYPES) so nothing is lost to JavaScript's Date.
 */
export type GeniusRow = Record<string, unknown>;

export type GeniusEntity =
  | 'division_groups'
  | 'divisions'
  | 'users'
  | 'contacts'
  | 'prospects'
  | 'leads'
  | 'appointments';

export interface GeniusTable {
  /** Default table name (settings.tables can rename it). */
  table: string;
  /** Primary key: the external id and the keyset tie-breaker. */
  id: string;
  /** Last-modified column: the delta and keyset order. */
  modified: string;
  /** Columns selected, besides id and modified. */
  columns: readonly string[];
  target: CrmTarget;
  /**
   * Prefix of the external id, for an entity that shares its target table with another (Genius
   * contacts and prospects both become contacts, with ids from separate sequences).
   */
  idPrefix?: string;
  map(row: GeniusRow, settings: GeniusMappingSettings): Record<string, FieldValue>;
}

export interface GeniusMappingSettings {
  /** Extra or overriding Genius lead status => canonical status (keys compared loosely). */
  lead_status_map?: Record<string, string>;
}

/** PostgreSQL type oids read as text: date, time, timestamp, timestamptz, timetz. */
export const GENIUS_TEXT_TYPES: readonly number[] = [1082, 1083, 1114, 1184, 1266];

/**
 * Genius lead status => canonical lead status. Keys are compared with `key()` (case, spaces and
 * punctuation ignored). A lead with no status is 'new' (the canonical default); a status that is
 * neither here nor in settings.lead_status_map fails that lead with RecordError rather than being
 * guessed, so an unmapped status shows up in the run's errors instead of skewing the funnel.
 */
export const LEAD_STATUS_MAP: Readonly<Record<string, string>> = {
  new: 'new',
  open: 'new',
  pending: 'new',
  unassigned: 'new',
  assigned: 'new',
  contacted: 'contacted',
  attempted: 'contacted',
  attemptedcontact: 'contacted',
  callback: 'contacted',
  noanswer: 'contacted',
  leftmessage: 'contacted',
  qualified: 'qualified',
  set: 'qualified',
  appointmentset: 'qualified',
  scheduled: 'qualified',
  issued: 'qualified',
  converted: 'converted',
  sold: 'converted',
  won: 'converted',
  lost: 'lost',
  dead: 'lost',
  cancelled: 'lost',
  canceled: 'lost',
  notinterested: 'lost',
  donotcall: 'lost',
  invalid: 'lost',
  duplicate: 'lost',
};

const text = (value: unknown): string | null => {
  if (value === null || value === undefined) return null;
  const s = String(value).trim();
  return s === '' ? null : s;
};

const idOf = (value: unknown, column: string): string => {
  const id = text(value);
  if (id === null) throw new RecordError(`${column} is empty`);
  return id;
};

const PG_TIMESTAMP =
  /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?:(Z)|([+-]\d{2})(?::?(\d{2}))?)?$/;

/**
 * PostgreSQL's text of a timestamp or timestamptz (the session runs in UTC) as ISO 8601 with a
 * zone, keeping microseconds: the keyset cursor must compare equal to the stored value. A
 * timestamp without time zone is taken as UTC.
 */
export function isoTimestamp(value: unknown, column: string): string {
  const v = text(value);
  if (v === null) throw new RecordError(`${column} is empty`);
  const m = PG_TIMESTAMP.exec(v);
  if (!m) throw new RecordError(`${column} "${v}" is not a timestamp`);
  const [, day, time, z, hours, minutes] = m;
  const zone =
    z || !hours || (hours.slice(1) === '00' && (minutes ?? '00') === '00')
      ? 'Z'
      : `${hours}:${minutes ?? '00'}`;
  return `${day}T${time}${zone}`;
}

const optionalTimestamp = (value: unknown, column: string): string | null =>
  text(value) === null ? null : isoTimestamp(value, column);

const fullName = (first: unknown, last: unknown): string | null =>
  [text(first), text(last)].filter((s): s is string => s !== null).join(' ') || null;

export function leadStatus(value: unknown, settings: GeniusMappingSettings): string {
  const status = text(value);
  if (status === null) return 'new';
  const k = key(status);
  const custom = Object.entries(settings.lead_status_map ?? {}).find(([from]) => key(from) === k);
  const mapped = custom?.[1] ?? LEAD_STATUS_MAP[k];
  if (!mapped) {
    throw new RecordError(
      `status "${status}" is not a known Genius lead status; map it in settings.lead_status_map`,
    );
  }
  return mapped;
}

/** Appointment start: Genius keeps the date and the time of day in separate columns. */
function appointmentStart(row: GeniusRow): string {
  const date = text(row.date);
  if (date === null) throw new RecordError('date is empty: an appointment needs a date');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RecordError(`date "${date}" is not a date`);
  const time = text(row.time) ?? '00:00:00';
  if (!/^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(time))
    throw new RecordError(`time "${time}" is not a time of day`);
  return isoTimestamp(`${date} ${time}`, 'date/time');
}

function wholeNumber(value: unknown, column: string): number | null {
  const v = text(value);
  if (v === null) return null;
  if (!/^\d+$/.test(v)) throw new RecordError(`${column} "${v}" is not a whole number`);
  return Number(v);
}

/** Genius flags are booleans in some tables and 0/1 integers in others. */
function flag(value: unknown, column: string): boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value;
  const v = String(value).trim().toLowerCase();
  if (['1', 't', 'true'].includes(v)) return true;
  if (['0', 'f', 'false'].includes(v)) return false;
  throw new RecordError(`${column} "${v}" is not a flag (0/1 or true/false)`);
}

/** A person's canonical contact fields; one with no name, email or phone cannot be told apart. */
function person(row: GeniusRow, what: string, phone: string | null): Record<string, FieldValue> {
  const fields = {
    first_name: text(row.first_name),
    last_name: text(row.last_name),
    email: text(row.email),
    phone,
  };
  if (!fields.first_name && !fields.last_name && !fields.email && !fields.phone)
    throw new RecordError(`${what} needs a name, an email or a phone number`);
  return fields;
}

export const GENIUS_TABLES: Record<GeniusEntity, GeniusTable> = {
  division_groups: {
    table: 'division_groups',
    id: 'id',
    modified: 'modified',
    columns: ['group_label', 'region', 'default_time_zone_name', 'is_active', 'created'],
    target: 'genius_division_groups',
    map: (row) => ({
      name: text(row.group_label) ?? `Division group ${text(row.id)}`,
      region: text(row.region),
      time_zone: text(row.default_time_zone_name),
      active: flag(row.is_active, 'is_active') ?? true,
    }),
  },
  divisions: {
    table: 'divisions',
    id: 'id',
    modified: 'modified',
    columns: ['group_id', 'region_id', 'label', 'abbreviation', 'is_inactive', 'created'],
    target: 'genius_divisions',
    map: (row) => ({
      name: text(row.label) ?? `Division ${text(row.id)}`,
      abbreviation: text(row.abbreviation),
      group_external_id: text(row.group_id),
      region_id: text(row.region_id),
      active: !(flag(row.is_inactive, 'is_inactive') ?? false),
    }),
  },
  contacts: {
    // The people the leads table points at (leads.contact_id).
    table: 'contacts',
    id: 'contact_id',
    modified: 'modified',
    idPrefix: 'contact:',
    columns: [
      'division_id',
      'first_name',
      'last_name',
      'email',
      'phone1',
      'phone2',
      'address1',
      'city',
      'state',
      'zip',
      'created',
    ],
    target: 'contacts',
    map: (row) => person(row, 'a contact', text(row.phone1) ?? text(row.phone2)),
  },
  users: {
    table: 'users',
    id: 'user_id',
    modified: 'modified',
    columns: [
      'division_id',
      'manager_user_id',
      'first_name',
      'last_name',
      'email',
      'is_inactive',
      'created',
    ],
    target: 'users',
    map: (row) => ({
      // crm_users.name is required: fall back to the email, then the id, so a user with no
      // name is still an owner the leads can point at.
      name:
        fullName(row.first_name, row.last_name) ?? text(row.email) ?? `User ${text(row.user_id)}`,
      email: text(row.email),
      role: 'rep',
      manager_external_id: text(row.manager_user_id),
      team: text(row.division_id),
      active: row.is_inactive === null || row.is_inactive === undefined ? true : !row.is_inactive,
    }),
  },
  prospects: {
    table: 'prospects',
    id: 'id',
    modified: 'modified',
    columns: ['division_id', 'user_id', 'first_name', 'last_name', 'email', 'phone1', 'created'],
    target: 'contacts',
    map: (row) => ({
      ...person(row, 'a prospect', text(row.phone1)),
      owner_external_id: text(row.user_id),
    }),
  },
  leads: {
    // The integration document's example query, read by keyset instead of LIMIT/OFFSET.
    table: 'leads',
    id: 'lead_id',
    modified: 'modified',
    columns: [
      'contact_id',
      'division_id',
      'agent_id',
      'status',
      'address1',
      'city',
      'state',
      'zipcode',
      'created',
    ],
    target: 'leads',
    map: (row, settings) => {
      const place = [text(row.address1), text(row.city), [text(row.state), text(row.zipcode)]]
        .map((p) => (Array.isArray(p) ? p.filter(Boolean).join(' ') : p))
        .filter(Boolean)
        .join(', ');
      return {
        // The leads table has no person name; the contact's id is the best handle it gives.
        name: text(row.contact_id)
          ? `Contact ${text(row.contact_id)}`
          : `Lead ${idOf(row.lead_id, 'lead_id')}`,
        status: leadStatus(row.status, settings),
        owner_external_id: text(row.agent_id),
        notes: place || null,
        source_created_at: optionalTimestamp(row.created, 'created'),
      };
    },
  },
  appointments: {
    table: 'appointments',
    id: 'id',
    modified: 'modified',
    columns: ['prospect_id', 'user_id', 'date', 'time', 'duration', 'notes', 'created'],
    target: 'activities',
    map: (row) => {
      const minutes = wholeNumber(row.duration, 'duration');
      return {
        type: 'meeting',
        subject: text(row.notes)?.slice(0, 500) ?? 'Appointment',
        occurred_at: appointmentStart(row),
        duration_seconds: minutes === null ? null : minutes * 60,
        contact_external_id: text(row.prospect_id),
        owner_external_id: text(row.user_id),
      };
    },
  },
};

/**
 * The order `sync genius all` runs them: the reference data first (users point at divisions),
 * then users (the owners of everything else), the people, the leads, and the appointments that
 * point at prospects.
 */
export const GENIUS_ENTITIES = [
  'division_groups',
  'divisions',
  'users',
  'contacts',
  'prospects',
  'leads',
  'appointments',
] as const satisfies readonly GeniusEntity[];

/** The external id a row of an entity is stored under. */
export const externalIdOf = (entity: GeniusEntity, sourceId: string): string =>
  `${GENIUS_TABLES[entity].idPrefix ?? ''}${sourceId}`;

/** The source id of a stored external id, or null when the id is another entity's. */
export function sourceIdOf(entity: GeniusEntity, externalId: string): string | null {
  const own = GENIUS_TABLES[entity].idPrefix;
  if (own) return externalId.startsWith(own) ? externalId.slice(own.length) : null;
  // Entities sharing a target: an id with another entity's prefix is not ours.
  const others = Object.values(GENIUS_TABLES).filter(
    (t) => t.idPrefix && t.target === GENIUS_TABLES[entity].target,
  );
  return others.some((t) => externalId.startsWith(t.idPrefix!)) ? null : externalId;
}

/** One Genius row as a canonical record; RecordError when it cannot be mapped. */
export function toCanonical(
  entity: GeniusEntity,
  row: GeniusRow,
  settings: GeniusMappingSettings,
): CanonicalRecord {
  const spec = GENIUS_TABLES[entity];
  return {
    externalId: externalIdOf(entity, idOf(row[spec.id], spec.id)),
    fields: spec.map(row, settings),
    raw: row,
    changedAt: isoTimestamp(row[spec.modified], spec.modified),
  };
}
