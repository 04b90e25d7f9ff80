/**
 * Value helpers for the demo enricher. Days are whole UTC day numbers (days since 1970-01-01) and
 * instants are epoch milliseconds, so no arithmetic ever depends on the host's time zone or clock.
 * Money is integer cents, never a float, and is only turned into a decimal string on output.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseDay(text: string): number {
  const match = DAY_PATTERN.exec(text.slice(0, 10));
  if (!match) throw new Error(`Not a YYYY-MM-DD date: ${text}`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / DAY_MS;
}

export function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function dayOf(instant: number): number {
  return Math.floor(instant / DAY_MS);
}

export function isoInstant(instant: number): string {
  return new Date(instant).toISOString();
}

/** 0 = Sunday ... 6 = Saturday; day 0 (1970-01-01) was a Thursday. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export interface Quarter {
  year: number;
  /** 1..4 */
  quarter: number;
  startDay: number;
  endDay: number;
}

export function quarterOf(day: number): Quarter {
  const date = new Date(day * DAY_MS);
  const year = date.getUTCFullYear();
  const quarter = Math.floor(date.getUTCMonth() / 3) + 1;
  const startDay = Date.UTC(year, (quarter - 1) * 3, 1) / DAY_MS;
  const endDay = Date.UTC(year, quarter * 3, 1) / DAY_MS - 1;
  return { year, quarter, startDay, endDay };
}

export function nextQuarter(q: Quarter): Quarter {
  return quarterOf(q.endDay + 1);
}

const MONEY_PATTERN = /^\s*(-?)(\d*)(?:\.(\d*))?\s*$/;

/**
 * Decimal string to integer cents, rounding half away from zero past the second decimal. String
 * math on purpose: parseFloat('0.295') * 100 is 29.499999999999996.
 */
export function toCents(text: string): number {
  const match = MONEY_PATTERN.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new Error(`Not a decimal amount: ${text}`);
  }
  const fraction = (match[3] ?? '').padEnd(3, '0');
  const cents = Number(match[2] || '0') * 100 + Number(fraction.slice(0, 2));
  const rounded = cents + (Number(fraction[2]) >= 5 ? 1 : 0);
  return match[1] === '-' ? -rounded : rounded;
}

export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.round(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Cents rounded to whole dollars (half up), staying in cents. */
export function roundToDollar(cents: number): number {
  return Math.round(cents / 100) * 100;
}

/** Probability in basis points (0..10000) to the 4-decimal string the numeric(5,4) column holds. */
export function formatProbability(basisPoints: number): string {
  const bp = Math.max(0, Math.min(10_000, Math.round(basisPoints)));
  return `${Math.floor(bp / 10_000)}.${String(bp % 10_000).padStart(4, '0')}`;
}

/** Median of integers, rounded down to an integer so cents stay integral. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : Math.floor((sorted[mid - 1] + sorted[mid]) / 2);
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
