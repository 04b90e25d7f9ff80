import { e164Digits } from '../../../crm/phone';
import type { CanonicalRecord, CrmTarget } from '../../../crm/crm-targets';
import { RecordError } from '../../sync.exception';

/** A call as CallRail v3 lists it (calls.json); only the fields we map are typed. */
export interface CallRailCall {
  id: string;
  direction?: string | null;
  start_time?: string | null;
  duration?: number | string | null;
  customer_name?: string | null;
  customer_phone_number?: string | null;
  tracking_phone_number?: string | null;
  answered?: boolean | null;
  voicemail?: boolean | null;
  [field: string]: unknown;
}

/** One message inside a text-message conversation. */
export interface CallRailTextMessage {
  direction?: string | null;
  content?: string | null;
  created_at?: string | null;
  [field: string]: unknown;
}

/** A text-message conversation as CallRail v3 lists it (text-messages.json, key `conversations`). */
export interface CallRailConversation {
  id: string;
  customer_name?: string | null;
  customer_phone_number?: string | null;
  recent_messages?: CallRailTextMessage[] | null;
  [field: string]: unknown;
}

/** A form submission as CallRail v3 lists it (form_submissions.json). */
export interface CallRailFormSubmission {
  id: string;
  company_id?: string | null;
  person_id?: string | null;
  form_data?: Record<string, unknown> | null;
  form_url?: string | null;
  landing_page_url?: string | null;
  submitted_at?: string | null;
  customer_name?: string | null;
  customer_phone_number?: string | null;
  customer_email?: string | null;
  source?: string | null;
  lead_status?: string | null;
  [field: string]: unknown;
}

export type CallRailRecord = CallRailCall | CallRailConversation | CallRailFormSubmission;

/** How each entity is read: its path under /a/{account_id}/ and the key of its array. */
export interface CallRailEntitySpec {
  path: string;
  key: string;
  target: CrmTarget;
  /** Query params the endpoint accepts besides dates and paging. */
  extraParams?: Record<string, string>;
}

export const CALLRAIL_ENTITIES = {
  // Leads before the calls and texts that get linked to them by phone.
  form_submissions: {
    path: 'form_submissions.json',
    key: 'form_submissions',
    target: 'leads',
    extraParams: { sort: 'submitted_at', order: 'asc' },
  },
  // Oldest first, so that page n of a closed window stays page n while we read it.
  calls: {
    path: 'calls.json',
    key: 'calls',
    target: 'activities',
    extraParams: { sort: 'start_time', order: 'asc' },
  },
  text_messages: { path: 'text-messages.json', key: 'conversations', target: 'activities' },
} as const satisfies Record<string, CallRailEntitySpec>;

export type CallRailEntity = keyof typeof CALLRAIL_ENTITIES;

/** An ISO 8601 date-time with a zone: the validator wants one, and CallRail always sends it. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function timestamp(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ISO_WITH_ZONE.test(value) || Number.isNaN(Date.parse(value))) {
    throw new RecordError(
      `${field} must be an ISO 8601 date-time with a zone (got ${show(value)})`,
    );
  }
  return value;
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function direction(value: unknown): 'inbound' | 'outbound' | null {
  if (value === null || value === undefined || value === '') return null;
  if (value === 'inbound' || value === 'outbound') return value;
  throw new RecordError(`direction must be inbound or outbound (got ${show(value)})`);
}

function seconds(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new RecordError(`duration must be a whole number of seconds (got ${show(value)})`);
  }
  return n;
}

const who = (name: unknown, phone: unknown): string =>
  (typeof name === 'string' && name.trim()) ||
  (typeof phone === 'string' && phone.trim()) ||
  'unknown caller';

const truncate = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

/**
 * A call becomes an activity of type 'call'. The raw record keeps the call as received plus
 * `customer_phone_e164`, which the phone-number link after the run matches on.
 */
