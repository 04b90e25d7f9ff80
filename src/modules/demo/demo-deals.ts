import { fullName, pickDealContacts, type DealContact, type DemoContact } from './demo-contacts';
import { NEXT_STEPS, fillTemplate } from './demo-names';
import { Random, type Weighted } from './demo-random';
import {
  clamp,
  formatCents,
  formatDay,
  formatProbability,
  median,
  parseDay,
  roundToDollar,
  toCents,
} from './demo-values';

/**
 * The plan of one deal: its final values (input, else generated) and the generated facts the
 * history and activity generators build on. Everything the export lacks is decided here, once.
 */

export type Outcome = 'won' | 'lost' | 'engaging' | 'prospecting';
/** How recently an open deal was worked: what the hygiene alerts key on. */
export type Health = 'active' | 'monitor' | 'stale';
export type ForecastCategory = 'pipeline' | 'best_case' | 'commit' | 'closed' | 'omitted';

export interface DealInput {
  externalId: string;
  ownerExternalId: string | null;
  accountExternalId: string | null;
  productExternalId: string | null;
  stage: string;
  status: 'open' | 'won' | 'lost';
  amount: string | null;
  closeDate: string | null;
  createdDate: string | null;
}

export interface PatchFields {
  amount?: string;
  close_date?: string;
  created_date?: string;
  forecast_category?: 'pipeline' | 'best_case' | 'commit' | 'closed' | 'omitted';
  probability?: string;
  next_step?: string | null;
}

export interface DealPlan {
  deal: DealInput;
  outcome: Outcome;
  /** Day of the first (Prospecting) history entry. */
  firstDay: number;
  /** Day the deal reached Engaging; null while still prospecting. */
  engageDay: number | null;
  /** Final close date: the actual one when closed, the expected one when open. */
  closeDay: number;
  amountCents: number;
  /** What the rep expected while the deal was open: list price less a discount. */
  estimateCents: number;
  category: ForecastCategory;
  probabilityBp: number;
  health: Health | null;
  /** Open deals only: the day of the newest activity, which fixes the health class. */
  lastActivityDay: number | null;
  contacts: DealContact[];
  accountName: string | null;
  productName: string | null;
  patch: PatchFields;
}

export interface DealContext {
  seed: number;
  asOfDay: number;
  products: Map<string, { name: string; listPrice: string | null }>;
  accounts: Map<string, { name: string }>;
  contactsByAccount: Map<string, DemoContact[]>;
  /** Median won amount (cents) per normalised product name: 'GTXPro' and 'GTX Pro' are one. */
  wonMedianByProduct: Map<string, number>;
  wonMedian: number | null;
}

/** Used when neither a list price nor any won deal says what a deal is worth. */
const FALLBACK_AMOUNT_CENTS = 5_000_00;

export const normaliseName = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

export function outcomeOf(deal: DealInput): Outcome {
  if (deal.status === 'won' || deal.status === 'lost') return deal.status;
  return deal.stage.trim().toLowerCase() === 'prospecting' ? 'prospecting' : 'engaging';
}

export function wonMedians(
  deals: readonly DealInput[],
  products: DealContext['products'],
): { byProduct: Map<string, number>; overall: number | null } {
  const byProduct = new Map<string, number[]>();
  const all: number[] = [];
  for (const deal of deals) {
    if (deal.status !== 'won' || deal.amount === null) continue;
    const cents = toCents(deal.amount);
    all.push(cents);
    const product = deal.productExternalId ? products.get(deal.productExternalId) : undefined;
    if (!product) continue;
    const key = normaliseName(product.name);
    const values = byProduct.get(key);
    if (values) values.push(cents);
    else byProduct.set(key, [cents]);
  }
  const medians = new Map<string, number>();
  for (const [key, values] of byProduct) medians.set(key, median(values) ?? 0);
  return { byProduct: medians, overall: median(all) };
}

/** List price less a uniform 0-25% discount, in whole dollars; else the won median. */
function estimateFor(deal: DealInput, ctx: DealContext, rng: Random): number {
  const product = deal.productExternalId ? ctx.products.get(deal.productExternalId) : undefined;
  const list = product?.listPrice != null ? toCents(product.listPrice) : 0;
  if (list > 0) {
    const discountBp = rng.int(0, 2500);
    return Math.max(100, roundToDollar(Math.round((list * (10_000 - discountBp)) / 10_000)));
  }
  const byName = product ? ctx.wonMedianByProduct.get(normaliseName(product.name)) : undefined;
  return roundToDollar(byName ?? ctx.wonMedian ?? FALLBACK_AMOUNT_CENTS);
}

