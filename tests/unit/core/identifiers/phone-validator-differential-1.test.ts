import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeIdentifier } from '../../../../src/core/identifiers/normalize-identifier.ts';
import { normalizeOptionsSchema } from '../../../../src/core/identifiers/normalize-options.ts';
import { expectAgreement, ours, referencePhone } from './phone-differential.ts';

// The phone validator against libphonenumber-js/max: first half of the million cells (see phone-differential.ts).
describe('phone validator = libphonenumber-js/max (1/2)', () => {
  it('agrees on 500,000 generated cells across every region', () => {
    expectAgreement(500_000, 20261201);
  }, 600_000); // ≈ 10 s of one core, far longer on a loaded machine: the limit only catches a hang

  it('agrees with the E.164 option and on hand-picked edge shapes', () => {
    const e164 = normalizeOptionsSchema.parse({ phoneFormat: 'e164' });
    expect(normalizeIdentifier('PHONE', '+1 (613) 444-4444', e164)).toEqual({
      status: 'ok',
      normalized: '+16134444444',
    });
    const edges = [
      '1',
      '12',
      '+12',
      '+123',
      '011',
      '01144',
      '0114420',
      '+0044',
      '1' + '2'.repeat(300),
      '+800 1234 5678',
    ];
    for (const raw of edges) {
      for (const region of ['US', 'GB', 'DE', 'AR', 'ZZ']) {
        const options = normalizeOptionsSchema.parse({ phoneRegion: region });
        expect(ours(raw, options), `${raw} ${region}`).toBe(referencePhone(raw, options));
      }
    }
  });

  it('agrees on every PHONE normalization vector', () => {
    const vectors = ['normalization-vectors.jsonl', 'normalization-vectors-extra.jsonl'].flatMap((file) =>
      readFileSync(new URL(`../../../fixtures/${file}`, import.meta.url), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as { type: string; raw: unknown; options: Record<string, string> })
        .filter((vector) => vector.type === 'PHONE'),
    );
    expect(vectors.length).toBeGreaterThanOrEqual(20);
    for (const vector of vectors) {
      const options = normalizeOptionsSchema.parse(vector.options);
      expect(ours(vector.raw, options), JSON.stringify(vector.raw)).toBe(referencePhone(vector.raw, options));
    }
  });
});
