import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import {
  enrich,
  type EnrichmentInput,
  type EnrichmentOutput,
  type GeneratedRecord,
} from './demo-enricher';
import { formatCents, parseDay, toCents } from './demo-values';

// The project's copy of the data set (demo-data/), so the suite runs anywhere.
const DATASET = path.join(__dirname, '../../../demo-data/crm-sales-opportunities');
const AS_OF = '2026-11-22';
const AS_OF_MS = Date.parse(`${AS_OF}T00:00:00Z`);
const DAY = 86_400_000;

type Opportunity = EnrichmentInput['opportunities'][number];
type Patch = EnrichmentOutput['opportunityPatches'][number];
type HistoryRow = EnrichmentOutput['stageHistory'][number];

const MONEY = /^\d+\.\d{2}$/;
const PROBABILITY = /^[01]\.\d{4}$/;
const DAY_TEXT = /^\d{4}-\d{2}-\d{2}$/;

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

const field = (record: GeneratedRecord, name: string): string => String(record.fields[name]);
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const daysBefore = (day: string, days: number): string =>
  new Date(Date.parse(`${day}T00:00:00Z`) - days * DAY).toISOString().slice(0, 10);

/** The deal after patches, in the shape of a stage-history entry. */
function finalState(deal: Opportunity, patch: Patch): Omit<HistoryRow, 'changedAt'> {
  const amount = deal.amount ?? patch.fields.amount ?? null;
  return {
    opportunityExternalId: deal.externalId,
    stage: deal.stage,
    status: deal.status,
    amount: amount === null ? null : formatCents(toCents(amount)),
    closeDate: deal.closeDate ?? patch.fields.close_date ?? null,
    forecastCategory: patch.fields.forecast_category ?? null,
    probability: patch.fields.probability ?? null,
  };
}

/**
 * Invariants every input must satisfy, run on the hand-made set and on the real one. Problems are
 * collected and asserted once: 100,000 separate expect() calls would take seconds.
 */
function invariantViolations(input: EnrichmentInput, out: EnrichmentOutput): string[] {
  const problems: string[] = [];
  const patches = new Map(out.opportunityPatches.map((p) => [p.externalId, p]));
  const history = groupBy(out.stageHistory, (h) => h.opportunityExternalId);
  const keys = ['stage', 'status', 'amount', 'closeDate', 'forecastCategory', 'probability'];
  for (const deal of input.opportunities) {
    const fail = (broken: boolean, what: string) =>
      broken && problems.push(`${deal.externalId}: ${what}`);
    const patch = patches.get(deal.externalId);
    const entries = history.get(deal.externalId);
    if (!patch || !entries) {
      fail(true, 'no patch or no history');
      continue;
    }
    // Rule 2: a patch only fills what the input leaves null.
    const has = (name: string) => name in patch.fields;
    fail(deal.amount !== null && has('amount'), 'amount overwritten');
    fail(deal.closeDate !== null && has('close_date'), 'close date overwritten');
    fail(deal.createdDate !== null && has('created_date'), 'created date overwritten');
    fail(deal.status !== 'open' && has('next_step'), 'next step on a closed deal');
    // Rule 5: Prospecting first, strictly increasing, never after asOf, ends in the final state.
    fail(entries[0].stage !== 'Prospecting', `first entry ${entries[0].stage}`);
    const times = entries.map((e) => Date.parse(e.changedAt));
    fail(
      times.some((t, i) => i > 0 && t <= times[i - 1]),
      'times not increasing',
    );
    fail(times[times.length - 1] >= AS_OF_MS, 'history after asOf');
    const last: Record<string, unknown> = entries[entries.length - 1];
    const expected: Record<string, unknown> = finalState(deal, patch);
    for (const key of keys)
      fail(last[key] !== expected[key], `last ${key} ${last[key]} != ${expected[key]}`);
  }
  for (const a of out.activities) {
    if (Date.parse(field(a, 'occurred_at')) >= AS_OF_MS)
      problems.push(`${a.externalId}: after asOf`);
  }
  return problems.slice(0, 20);
}

// ---------------------------------------------------------------------------------------------
// A small hand-made data set: every branch of the rules, small enough to reason about.

/** An Engaging deal at mid-corp engaged 40 days ago, unless told otherwise. */
const deal = (o: Partial<Opportunity> & Pick<Opportunity, 'externalId'>): Opportunity => ({
  ownerExternalId: 'ana-ruiz',
  accountExternalId: 'mid-corp',
  productExternalId: 'basic',
  stage: 'Engaging',
  status: 'open',
  amount: null,
  closeDate: null,
  createdDate: daysBefore(AS_OF, 40),
  ...o,
});

