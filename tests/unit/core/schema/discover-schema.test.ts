import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { discoverSchema, type DiscoveredColumn } from '../../../../src/core/schema/discover-schema.ts';
import { memoryByteSource } from '../../../../src/core/readers/memory-byte-source.ts';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { countingSource, textSource } from '../readers/record-sources.ts';

const FIXTURE = new URL('../../../fixtures/clean-rooms-sample.jsonl', import.meta.url);

function column(columns: DiscoveredColumn[], name: string): DiscoveredColumn {
  const found = columns.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no column ${name}`);
  return found;
}

const jsonl = (records: Array<Record<string, unknown>>): string =>
  records.map((record) => JSON.stringify(record)).join('\n');
const uuid = (index: number): string => `${index.toString(16).padStart(8, '0')}-1d4f-4a8b-af47-44683fe11db9`;

describe('discoverSchema on the Clean Rooms sample', () => {
  it('suggests e-mail→EMAIL, phone_number→PHONE, mobile_advertiser_id→MAID and nothing for age', async () => {
    const bytes = await readFile(FIXTURE);
    const schema = await discoverSchema([memoryByteSource('clean-rooms-sample.jsonl', bytes)]);
    expect(schema.format).toEqual({ format: 'jsonl', compression: 'none' });
    expect(schema.sampledRows).toBe(1000);
    expect(schema.columns.map((candidate) => candidate.name)).toEqual([
      'age',
      'e-mail',
      'phone_number',
      'mobile_advertiser_id',
    ]);
    expect(schema.suggestedMapping).toEqual([
      { column: 'e-mail', type: 'EMAIL' },
      { column: 'phone_number', type: 'PHONE' },
      { column: 'mobile_advertiser_id', type: 'MAID' },
    ]);
    const age = column(schema.columns, 'age');
    expect(age.suggestedType).toBeNull();
    expect(age.kinds).toEqual({ string: 0, integer: 1000, float: 0, boolean: 0, null: 0, object: 0 });
    const email = column(schema.columns, 'e-mail');
    expect(email.fillRate).toBe(1);
    expect(email.confidence).toBeGreaterThan(0.9);
    expect(email.examples.length).toBeGreaterThan(0);
    expect(email.examples.length).toBeLessThanOrEqual(3);
    for (const example of email.examples) expect(example).toMatch(/^.?\*\*\*@.?\*\*\*\.[a-z]+$/u);
    expect(column(schema.columns, 'phone_number').confidence).toBeGreaterThan(0.3);
  });

  it('never puts a raw value in its result, only masked examples', async () => {
    const text = await readFile(FIXTURE, 'utf8');
    const schema = await discoverSchema([textSource('clean-rooms-sample.jsonl', text, 4096)]);
    const json = JSON.stringify(schema).toLowerCase();
    const raw = new Set<string>();
    for (const line of text.split('\n').slice(0, 1000)) {
      if (line.trim() === '') continue;
      for (const value of Object.values(JSON.parse(line) as Record<string, unknown>)) {
        if (typeof value !== 'string') continue;
        raw.add(value.toLowerCase());
        raw.add(value.trim().toLowerCase());
        // Parts that would identify someone: an email's local part or domain name, a phone's digits.
        const [local, domain] = value.trim().toLowerCase().split('@');
        if (domain !== undefined && local && local.length >= 3) raw.add(`"${local}`);
        const digits = value.replace(/\D/gu, '');
        if (digits.length >= 7) raw.add(digits);
      }
    }
    for (const value of raw) if (value.length >= 5) expect(json, value).not.toContain(value);
  });
});

