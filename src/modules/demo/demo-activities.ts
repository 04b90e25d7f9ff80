import { fullName, type DealContact } from './demo-contacts';
import type { DealPlan, Health, Outcome } from './demo-deals';
import { instantOn } from './demo-history';
import { SUBJECTS, fillTemplate } from './demo-names';
import { Random, type Weighted } from './demo-random';
import { DAY_MS, MINUTE_MS, clamp, dayOf, weekday } from './demo-values';

/**
 * Activities of one deal over its life. Counts, timing and direction follow the outcome: won deals
 * are worked more, with more inbound replies and a build-up to the close; lost deals get fewer
 * touches that taper off before the loss; open deals stop at their planned last-activity day, which
 * is what makes some of them stale.
 */

export type ActivityType = 'call' | 'meeting' | 'email' | 'task' | 'note' | 'sms';

export interface DemoActivity {
  type: ActivityType;
  subject: string;
  direction: 'inbound' | 'outbound' | null;
  at: number;
  durationSeconds: number | null;
  contact: DealContact | null;
}

const TYPE_WEIGHTS: Record<'won' | 'lost' | 'open', Weighted<ActivityType>> = {
  won: [
    ['email', 32],
    ['call', 26],
    ['meeting', 16],
    ['task', 12],
    ['note', 9],
    ['sms', 5],
  ],
  lost: [
    ['email', 38],
    ['call', 24],
    ['meeting', 7],
    ['task', 16],
    ['note', 10],
    ['sms', 5],
  ],
  open: [
    ['email', 34],
    ['call', 24],
    ['meeting', 12],
    ['task', 14],
    ['note', 10],
    ['sms', 6],
  ],
};

/** Share of calls, emails and texts that come from the buyer. */
const INBOUND: Record<Outcome | Health, number> = {
  won: 0.45,
  lost: 0.2,
  engaging: 0.3,
  prospecting: 0.25,
  active: 0.35,
  monitor: 0.3,
  stale: 0.15,
};

/** Exponent on the position in the deal's life: < 1 bunches activity late, > 1 early. */
const SHAPE: Record<Outcome | Health, number> = {
  won: 0.75,
  lost: 1.5,
  engaging: 1,
  prospecting: 1,
  active: 0.8,
  monitor: 1,
  stale: 1.2,
};

const MEETING_SECONDS: Weighted<number> = [
  [1800, 0.45],
  [2700, 0.15],
  [3600, 0.3],
  [5400, 0.1],
];

function countFor(plan: DealPlan, lifeDays: number, rng: Random): number {
  const jitter = rng.between(0.75, 1.25);
  switch (plan.outcome) {
    case 'won':
      return clamp(Math.round((5 + lifeDays / 10) * jitter), 4, 30);
    case 'lost':
      return clamp(Math.round((2 + lifeDays / 15) * jitter), 1, 16);
    case 'prospecting':
      return clamp(Math.round((1 + lifeDays / 10) * jitter), 1, 8);
    default: {
      const damp = plan.health === 'stale' ? 0.7 : 1;
      return clamp(Math.round((4 + Math.min(lifeDays, 180) / 15) * jitter * damp), 2, 24);
    }
  }
}

/**
 * A position in the deal's life (0..1, shaped) and its instant in business hours, 08:00-18:00 UTC.
 * A weekend draw is redrawn with 92% probability, so weekdays stay evenly loaded and a few
 * weekend touches remain.
 */
function drawMoment(start: number, last: number, shape: number, rng: Random): [number, number] {
  for (let attempt = 0; ; attempt++) {
    const position = rng.float() ** shape;
    const day = dayOf(start + position * (last - start));
    const dow = weekday(day);
    if (attempt < 5 && (dow === 0 || dow === 6) && rng.chance(0.92)) continue;
    return [position, clamp(instantOn(day, rng), start, last)];
  }
}

type Phase = 'early' | 'mid' | 'late';
/** How far an open deal has got: prospects are all discovery, pipeline deals not yet negotiating. */
const REACH: Record<string, number> = { pipeline: 0.69, best_case: 0.9, commit: 1 };

function phaseOf(plan: DealPlan, position: number): Phase {
  if (plan.outcome === 'prospecting') return 'early';
  const open = plan.outcome === 'engaging';
  const reach = open ? (REACH[plan.category] ?? 1) : 1;
  const scaled = position * reach;
  return scaled < 0.33 ? 'early' : scaled < 0.7 ? 'mid' : 'late';
}

/** What subjects name besides the contact: the account and the product. */
interface Names {
  account: string;
  product: string;
}

