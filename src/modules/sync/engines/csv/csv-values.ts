import { RecordError } from '../../sync.exception';

/**
 * Value conversions the CSV mapping can name. Each turns one cell (a string) into a canonical
 * value or null, and throws RecordError for a value it cannot read, so the row is reported.
 */

/** A matching key for names that differ only in case, spaces and punctuation ("GTXPro" = "GTX Pro"). */
export const key = (value: string): string =>
  value
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');

/** Canonical industries; a source spelling within two edits of one (e.g. "technolgy") maps to it. */
export const INDUSTRIES = [
  'technology',
  'software',
  'medical',
  'healthcare',
  'retail',
  'finance',
  'banking',
  'insurance',
  'marketing',
  'entertainment',
  'telecommunications',
  'services',
  'employment',
  'education',
  'manufacturing',
  'energy',
  'government',
  'hospitality',
  'logistics',
  'real estate',
] as const;

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

export function industry(value: string): string {
  const v = value.trim().toLowerCase();
  if ((INDUSTRIES as readonly string[]).includes(v)) return v;
  let best: { name: string; d: number } | undefined;
  for (const name of INDUSTRIES) {
    const d = editDistance(v, name);
    if (d <= 2 && (!best || d < best.d)) best = { name, d };
  }
  return best?.name ?? v;
}

/** A decimal amount as a string with at most 2 decimals; never through a float. */
export function money(value: string, multiplier = 1): string {
  const v = value.trim().replace(/[$,\s]/g, '');
  const m = /^(\d+)(?:\.(\d+))?$/.exec(v);
  if (!m) throw new RecordError(`"${value}" is not an amount`);
  const zeros = Math.round(Math.log10(multiplier));
  if (10 ** zeros !== multiplier) throw new RecordError(`unsupported multiplier ${multiplier}`);
  const digits = m[1] + (m[2] ?? '').padEnd(zeros, '0');
  const whole = digits.slice(0, m[1].length + zeros).replace(/^0+(?=\d)/, '');
  const fraction = digits.slice(m[1].length + zeros);
  if (fraction.length > 2 && /[1-9]/.test(fraction.slice(2)))
    throw new RecordError(`"${value}" has more than 2 decimals`);
  return fraction ? `${whole}.${fraction.slice(0, 2).padEnd(2, '0')}` : whole;
}

export function integer(value: string): number {
  const v = value.trim().replace(/,/g, '');
  if (!/^-?\d+$/.test(v)) throw new RecordError(`"${value}" is not a whole number`);
  return Number(v);
}

/** YYYY-MM-DD (also accepts M/D/YYYY), optionally shifted by whole days. */
export function date(value: string, shiftDays = 0): string {
  const v = value.trim();
  let y: number, mo: number, d: number;
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(v);
  if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v)))
    [y, mo, d] = [Number(m[3]), Number(m[1]), Number(m[2])];
  else throw new RecordError(`"${value}" is not a date`);
  const t = Date.UTC(y, mo - 1, d);
  const check = new Date(t);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    throw new RecordError(`"${value}" is not a calendar date`);
  }
  return new Date(t + shiftDays * 86_400_000).toISOString().slice(0, 10);
}

export function bool(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', 'yes', 'y', '1'].includes(v)) return true;
  if (['false', 'no', 'n', '0'].includes(v)) return false;
  throw new RecordError(`"${value}" is not true or false`);
}

/** Company size band from the number of employees. */
export function segmentByEmployees(value: string): string {
  const n = integer(value);
  return n >= 5000 ? 'Enterprise' : n >= 1000 ? 'Mid-Market' : 'SMB';
}
