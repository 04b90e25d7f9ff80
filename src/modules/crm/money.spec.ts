import { divideCents, fromCents, ratio, toCents } from './money';

describe('money', () => {
  it('parses decimal strings to cents without floats, rounding half away from zero', () => {
    expect(toCents('1054')).toBe(105400n);
    expect(toCents('0.10')).toBe(10n);
    expect(toCents('12.345')).toBe(1235n);
    expect(toCents('12.344999')).toBe(1234n);
    expect(toCents('-3.005')).toBe(-301n);
    expect(toCents('90071992547409.93')).toBe(9007199254740993n);
    expect(toCents(null)).toBe(0n);
    expect(() => toCents('1e3')).toThrow(RangeError);
  });

  it('prints cents as decimal strings', () => {
    expect(fromCents(0n)).toBe('0.00');
    expect(fromCents(5n)).toBe('0.05');
    expect(fromCents(-123456n)).toBe('-1234.56');
  });

  it('divides and takes ratios rounded half up', () => {
    expect(divideCents(1000n, 3n)).toBe(333n);
    expect(divideCents(1001n, 2n)).toBe(501n);
    expect(ratio(1n, 3n)).toBe(0.3333);
    expect(ratio(2n, 3n)).toBe(0.6667);
    expect(ratio(1n, 8n, 2)).toBe(0.13);
    expect(ratio(1n, 0n)).toBeNull();
  });
});