export function mapCall(call: CallRailCall): CanonicalRecord {
  if (typeof call.id !== 'string' || call.id === '') throw new RecordError('call has no id');
  const dir = direction(call.direction);
  const verb = dir === 'outbound' ? 'Call to' : 'Call from';
  return {
    externalId: call.id,
    fields: {
      type: 'call',
      subject: truncate(`${verb} ${who(call.customer_name, call.customer_phone_number)}`, 500),
      direction: dir,
      occurred_at: timestamp(call.start_time, 'start_time'),
      duration_seconds: seconds(call.duration),
    },
    raw: { ...call, customer_phone_e164: e164Digits(call.customer_phone_number) },
  };
}

/**
 * Each message of a conversation becomes an activity of type 'sms'. Messages have no id of their
 * own, so the conversation id, the time and the direction identify one.
 */
export function mapConversation(conversation: CallRailConversation): CanonicalRecord[] {
  if (typeof conversation.id !== 'string' || conversation.id === '') {
    throw new RecordError('conversation has no id');
  }
  const phone = e164Digits(conversation.customer_phone_number);
  const customer = who(conversation.customer_name, conversation.customer_phone_number);
  return (conversation.recent_messages ?? []).map((message) => {
    const at = timestamp(message.created_at, 'recent_messages.created_at');
    const dir = direction(message.direction);
    return {
      externalId: `${conversation.id}:${at}:${dir ?? ''}`,
      fields: {
        type: 'sms',
        subject: truncate(`Text ${dir === 'outbound' ? 'to' : 'from'} ${customer}`, 500),
        direction: dir,
        occurred_at: at,
        duration_seconds: null,
      },
      // Only the conversation's stable fields: its last_message_at changes with every new message
      // and would otherwise make all its older messages look updated.
      raw: {
        conversation_id: conversation.id,
        customer_name: conversation.customer_name ?? null,
        customer_phone_number: conversation.customer_phone_number ?? null,
        message,
        customer_phone_e164: phone,
      },
    };
  });
}

/** CallRail's lead status of a form => canonical lead status. */
const FORM_LEAD_STATUS: Readonly<Record<string, string>> = {
  good_lead: 'qualified',
  previously_marked_good_lead: 'qualified',
  not_a_lead: 'lost',
};

/** The first form field whose name contains `hint` (forms name their fields freely). */
function formField(form: Record<string, unknown> | null | undefined, hint: string): string | null {
  for (const [name, value] of Object.entries(form ?? {})) {
    if (name.toLowerCase().includes(hint) && typeof value === 'string' && value.trim() !== '')
      return value.trim();
  }
  return null;
}

/**
 * A form submission becomes a lead: the person from CallRail's caller fields or, failing those,
 * the form's own name/email/phone fields; the marketing source as lead_source.
 */
export function mapFormSubmission(form: CallRailFormSubmission): CanonicalRecord {
  if (typeof form.id !== 'string' || form.id === '')
    throw new RecordError('form submission has no id');
  const submitted = timestamp(form.submitted_at, 'submitted_at');
  const email =
    (typeof form.customer_email === 'string' && form.customer_email) ||
    formField(form.form_data, 'email');
  const phone =
    (typeof form.customer_phone_number === 'string' && form.customer_phone_number) ||
    formField(form.form_data, 'phone');
  const name =
    (typeof form.customer_name === 'string' && form.customer_name.trim()) ||
    formField(form.form_data, 'name');
  return {
    externalId: form.id,
    fields: {
      name: truncate(name || email || phone || 'Form submission', 200),
      email: email || null,
      phone: phone || null,
      lead_source:
        typeof form.source === 'string' && form.source ? truncate(form.source, 40) : null,
      status: FORM_LEAD_STATUS[String(form.lead_status ?? '')] ?? 'new',
      notes: typeof form.form_url === 'string' && form.form_url ? form.form_url : null,
      source_created_at: submitted,
    },
    raw: form,
  };
}
