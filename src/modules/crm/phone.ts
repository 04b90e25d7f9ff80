/**
 * The phone number as E.164 digits without the plus ('13036231131'), so numbers written
 * '+1 (303) 623-1131' or '303-623-1131' compare equal. Ten digits are taken as NANP, which is
 * what CallRail (US/Canada) numbers are.
 */
export function e164Digits(phone: unknown): string | null {
  if (typeof phone !== 'string') return null;
  const digits = phone.replace(/\D/g, '');
  if (digits.length === 10) return `1${digits}`;
  return digits.length >= 8 ? digits : null;
}

/** The same normalisation in SQL, to match stored numbers written any which way. */
export const e164DigitsSql = (expr: string): string =>
  `(CASE WHEN length(regexp_replace(${expr}, '\\D', '', 'g')) = 10
     THEN '1' || regexp_replace(${expr}, '\\D', '', 'g')
     WHEN length(regexp_replace(${expr}, '\\D', '', 'g')) >= 8
     THEN regexp_replace(${expr}, '\\D', '', 'g') END)`;
