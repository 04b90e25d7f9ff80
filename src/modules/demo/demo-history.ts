import { probabilityFor, type DealPlan, type ForecastCategory } from './demo-deals';
import { Random, type Weighted } from './demo-random';
import { DAY_MS, HOUR_MS, MINUTE_MS, clamp, dayOf, roundToDollar } from './demo-values';

/**
 * Stage history of one deal: Prospecting, Engaging, the open-phase changes a forecast call is
 * made of (close-date pushes, re-estimated amounts, category upgrades) and the close. Values are
 * built backwards from the deal's final state, so the last entry always equals it.
 */

export interface HistoryState {
  stage: string;
  status: 'open' | 'won' | 'lost';
  amountCents: number;
  closeDay: number;
  category: ForecastCategory;
  probabilityBp: number;
}

export interface HistoryEntry extends HistoryState {
  at: number;
}

type Change = { at: number; apply: (state: HistoryState) => void };

/** A whole number of minutes between `fromHour` and `toHour` UTC on `day`. */
export function instantOn(day: number, rng: Random, fromHour = 8, toHour = 18): number {
  return day * DAY_MS + (fromHour * 60 + rng.int(0, (toHour - fromHour) * 60 - 1)) * MINUTE_MS;
}

/** How many times a slipping deal's close date was pushed; prospects mostly keep their first date. */
const PUSHES: Record<DealPlan['outcome'], Weighted<number>> = {
  won: [
    [1, 0.6],
    [2, 0.3],
    [3, 0.1],
  ],
  lost: [
    [1, 0.65],
    [2, 0.25],
    [3, 0.1],
  ],
  engaging: [
    [1, 0.45],
    [2, 0.35],
    [3, 0.2],
  ],
  prospecting: [
    [0, 0.85],
    [1, 0.15],
  ],
};

/** Where the forecast call stood just before a closed deal closed. */
const PRE_CLOSE_CATEGORY: Record<'won' | 'lost', Weighted<ForecastCategory>> = {
  won: [
    ['pipeline', 0.25],
    ['best_case', 0.35],
    ['commit', 0.4],
  ],
  lost: [
    ['pipeline', 0.7],
    ['best_case', 0.25],
    ['commit', 0.05],
  ],
};

/** A re-estimate: -20% .. +25% in whole dollars, never equal to the value it replaces. */
function reestimate(cents: number, rng: Random): number {
  const value = Math.max(100, roundToDollar(cents * rng.between(0.8, 1.25)));
  return value === cents ? cents + 100 : value;
}

/** Amounts the deal carried while open, oldest first; the last one holds until the close. */
function amountPath(plan: DealPlan, rng: Random): number[] {
  const { outcome, estimateCents, amountCents } = plan;
  if (outcome === 'won') {
    if (!rng.chance(0.45)) return [estimateCents];
    return rng.chance(0.25)
      ? [estimateCents, reestimate(amountCents, rng), amountCents]
      : [estimateCents, amountCents];
  }
  if (outcome === 'lost') {
    return rng.chance(0.3) ? [reestimate(estimateCents, rng), estimateCents] : [estimateCents];
  }
  const roll = rng.float();
  if (roll < 0.05) {
    const middle = reestimate(amountCents, rng);
    return [reestimate(middle, rng), middle, amountCents];
  }
  return roll < 0.35 ? [reestimate(amountCents, rng), amountCents] : [amountCents];
}

/**
 * Expected close dates, oldest first, ending with `finalDay`. The first expectation is 30-90 days
 * after creation; a deal that runs a week or more past it had its date pushed 1-3 times (PUSHES),
 * the slip split at random points. A prospect without a push was entered with its final date.
 */