const HEALTH_WEIGHTS: Weighted<Health> = [
  ['active', 0.46],
  ['monitor', 0.27],
  ['stale', 0.27],
];

/**
 * The class is drawn first and downgraded when the deal is too young for it: a deal engaged 10
 * days ago cannot have gone 21 days without activity since it engaged.
 */
function healthFor(anchorDay: number, ctx: DealContext, rng: Random): [Health, number] {
  const age = ctx.asOfDay - anchorDay;
  let health = rng.weighted(HEALTH_WEIGHTS);
  if (health === 'stale' && age < 22) health = 'monitor';
  if (health === 'monitor' && age < 8) health = 'active';
  let daysAgo: number;
  if (health === 'stale') {
    const maxDays = Math.min(age, 122);
    daysAgo = 22 + Math.floor((maxDays - 22) * rng.float() ** 2);
  } else if (health === 'monitor') {
    daysAgo = rng.int(8, Math.min(20, age));
  } else {
    daysAgo = rng.int(1, clamp(age, 1, 6));
  }
  return [health, ctx.asOfDay - daysAgo];
}

interface Dates {
  firstDay: number;
  engageDay: number | null;
  closeDay: number | null;
}

function datesFor(deal: DealInput, outcome: Outcome, ctx: DealContext, rng: Random): Dates {
  const { asOfDay } = ctx;
  const created = deal.createdDate ? parseDay(deal.createdDate) : null;
  const close = deal.closeDate ? parseDay(deal.closeDate) : null;
  if (outcome === 'prospecting') {
    return { firstDay: created ?? asOfDay - rng.int(1, 60), engageDay: null, closeDay: close };
  }
  let closeDay = close;
  if (closeDay === null && outcome !== 'engaging') {
    closeDay =
      created !== null
        ? Math.min(created + rng.int(14, 90), asOfDay - 1)
        : asOfDay - rng.int(1, 90);
  }
  const engageDay =
    created ?? (closeDay !== null ? closeDay - rng.int(7, 60) : asOfDay - rng.int(10, 120));
  return { firstDay: engageDay - rng.int(3, 30), engageDay, closeDay };
}

/** Forecast horizon of an expected close date: committed deals are expected sooner. */
const HORIZON_DAYS: Record<string, number> = { commit: 45, best_case: 90, pipeline: 120 };
const PAST_DUE: Record<Health, number> = { active: 0.06, monitor: 0.15, stale: 0.35 };

export function expectedCloseDay(plan: DealPlan, ctx: DealContext, rng: Random): number {
  const { asOfDay } = ctx;
  if (plan.outcome === 'prospecting') return asOfDay + rng.int(30, 150);
  const earliestPast = Math.max(asOfDay - 30, plan.firstDay + 14);
  if (plan.health && rng.chance(PAST_DUE[plan.health]) && earliestPast <= asOfDay - 1) {
    return rng.int(earliestPast, asOfDay - 1);
  }
  return asOfDay + rng.int(0, HORIZON_DAYS[plan.category] ?? 120);
}

/** Probability ranges per category in basis points, in steps of 5%. */
export function probabilityFor(category: ForecastCategory, rng: Random): number {
  switch (category) {
    case 'commit':
      return rng.int(14, 18) * 500;
    case 'best_case':
      return rng.int(9, 13) * 500;
    case 'closed':
      return 10_000;
    case 'omitted':
      return 0;
    default:
      return rng.int(4, 8) * 500;
  }
}

