import type { Factor } from './pipeline-settings.service';

/** What a deal's health was computed from (a row of pipeline_deals). */
export interface HealthFacts {
  stage: string;
  factors: Record<Factor, number>;
  days_since_activity: number;
  has_activity: boolean;
  days_in_stage: number;
  stage_median_days: number;
  recent_activities: number;
  engagement_norm: number;
  engagement_window_days: number;
  engaged_contacts: number;
  contacts_norm: number;
  close_date_pushes: number;
  next_step_missing: boolean;
  /** Days the expected close date is behind today (0 when not past). */
  days_past_close: number;
}

export interface Recommendation {
  action_type: string;
  priority: number;
  reason: string;
}

/** A factor below this counts as weak: it earns a risk sentence and a recommendation. */
const WEAK = 0.5;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const norm = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const ratio = (f: HealthFacts) => f.days_in_stage / f.stage_median_days;

interface Finding {
  /** Weakness 0-1 (1 - factor, or a fixed weight for plain facts): orders the sentences. */
  weight: number;
  risk: string;
  action: string;
  reason: string;
  base: number;
}

function findings(f: HealthFacts): Finding[] {
  const out: Finding[] = [];
  const x = f.factors;
  if (x.activity_recency < WEAK) {
    const risk = f.has_activity
      ? `No activity in ${plural(f.days_since_activity, 'day')}`
      : `No activity logged in ${plural(f.days_since_activity, 'day')} since the deal was opened`;
    out.push({
      weight: 1 - x.activity_recency,
      risk,
      action: 'REACTIVATE_STALE',
      reason: risk,
      base: 95,
    });
  }
  if (f.engaged_contacts <= 1 || x.multi_threading < WEAK) {
    const risk =
      f.engaged_contacts === 0
        ? 'No engaged contacts'
        : f.engaged_contacts === 1
          ? 'Single-threaded'
          : `Only ${f.engaged_contacts} engaged contacts`;
    out.push({
      weight: 1 - x.multi_threading,
      risk,
      action: 'MULTI_THREAD',
      reason: `${plural(f.engaged_contacts, 'contact')} engaged; won deals involve ${norm(f.contacts_norm)}`,
      base: 85,
    });
  }
  if (ratio(f) >= 1.5) {
    const risk = `Stalled in ${f.stage}: ${ratio(f).toFixed(1)}x the median`;
    out.push({
      weight: 1 - x.stage_velocity,
      risk,
      action: 'ADVANCE_STAGE',
      reason: `${plural(f.days_in_stage, 'day')} in ${f.stage}; won deals took ${norm(f.stage_median_days)}`,
      base: 80,
    });
  }
  if (x.engagement < WEAK) {
    const risk =
      `Low engagement: ${plural(f.recent_activities, 'activity')} in ${f.engagement_window_days} days`.replace(
        'activitys',
        'activities',
      );
    out.push({
      weight: 1 - x.engagement,
      risk,
      action: 'INCREASE_ENGAGEMENT',
      reason: `${risk}; won deals had ${norm(f.engagement_norm)} at this stage`,
      base: 75,
    });
  }
  if (f.days_past_close > 0) {
    const risk = `Close date passed ${plural(f.days_past_close, 'day')} ago`;
    out.push({ weight: 0.6, risk, action: 'UPDATE_CLOSE_DATE', reason: risk, base: 90 });
  }
  if (f.close_date_pushes >= 2) {
    const risk = `Close date pushed ${f.close_date_pushes} times`;
    out.push({ weight: 0.5, risk, action: 'CONFIRM_TIMELINE', reason: risk, base: 70 });
  }
  if (f.next_step_missing) {
    out.push({
      weight: 0.4,
      risk: 'No next step',
      action: 'SET_NEXT_STEP',
      reason: 'No next step recorded',
      base: 65,
    });
  }
  return out;
}

/** Human sentences from the facts, weakest factor first. */
export function riskFactors(f: HealthFacts): string[] {
  return findings(f)
    .sort((a, b) => b.weight - a.weight)
    .map((x) => x.risk);
}

/** Rule-based next steps for the deal's weak factors and hygiene issues, most urgent first. */
export function recommendations(f: HealthFacts): Recommendation[] {
  return findings(f)
    .map((x) => ({
      action_type: x.action,
      // The weaker the factor, the more urgent within the action's range (base - 20 .. base).
      priority: Math.round(x.base - 20 * (1 - x.weight)),
      reason: x.reason,
    }))
    .sort((a, b) => b.priority - a.priority || (a.action_type < b.action_type ? -1 : 1));
}