function handMade(seed = 7): EnrichmentInput {
  const user = (name: string, role: 'rep' | 'manager', office: string, manager: string | null) => ({
    externalId: name.toLowerCase().replace(' ', '-'),
    name,
    role,
    managerExternalId: manager,
    office,
  });
  const users: EnrichmentInput['users'] = [
    user('Mara Lind', 'manager', 'East', null),
    user('Otto Vance', 'manager', 'West', null),
    user('Ana Ruiz', 'rep', 'East', 'mara-lind'),
    user('Ben Cole', 'rep', 'East', 'mara-lind'),
    user('Cy Park', 'rep', 'West', 'otto-vance'),
    user('Dee Fox', 'rep', 'West', 'otto-vance'), // owns no deal
  ];
  const account = (externalId: string, name: string, employees: number | null) => ({
    externalId,
    name,
    industry: 'retail',
    employees,
    annualRevenue: '1000000.00',
  });
  const accounts = [
    account('tiny-co', 'Tiny Co', 40),
    account('mid-corp', 'Mid Corp', 1500),
    account('huge-inc', 'Huge Inc', 30_000),
    account('nulltech', 'Nulltech', null),
    account('gekko-co', 'Gekko & Co', 3500),
  ];
  const products = [
    { externalId: 'basic', name: 'GTX Basic', listPrice: '550' },
    { externalId: 'pro', name: 'GTX Pro', listPrice: '4821.50' },
    { externalId: 'suite', name: 'Suite', listPrice: null },
    { externalId: 'gtxpro-legacy', name: 'GTXPro', listPrice: null },
    { externalId: 'mystery', name: 'Mystery Box', listPrice: null },
  ];
  const won = (id: string, product: string, amount: string, engage: number, close: number) =>
    deal({
      externalId: id,
      productExternalId: product,
      stage: 'Won',
      status: 'won',
      amount,
      createdDate: daysBefore(AS_OF, engage),
      closeDate: daysBefore(AS_OF, close),
    });
  const opportunities: Opportunity[] = [
    won('W-SUITE-1', 'suite', '1000', 200, 150),
    won('W-SUITE-2', 'suite', '2000', 190, 120),
    won('W-SUITE-3', 'suite', '9000', 180, 90),
    won('W-PRO-1', 'pro', '4500', 170, 100),
    won('W-PRO-2', 'pro', '4700.5', 160, 60),
    won('W-FAST', 'basic', '540', 30, 30),
    won('W-TODAY', 'basic', '560', 50, 0),
    deal({ externalId: 'O-SUITE', productExternalId: 'suite' }),
    deal({ externalId: 'O-GTXPRO', productExternalId: 'gtxpro-legacy' }),
    deal({ externalId: 'O-MYSTERY', productExternalId: 'mystery' }),
    deal({ externalId: 'O-NOPROD', productExternalId: null }),
    deal({ externalId: 'O-NOACC', accountExternalId: null, ownerExternalId: 'cy-park' }),
    deal({ externalId: 'O-HASAMOUNT', amount: '777.5', closeDate: daysBefore(AS_OF, -20) }),
    deal({
      externalId: 'P-NEW',
      stage: 'Prospecting',
      createdDate: null,
      accountExternalId: 'gekko-co',
    }),
  ];
  const reps = ['ana-ruiz', 'ben-cole', 'cy-park'];
  const accountIds = ['tiny-co', 'mid-corp', 'huge-inc', 'nulltech', 'gekko-co', null];
  for (let i = 0; i < 48; i++) {
    const kind = i % 4;
    const engage = 20 + ((i * 37) % 300);
    const close = Math.max(0, engage - 5 - ((i * 13) % 120));
    opportunities.push(
      deal({
        externalId: `D-${i}`,
        ownerExternalId: reps[i % 3],
        accountExternalId: kind >= 2 ? accountIds[i % 6] : accountIds[i % 5],
        productExternalId: i % 3 === 0 ? 'pro' : 'basic',
        stage: ['Won', 'Lost', 'Engaging', 'Prospecting'][kind],
        status: kind === 0 ? 'won' : kind === 1 ? 'lost' : 'open',
        amount: kind === 0 ? (i % 3 === 0 ? '4600' : '530') : kind === 1 ? '0' : null,
        closeDate: kind < 2 ? daysBefore(AS_OF, close) : null,
        createdDate: kind === 3 ? null : daysBefore(AS_OF, engage),
      }),
    );
  }
  return { seed, asOf: AS_OF, users, accounts, products, opportunities };
}

