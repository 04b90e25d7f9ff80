import { money } from './hubspot-mapping';

describe('HubSpot money values', () => {
  it('keeps up to 2 decimals as they are and rounds more in decimal, not through a float', () => {
    expect(money('1054', 'amount')).toBe('1054');
    expect(money('1054.5', 'amount')).toBe('1054.5');
    expect(money('0.125', 'amount')).toBe('0.13');
    expect(money('1.005', 'amount')).toBe('1.01'); // 1.005 is 1.00499... as a float
    expect(money('9007199254740993.999', 'amount')).toBe('9007199254740994.00');
    expect(money('', 'amount')).toBeNull();
    expect(() => money('12,50', 'amount')).toThrow(/amount is not a number/);
  });
});
