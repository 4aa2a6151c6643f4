import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSimulatedMatch } from '../../../../../src/destinations/tiktok/emulator/simulated-match.ts';

const digest = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('isSimulatedMatch', () => {
  it('matches iff the first 8 hex digits of sha256(id), over 2^32, are below the rate', () => {
    for (let index = 0; index < 500; index += 1) {
      const id = digest(`id-${index}`);
      const share = Number.parseInt(digest(id).slice(0, 8), 16) / 2 ** 32;
      expect(isSimulatedMatch(id, 0.6)).toBe(share < 0.6);
      expect(isSimulatedMatch(id, 0.3)).toBe(share < 0.3);
    }
  });

  it('matches everyone at 1 and no one at 0', () => {
    const id = digest('someone');
    expect(isSimulatedMatch(id, 1)).toBe(true);
    expect(isSimulatedMatch(id, 0)).toBe(false);
  });

  it('is monotonic in the rate: a match at a lower rate stays a match at a higher one', () => {
    const ids = Array.from({ length: 200 }, (_, index) => digest(`m-${index}`));
    const low = ids.filter((id) => isSimulatedMatch(id, 0.2));
    expect(low.every((id) => isSimulatedMatch(id, 0.7))).toBe(true);
  });
});
