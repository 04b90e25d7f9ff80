import { divideCents, fromCents, ratio } from '../crm/money';

/** Smallest samples an insight may rest on (docs/COACHING.md). */
export const MINIMUMS = {
  /** The rep's closed (won + lost) deals, for rates and per-deal averages. */
  rep_closed_deals: 10,
  /** The rep's won deals, for deal size and cycle time. */
  rep_won_deals: 5,
  /** The rest of the team's closed deals. */
  team_closed_deals: 30,
  /** The rest of the team's won deals. */
  team_won_deals: 15,
  /** Each of the two groups an estimated impact compares. */
  impact_group_deals: 10,
} as const;

/** A rep differs from the team when 15% above or below its figure. */
export const RELATIVE_GAP = 0.15;

/** One closed deal, as the rules see it. */
export interface DealFacts {
  ownerId: string;
  won: boolean;
  contacts: number;
  activities: number;
  /** Days spent in each open stage. */
  stageDays: Record<string, number>;
}

/** Pooled won/lost figures of a group of reps (integers and cents). */
export interface Pooled {
  won: number;
  lost: number;
  wonAmount: bigint;
  cycleDays: number;
  cycleDeals: number;
}

export interface Evidence {
  metric: string;
  kind: 'strength' | 'opportunity';
  text: string;
  rep_value: number | string;
  team_value: number | string;
  rep_sample: number;
  team_sample: number;
}

export interface Recommendation {
  metric: string;
  action: string;
  impact: string | null;
  priority: 'high' | 'medium' | 'low';
}

export interface InsightInput {
  /** The rep's own figures exactly as the performance endpoint reports them. */
  rep: { win_rate: number | null; avg_deal_size: string | null; avg_cycle_days: number | null };
  repPooled: Pooled;
  teamPooled: Pooled;
  repDeals: DealFacts[];
  teamDeals: DealFacts[];
}

