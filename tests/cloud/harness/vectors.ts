import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './python-service.ts';

export interface Vector {
  type: string;
  raw: unknown;
  options: Record<string, string>;
  expect: { status: 'ok' | 'prehashed' | 'rejected' | 'empty'; hash?: string; reason?: string };
}

/** The spec's normalization vectors (golden hashes computed outside our code, tests/fixtures/). */
export function readVectors(): Vector[] {
  return ['normalization-vectors.jsonl', 'normalization-vectors-extra.jsonl'].flatMap((name) =>
    readFileSync(join(REPO, 'tests', 'fixtures', name), 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as Vector),
  );
}

/** Default-option text vectors of one type: what a plain job over `column` must produce. */
export function textVectors(type: string): Vector[] {
  return readVectors().filter(
    (vector) => vector.type === type && typeof vector.raw === 'string' && Object.keys(vector.options).length === 0,
  );
}

export function expectedDigests(vectors: Vector[]): string[] {
  const digests = vectors.filter((v) => v.expect.status === 'ok' || v.expect.status === 'prehashed');
  return [...new Set(digests.map((v) => v.expect.hash!))].sort();
}

export function expectedRejects(vectors: Vector[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const vector of vectors) {
    if (vector.expect.status === 'rejected') counts[vector.expect.reason!] = (counts[vector.expect.reason!] ?? 0) + 1;
  }
  return counts;
}
