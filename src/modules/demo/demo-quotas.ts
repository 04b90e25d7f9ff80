import type { DealPlan } from './demo-deals';
import { Random } from './demo-random';
import { formatDay, median, nextQuarter, quarterOf, type Quarter } from './demo-values';

/**
 * Quarterly quotas for reps, calibrated on what the data says reps actually win so attainment
 * lands around 60-120% instead of everyone at 5% or 500%.
 */

export interface QuotaUser {
  externalId: string;
  role: 'rep' | 'manager';
  office: string | null;
}

export interface DemoQuota {
  userExternalId: string;
  quarter: Quarter;
  amountCents: number;
}

/** When the data has no won deal at all, a round number stands in for the office median. */
const FALLBACK_QUOTA_CENTS = 100_000_00;
/** Stretch over the typical quarter: a quota a rep usually reaches would not be one. */
const STRETCH = 1.1;
/** Weight of the rep's own history against the office's: stars get a bigger target, yet not all of it. */
const OWN_WEIGHT = 0.75;

export const quarterKey = (q: Quarter): string => `${q.year}Q${q.quarter}`;

export function quartersBetween(fromDay: number, toDay: number): Quarter[] {
  const quarters: Quarter[] = [];
  for (let q = quarterOf(fromDay); q.startDay <= toDay; q = nextQuarter(q)) quarters.push(q);
  return quarters;
}

/**
 * Quarters the closed deals cover completely; a quarter cut in half by the start of the data or by
 * asOf would understate what reps win. With no complete quarter, every covered one counts.
 */
function measuredQuarters(plans: readonly DealPlan[], asOfDay: number): Quarter[] {
  const closeDays = plans
    .filter((p) => p.outcome === 'won' || p.outcome === 'lost')
    .map((p) => p.closeDay);
  if (closeDays.length === 0) return [];
  const first = closeDays.reduce((a, b) => Math.min(a, b));
  const covered = quartersBetween(first, asOfDay);
  const complete = covered.filter((q) => q.startDay >= first && q.endDay <= asOfDay);
  return complete.length > 0 ? complete : covered;
}

function wonByRepQuarter(plans: readonly DealPlan[]): Map<string, number> {
  const won = new Map<string, number>();
  for (const plan of plans) {
    if (plan.outcome !== 'won' || plan.deal.ownerExternalId === null) continue;
    const key = `${plan.deal.ownerExternalId}|${quarterKey(quarterOf(plan.closeDay))}`;
    won.set(key, (won.get(key) ?? 0) + plan.amountCents);
  }
  return won;
}

export function buildQuotas(
  users: readonly QuotaUser[],
  plans: readonly DealPlan[],
  asOfDay: number,
  seed: number,
): DemoQuota[] {
  const reps = users.filter((u) => u.role === 'rep');
  const owners = new Set(plans.map((p) => p.deal.ownerExternalId));
  const measured = measuredQuarters(plans, asOfDay);
  const won = wonByRepQuarter(plans);
  const repQuarters = (rep: QuotaUser) =>
    measured.map((q) => won.get(`${rep.externalId}|${quarterKey(q)}`) ?? 0);
  const dealReps = reps.filter((rep) => owners.has(rep.externalId));
  const overall = median(dealReps.flatMap(repQuarters)) || FALLBACK_QUOTA_CENTS;
  const officeMedian = (office: string | null) =>
    median(dealReps.filter((r) => r.office === office).flatMap(repQuarters)) || overall;

  const dealDays = plans.flatMap((p) => [p.engageDay ?? p.firstDay, p.closeDay]);
  const firstDay = dealDays.reduce((a, b) => Math.min(a, b), asOfDay);
  const quarters = quartersBetween(firstDay, nextQuarter(quarterOf(asOfDay)).startDay);
  return reps.flatMap((rep) => {
    const office = officeMedian(rep.office);
    const own = owners.has(rep.externalId) ? median(repQuarters(rep)) : null;
    const base = own === null ? office : OWN_WEIGHT * own + (1 - OWN_WEIGHT) * office;
    return quarters.map((quarter) => {
      const rng = Random.stream(seed, 'quota', rep.externalId, quarterKey(quarter));
      const dollars = Math.round((base * STRETCH * rng.between(0.95, 1.05)) / 100_000) * 1000;
      return {
        userExternalId: rep.externalId,
        quarter,
        amountCents: Math.max(1000, dollars) * 100,
      };
    });
  });
}

export function quotaRecordFields(quota: DemoQuota): Record<string, string> {
  return {
    user_external_id: quota.userExternalId,
    period_start: formatDay(quota.quarter.startDay),
    period_end: formatDay(quota.quarter.endDay),
    amount: `${Math.floor(quota.amountCents / 100)}.00`,
  };
}
