import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../../../../src/destinations/tiktok/emulator/seeded-random.ts';

describe('createSeededRandom', () => {
  it('replays the same sequence for the same seed and differs for another', () => {
    const a = createSeededRandom(42);
    const b = createSeededRandom(42);
    const c = createSeededRandom(43);
    const first = Array.from({ length: 20 }, () => a());
    expect(Array.from({ length: 20 }, () => b())).toEqual(first);
    expect(Array.from({ length: 20 }, () => c())).not.toEqual(first);
  });

  it('draws floats in [0, 1) spread over the interval', () => {
    const random = createSeededRandom(1);
    const draws = Array.from({ length: 10_000 }, () => random());
    expect(draws.every((value) => value >= 0 && value < 1)).toBe(true);
    const belowQuarter = draws.filter((value) => value < 0.25).length;
    expect(belowQuarter).toBeGreaterThan(2200);
    expect(belowQuarter).toBeLessThan(2800);
  });
});