describe('enrich (hand-made data set)', () => {
  const input = handMade();
  const out = enrich(input);
  const patches = new Map(out.opportunityPatches.map((p) => [p.externalId, p.fields]));
  const deals = new Map(input.opportunities.map((o) => [o.externalId, o]));
  const history = groupBy(out.stageHistory, (h) => h.opportunityExternalId);
  const roles = groupBy(out.opportunityContacts, (r) => field(r, 'opportunity_external_id'));
  const activities = groupBy(out.activities, (a) => field(a, 'opportunity_external_id'));

  it('is deterministic, seed-dependent and leaves its input alone (rule 1)', () => {
    const snapshot = structuredClone(input);
    const random = jest.spyOn(Math, 'random');
    const now = jest.spyOn(Date, 'now');
    const again = enrich(structuredClone(input));
    expect(random).not.toHaveBeenCalled();
    expect(now).not.toHaveBeenCalled();
    random.mockRestore();
    now.mockRestore();
    expect(again).toEqual(out);
    expect(input).toEqual(snapshot);
    const other = enrich({ ...input, seed: 8 });
    expect(other.activities).not.toEqual(out.activities);
    expect(other.contacts).not.toEqual(out.contacts);
    expect(other.opportunityPatches).not.toEqual(out.opportunityPatches);
  });

  it('holds the invariants: no overwrite, ordered history ending in the final state', () => {
    expect(invariantViolations(input, out)).toEqual([]);
    expect(patches.get('O-HASAMOUNT')).not.toHaveProperty('amount');
    expect(patches.get('O-HASAMOUNT')).not.toHaveProperty('close_date');
    expect(history.get('O-HASAMOUNT')!.at(-1)!.amount).toBe('777.50');
  });

  it('never overwrites what the export has: closed deals keep amount and dates (rule 2)', () => {
    for (const deal of input.opportunities.filter((o) => o.status !== 'open')) {
      expect(Object.keys(patches.get(deal.externalId)!).sort()).toEqual([
        'forecast_category',
        'probability',
      ]);
      const last = history.get(deal.externalId)!.at(-1)!;
      expect(toCents(last.amount!)).toBe(toCents(deal.amount!));
      expect(last.closeDate).toBe(deal.closeDate);
    }
    expect(history.get('W-PRO-2')!.at(-1)!.amount).toBe('4700.50');
  });

  it('writes money with exactly 2 decimals and probabilities with 4 (rule 3)', () => {
    for (const p of out.opportunityPatches) {
      if (p.fields.amount !== undefined) expect(p.fields.amount).toMatch(MONEY);
      expect(p.fields.probability).toMatch(PROBABILITY);
    }
    for (const h of out.stageHistory) {
      expect(h.amount).toMatch(MONEY);
      expect(h.probability).toMatch(PROBABILITY);
      expect(h.closeDate).toMatch(DAY_TEXT);
    }
    for (const q of out.quotas) expect(field(q, 'amount')).toMatch(/^\d+000\.00$/);
  });

  it('prices open deals from list price, else the won median of the product name (rule 4)', () => {
    expect(patches.get('O-SUITE')!.amount).toBe('2000.00');
    // 'GTXPro' has no price: the won deals of 'GTX Pro' (4500, 4700.50) set it.
    expect(patches.get('O-GTXPRO')!.amount).toBe('4600.00');
    const wonCents = input.opportunities
      .filter((o) => o.status === 'won')
      .map((o) => toCents(o.amount!))
      .sort((a, b) => a - b);
    const overall = wonCents[wonCents.length >> 1];
    expect(toCents(patches.get('O-MYSTERY')!.amount!)).toBe(Math.round(overall / 100) * 100);
    expect(patches.get('O-NOPROD')!.amount).toBe(patches.get('O-MYSTERY')!.amount);
    for (const deal of input.opportunities.filter((o) => o.productExternalId === 'basic')) {
      const amount = patches.get(deal.externalId)!.amount;
      if (amount === undefined) continue;
      expect(amount).toMatch(/^\d+\.00$/);
      expect(Number(amount)).toBeGreaterThanOrEqual(550 * 0.75 - 1);
      expect(Number(amount)).toBeLessThanOrEqual(550);
    }
  });

  it('fills close date, probability and category of open deals (rule 4)', () => {
    for (const deal of input.opportunities) {
      const p = patches.get(deal.externalId)!;
      if (deal.status === 'won')
        expect([p.forecast_category, p.probability]).toEqual(['closed', '1.0000']);
      if (deal.status === 'lost')
        expect([p.forecast_category, p.probability]).toEqual(['omitted', '0.0000']);
      if (deal.stage === 'Prospecting') {
        expect([p.forecast_category, p.probability]).toEqual(['pipeline', '0.1000']);
        expect(p.created_date! >= daysBefore(AS_OF, 60)).toBe(true);
        expect(p.created_date! < AS_OF).toBe(true);
        expect(p.close_date! > AS_OF).toBe(true);
      }
      if (deal.stage === 'Engaging') {
        expect(['commit', 'best_case', 'pipeline']).toContain(p.forecast_category);
        expect(Number(p.probability)).toBeGreaterThanOrEqual(0.2);
        expect(Number(p.probability)).toBeLessThanOrEqual(0.9);
        const close = p.close_date ?? deal.closeDate!;
        expect(close >= daysBefore(AS_OF, 30) && close <= daysBefore(AS_OF, -120)).toBe(true);
      }
      if (deal.status === 'open') expect(p).toHaveProperty('next_step');
    }
  });

  it('builds stage history from prospecting through engagement to the close (rule 5)', () => {
    for (const deal of input.opportunities) {
      const entries = history.get(deal.externalId)!;
      if (deal.createdDate !== null) {
        const first = entries[0].changedAt.slice(0, 10);
        expect(
          first >= daysBefore(deal.createdDate, 30) && first <= daysBefore(deal.createdDate, 3),
        ).toBe(true);
        const engaging = entries.find((e) => e.stage === deal.stage || e.stage === 'Engaging')!;
        expect(engaging.changedAt.slice(0, 10)).toBe(deal.createdDate);
      }
      if (deal.status !== 'open' && deal.closeDate! < AS_OF) {
        expect(entries.at(-1)!.changedAt.slice(0, 10)).toBe(deal.closeDate);
      }
      const rank = { pipeline: 0, best_case: 1, commit: 2 } as Record<string, number>;
      const open = entries.filter((e) => e.status === 'open' && e.stage !== 'Prospecting');
      open.slice(1).forEach((e, i) => {
        expect(rank[e.forecastCategory!]).toBeGreaterThanOrEqual(rank[open[i].forecastCategory!]);
      });
    }
    // Closing on asOf itself: recorded just before midnight of the day before.
    expect(history.get('W-TODAY')!.at(-1)!.changedAt).toBe(`${daysBefore(AS_OF, 1)}T23:59:00.000Z`);
    expect(history.get('W-FAST')!.map((e) => e.stage)).toEqual(['Prospecting', 'Engaging', 'Won']);
  });

  it('generates 2-8 contacts per account with emails, titles and unique phones (rule 6)', () => {
    const byAccount = groupBy(out.contacts, (c) => field(c, 'account_external_id'));
    expect([...byAccount.keys()].sort()).toEqual(input.accounts.map((a) => a.externalId).sort());
    for (const contacts of byAccount.values()) {
      expect(contacts.length).toBeGreaterThanOrEqual(2);
      expect(contacts.length).toBeLessThanOrEqual(8);
    }
    expect(byAccount.get('huge-inc')!.length).toBeGreaterThan(byAccount.get('tiny-co')!.length);
    for (const c of out.contacts) {
      expect(field(c, 'phone')).toMatch(/^\+1555\d{7}$/);
      expect(field(c, 'title').length).toBeGreaterThan(1);
      expect(field(c, 'email')).toMatch(/^[a-z0-9]+\.[a-z0-9]+\d*@[a-z0-9]+\.com$/);
    }
    for (const c of byAccount.get('gekko-co')!) expect(field(c, 'email')).toMatch(/@gekkoco\.com$/);
    const phones = out.contacts.map((c) => field(c, 'phone'));
    expect(new Set(phones).size).toBe(phones.length);
  });

  it('assigns contact roles with exactly one primary, none without an account (rule 6)', () => {
    const contactAccount = new Map(
      out.contacts.map((c) => [c.externalId, field(c, 'account_external_id')]),
    );
    for (const deal of input.opportunities) {
      const dealRoles = roles.get(deal.externalId) ?? [];
      if (deal.accountExternalId === null) {
        expect(dealRoles).toEqual([]);
        continue;
      }
      expect(dealRoles.filter((r) => r.fields.is_primary === true)).toHaveLength(1);
      for (const r of dealRoles) {
        expect(contactAccount.get(field(r, 'contact_external_id'))).toBe(deal.accountExternalId);
        expect(field(r, 'role').length).toBeGreaterThan(1);
      }
    }
  });

  it('logs activities inside each deal life, owned by the deal owner (rule 7)', () => {
    for (const deal of input.opportunities) {
      const entries = history.get(deal.externalId)!;
      const from = Date.parse(entries[0].changedAt);
      const to = deal.status === 'open' ? AS_OF_MS : Date.parse(entries.at(-1)!.changedAt);
      const dealContacts = new Set(
        (roles.get(deal.externalId) ?? []).map((r) => field(r, 'contact_external_id')),
      );
      const list = activities.get(deal.externalId)!;
      expect(list.length).toBeGreaterThan(0);
      for (const a of list) {
        const at = Date.parse(field(a, 'occurred_at'));
        expect(at).toBeGreaterThanOrEqual(from);
        expect(at).toBeLessThanOrEqual(to);
        expect(a.fields.owner_external_id).toBe(deal.ownerExternalId);
        expect(a.fields.account_external_id).toBe(deal.accountExternalId);
        const contact = a.fields.contact_external_id;
        if (contact !== null) expect(dealContacts.has(String(contact))).toBe(true);
        const type = field(a, 'type');
        expect(['call', 'meeting', 'email', 'task', 'note', 'sms']).toContain(type);
        const directed = ['call', 'email', 'sms'].includes(type);
        expect(a.fields.direction === null).toBe(!directed);
        const timed = type === 'call' || type === 'meeting';
        expect(Number.isInteger(a.fields.duration_seconds)).toBe(timed);
        expect(field(a, 'subject').length).toBeGreaterThan(5);
      }
    }
    for (const a of activities.get('O-NOACC')!) expect(a.fields.contact_external_id).toBeNull();
    const hours = out.activities.map((a) => new Date(field(a, 'occurred_at')).getUTCHours());
    expect(hours.filter((h) => h >= 8 && h < 18).length / hours.length).toBeGreaterThan(0.9);
  });

  it('sets one quota per rep per quarter, through the quarter after asOf (rule 8)', () => {
    const reps = input.users.filter((u) => u.role === 'rep').map((u) => u.externalId);
    const byUser = groupBy(out.quotas, (q) => field(q, 'user_external_id'));
    expect([...byUser.keys()].sort()).toEqual(reps.sort());
    const dealDays = input.opportunities.flatMap((o) => [
      o.createdDate ?? patches.get(o.externalId)!.created_date!,
      o.closeDate ?? patches.get(o.externalId)!.close_date!,
    ]);
    const earliest = dealDays.reduce((a, b) => (a < b ? a : b));
    const month = Number(earliest.slice(5, 7));
    const firstQuarter = `${earliest.slice(0, 4)}-${String(month - ((month - 1) % 3)).padStart(2, '0')}-01`;
    const quarters = byUser.get('ana-ruiz')!.map((q) => field(q, 'period_start'));
    expect(quarters[0]).toBe(firstQuarter);
    expect(quarters.at(-1)).toBe('2027-01-01');
    expect(byUser.get('ana-ruiz')!.at(-1)!.fields.period_end).toBe('2027-03-31');
    for (const list of byUser.values()) {
      expect(list.map((q) => field(q, 'period_start'))).toEqual(quarters);
      for (const q of list) expect(Number(field(q, 'amount'))).toBeGreaterThanOrEqual(1000);
    }
    expect(byUser.get('dee-fox')!.map((q) => q.externalId)[0]).toMatch(
      /^demo-quota-dee-fox-\d{4}Q[1-4]$/,
    );
  });

  it('tolerates dirty rows: missing dates, odd stages, duplicates, closes before engagement', () => {
    const dirty: EnrichmentInput = {
      ...input,
      accounts: [
        ...input.accounts,
        { externalId: 'bang', name: '!!!', industry: null, employees: 0, annualRevenue: null },
      ],
      products: [...input.products, { externalId: 'free', name: 'Free', listPrice: '0' }],
      opportunities: [
        ...input.opportunities,
        deal({
          externalId: 'X-WON-NODATES',
          status: 'won',
          stage: 'Won',
          amount: '100',
          createdDate: null,
        }),
        deal({
          externalId: 'X-LOST-NOAMOUNT',
          status: 'lost',
          stage: 'Lost',
          closeDate: daysBefore(AS_OF, 9),
        }),
        deal({
          externalId: 'X-TODAY',
          stage: 'Prospecting',
          createdDate: AS_OF,
          ownerExternalId: null,
        }),
        deal({
          externalId: 'X-ODD',
          stage: 'Negotiation',
          accountExternalId: 'bang',
          productExternalId: 'free',
        }),
        deal({ externalId: 'X-DUP' }),
        deal({ externalId: 'X-DUP', stage: 'Prospecting' }),
        deal({
          externalId: 'X-BACKWARDS',
          status: 'won',
          stage: 'Won',
          amount: '10',
          createdDate: daysBefore(AS_OF, 10),
          closeDate: daysBefore(AS_OF, 20),
        }),
      ],
    };
    const result = enrich(dirty);
    const deduped = {
      ...dirty,
      opportunities: dirty.opportunities.slice(0, -2).concat(dirty.opportunities.slice(-1)),
    };
    expect(invariantViolations(deduped, result)).toEqual([]);
    const fields = new Map(result.opportunityPatches.map((p) => [p.externalId, p.fields]));
    expect(fields.get('X-WON-NODATES')).toHaveProperty('close_date');
    expect(fields.get('X-WON-NODATES')).toHaveProperty('created_date');
    expect(fields.get('X-LOST-NOAMOUNT')!.amount).toMatch(MONEY);
    expect(result.opportunityPatches.filter((p) => p.externalId === 'X-DUP')).toHaveLength(1);
    expect(
      result.stageHistory.filter((h) => h.opportunityExternalId === 'X-ODD').at(-1)!.stage,
    ).toBe('Negotiation');
    for (const c of result.contacts.filter((c) => c.fields.account_external_id === 'bang')) {
      expect(field(c, 'email')).toMatch(/@bang\.com$/);
    }
    const ids = result.activities.map((a) => a.externalId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps external ids stable and unique per collection (rule 9)', () => {
    const collections: Array<[GeneratedRecord[], RegExp]> = [
      [out.contacts, /^demo-contact-[a-z-]+-\d+$/],
      [out.opportunityContacts, /^demo-role-[A-Z0-9-]+-demo-contact-[a-z-]+-\d+$/],
      [out.activities, /^demo-activity-[A-Z0-9-]+-\d+$/],
      [out.quotas, /^demo-quota-[a-z-]+-\d{4}Q[1-4]$/],
    ];
    for (const [records, pattern] of collections) {
      const ids = records.map((r) => r.externalId);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id).toMatch(pattern);
    }
    expect(out.opportunityPatches.map((p) => p.externalId)).toEqual([...deals.keys()]);
    // A record's id and values do not depend on the other records: dropping deals leaves it.
    const fewer = enrich({ ...input, opportunities: input.opportunities.slice(5) });
    const keep = (o: EnrichmentOutput) =>
      o.activities.filter((a) => field(a, 'opportunity_external_id') === 'D-7');
    expect(keep(fewer)).toEqual(keep(out));
  });
});