describe('discoverSchema reads a bounded sample', () => {
  const bigJsonl = (rows: number): Uint8Array =>
    new TextEncoder().encode(
      jsonl(
        Array.from({ length: rows }, (_, index) => ({
          email: `user${index}@example.com`,
          phone: `+1 613 555 ${String(index % 10000).padStart(4, '0')}`,
        })),
      ),
    );

  it('reads only the first rows of a large file', async () => {
    const bytes = bigJsonl(400_000);
    expect(bytes.byteLength).toBeGreaterThan(20_000_000);
    const source = countingSource(memoryByteSource('big.jsonl', bytes, 64 * 1024));
    const schema = await discoverSchema([source]);
    expect(schema.sampledRows).toBe(1000);
    // Detection's 64 KiB sniff plus the chunks that hold 1,000 rows (~60 KiB).
    expect(source.served()).toBeLessThan(300 * 1024);
  });

  it('stops at maxSampleBytes even when more rows are wanted, and drops the record cut in half', async () => {
    const bytes = bigJsonl(100_000);
    const source = countingSource(memoryByteSource('big.jsonl', bytes, 4096));
    const schema = await discoverSchema([source], { sampleRows: 1_000_000, maxSampleBytes: 50_000 });
    // The sniff, the limit, and the rest of the chunk the limit falls in.
    expect(source.served()).toBeLessThanOrEqual(64 * 1024 + 50_000 + 4096);
    expect(schema.sampledRows).toBeGreaterThan(500);
    expect(schema.malformedRows).toBe(0);
    expect(schema.sampledRows).toBeLessThan(1000);
  });

  it('stops inside a gzip stream without an error', async () => {
    const compressed = new Uint8Array(gzipSync(bigJsonl(200_000)));
    const source = countingSource(memoryByteSource('big.jsonl.gz', compressed, 4096));
    const schema = await discoverSchema([source], { sampleRows: 1_000_000, maxSampleBytes: 20_000 });
    expect(schema.format).toEqual({ format: 'jsonl', compression: 'gzip' });
    expect(schema.sampledRows).toBeGreaterThan(100);
    expect(schema.malformedRows).toBe(0);
    expect(source.served()).toBeLessThan(compressed.byteLength / 4);
  });

  it('reads only the first pages of a large Parquet row group', async () => {
    const rows = 200_000;
    const bytes = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          {
            name: 'email',
            data: Array.from({ length: rows }, (_, index) => `user${index}@example.com`),
            type: 'STRING',
          },
        ],
        pageSize: 16 * 1024,
        rowGroupSize: rows,
      }),
    );
    const source = countingSource(memoryByteSource('big.parquet', bytes));
    const schema = await discoverSchema([source]);
    expect(schema.format).toEqual({ format: 'parquet', compression: 'none' });
    expect(schema.sampledRows).toBe(1000);
    expect(schema.suggestedMapping).toEqual([{ column: 'email', type: 'EMAIL' }]);
    expect(source.served()).toBeLessThan(bytes.byteLength / 4);
  });

  it('samples gzip Parquet larger than maxSampleBytes (it must be decompressed whole)', async () => {
    const emails = Array.from({ length: 20_000 }, (_, index) => `user${index}@example.com`);
    const parquet = parquetWriteBuffer({ columnData: [{ name: 'email', data: emails, type: 'STRING' }] });
    const source = memoryByteSource('x.parquet.gz', new Uint8Array(gzipSync(new Uint8Array(parquet))), 1024);
    const schema = await discoverSchema([source], { maxSampleBytes: 1000, sampleRows: 10 });
    expect(schema.format).toEqual({ format: 'parquet', compression: 'gzip' });
    expect(schema.sampledRows).toBe(10);
  });

  it('does not drop the last record when the file ends exactly at the byte limit', async () => {
    const text = jsonl([{ email: 'a@b.co' }, { email: 'c@d.co' }]);
    const schema = await discoverSchema([textSource('x.jsonl', text, 5)], {
      maxSampleBytes: new TextEncoder().encode(text).byteLength,
    });
    expect(schema.sampledRows).toBe(2);
  });

  it('continues into the next part file when the first has too few rows', async () => {
    const first = textSource('part-0.jsonl', '');
    const second = textSource('part-1.jsonl', jsonl([{ email: 'a@b.co' }, { email: 'c@d.co' }]));
    const third = textSource('part-2.jsonl', jsonl([{ email: 'e@f.co' }, { email: 'g@h.co' }]));
    const schema = await discoverSchema([first, second, third], { sampleRows: 3 });
    expect(schema.sampledRows).toBe(3);
    expect(column(schema.columns, 'email').examples).toEqual(['***@***.co', '***@***.co', '***@***.co']);
  });
});

