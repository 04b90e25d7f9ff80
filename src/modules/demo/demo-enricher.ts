import { buildActivities, type DemoActivity } from './demo-activities';
import { PhoneBook, buildAccountContacts, type DemoContact } from './demo-contacts';
import {
  allocateCategories,
  finishPlan,
  planDeal,
  wonMedians,
  type DealContext,
  type DealPlan,
} from './demo-deals';
import { buildHistory, instantOn, type HistoryEntry } from './demo-history';
import { buildQuotas, quarterKey, quotaRecordFields } from './demo-quotas';
import { Random } from './demo-random';
import {
  DAY_MS,
  MINUTE_MS,
  clamp,
  formatCents,
  formatDay,
  formatProbability,
  isoInstant,
  parseDay,
} from './demo-values';

/**
 * Deterministic enrichment of the "CRM + Sales + Opportunities" export: contacts, contact roles,
 * activities, quotas, stage history and the opportunity fields the export lacks, so that deal
 * health, hygiene, forecast and coaching have something real-looking to compute on. Pure: no
 * database, no clock, no Math.random; the same input and seed give the same output, and every
 * rule and distribution is documented in docs/DEMO_DATA.md.
 */

export interface EnrichmentInput {
  seed: number;
  /** The data set's "today" (YYYY-MM-DD, UTC): dates in the input are already shifted so the newest date is near it. Generated activity never lies after it. */
  asOf: string;
  users: Array<{
    externalId: string;
    name: string;
    role: 'rep' | 'manager';
    managerExternalId: string | null;
    office: string | null;
  }>;
  accounts: Array<{
    externalId: string;
    name: string;
    industry: string | null;
    employees: number | null;
    annualRevenue: string | null /* decimal string, USD */;
  }>;
  products: Array<{
    externalId: string;
    name: string;
    listPrice: string | null /* decimal string */;
  }>;
  opportunities: Array<{
    externalId: string;
    ownerExternalId: string | null;
    accountExternalId: string | null;
    productExternalId: string | null;
    stage: string /* 'Prospecting' | 'Engaging' | 'Won' | 'Lost' */;
    status: 'open' | 'won' | 'lost';
    amount: string | null /* decimal string; null for open deals in the export */;
    closeDate: string | null /* YYYY-MM-DD; null for open deals */;
    createdDate:
      | string
      | null /* YYYY-MM-DD = the export's engage_date; null for Prospecting deals */;
  }>;
}

/** A row for the canonical tables, in the shape of the bulk writer: column name (snake_case) => value. */
export interface GeneratedRecord {
  externalId: string;
  fields: Record<string, string | number | boolean | null>;
}

export interface EnrichmentOutput {
  contacts: GeneratedRecord[]; // fields: account_external_id, first_name, last_name, email, phone, title
  opportunityContacts: GeneratedRecord[]; // fields: opportunity_external_id, contact_external_id, role, is_primary
  activities: GeneratedRecord[]; // fields: type ('call'|'meeting'|'email'|'task'|'note'|'sms'), subject, direction ('inbound'|'outbound'|null), occurred_at (ISO 8601 UTC), duration_seconds (int|null), opportunity_external_id, account_external_id (nullable), contact_external_id (nullable), owner_external_id
  quotas: GeneratedRecord[]; // fields: user_external_id, period_start, period_end (calendar quarters YYYY-MM-DD), amount (decimal string with 2 decimals)
  /** Only fields that are null in the input; never a field the export has. */
  opportunityPatches: Array<{
    externalId: string;
    fields: {
      amount?: string;
      close_date?: string;
      created_date?: string;
      forecast_category?: 'pipeline' | 'best_case' | 'commit' | 'closed' | 'omitted';
      probability?: string;
      next_step?: string | null;
    };
  }>;
  /** Every change of stage, amount, close date and forecast category, oldest first per deal; the last entry per deal equals its final state. */
  stageHistory: Array<{
    opportunityExternalId: string;
    changedAt: string /* ISO */;
    stage: string;
    status: 'open' | 'won' | 'lost';
    amount: string | null;
    closeDate: string | null;
    forecastCategory: string | null;
    probability: string | null;
  }>;
}

/** First occurrence wins: external ids of generated rows derive from input ids and must stay unique. */
function uniqueBy<T extends { externalId: string }>(rows: readonly T[]): T[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    if (seen.has(row.externalId)) return false;
    seen.add(row.externalId);
    return true;
  });
}

function buildContacts(input: EnrichmentInput): Map<string, DemoContact[]> {
  const phones = new PhoneBook(input.seed);
  const emails = new Set<string>();
  const byAccount = new Map<string, DemoContact[]>();
  for (const account of uniqueBy(input.accounts)) {
    byAccount.set(account.externalId, buildAccountContacts(account, input.seed, phones, emails));
  }
  return byAccount;
}

