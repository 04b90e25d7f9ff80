import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * Seeded randomness for the demo enricher. Every record draws from its own stream, keyed by the
 * seed, a purpose and the record's id, so the values of one deal do not depend on how many other
 * deals came before it: adding a row to the data set or a new generated field elsewhere leaves the
 * rest of the output untouched.
 */

/** FNV-1a, 32 bits: cheap, stable across platforms, good enough to spread string keys. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Murmur3's finaliser: FNV alone leaves neighbouring keys with correlated low bits. */
function fmix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

export type Weighted<T> = ReadonlyArray<readonly [T, number]>;

export class Random {
  private constructor(private readonly gen: RandomGenerator) {}

  /**
   * The stream for one purpose of one record. pure-rand's own `xoroshiro128plus(seed)` seeds only
   * 32 of the 128 state bits, so nearby seeds start out correlated; hashing the key into all four
   * state words avoids that.
   */
  static stream(seed: number, ...key: string[]): Random {
    const base = hash32(`${seed | 0}\u0000${key.join('\u0000')}`);
    const state = [1, 2, 3, 4].map((salt) => fmix32(base + Math.imul(salt, 0x9e3779b9)));
    if (state.every((word) => word === 0))
      return new Random(xoroshiro128plusFromState([1, 0, 0, 0]));
    return new Random(xoroshiro128plusFromState(state));
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return max <= min ? min : uniformInt(this.gen, min, max);
  }

  /** Float in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }

  /** Float in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  weighted<T>(entries: Weighted<T>): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.float() * total;
    for (const [value, weight] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return entries[entries.length - 1][0];
  }

  /** `count` distinct items in random order (partial Fisher-Yates on a copy). */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = items.slice();
    const n = Math.min(count, copy.length);
    for (let i = 0; i < n; i++) {
      const j = this.int(i, copy.length - 1);
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy.slice(0, n);
  }
}
