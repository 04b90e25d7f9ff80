import { DealFacts, generateInsights, MINIMUMS, Pooled } from './insight-rules';

const deals = (n: number, won: number, contacts: number, owner = 'x'): DealFacts[] =>
  Array.from({ length: n }, (_, i) => ({
    ownerId: owner,
    won: i < won,
    contacts,
    activities: 0,
    stageDays: {},
  }));
const pooled = (
  won: number,
  lost: number,
  wonAmount = 0n,
  cycleDays = 0,
  cycleDeals = 0,
): Pooled => ({
  won,
  lost,
  wonAmount,
  cycleDays,
  cycleDeals,
});

describe('insight rules', () => {
  it('says nothing below the minimum samples', () => {
    const out = generateInsights({
      rep: { win_rate: 0, avg_deal_size: '10.00', avg_cycle_days: 300 },
      repPooled: pooled(1, MINIMUMS.rep_closed_deals - 2, 1000n, 300, 1),
      teamPooled: pooled(100, 100, 10_000_000n, 3000, 100),
      repDeals: deals(MINIMUMS.rep_closed_deals - 1, 1, 1),
      teamDeals: deals(200, 100, 4),
    });
    expect(out).toEqual({ strengths: [], opportunities: [], recommendations: [], evidence: [] });
  });

  it('needs a 15% gap either way', () => {
    const base = {
      repPooled: pooled(12, 8),
      repDeals: deals(20, 12, 3),
      teamDeals: deals(40, 20, 3),
    };
    // 0.60 vs 0.50 is 1.2x: a strength. 0.55 vs 0.50 is 1.1x: nothing.
    const strong = generateInsights({
      ...base,
      rep: { win_rate: 0.6, avg_deal_size: null, avg_cycle_days: null },
      teamPooled: pooled(20, 20),
    });
    expect(strong.strengths).toEqual([
      'Win rate - 60.00% of closed deals won (12 of 20) vs. 50.00% team average',
    ]);
    const level = generateInsights({
      ...base,
      rep: { win_rate: 0.55, avg_deal_size: null, avg_cycle_days: null },
      repPooled: pooled(11, 9),
      teamPooled: pooled(20, 20),
    });
    expect(level.evidence).toEqual([]);
  });

  it('gives an impact only when the team data shows one', () => {
    // The team wins as often with few contacts as with many: no impact can be claimed.
    const teamDeals = [...deals(20, 10, 4), ...deals(20, 10, 1)];
    const out = generateInsights({
      rep: { win_rate: 0.5, avg_deal_size: null, avg_cycle_days: null },
      repPooled: pooled(10, 10),
      teamPooled: pooled(20, 20),
      repDeals: deals(20, 10, 1),
      teamDeals,
    });
    expect(out.opportunities).toEqual([
      'Multi-threading - 1.0 contacts per deal vs. 2.5 team average',
    ]);
    expect(out.recommendations).toEqual([
      {
        metric: 'contacts_per_deal',
        action:
          'Engage at least 3 contacts per deal, the economic buyer among them, before the proposal',
        impact: null,
        priority: 'medium',
      },
    ]);
  });
});