// ---------------------------------------------------------------------------------------------
// The real export, mapped the way the importer does: aggregate properties at full volume.

const slug = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

function readCsv(file: string): Record<string, string>[] {
  return parse(readFileSync(path.join(DATASET, file), 'utf8'), {
    columns: true,
    skip_empty_lines: true,
  });
}

function realInput(seed: number): EnrichmentInput {
  // A whole number of weeks, so weekdays survive the shift: 2017-12-31 becomes asOf.
  const shiftDays = parseDay(AS_OF) - parseDay('2017-12-31');
  expect(shiftDays % 7).toBe(0);
  const shift = (day: string): string | null =>
    day ? new Date((parseDay(day) + shiftDays) * DAY).toISOString().slice(0, 10) : null;
  const teams = readCsv('sales_teams.csv');
  const managers = new Map(teams.map((t) => [t.manager, t.regional_office]));
  const users: EnrichmentInput['users'] = [
    ...teams.map((t) => ({
      externalId: slug(t.sales_agent),
      name: t.sales_agent,
      role: 'rep' as const,
      managerExternalId: slug(t.manager),
      office: t.regional_office,
    })),
    ...[...managers].map(([name, office]) => ({
      externalId: slug(name),
      name,
      role: 'manager' as const,
      managerExternalId: null,
      office,
    })),
  ];
  const accounts = readCsv('accounts.csv').map((a) => ({
    externalId: slug(a.account),
    name: a.account,
    industry: a.sector || null,
    employees: a.employees ? Number(a.employees) : null,
    annualRevenue: a.revenue ? formatCents(toCents(a.revenue) * 1_000_000) : null,
  }));
  const products = readCsv('products.csv').map((p) => ({
    externalId: slug(p.product),
    name: p.product,
    listPrice: p.sales_price || null,
  }));
  const opportunities = readCsv('sales_pipeline.csv').map(
    (o): Opportunity => ({
      externalId: o.opportunity_id,
      ownerExternalId: o.sales_agent ? slug(o.sales_agent) : null,
      accountExternalId: o.account ? slug(o.account) : null,
      productExternalId: o.product ? slug(o.product === 'GTXPro' ? 'GTX Pro' : o.product) : null,
      stage: o.deal_stage,
      status: o.deal_stage === 'Won' ? 'won' : o.deal_stage === 'Lost' ? 'lost' : 'open',
      amount: o.close_value || null,
      closeDate: shift(o.close_date),
      createdDate: shift(o.engage_date),
    }),
  );
  return { seed, asOf: AS_OF, users, accounts, products, opportunities };
}