function closePath(plan: DealPlan, finalDay: number, rng: Random): number[] {
  const first = Math.min(finalDay, plan.firstDay + rng.int(30, 90));
  const gap = finalDay - first;
  if (gap < 7) return [finalDay];
  const drawn = rng.weighted(PUSHES[plan.outcome]);
  // Slips of more than ~4 months were not one push: spread them over up to three.
  const wanted = drawn === 0 ? 0 : Math.max(drawn, Math.ceil(gap / 120));
  const pushes = Math.min(wanted, 3, Math.floor(gap / 7));
  if (pushes === 0) return [finalDay];
  const cuts = new Set<number>();
  while (cuts.size < pushes - 1) cuts.add(first + rng.int(1, gap - 1));
  return [first, ...[...cuts].sort((a, b) => a - b), finalDay];
}

/** Forecast categories after the one at engagement: upgrades only, pipeline -> best_case -> commit. */
function categoryPath(target: ForecastCategory, rng: Random): ForecastCategory[] {
  if (target === 'best_case') return ['best_case'];
  if (target === 'commit') return rng.chance(0.5) ? ['commit'] : ['best_case', 'commit'];
  return [];
}

/** `count` sorted business-hour instants in [start, end], at least a minute apart. */
function spread(count: number, start: number, end: number, rng: Random): number[] {
  const times = Array.from({ length: count }, () => {
    const day = dayOf(start + rng.float() * (end - start));
    return clamp(instantOn(day, rng), start, end);
  });
  return times.sort((a, b) => a - b).map((t, i) => t + i * MINUTE_MS);
}

/**
 * A push happens as the old date comes due: 0-7 days before it, never before the previous push
 * and never after `end`, so every push sets a date still ahead of it.
 */
function pushTimes(closes: number[], start: number, end: number, rng: Random): number[] {
  const times: number[] = [];
  for (let i = 1; i < closes.length; i++) {
    const earliest = i === 1 ? start : times[i - 2] + MINUTE_MS;
    times.push(
      clamp(instantOn(closes[i - 1] - rng.int(0, 7), rng), earliest, Math.max(earliest, end)),
    );
  }
  return times;
}

interface OpenPhase {
  amounts: number[];
  closes: number[];
  /** Category set when the deal reaches Engaging, then the upgrades after it. */
  engageCategory: ForecastCategory;
  upgrades: ForecastCategory[];
  probabilities: Map<ForecastCategory, number>;
}

interface Window {
  start: number;
  end: number;
}

const roomFor = (window: Window): boolean => window.end - window.start >= 2 * DAY_MS;

function openPhase(plan: DealPlan, window: Window, rng: Random): OpenPhase {
  const closed = plan.outcome === 'won' || plan.outcome === 'lost';
  const target = closed
    ? rng.weighted(PRE_CLOSE_CATEGORY[plan.outcome as 'won' | 'lost'])
    : plan.category;
  const finalClose = closed ? plan.closeDay + rng.int(-10, 20) : plan.closeDay;
  const probabilities = new Map<ForecastCategory, number>();
  for (const category of ['pipeline', 'best_case', 'commit'] as const) {
    probabilities.set(category, probabilityFor(category, rng));
  }
  if (!closed) probabilities.set(plan.category, plan.probabilityBp);
  const amounts = amountPath(plan, rng);
  const closes = closePath(plan, finalClose, rng);
  const upgrades = plan.outcome === 'prospecting' ? [] : categoryPath(target, rng);
  // A push sets a date still ahead of it: pushes end a day before the last expected date.
  const pushWindow = { start: window.start, end: Math.min(window.end, (finalClose - 1) * DAY_MS) };
  if (!roomFor(window)) {
    // No room for changes: the deal enters its open phase with the values it ends it with.
    return {
      amounts: amounts.slice(-1),
      closes: closes.slice(-1),
      engageCategory: target,
      upgrades: [],
      probabilities,
    };
  }
  return {
    amounts,
    closes: roomFor(pushWindow) ? closes : closes.slice(-1),
    engageCategory: 'pipeline',
    upgrades,
    probabilities,
  };
}

