import { withTail } from './forecast-read-model.service';

describe('withTail (fields appended to a cached answer)', () => {
  it('appends the fields after the cached ones, in order, as JSON.stringify would write them', () => {
    const cached = JSON.stringify({ a: 1, b: { c: [1, 2] } });
    const tail = { updated_at: '2026-11-20T23:59:59.999Z', n: null };
    expect(withTail(cached, tail)).toBe(JSON.stringify({ a: 1, b: { c: [1, 2] }, ...tail }));
    expect(JSON.parse(withTail(cached, tail))).toEqual({ a: 1, b: { c: [1, 2] }, ...tail });
  });

  it('leaves the text alone without fields, and handles an empty object', () => {
    expect(withTail('{"a":1}', {})).toBe('{"a":1}');
    expect(withTail('{}', { x: 'y' })).toBe('{"x":"y"}');
  });
});
