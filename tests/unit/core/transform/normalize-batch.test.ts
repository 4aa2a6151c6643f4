/**
 * normalizeBatch against a plain per-cell loop over normalizeIdentifier (and node:crypto for the
 * digests): the same tallies, rejects and digests, and the writer asked to hash exactly the valid
 * values, once each, in row-then-mapping order. Seeded; NORMALIZE_BATCH_SEED replays a failure.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normalizeIdentifier } from '../../../../src/core/identifiers/normalize-identifier.ts';
import { normalizeOptionsSchema } from '../../../../src/core/identifiers/normalize-options.ts';
import { REJECT_REASONS, type IdentifierType } from '../../../../src/core/identifiers/rules.ts';
import {
  normalizeBatch,
  planBatches,
  TALLY_EMPTY,
  TALLY_FIRST_REASON,
  TALLY_LENGTH,
  TALLY_PREHASHED,
  TALLY_VALID,
  type DigestWriter,
} from '../../../../src/core/transform/normalize-batch.ts';
import { createSeededRandom } from '../../../../src/destinations/tiktok/emulator/seeded-random.ts';

const SEED = Number(process.env.NORMALIZE_BATCH_SEED ?? 4242);

const CELLS: unknown[] = [
  'person@example.com',
  ' Person+tag@Example.com ',
  'not an email',
  '+1 (613) 444-4444',
  '(206) 223-3839',
  '12',
  'C2C54799-4839-4BAA-ABE4-34E441BAFFC5',
  '00000000-0000-0000-0000-000000000000',
  'ab'.repeat(32),
  '',
  null,
  undefined,
  1.5,
  true,
];

describe('normalizeBatch = a per-cell normalizeIdentifier loop', () => {
  it(`gives the same tallies, rejects and digests (seed ${SEED})`, () => {
    const random = createSeededRandom(SEED);
    const mapping: Array<{ column: string; type: IdentifierType }> = [
      { column: 'a', type: 'EMAIL' },
      { column: 'b', type: 'PHONE' },
      { column: 'c', type: 'MAID' },
      { column: 'd', type: 'EMAIL' },
    ];
    const plan = planBatches(mapping);
    for (const options of [normalizeOptionsSchema.parse({}), normalizeOptionsSchema.parse({ prehashed: 'reject' })]) {
      const rowCount = 3000;
      const columns = mapping.map(() =>
        Array.from({ length: rowCount }, () => CELLS[Math.floor(random() * CELLS.length)]),
      );
      const hashed: string[] = [];
      const writer: DigestWriter<Uint8Array> = {
        allocate: (bytes) => new Uint8Array(bytes),
        hashInto: (text, target, offset) => {
          hashed.push(text);
          target.set(createHash('sha256').update(text).digest(), offset);
        },
      };
      const result = normalizeBatch(columns, rowCount, plan, options, writer);

      const tallies = plan.types.map(() => new Array<number>(TALLY_LENGTH).fill(0));
      const digests = plan.types.map(() => [] as string[]);
      const rejects: number[] = [];
      const expectedHashed: string[] = [];
      for (let row = 0; row < rowCount; row += 1) {
        mapping.forEach(({ type }, entry) => {
          const typeIndex = plan.mappingTypeIndex[entry] as number;
          const tally = tallies[typeIndex] as number[];
          const cell = normalizeIdentifier(type, (columns[entry] as unknown[])[row], options);
          if (cell.status === 'ok') {
            tally[TALLY_VALID] = (tally[TALLY_VALID] as number) + 1;
            expectedHashed.push(cell.normalized);
            digests[typeIndex]?.push(createHash('sha256').update(cell.normalized).digest('hex'));
          } else if (cell.status === 'prehashed') {
            tally[TALLY_PREHASHED] = (tally[TALLY_PREHASHED] as number) + 1;
            digests[typeIndex]?.push(cell.normalized);
          } else if (cell.status === 'empty') {
            tally[TALLY_EMPTY] = (tally[TALLY_EMPTY] as number) + 1;
          } else {
            const reason = REJECT_REASONS.indexOf(cell.reason);
            tally[TALLY_FIRST_REASON + reason] = (tally[TALLY_FIRST_REASON + reason] as number) + 1;
            rejects.push(row, entry, reason);
          }
        });
      }
      expect(result.tallies).toEqual(tallies);
      expect(result.rejects).toEqual(rejects);
      expect(hashed).toEqual(expectedHashed);
      expect(
        result.digests.map(({ packed, count }) => Buffer.from(packed.subarray(0, count * 32)).toString('hex')),
      ).toEqual(digests.map((list) => list.join('')));
      expect(result.digests.map(({ count }) => count)).toEqual(digests.map((list) => list.length));
      // The mix reaches every outcome.
      for (const slot of [TALLY_VALID, TALLY_EMPTY, TALLY_FIRST_REASON + REJECT_REASONS.indexOf('invalid_phone')]) {
        expect(tallies.some((tally) => (tally[slot] as number) > 0)).toBe(true);
      }
    }
  });

  it('handles an empty batch', () => {
    const plan = planBatches([{ column: 'a', type: 'EMAIL' }]);
    const writer: DigestWriter<Uint8Array> = {
      allocate: (bytes) => new Uint8Array(bytes),
      hashInto: () => {
        throw new Error('nothing to hash');
      },
    };
    const result = normalizeBatch([[]], 0, plan, normalizeOptionsSchema.parse({}), writer);
    expect(result.digests.map(({ count }) => count)).toEqual([0]);
    expect(result.tallies).toEqual([new Array<number>(TALLY_LENGTH).fill(0)]);
    expect(result.rejects).toEqual([]);
  });

  it('flushes a batching writer even when a cell throws, so nothing queued outlives the batch', () => {
    const queued: string[] = [];
    const flushed: string[] = [];
    const writer: DigestWriter<Uint8Array> = {
      allocate: (bytes) => new Uint8Array(bytes),
      hashInto: (text) => queued.push(text),
      flush: () => flushed.push(...queued.splice(0)),
    };
    const cells: unknown[] = ['a@example.com', 'b@example.com'];
    Object.defineProperty(cells, 2, {
      get: () => {
        throw new Error('unreadable cell');
      },
    });
    const plan = planBatches([{ column: 'email', type: 'EMAIL' }]);
    const options = normalizeOptionsSchema.parse({});
    expect(() => normalizeBatch([cells], 3, plan, options, writer)).toThrow('unreadable cell');
    expect(queued).toEqual([]);
    expect(flushed).toEqual(['a@example.com', 'b@example.com']);
  });
});