describe('enrich (real CRM + Sales + Opportunities data set)', () => {
  let input: EnrichmentInput;
  let out: EnrichmentOutput;
  let activities: Map<string, GeneratedRecord[]>;
  let roles: Map<string, GeneratedRecord[]>;
  let patches: Map<string, Patch['fields']>;

  beforeAll(() => {
    input = realInput(20_261_122);
    out = enrich(input);
    activities = groupBy(out.activities, (a) => field(a, 'opportunity_external_id'));
    roles = groupBy(out.opportunityContacts, (r) => field(r, 'opportunity_external_id'));
    patches = new Map(out.opportunityPatches.map((p) => [p.externalId, p.fields]));
  });

  it('loads the whole export', () => {
    expect(input.opportunities).toHaveLength(8800);
    expect(input.users.filter((u) => u.role === 'rep')).toHaveLength(35);
    expect(input.accounts).toHaveLength(85);
    expect(input.products).toHaveLength(7);
  });

  it('produces bounded volumes', () => {
    expect(out.contacts.length).toBeGreaterThanOrEqual(85 * 2);
    expect(out.contacts.length).toBeLessThanOrEqual(85 * 8);
    expect(out.activities.length).toBeGreaterThanOrEqual(60_000);
    expect(out.activities.length).toBeLessThanOrEqual(120_000);
    expect(out.opportunityPatches).toHaveLength(8800);
    expect(out.stageHistory.length).toBeGreaterThan(8800 * 2);
    expect(out.stageHistory.length).toBeLessThan(8800 * 8);
    // 2025Q3 (the first engage date, shifted) through 2027Q1: 7 quarters for each of 35 reps.
    expect(out.quotas).toHaveLength(35 * 7);
  });

  it('holds the invariants on every deal', () => {
    expect(invariantViolations(input, out)).toEqual([]);
  });

  it('gives won deals more contacts, activities and inbound replies than lost ones', () => {
    const byStatus = (status: string, value: (id: string) => number) =>
      mean(input.opportunities.filter((o) => o.status === status).map((o) => value(o.externalId)));
    const contacts = (id: string) => roles.get(id)?.length ?? 0;
    const count = (id: string) => activities.get(id)?.length ?? 0;
    const inbound = (id: string) => {
      const directed = (activities.get(id) ?? []).filter((a) => a.fields.direction !== null);
      return (
        directed.filter((a) => a.fields.direction === 'inbound').length /
        Math.max(1, directed.length)
      );
    };
    expect(byStatus('won', contacts)).toBeGreaterThan(byStatus('lost', contacts) + 1);
    expect(byStatus('won', count)).toBeGreaterThan(byStatus('lost', count) * 1.5);
    expect(byStatus('won', inbound)).toBeGreaterThan(byStatus('lost', inbound) + 0.1);
  });

  it('leaves lost deals quiet before the loss', () => {
    const gap = (status: string) =>
      mean(
        input.opportunities
          .filter((o) => o.status === status)
          .map((o) => {
            const last = activities.get(o.externalId)!.at(-1)!;
            return (
              (Date.parse(`${o.closeDate}T12:00:00Z`) - Date.parse(field(last, 'occurred_at'))) /
              DAY
            );
          }),
      );
    expect(gap('lost')).toBeGreaterThan(gap('won') + 3);
  });

  it('mixes active, monitor-worthy and stale open deals so hygiene alerts fire', () => {
    const open = input.opportunities.filter((o) => o.status === 'open');
    const idleDays = open.map((o) => {
      const last = activities.get(o.externalId)!.at(-1)!;
      return (AS_OF_MS - Date.parse(field(last, 'occurred_at'))) / DAY;
    });
    const share = (test: (d: number) => boolean) => idleDays.filter(test).length / open.length;
    expect(share((d) => d >= 21)).toBeGreaterThanOrEqual(0.2);
    expect(share((d) => d >= 21)).toBeLessThanOrEqual(0.3);
    expect(share((d) => d <= 7)).toBeGreaterThan(0.3);
    expect(share((d) => d >= 14 && d < 21)).toBeGreaterThan(0.05);
    const missingNextStep = open.filter((o) => patches.get(o.externalId)!.next_step === null);
    expect(missingNextStep.length / open.length).toBeGreaterThan(0.1);
    expect(missingNextStep.length / open.length).toBeLessThan(0.35);
  });

  it('spreads Engaging deals over commit / best case / pipeline by amount, some past due', () => {
    const engaging = input.opportunities.filter((o) => o.stage === 'Engaging');
    const byCategory = groupBy(engaging, (o) => patches.get(o.externalId)!.forecast_category!);
    const amount = (o: Opportunity) => toCents(patches.get(o.externalId)!.amount!);
    const total = engaging.reduce((sum, o) => sum + amount(o), 0);
    const share = (c: string) =>
      (byCategory.get(c) ?? []).reduce((s, o) => s + amount(o), 0) / total;
    expect(share('commit')).toBeCloseTo(0.2, 1);
    expect(share('best_case')).toBeCloseTo(0.3, 1);
    expect(share('pipeline')).toBeCloseTo(0.5, 1);
    const pastDue = engaging.filter((o) => patches.get(o.externalId)!.close_date! < AS_OF);
    expect(pastDue.length / engaging.length).toBeGreaterThan(0.05);
    expect(pastDue.length / engaging.length).toBeLessThan(0.3);
  });

  it('records pushes, re-estimates and category upgrades in the stage history', () => {
    let pushes = 0;
    let amounts = 0;
    let upgrades = 0;
    for (const entries of groupBy(out.stageHistory, (h) => h.opportunityExternalId).values()) {
      entries.slice(1).forEach((e, i) => {
        const before = entries[i];
        if (e.status !== 'open' || e.stage !== before.stage) return;
        if (e.closeDate! > before.closeDate!) pushes++;
        if (e.amount !== before.amount) amounts++;
        if (e.forecastCategory !== before.forecastCategory) upgrades++;
      });
    }
    expect(pushes).toBeGreaterThan(2000);
    expect(amounts).toBeGreaterThan(1000);
    expect(upgrades).toBeGreaterThan(2000);
  });

  it('sets quotas that put attainment around 60-120%', () => {
    const won = new Map<string, number>();
    for (const o of input.opportunities.filter((d) => d.status === 'won')) {
      const d = new Date(`${o.closeDate}T00:00:00Z`);
      const key = `${o.ownerExternalId}-${d.getUTCFullYear()}Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
      won.set(key, (won.get(key) ?? 0) + toCents(o.amount!));
    }
    // 2026Q2 and 2026Q3 are the quarters the shifted closes cover completely.
    const attainment = out.quotas
      .filter((q) => /Q2$|Q3$/.test(q.externalId) && q.externalId.includes('-2026Q'))
      .map(
        (q) =>
          (won.get(q.externalId.replace('demo-quota-', '')) ?? 0) / toCents(field(q, 'amount')),
      )
      .filter((a) => a > 0)
      .sort((a, b) => a - b);
    const median = attainment[attainment.length >> 1];
    expect(median).toBeGreaterThan(0.8);
    expect(median).toBeLessThan(1.05);
    const inBand = attainment.filter((a) => a >= 0.6 && a <= 1.2).length / attainment.length;
    expect(inBand).toBeGreaterThan(0.7);
  });

  it('keeps emails and phones unique across all contacts', () => {
    const emails = out.contacts.map((c) => field(c, 'email'));
    const phones = out.contacts.map((c) => field(c, 'phone'));
    expect(new Set(emails).size).toBe(emails.length);
    expect(new Set(phones).size).toBe(phones.length);
  });
});
