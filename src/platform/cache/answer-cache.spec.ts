import { AnswerBodies, withTail } from './answer-cache';

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

describe("AnswerBodies (an instance's copy of cached answers)", () => {
  const ws = '7d0c4a8e-1b2f-4c3d-9e8f-0a1b2c3d4e5f';

  it('returns an answer with the version it was cached at, and replaces it', () => {
    const bodies = new AnswerBodies(1000);
    expect(bodies.get(ws, 'summary', '{}')).toBeUndefined();
    bodies.set(ws, 'summary', '{}', '3', '{"a":1}');
    expect(bodies.get(ws, 'summary', '{}')).toEqual({ version: '3', body: '{"a":1}' });
    bodies.set(ws, 'summary', '{}', '4', '{"a":2}');
    expect(bodies.get(ws, 'summary', '{}')).toEqual({ version: '4', body: '{"a":2}' });
    expect(bodies.get(ws, 'trends', '{}')).toBeUndefined();
    expect(bodies.size).toBe(1);
  });

  it('drops the least recently used answers beyond its size, and never keeps one too large', () => {
    const bodies = new AnswerBodies(100); // 50 characters
    bodies.set(ws, 'r', 'a', '1', 'x'.repeat(20));
    bodies.set(ws, 'r', 'b', '1', 'x'.repeat(20));
    bodies.get(ws, 'r', 'a'); // a is now the most recently used
    bodies.set(ws, 'r', 'c', '1', 'x'.repeat(20));
    expect(bodies.get(ws, 'r', 'b')).toBeUndefined();
    expect(bodies.get(ws, 'r', 'a')).toBeDefined();
    expect(bodies.get(ws, 'r', 'c')).toBeDefined();
    bodies.set(ws, 'r', 'd', '1', 'x'.repeat(51));
    expect(bodies.get(ws, 'r', 'd')).toBeUndefined();
    expect(bodies.size).toBe(2);
  });
});
