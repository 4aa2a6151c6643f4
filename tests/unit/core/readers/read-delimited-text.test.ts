import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { DelimitedTextParser } from '../../../../src/core/readers/read-delimited-text.ts';

/** Small deterministic PRNG (mulberry32) so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['a', 'Bc', '1', ' ', 'é', '😀', ',', ';', '\t', '"', '\n', '\r\n', '@', ''];

function randomCsv(next: () => number, delimiter: string, lineBreak: string): string {
  const rows: string[] = [];
  const rowCount = 1 + Math.floor(next() * 20);
  for (let row = 0; row < rowCount; row++) {
    const fields: string[] = [];
    const fieldCount = 2 + Math.floor(next() * 4);
    for (let field = 0; field < fieldCount; field++) {
      let value = '';
      const length = Math.floor(next() * 5);
      for (let index = 0; index < length; index++) value += PIECES[Math.floor(next() * PIECES.length)];
      const needsQuotes = /[",;\t\r\n]/u.test(value) || next() < 0.2;
      fields.push(needsQuotes ? `"${value.replaceAll('"', '""')}"` : value);
    }
    rows.push(fields.join(delimiter));
  }
  return rows.join(lineBreak) + (next() < 0.5 ? lineBreak : '');
}

function parseInChunks(text: string, delimiter: string, chunkSize: number): string[][] {
  const parser = new DelimitedTextParser(delimiter);
  const rows: string[][] = [];
  for (let start = 0; start < text.length; start += chunkSize)
    parser.push(text.slice(start, start + chunkSize), false, (fields) => rows.push(fields));
  parser.push('', true, (fields) => rows.push(fields));
  return rows;
}

describe('DelimitedTextParser', () => {
  // csv-parse is the independent oracle: same rows for the same valid RFC 4180 text.
  it('agrees with csv-parse on 600 random CSV/TSV/semicolon texts, in any chunking', () => {
    const next = random(20260601);
    for (let round = 0; round < 600; round++) {
      const delimiter = [',', '\t', ';'][round % 3] as string;
      const lineBreak = round % 2 === 0 ? '\n' : '\r\n';
      const text = randomCsv(next, delimiter, lineBreak);
      const expected = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true }) as string[][];
      const chunkSize = 1 + Math.floor(next() * 12);
      expect(parseInChunks(text, delimiter, chunkSize), JSON.stringify({ text, chunkSize })).toEqual(expected);
    }
  });

  it('keeps a quote inside an unquoted cell as a literal character', () => {
    expect(parseInChunks('a,b"c,d\n', ',', 3)).toEqual([['a', 'b"c', 'd']]);
  });

  it('drops a carriage return that ends the input', () => {
    expect(parseInChunks('x,y\r', ',', 1)).toEqual([['x', 'y']]);
  });
});