describe('discoverSchema suggestions and statistics', () => {
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

  it('uses values when the name says nothing, and the name to tell hashed columns and IDFA/GAID apart', async () => {
    const records = Array.from({ length: 50 }, (_, index) => ({
      contact: `person${index}@example.org`,
      device: uuid(index),
      idfa: uuid(index).toUpperCase(),
      gaid: uuid(index),
      hashed_email: sha256(`person${index}@example.org`),
      digest: sha256(`x${index}`),
      advertiser_id: `70${String(index).padStart(17, '7')}`,
      email_opt_in_date: '2024-01-02',
      tel: `+44 20 7946 ${String(index).padStart(4, '0')}`,
    }));
    const schema = await discoverSchema([textSource('x.jsonl', jsonl(records), 512)]);
    const suggested = Object.fromEntries(schema.columns.map((candidate) => [candidate.name, candidate.suggestedType]));
    expect(suggested).toEqual({
      contact: 'EMAIL',
      device: 'MAID',
      idfa: 'IDFA',
      gaid: 'GAID',
      hashed_email: 'EMAIL',
      digest: null,
      advertiser_id: null,
      email_opt_in_date: null,
      tel: 'PHONE',
    });
    expect(column(schema.columns, 'hashed_email').confidence).toBe(1);
    expect(column(schema.columns, 'digest').confidence).toBe(0);
  });

  it('keeps a phone column whose numbers lack a country code, with the low confidence that tells so', async () => {
    const records = Array.from({ length: 20 }, (_, index) => ({
      phone: `020 7946 ${String(index).padStart(4, '0')}`,
      phone_verified: index % 2 === 0,
    }));
    const schema = await discoverSchema([textSource('x.jsonl', jsonl(records))]);
    expect(column(schema.columns, 'phone').suggestedType).toBe('PHONE');
    expect(column(schema.columns, 'phone').confidence).toBe(0);
    expect(column(schema.columns, 'phone_verified').suggestedType).toBeNull();
  });

  it('counts kinds per row (missing keys as null) and fill rate over non-blank values', async () => {
    const records = [
      { value: 'text', other: 1 },
      { value: '   ' },
      { value: 42 },
      { value: 1.5 },
      { value: 2 ** 60 },
      { value: true },
      { value: { nested: 'x' } },
      { value: null },
      { value: ['a'] },
      { value: '' },
    ];
    const schema = await discoverSchema([textSource('x.jsonl', jsonl(records))]);
    const value = column(schema.columns, 'value');
    expect(value.kinds).toEqual({ string: 3, integer: 2, float: 1, boolean: 1, null: 1, object: 2 });
    expect(value.fillRate).toBeCloseTo(7 / 10);
    expect(column(schema.columns, 'other').kinds).toEqual({
      string: 0,
      integer: 1,
      float: 0,
      boolean: 0,
      null: 9,
      object: 0,
    });
    expect(column(schema.columns, 'other').fillRate).toBeCloseTo(0.1);
    expect(value.examples).toHaveLength(3);
  });

  it('describes CSV columns and counts malformed sample rows', async () => {
    const text = 'Email;Phone\r\na@b.co;+1 613 555 0123\r\nbroken row\r\nc@d.co;\r\n';
    const schema = await discoverSchema([textSource('x.csv', text)]);
    expect(schema.format).toEqual({ format: 'csv', compression: 'none', delimiter: ';', hasHeader: true });
    expect(schema.sampledRows).toBe(2);
    expect(schema.malformedRows).toBe(1);
    expect(schema.suggestedMapping).toEqual([
      { column: 'Email', type: 'EMAIL' },
      { column: 'Phone', type: 'PHONE' },
    ]);
    expect(column(schema.columns, 'Phone').fillRate).toBe(0.5);
  });

  it('returns an empty schema for empty input', async () => {
    const schema = await discoverSchema([textSource('empty.jsonl', '')]);
    expect(schema).toEqual({
      format: { format: 'jsonl', compression: 'none' },
      sampledRows: 0,
      malformedRows: 0,
      columns: [],
      suggestedMapping: [],
    });
  });
});
