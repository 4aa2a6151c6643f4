import { onTestFailed } from 'vitest';
import { createSeededRandom } from '../../src/destinations/tiktok/emulator/seeded-random.ts';

/**
 * A seeded random source for a test that picks random points (kills, faults): the seed comes from
 * AU_TEST_SEED when set (to replay a failure), otherwise it is drawn once, and it is printed when the
 * test fails. Call inside the test.
 */
export function seededRandomForTest(label: string): { seed: number; random: () => number } {
  const fromEnv = process.env.AU_TEST_SEED;
  const seed = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`AU_TEST_SEED must be an integer, got "${fromEnv}"`);
  onTestFailed(() => {
    console.error(`${label}: failed with seed ${seed}; replay with AU_TEST_SEED=${seed}`);
  });
  return { seed, random: createSeededRandom(seed) };
}