export function planDeal(deal: DealInput, ctx: DealContext): DealPlan {
  const rng = Random.stream(ctx.seed, 'deal', deal.externalId);
  const outcome = outcomeOf(deal);
  const dates = datesFor(deal, outcome, ctx, rng);
  const estimateCents = estimateFor(deal, ctx, rng);
  const amountCents = deal.amount !== null ? toCents(deal.amount) : estimateCents;
  const open = outcome === 'engaging' || outcome === 'prospecting';
  const [health, lastActivityDay] = open
    ? healthFor(dates.engageDay ?? dates.firstDay, ctx, rng)
    : [null, null];
  // Engaging deals get their category from allocateCategories and their probability after it.
  const category: ForecastCategory =
    outcome === 'won' ? 'closed' : outcome === 'lost' ? 'omitted' : 'pipeline';
  const probabilityBp = outcome === 'prospecting' ? 1000 : probabilityFor(category, rng);
  const account = deal.accountExternalId ? ctx.accounts.get(deal.accountExternalId) : undefined;
  const product = deal.productExternalId ? ctx.products.get(deal.productExternalId) : undefined;
  const accountContacts = deal.accountExternalId
    ? (ctx.contactsByAccount.get(deal.accountExternalId) ?? [])
    : [];
  const contacts = pickDealContacts(
    outcome,
    accountContacts,
    Random.stream(ctx.seed, 'roles', deal.externalId),
  );
  return {
    deal,
    outcome,
    firstDay: dates.firstDay,
    engageDay: dates.engageDay,
    closeDay: dates.closeDay ?? ctx.asOfDay,
    amountCents,
    estimateCents,
    category,
    probabilityBp,
    health,
    lastActivityDay,
    contacts,
    accountName: account?.name ?? null,
    productName: product?.name ?? null,
    patch: {},
  };
}

const SCORE_BY_HEALTH: Record<Health, number> = { active: 0.6, monitor: 0.35, stale: 0.1 };
const CATEGORY_SHARES: ReadonlyArray<readonly [ForecastCategory, number]> = [
  ['commit', 0.2],
  ['best_case', 0.5],
];

/**
 * Engaging deals are ranked by a seeded score that favours recently worked deals, then filled
 * greedily by amount: the first 20% of the amount is commit, the next 30% best case, the rest
 * pipeline. Shares by amount then hold whatever the mix of deal sizes.
 */
export function allocateCategories(plans: DealPlan[], seed: number): void {
  const ranked = plans
    .map((plan) => {
      const rng = Random.stream(seed, 'category', plan.deal.externalId);
      return { plan, score: SCORE_BY_HEALTH[plan.health ?? 'monitor'] + rng.float() * 0.6 };
    })
    .sort(
      (a, b) => b.score - a.score || (a.plan.deal.externalId < b.plan.deal.externalId ? -1 : 1),
    );
  const total = ranked.reduce((sum, { plan }) => sum + plan.amountCents, 0);
  let running = 0;
  for (const { plan } of ranked) {
    const share = total > 0 ? running / total : 1;
    plan.category = CATEGORY_SHARES.find(([, limit]) => share < limit)?.[0] ?? 'pipeline';
    running += plan.amountCents;
  }
}

const MISSING_NEXT_STEP: Record<Health, number> = { active: 0.08, monitor: 0.2, stale: 0.4 };

export function nextStepFor(plan: DealPlan, rng: Random): string | null {
  if (rng.chance(MISSING_NEXT_STEP[plan.health ?? 'monitor'])) return null;
  const templates =
    plan.outcome === 'prospecting'
      ? NEXT_STEPS.prospecting
      : plan.category === 'pipeline'
        ? NEXT_STEPS.early
        : NEXT_STEPS.late;
  const primary = plan.contacts.find((c) => c.isPrimary)?.contact;
  return fillTemplate(rng.pick(templates), {
    who: primary
      ? fullName(primary)
      : plan.accountName
        ? `the buyer at ${plan.accountName}`
        : 'the buyer',
    product: plan.productName ?? 'our product',
    account: plan.accountName ?? 'the prospect',
  });
}

/** Settles what the export leaves open and records each generated value as a patch. */
export function finishPlan(plan: DealPlan, ctx: DealContext): void {
  const rng = Random.stream(ctx.seed, 'finish', plan.deal.externalId);
  const { deal, patch } = plan;
  const open = plan.outcome === 'engaging' || plan.outcome === 'prospecting';
  if (plan.outcome === 'engaging') plan.probabilityBp = probabilityFor(plan.category, rng);
  if (open && deal.closeDate === null) plan.closeDay = expectedCloseDay(plan, ctx, rng);
  if (deal.amount === null) patch.amount = formatCents(plan.amountCents);
  if (deal.closeDate === null) patch.close_date = formatDay(plan.closeDay);
  if (deal.createdDate === null) {
    patch.created_date = formatDay(plan.engageDay ?? plan.firstDay);
  }
  patch.forecast_category = plan.category;
  patch.probability = formatProbability(plan.probabilityBp);
  if (open) patch.next_step = nextStepFor(plan, rng);
}