export const percent = (rate: number) => `${(Math.round(rate * 10_000) / 100).toFixed(2)}%`;
export const dollars = (amount: string) => {
  const [whole, cents] = amount.split('.');
  return `$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
};
const oneDp = (value: number) => value.toFixed(1);
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
/** Averages shown with one decimal are compared at that precision, so text and numbers agree. */
const round1 = (value: number) => Math.round(value * 10) / 10;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** strength / opportunity / null for a rep value against the team's. */
function compare(rep: number, team: number, higherIsBetter: boolean) {
  if (team <= 0) return null;
  const r = rep / team;
  if (r >= 1 + RELATIVE_GAP) return higherIsBetter ? 'strength' : 'opportunity';
  if (r <= 1 - RELATIVE_GAP) return higherIsBetter ? 'opportunity' : 'strength';
  return null;
}

/** The team's win rate on deals that have a trait against those without it, when both samples suffice. */
function winRateSplit(deals: DealFacts[], has: (d: DealFacts) => boolean) {
  const yes = deals.filter(has);
  const no = deals.filter((d) => !has(d));
  if (yes.length < MINIMUMS.impact_group_deals || no.length < MINIMUMS.impact_group_deals)
    return null;
  const rate = (g: DealFacts[]) => ratio(BigInt(g.filter((d) => d.won).length), BigInt(g.length))!;
  const withTrait = rate(yes);
  const without = rate(no);
  return withTrait > without
    ? { withTrait, without, nWith: yes.length, nWithout: no.length }
    : null;
}

const priorityOf = (lift: number): Recommendation['priority'] =>
  lift >= 0.15 ? 'high' : lift >= 0.05 ? 'medium' : 'low';

/**
 * Strengths, opportunities and recommendations from a rep's numbers against the rest of the
 * team. Deterministic: a fixed order of rules, and each one speaks only when both samples reach
 * the minimums; every sentence carries the numbers it rests on.
 */
export function generateInsights(input: InsightInput) {
  const evidence: Evidence[] = [];
  const recommendations: Recommendation[] = [];
  const { rep, repPooled: rp, teamPooled: tp, repDeals, teamDeals } = input;
  const repClosed = rp.won + rp.lost;
  const teamClosed = tp.won + tp.lost;
  const closedOk =
    repClosed >= MINIMUMS.rep_closed_deals && teamClosed >= MINIMUMS.team_closed_deals;

  // Win rate.
  const teamWinRate = ratio(BigInt(tp.won), BigInt(teamClosed));
  if (closedOk && rep.win_rate !== null && teamWinRate !== null) {
    const kind = compare(rep.win_rate, teamWinRate, true);
    if (kind) {
      evidence.push({
        metric: 'win_rate',
        kind,
        text: `Win rate - ${percent(rep.win_rate)} of closed deals won (${rp.won} of ${repClosed}) vs. ${percent(teamWinRate)} team average`,
        rep_value: rep.win_rate,
        team_value: teamWinRate,
        rep_sample: repClosed,
        team_sample: teamClosed,
      });
      if (kind === 'opportunity')
        recommendations.push({
          metric: 'win_rate',
          action: `Review the ${rp.lost} lost deals of the period with your manager for a common loss reason before the next forecast call`,
          impact: null,
          priority: rep.win_rate <= teamWinRate * 0.7 ? 'high' : 'medium',
        });
    }
  }

  const wonOk = rp.won >= MINIMUMS.rep_won_deals && tp.won >= MINIMUMS.team_won_deals;
  // Average deal size.
  if (wonOk && rep.avg_deal_size !== null) {
    const teamAvg = divideCents(tp.wonAmount, BigInt(tp.won));
    const repAvg = divideCents(rp.wonAmount, BigInt(rp.won));
    const kind = compare(Number(repAvg), Number(teamAvg), true);
    if (kind) {
      evidence.push({
        metric: 'avg_deal_size',
        kind,
        text: `Deal size - ${dollars(rep.avg_deal_size)} average won deal (${rp.won} won) vs. ${dollars(fromCents(teamAvg))} team average`,
        rep_value: rep.avg_deal_size,
        team_value: fromCents(teamAvg),
        rep_sample: rp.won,
        team_sample: tp.won,
      });
      if (kind === 'opportunity') {
        const gain = (teamAvg - repAvg) * BigInt(rp.won);
        recommendations.push({
          metric: 'avg_deal_size',
          action:
            'Lead with the larger packages the team sells: scope deals to the full need before proposing',
          impact: `Estimated ${dollars(fromCents(gain))} more closed won in the period at the team's average deal size (${rp.won} won deals x ${dollars(fromCents(teamAvg - repAvg))})`,
          priority: 'medium',
        });
      }
    }
  }

  // Cycle time.
  if (
    rep.avg_cycle_days !== null &&
    rp.cycleDeals >= MINIMUMS.rep_won_deals &&
    tp.cycleDeals >= MINIMUMS.team_won_deals
  ) {
    const teamCycle = ratio(BigInt(tp.cycleDays), BigInt(tp.cycleDeals), 1)!;
    const kind = compare(rep.avg_cycle_days, teamCycle, false);
    if (kind) {
      evidence.push({
        metric: 'avg_cycle_days',
        kind,
        text: `Sales cycle - ${oneDp(rep.avg_cycle_days)} days from creation to close on won deals vs. ${oneDp(teamCycle)} team average`,
        rep_value: rep.avg_cycle_days,
        team_value: teamCycle,
        rep_sample: rp.cycleDeals,
        team_sample: tp.cycleDeals,
      });
      if (kind === 'opportunity')
        recommendations.push({
          metric: 'avg_cycle_days',
          action:
            'Agree a mutual close plan with dates at the first meeting and confirm the next step on every call',
          impact: null,
          priority: 'medium',
        });
    }
  }

  const perDeal = (
    metric: string,
    label: string,
    unit: string,
    value: (d: DealFacts) => number,
    action: (k: number) => string,
  ) => {
    if (
      repDeals.length < MINIMUMS.rep_closed_deals ||
      teamDeals.length < MINIMUMS.team_closed_deals
    )
      return;
    const repAvg = round1(mean(repDeals.map(value)));
    const teamAvg = round1(mean(teamDeals.map(value)));
    const kind = compare(repAvg, teamAvg, true);
    if (!kind) return;
    evidence.push({
      metric,
      kind,
      text: `${label} - ${oneDp(repAvg)} ${unit} per deal vs. ${oneDp(teamAvg)} team average`,
      rep_value: repAvg,
      team_value: teamAvg,
      rep_sample: repDeals.length,
      team_sample: teamDeals.length,
    });
    if (kind !== 'opportunity') return;
    const k = Math.max(
      1,
      Math.ceil(metric === 'activities_per_deal' ? median(teamDeals.map(value)) : teamAvg),
    );
    const split = winRateSplit(teamDeals, (d) => value(d) >= k);
    recommendations.push({
      metric,
      action: action(k),
      impact: split
        ? `Estimated +${percent(split.withTrait - split.without).replace('%', '')} points of win rate on deals with fewer than ${k} ${unit}: the team wins ${percent(split.withTrait)} of deals with ${k}+ ${unit} (${split.nWith} deals) vs. ${percent(split.without)} with fewer (${split.nWithout})`
        : null,
      priority: split ? priorityOf(split.withTrait - split.without) : 'medium',
    });
  };
  perDeal(
    'contacts_per_deal',
    'Multi-threading',
    'contacts',
    (d) => d.contacts,
    (k) =>
      `Engage at least ${k} contacts per deal, the economic buyer among them, before the proposal`,
  );
  perDeal(
    'activities_per_deal',
    'Activity volume',
    'activities',
    (d) => d.activities,
    (k) => `Log at least ${k} touches (calls, meetings, emails) on every deal you work`,
  );

  // Time in each open stage: lower is better.
  const stages = [...new Set(teamDeals.flatMap((d) => Object.keys(d.stageDays)))].sort();
  for (const stage of stages) {
    const repIn = repDeals.filter((d) => stage in d.stageDays);
    const teamIn = teamDeals.filter((d) => stage in d.stageDays);
    if (repIn.length < MINIMUMS.rep_closed_deals || teamIn.length < MINIMUMS.team_closed_deals)
      continue;
    const repAvg = round1(mean(repIn.map((d) => d.stageDays[stage])));
    const teamAvg = round1(mean(teamIn.map((d) => d.stageDays[stage])));
    const kind = compare(repAvg, teamAvg, false);
    if (!kind) continue;
    evidence.push({
      metric: `days_in_stage:${stage}`,
      kind,
      text: `Time in ${stage} - ${oneDp(repAvg)} days per deal vs. ${oneDp(teamAvg)} team average`,
      rep_value: repAvg,
      team_value: teamAvg,
      rep_sample: repIn.length,
      team_sample: teamIn.length,
    });
    if (kind !== 'opportunity') continue;
    const limit = median(teamIn.map((d) => d.stageDays[stage]));
    const split = winRateSplit(teamIn, (d) => d.stageDays[stage] <= limit);
    recommendations.push({
      metric: `days_in_stage:${stage}`,
      action: `Move deals through ${stage} faster: set an exit criterion and a date for each deal in it`,
      impact: split
        ? `Estimated +${percent(split.withTrait - split.without).replace('%', '')} points of win rate: the team wins ${percent(split.withTrait)} of deals that spend ${oneDp(limit)} days or less in ${stage} (${split.nWith} deals) vs. ${percent(split.without)} of slower ones (${split.nWithout})`
        : null,
      priority: split ? priorityOf(split.withTrait - split.without) : 'medium',
    });
  }

  const order = { high: 0, medium: 1, low: 2 };
  recommendations.sort((a, b) => order[a.priority] - order[b.priority]);
  return {
    strengths: evidence.filter((e) => e.kind === 'strength').map((e) => e.text),
    opportunities: evidence.filter((e) => e.kind === 'opportunity').map((e) => e.text),
    recommendations,
    evidence,
  };
}