function planDeals(
  input: EnrichmentInput,
  contactsByAccount: Map<string, DemoContact[]>,
): DealPlan[] {
  const products = new Map(input.products.map((p) => [p.externalId, p]));
  const deals = uniqueBy(input.opportunities);
  const medians = wonMedians(deals, products);
  const ctx: DealContext = {
    seed: input.seed,
    asOfDay: parseDay(input.asOf),
    products,
    accounts: new Map(input.accounts.map((a) => [a.externalId, a])),
    contactsByAccount,
    wonMedianByProduct: medians.byProduct,
    wonMedian: medians.overall,
  };
  const plans = deals.map((deal) => planDeal(deal, ctx));
  allocateCategories(
    plans.filter((p) => p.outcome === 'engaging'),
    input.seed,
  );
  for (const plan of plans) finishPlan(plan, ctx);
  return plans;
}

const contactRecord = (c: DemoContact): GeneratedRecord => ({
  externalId: c.externalId,
  fields: {
    account_external_id: c.accountExternalId,
    first_name: c.firstName,
    last_name: c.lastName,
    email: c.email,
    phone: c.phone,
    title: c.title,
  },
});

function roleRecords(plan: DealPlan): GeneratedRecord[] {
  const oppId = plan.deal.externalId;
  return plan.contacts.map(({ contact, role, isPrimary }) => ({
    externalId: `demo-role-${oppId}-${contact.externalId}`,
    fields: {
      opportunity_external_id: oppId,
      contact_external_id: contact.externalId,
      role,
      is_primary: isPrimary,
    },
  }));
}

function activityRecords(plan: DealPlan, activities: DemoActivity[]): GeneratedRecord[] {
  const oppId = plan.deal.externalId;
  return activities.map((a, i) => ({
    externalId: `demo-activity-${oppId}-${i + 1}`,
    fields: {
      type: a.type,
      subject: a.subject,
      direction: a.direction,
      occurred_at: isoInstant(a.at),
      duration_seconds: a.durationSeconds,
      opportunity_external_id: oppId,
      account_external_id: plan.deal.accountExternalId,
      contact_external_id: a.contact?.contact.externalId ?? null,
      owner_external_id: plan.deal.ownerExternalId,
    },
  }));
}

function historyRows(plan: DealPlan, entries: HistoryEntry[]): EnrichmentOutput['stageHistory'] {
  return entries.map((e) => ({
    opportunityExternalId: plan.deal.externalId,
    changedAt: isoInstant(e.at),
    stage: e.stage,
    status: e.status,
    amount: formatCents(e.amountCents),
    closeDate: formatDay(e.closeDay),
    forecastCategory: e.category,
    probability: formatProbability(e.probabilityBp),
  }));
}

/** Open deals' activity ends at their planned last-activity day; closed ones at the close. */
function activityEnd(
  plan: DealPlan,
  history: HistoryEntry[],
  seed: number,
  latest: number,
): number {
  const first = history[0].at;
  if (plan.lastActivityDay === null) return history[history.length - 1].at;
  const rng = Random.stream(seed, 'last-activity', plan.deal.externalId);
  return clamp(instantOn(plan.lastActivityDay, rng), Math.min(first + MINUTE_MS, latest), latest);
}

export function enrich(input: EnrichmentInput): EnrichmentOutput {
  const asOfDay = parseDay(input.asOf);
  // Nothing may happen on asOf itself: the data is loaded at an unknown hour of that day.
  const latest = asOfDay * DAY_MS - MINUTE_MS;
  const contactsByAccount = buildContacts(input);
  const plans = planDeals(input, contactsByAccount);
  const output: EnrichmentOutput = {
    contacts: [...contactsByAccount.values()].flat().map(contactRecord),
    opportunityContacts: [],
    activities: [],
    quotas: [],
    opportunityPatches: [],
    stageHistory: [],
  };
  for (const plan of plans) {
    const history = buildHistory(plan, input.seed, latest);
    const end = activityEnd(plan, history, input.seed, latest);
    const activities = buildActivities(plan, history[0].at, end, input.seed);
    output.opportunityContacts.push(...roleRecords(plan));
    output.activities.push(...activityRecords(plan, activities));
    output.stageHistory.push(...historyRows(plan, history));
    output.opportunityPatches.push({ externalId: plan.deal.externalId, fields: { ...plan.patch } });
  }
  output.quotas = buildQuotas(uniqueBy(input.users), plans, asOfDay, input.seed).map((q) => ({
    externalId: `demo-quota-${q.userExternalId}-${quarterKey(q.quarter)}`,
    fields: quotaRecordFields(q),
  }));
  return output;
}
