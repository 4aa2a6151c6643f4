import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { READER_CONTRACT_PATH, readerContractLines } from '../../../../scripts/reader-contract.ts';

describe('the reader contract shared with the Glue job', () => {
  it('is what the TypeScript readers produce now (else: npx tsx scripts/generate-reader-contract.ts)', async () => {
    const committed = readFileSync(READER_CONTRACT_PATH, 'utf8').split('\n').filter(Boolean);
    const current = await readerContractLines();
    const id = (line: string): string => (JSON.parse(line) as { id: string }).id;
    expect(current.map(id)).toEqual(committed.map(id));
    current.forEach((line, index) => expect(line, id(line)).toBe(committed[index]));
  });
});
