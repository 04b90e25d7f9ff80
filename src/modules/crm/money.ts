/**
 * Money arithmetic on the decimal strings the database returns for numeric(18,2) columns, in
 * integer cents (BigInt), so no amount ever passes through a float.
 */
export function toCents(value: string | null | undefined): bigint {
  if (value === null || value === undefined || value === '') return 0n;
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) throw new RangeError(`not a decimal amount: ${value}`);
  const frac = (m[3] ?? '').padEnd(3, '0');
  // Round half away from zero on the third decimal, as PostgreSQL's round() does.
  let cents = BigInt(m[2]) * 100n + BigInt(frac.slice(0, 2)) + (Number(frac[2]) >= 5 ? 1n : 0n);
  if (m[1] === '-') cents = -cents;
  return cents;
}

export function fromCents(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** `cents / n`, rounded half away from zero to the cent. */
export function divideCents(cents: bigint, n: bigint): bigint {
  if (n === 0n) throw new RangeError('division by zero');
  const negative = cents < 0n !== n < 0n;
  const a = cents < 0n ? -cents : cents;
  const b = n < 0n ? -n : n;
  const q = (2n * a + b) / (2n * b);
  return negative ? -q : q;
}

/** A ratio of two integers (or cents) rounded to `places` decimals; null when undefined. */
export function ratio(numerator: bigint, denominator: bigint, places = 4): number | null {
  if (denominator === 0n) return null;
  const scale = 10n ** BigInt(places);
  const negative = numerator < 0n !== denominator < 0n;
  const a = numerator < 0n ? -numerator : numerator;
  const b = denominator < 0n ? -denominator : denominator;
  const q = (2n * a * scale + b) / (2n * b);
  return Number(negative ? -q : q) / Number(scale);
}
