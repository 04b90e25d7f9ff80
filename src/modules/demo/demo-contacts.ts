import {
  DIRECTOR_TITLES,
  EXECUTIVE_TITLES,
  FIRST_NAMES,
  LAST_NAMES,
  OTHER_TITLE_GROUPS,
  type TitleOption,
  type TitleTier,
} from './demo-names';
import { Random, type Weighted } from './demo-random';
import { clamp } from './demo-values';

/** A generated contact, kept in memory for roles and activity subjects. */
export interface DemoContact {
  externalId: string;
  accountExternalId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  title: string;
  tier: TitleTier;
}

export interface DealContact {
  contact: DemoContact;
  role: string;
  isPrimary: boolean;
}

export interface AccountLike {
  externalId: string;
  name: string;
  employees: number | null;
}

export type DealOutcome = 'won' | 'lost' | 'engaging' | 'prospecting';

/** 2 contacts below 500 employees, one more per doubling, 8 from 16,000 on. */
export function contactCountFor(employees: number | null, rng: Random): number {
  if (employees === null || employees <= 0) return rng.int(3, 5);
  const base = 2 + Math.floor(Math.log2(Math.max(employees, 250) / 250));
  const jitter = rng.weighted<number>([
    [-1, 0.15],
    [0, 0.7],
    [1, 0.15],
  ]);
  return clamp(base + jitter, 2, 8);
}

/** Lowercase alphanumerics of the account name plus `.com`; "Gekko & Co" -> gekkoco.com. */
export function domainFor(accountName: string, accountExternalId: string): string {
  const label = accountName.toLowerCase().replace(/[^a-z0-9]/g, '');
  const fallback = accountExternalId.toLowerCase().replace(/[^a-z0-9]/g, '') || 'account';
  return `${label || fallback}.com`;
}

const emailPart = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The first contact of an account is an executive and the second a director, so every account
 * with a deal has someone who can sign and someone who runs the evaluation. */
function titleFor(index: number, rng: Random): TitleOption {
  if (index === 0) return rng.pick(EXECUTIVE_TITLES);
  if (index === 1) return rng.pick(DIRECTOR_TITLES);
  return rng.pick(rng.weighted(OTHER_TITLE_GROUPS));
}

/**
 * Phones walk +1555 0000000..9999999 with a seeded odd step not divisible by 5: coprime with 10^7,
 * so the first 10 million contacts never share a number.
 */
export class PhoneBook {
  private readonly offset: number;
  private readonly step: number;
  private issued = 0;

  constructor(seed: number) {
    const rng = Random.stream(seed, 'phones');
    this.offset = rng.int(0, 9_999_999);
    this.step = rng.pick([1_234_567, 3_141_593, 2_718_281, 7_654_321, 1_618_033, 9_876_543]);
  }

  next(): string {
    const n = (this.offset + this.issued * this.step) % 10_000_000;
    this.issued++;
    return `+1555${String(n).padStart(7, '0')}`;
  }
}

export function buildAccountContacts(
  account: AccountLike,
  seed: number,
  phones: PhoneBook,
  usedEmails: Set<string>,
): DemoContact[] {
  const rng = Random.stream(seed, 'contacts', account.externalId);
  const domain = domainFor(account.name, account.externalId);
  const count = contactCountFor(account.employees, rng);
  const usedNames = new Set<string>();
  const contacts: DemoContact[] = [];
  for (let i = 0; i < count; i++) {
    let firstName = rng.pick(FIRST_NAMES);
    let lastName = rng.pick(LAST_NAMES);
    for (let tries = 0; usedNames.has(`${firstName} ${lastName}`) && tries < 20; tries++) {
      firstName = rng.pick(FIRST_NAMES);
      lastName = rng.pick(LAST_NAMES);
    }
    usedNames.add(`${firstName} ${lastName}`);
    const local = `${emailPart(firstName)}.${emailPart(lastName)}`;
    let email = `${local}@${domain}`;
    for (let n = 2; usedEmails.has(email); n++) email = `${local}${n}@${domain}`;
    usedEmails.add(email);
    const { title, tier } = titleFor(i, rng);
    contacts.push({
      externalId: `demo-contact-${account.externalId}-${i + 1}`,
      accountExternalId: account.externalId,
      firstName,
      lastName,
      email,
      phone: phones.next(),
      title,
      tier,
    });
  }
  return contacts;
}

/** Won deals are multi-threaded (mean 3.2), lost ones mostly single-threaded (mean 1.7). */
const CONTACTS_PER_DEAL: Record<DealOutcome, Weighted<number>> = {
  won: [
    [2, 0.3],
    [3, 0.35],
    [4, 0.2],
    [5, 0.15],
  ],
  lost: [
    [1, 0.45],
    [2, 0.4],
    [3, 0.15],
  ],
  engaging: [
    [1, 0.3],
    [2, 0.35],
    [3, 0.25],
    [4, 0.1],
  ],
  prospecting: [
    [1, 0.65],
    [2, 0.35],
  ],
};

const ROLE_BY_TIER: Record<TitleTier, readonly string[]> = {
  executive: ['Decision Maker', 'Economic Buyer'],
  vp: ['Decision Maker', 'Economic Buyer', 'Influencer'],
  director: ['Influencer', 'Evaluator'],
  manager: ['Evaluator', 'Influencer'],
  individual: ['Technical Evaluator', 'End User'],
};

/** The primary contact is the deal's day-to-day counterpart: a champion unless an executive. */
function roleFor(contact: DemoContact, isPrimary: boolean, rng: Random): string {
  const leader = contact.tier === 'executive' || contact.tier === 'vp';
  if (isPrimary && !leader) return 'Champion';
  return rng.pick(ROLE_BY_TIER[contact.tier]);
}

export function pickDealContacts(
  outcome: DealOutcome,
  accountContacts: readonly DemoContact[],
  rng: Random,
): DealContact[] {
  if (accountContacts.length === 0) return [];
  const wanted = rng.weighted(CONTACTS_PER_DEAL[outcome]);
  return rng.sample(accountContacts, wanted).map((contact, index) => ({
    contact,
    role: roleFor(contact, index === 0, rng),
    isPrimary: index === 0,
  }));
}

export function fullName(contact: DemoContact): string {
  return `${contact.firstName} ${contact.lastName}`;
}
