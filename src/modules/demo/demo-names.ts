import type { Weighted } from './demo-random';

/**
 * Built-in word lists for the demo enricher. They are data, not logic: a change here changes the
 * generated names and subjects but no distribution.
 */

/** Whitespace-separated words: keeps the lists compact under Prettier. */
const words = (text: string): readonly string[] => text.split(/\s+/).filter(Boolean);

export const FIRST_NAMES: readonly string[] = words(
  `James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara
   Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy
   Anthony Sandra Mark Ashley Steven Emily Andrew Michelle Kevin Amanda Brian Melissa Priya
   Wei Carlos Sofia Ahmed Fatima Hiroshi Yuki Olumide Amara Lars Ingrid Mateo Lucia Rahul
   Ananya Dmitri Elena Kwame Zanele Mei-Ling Sean Aoife Diego Camila Noah Chloe Omar Leila
   Ethan Grace Jin Hana`,
);

export const LAST_NAMES: readonly string[] = words(
  `Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez
   Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson
   White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott
   Nguyen Patel Chen Kim Tanaka Okafor Mensah Kowalski Novak Jensen Larsen Rossi Bianchi
   Muller Schmidt Dubois Moreau Silva Santos Ivanova Petrov Haddad Khan Singh Sharma
   O'Brien Murphy Kelly Walsh Fischer Berg`,
);

/** How senior a title is: it drives the contact's role on a deal. */
export type TitleTier = 'executive' | 'vp' | 'director' | 'manager' | 'individual';

export interface TitleOption {
  title: string;
  tier: TitleTier;
}

const title = (text: string, tier: TitleTier): TitleOption => ({ title: text, tier });

export const EXECUTIVE_TITLES: readonly TitleOption[] = [
  title('CEO', 'executive'),
  title('CFO', 'executive'),
  title('CTO', 'executive'),
  title('COO', 'executive'),
  title('CIO', 'executive'),
  title('VP Engineering', 'vp'),
  title('VP Operations', 'vp'),
  title('VP Finance', 'vp'),
  title('VP Sales', 'vp'),
  title('VP Information Technology', 'vp'),
];

export const DIRECTOR_TITLES: readonly TitleOption[] = [
  title('Director of IT', 'director'),
  title('Director of Procurement', 'director'),
  title('Director of Operations', 'director'),
  title('Director of Engineering', 'director'),
  title('Head of Infrastructure', 'director'),
];

export const STAFF_TITLES: readonly TitleOption[] = [
  title('IT Manager', 'manager'),
  title('Procurement Manager', 'manager'),
  title('Operations Manager', 'manager'),
  title('Engineering Manager', 'manager'),
  title('Senior Engineer', 'individual'),
  title('Systems Engineer', 'individual'),
  title('Solutions Architect', 'individual'),
  title('Financial Analyst', 'individual'),
  title('Buyer', 'individual'),
  title('IT Administrator', 'individual'),
];

/** Contacts after the first two of an account: mostly staff, some more leaders. */
export const OTHER_TITLE_GROUPS: Weighted<readonly TitleOption[]> = [
  [STAFF_TITLES, 0.6],
  [DIRECTOR_TITLES, 0.25],
  [EXECUTIVE_TITLES, 0.15],
];

/** Next steps by how far the deal has progressed: {who}, {product}, {account} are filled in. */
export const NEXT_STEPS = {
  prospecting: [
    'Book discovery call with {who}',
    'Qualify budget and timeline with {who}',
    'Send {product} overview to {who}',
    'Map the buying committee at {account}',
  ],
  early: [
    'Schedule {product} demo with {who}',
    'Book technical review with {who}',
    'Confirm requirements with {who}',
  ],
  late: [
    'Send proposal to {who}',
    'Review pricing with {who}',
    'Negotiate terms with {who}',
    'Send order form to {who}',
  ],
} as const;

/** Activity subjects by type, direction and deal phase (early / mid / late in the deal's life). */
export const SUBJECTS = {
  callOut: {
    early: ['Discovery call with {who}', 'Intro call with {who}', 'Qualification call with {who}'],
    mid: ['Follow-up call with {who}', 'Check-in call with {who}', 'Requirements call with {who}'],
    late: ['Pricing call with {who}', 'Negotiation call with {who}', 'Contract call with {who}'],
  },
  callIn: {
    early: ['Call from {who}', 'Call from {who} about {product}'],
    mid: ['Call from {who} with technical questions', 'Call from {who}'],
    late: ['Call from {who} about pricing', 'Call from {who} about contract terms'],
  },
  voicemail: ['Left voicemail for {who}'],
  meeting: {
    early: ['Discovery meeting with {who}', 'Intro meeting at {account}'],
    mid: ['{product} demo for {who}', 'Technical deep dive with {who}', 'Site visit at {account}'],
    late: ['Proposal review with {who}', 'Negotiation meeting with {who}'],
  },
  emailOut: {
    early: ['Intro email to {who}', 'Sent {product} overview to {who}'],
    mid: ['Follow-up email to {who}', 'Sent case study to {who}', 'Sent demo recording to {who}'],
    late: ['Sent proposal to {who}', 'Sent revised quote to {who}', 'Sent order form to {who}'],
  },
  emailIn: {
    early: ['Reply from {who}', 'Question from {who} about {product}'],
    mid: ['Reply from {who} with requirements', 'Question from {who} about integration'],
    late: ['Pricing feedback from {who}', 'Redlines from {who}'],
  },
  task: {
    early: ['Research {account}', 'Prepare discovery questions for {who}'],
    mid: ['Prepare {product} demo', 'Send {product} spec sheet to {who}'],
    late: ['Prepare proposal for {account}', 'Send pricing for {product}'],
  },
  note: {
    early: ['Notes: discovery with {who}', 'Notes: current vendor at {account}'],
    mid: ['Notes: requirements from {who}', 'Notes: competitor in the deal'],
    late: ['Notes: budget confirmed', 'Notes: decision timeline from {who}'],
  },
  smsOut: {
    early: ['Text to {who} about a call time'],
    mid: ['Text to {who} confirming the demo'],
    late: ['Text to {who} about the proposal'],
  },
  smsIn: {
    early: ['Text from {who}'],
    mid: ['Text from {who} about the demo'],
    late: ['Text from {who} about the contract'],
  },
} as const;

export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}
