import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeIdentifier } from '../../../../src/core/identifiers/normalize-identifier.ts';
import { normalizeOptionsSchema } from '../../../../src/core/identifiers/normalize-options.ts';
import { isIdentifierType } from '../../../../src/core/identifiers/rules.ts';
import { sha256Hex } from '../../../../src/core/identifiers/sha256-hex.ts';

interface Vector {
  type: string;
  raw: unknown;
  options: Record<string, string>;
  expect: { status: string; normalized?: string; hash?: string; reason?: string };
}

function readVectors(file: string): Vector[] {
  return readFileSync(new URL(`../../../fixtures/${file}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Vector);
}

// The public vectors, plus our own edge cases (expected hashes computed with Python's hashlib from the spec).
const publicVectors = readVectors('normalization-vectors.jsonl');
const vectors = [...publicVectors, ...readVectors('normalization-vectors-extra.jsonl')];

describe('normalization vectors (tests/fixtures/normalization-vectors*.jsonl)', () => {
  it('holds the published vectors', () => {
    expect(publicVectors.length).toBeGreaterThanOrEqual(28);
  });

  it.each(vectors.map((vector, index) => [index + 1, vector.type, JSON.stringify(vector.raw), vector] as const))(
    'vector %i: %s %s',
    (_line, _type, _raw, vector) => {
      if (!isIdentifierType(vector.type)) throw new Error(`unknown type ${vector.type}`);
      const result = normalizeIdentifier(vector.type, vector.raw, normalizeOptionsSchema.parse(vector.options));
      expect(result.status).toBe(vector.expect.status);
      if (result.status === 'ok') {
        expect(result.normalized).toBe(vector.expect.normalized);
        expect(sha256Hex(result.normalized)).toBe(vector.expect.hash);
      } else if (result.status === 'prehashed') {
        expect(result.normalized).toBe(vector.expect.hash);
      } else if (result.status === 'rejected') {
        expect(result.reason).toBe(vector.expect.reason);
      }
    },
  );
});
