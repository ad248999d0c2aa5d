import { chiSquare } from '../../support/chi-square.js';
import { describe, expect, it } from 'vitest';
import { pickWeighted, randomSeed, seededRandom } from '../../../src/catalogue/pick.js';

const drills = [
  { id: 'a', weight: 1 },
  { id: 'b', weight: 2 },
  { id: 'c', weight: 3 },
  { id: 'd', weight: 4 },
];

describe('seededRandom', () => {
  it('repeats the same sequence for the same seed, in [0, 1)', () => {
    const first = seededRandom('2024-w07');
    const second = seededRandom('2024-w07');
    const a = Array.from({ length: 100 }, first);
    expect(Array.from({ length: 100 }, second)).toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Array.from({ length: 100 }, seededRandom('2024-w08'))).not.toEqual(a);
  });

  it('makes fresh seeds that differ', () => {
    expect(randomSeed()).toMatch(/^[0-9a-f]{12}$/);
    expect(randomSeed()).not.toBe(randomSeed());
  });
});

describe('pickWeighted', () => {
  it('picks in proportion to weight (chi-square over 10,000 seeded picks)', () => {
    const random = seededRandom('firedrill');
    const counts = new Map<string, number>();
    const picks = 10_000;
    for (let i = 0; i < picks; i++) {
      const id = pickWeighted(drills, random)?.id ?? 'none';
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    // 3 degrees of freedom: 16.27 is the p = 0.001 critical value.
    expect(chiSquare(counts, drills, picks)).toBeLessThan(16.27);
    expect(counts.get('none')).toBeUndefined();
  });

  it('reproduces a pick from its seed', () => {
    const picks = (seed: string) => Array.from({ length: 20 }, ((random) => () => pickWeighted(drills, random)?.id)(seededRandom(seed)));
    expect(picks('run-42')).toEqual(picks('run-42'));
  });

  it('never picks a zero weight, and picks nothing from nothing', () => {
    const random = seededRandom('zero');
    const items = [{ id: 'never', weight: 0 }, { id: 'always', weight: 1 }];
    for (let i = 0; i < 1_000; i++) expect(pickWeighted(items, random)?.id).toBe('always');
    expect(pickWeighted([], random)).toBeUndefined();
    expect(pickWeighted(items, () => 0.999_999_999)?.id).toBe('always');
  });
});