function changesFor(phase: OpenPhase, window: Window, rng: Random): Change[] {
  const changes: Change[] = [];
  const add = <T>(values: T[], times: number[], apply: (state: HistoryState, value: T) => void) =>
    values.forEach((value, i) => changes.push({ at: times[i], apply: (s) => apply(s, value) }));
  const lastClose = phase.closes[phase.closes.length - 1];
  const pushEnd = Math.min(window.end, (lastClose - 1) * DAY_MS);
  const amounts = phase.amounts.slice(1);
  add(amounts, spread(amounts.length, window.start, window.end, rng), (s, cents) => {
    s.amountCents = cents;
  });
  add(phase.closes.slice(1), pushTimes(phase.closes, window.start, pushEnd, rng), (s, day) => {
    s.closeDay = day;
  });
  add(
    phase.upgrades,
    spread(phase.upgrades.length, window.start, window.end, rng),
    (s, category) => {
      s.category = category;
      s.probabilityBp = phase.probabilities.get(category) ?? s.probabilityBp;
    },
  );
  return changes;
}

/** Strictly increasing by at least a minute, none after `latest`. */
export function normaliseTimes(entries: { at: number }[], latest: number): void {
  for (let i = 1; i < entries.length; i++) {
    entries[i].at = Math.max(entries[i].at, entries[i - 1].at + MINUTE_MS);
  }
  for (let i = entries.length - 1; i >= 0; i--) {
    const cap = i === entries.length - 1 ? latest : entries[i + 1].at - MINUTE_MS;
    entries[i].at = Math.min(entries[i].at, cap);
  }
}

export function buildHistory(plan: DealPlan, seed: number, latest: number): HistoryEntry[] {
  const rng = Random.stream(seed, 'history', plan.deal.externalId);
  const closed = plan.outcome === 'won' || plan.outcome === 'lost';
  const firstAt = instantOn(plan.firstDay, rng);
  const engageAt = plan.engageDay !== null ? instantOn(plan.engageDay, rng, 8, 13) : null;
  // Dirty rows may close before they engaged: the close still has to be the last change.
  const closeAt = closed
    ? Math.max(instantOn(plan.closeDay, rng, 13, 18), (engageAt ?? firstAt) + 2 * HOUR_MS)
    : null;
  // Open deals change only while they are worked: up to the evening of their last activity's day.
  const window: Window = {
    start: (engageAt ?? firstAt) + HOUR_MS,
    end: closeAt
      ? closeAt - HOUR_MS
      : Math.min(latest, (plan.lastActivityDay ?? dayOf(latest)) * DAY_MS + 18 * HOUR_MS),
  };
  const phase = openPhase(plan, window, rng);
  const state: HistoryState = {
    stage: plan.outcome === 'prospecting' ? plan.deal.stage : 'Prospecting',
    status: 'open',
    amountCents: phase.amounts[0],
    closeDay: phase.closes[0],
    category: 'pipeline',
    probabilityBp: plan.outcome === 'prospecting' ? plan.probabilityBp : 1000,
  };
  const changes = changesFor(phase, window, rng);
  if (engageAt !== null) {
    changes.push({
      at: engageAt,
      apply: (s) => {
        s.stage = closed ? 'Engaging' : plan.deal.stage;
        s.category = phase.engageCategory;
        s.probabilityBp = phase.probabilities.get(phase.engageCategory) ?? s.probabilityBp;
      },
    });
  }
  if (closeAt !== null) {
    changes.push({ at: closeAt, apply: (s) => Object.assign(s, finalState(plan)) });
  }
  const entries: HistoryEntry[] = [{ ...state, at: firstAt }];
  for (const change of changes.sort((a, b) => a.at - b.at)) {
    change.apply(state);
    entries.push({ ...state, at: change.at });
  }
  normaliseTimes(entries, latest);
  return entries;
}

/** The state a deal ends in, after patches: what its last history entry must equal. */
export function finalState(plan: DealPlan): HistoryState {
  return {
    stage: plan.deal.stage,
    status: plan.deal.status,
    amountCents: plan.amountCents,
    closeDay: plan.closeDay,
    category: plan.category,
    probabilityBp: plan.probabilityBp,
  };
}