function pickContact(contacts: readonly DealContact[], rng: Random): DealContact | null {
  if (contacts.length === 0) return null;
  return rng.chance(0.5) ? (contacts.find((c) => c.isPrimary) ?? contacts[0]) : rng.pick(contacts);
}

function describe(
  type: ActivityType,
  inbound: boolean,
  phase: Phase,
  rng: Random,
): { template: string; seconds: number | null } {
  switch (type) {
    case 'call':
      if (!inbound && rng.chance(0.25)) {
        return { template: rng.pick(SUBJECTS.voicemail), seconds: rng.int(15, 45) };
      }
      return {
        template: rng.pick((inbound ? SUBJECTS.callIn : SUBJECTS.callOut)[phase]),
        seconds: 120 + Math.round(2280 * rng.float() ** 2),
      };
    case 'meeting':
      return {
        template: rng.pick(SUBJECTS.meeting[phase]),
        seconds: rng.weighted(MEETING_SECONDS),
      };
    case 'email':
      return {
        template: rng.pick((inbound ? SUBJECTS.emailIn : SUBJECTS.emailOut)[phase]),
        seconds: null,
      };
    case 'sms':
      return {
        template: rng.pick((inbound ? SUBJECTS.smsIn : SUBJECTS.smsOut)[phase]),
        seconds: null,
      };
    default:
      return { template: rng.pick(SUBJECTS[type][phase]), seconds: null };
  }
}

function makeActivity(
  plan: DealPlan,
  at: number,
  position: number,
  names: Names,
  rng: Random,
): DemoActivity {
  const outcomeKey = plan.outcome === 'won' || plan.outcome === 'lost' ? plan.outcome : 'open';
  const type = rng.weighted(TYPE_WEIGHTS[outcomeKey]);
  const directed = type === 'call' || type === 'email' || type === 'sms';
  const inbound = directed && rng.chance(INBOUND[plan.health ?? plan.outcome]);
  const contact = type === 'task' || type === 'note' ? null : pickContact(plan.contacts, rng);
  const { template, seconds } = describe(type, inbound, phaseOf(plan, position), rng);
  const who = contact ? fullName(contact.contact) : names.account;
  return {
    type,
    subject: fillTemplate(template, { ...names, who }),
    direction: directed ? (inbound ? 'inbound' : 'outbound') : null,
    at,
    durationSeconds: seconds,
    contact,
  };
}

/**
 * `start` is the deal's first history entry and `end` its close (closed deals) or its planned last
 * activity (open deals); every activity lies in [start, end].
 */
export function buildActivities(
  plan: DealPlan,
  start: number,
  end: number,
  seed: number,
): DemoActivity[] {
  const rng = Random.stream(seed, 'activities', plan.deal.externalId);
  const open = plan.outcome === 'engaging' || plan.outcome === 'prospecting';
  // Lost deals go quiet 3-20 days before the loss is recorded.
  const taper = plan.outcome === 'lost' ? Math.min(rng.int(3, 20) * DAY_MS, (end - start) / 2) : 0;
  // Won deals end with the buyer's signature: the rest of the work happens before it.
  const signed = plan.outcome === 'won' ? signedOrder(plan, start, end, rng) : null;
  const last = signed ? Math.max(start, signed.at - MINUTE_MS) : Math.max(start, end - taper);
  const count = countFor(plan, (last - start) / DAY_MS, rng);
  const shape = SHAPE[plan.health ?? plan.outcome];
  const names: Names = {
    account: plan.accountName ?? 'the prospect',
    product: plan.productName ?? 'our product',
  };
  const activities: DemoActivity[] = [];
  for (let i = 0; i < count; i++) {
    // Open deals: one activity sits exactly on the planned last one, so the health class holds.
    const [position, at] =
      open && i === count - 1 ? [1, last] : drawMoment(start, last, shape, rng);
    activities.push(makeActivity(plan, at, position, names, rng));
  }
  if (signed) activities.push(signed);
  // Ties by subject with a plain comparison: localeCompare would depend on the host's ICU data.
  return activities.sort(
    (a, b) => a.at - b.at || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0),
  );
}

/** Won deals end with the buyer's signature arriving on the close day. */
function signedOrder(plan: DealPlan, start: number, end: number, rng: Random): DemoActivity {
  const primary = plan.contacts.find((c) => c.isPrimary) ?? null;
  const who = primary ? fullName(primary.contact) : (plan.accountName ?? 'the customer');
  return {
    type: 'email',
    subject: `Signed order form from ${who}`,
    direction: 'inbound',
    at: Math.max(start, end - rng.int(30, 240) * MINUTE_MS),
    durationSeconds: null,
    contact: primary,
  };
}
