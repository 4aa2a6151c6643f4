import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalInputs } from '../../../../src/adapters/node/local-inputs.ts';
import { readRecords } from '../../../../src/core/readers/read-records.ts';
import {
  normalizeIdentifier,
  DEFAULT_NORMALIZE_OPTIONS,
  type IdentifierType,
} from '../../../../src/core/identifiers/index.ts';
import { parquetBytes } from './record-sources.ts';

const MAPPING: Array<[string, IdentifierType]> = [
  ['e-mail', 'EMAIL'],
  ['phone_number', 'PHONE'],
  ['mobile_advertiser_id', 'MAID'],
];

let root: string;
let rows: Array<Record<string, unknown>>;

/** CSV written independently of the reader: every cell quoted, quotes doubled, CRLF. */
function toCsv(records: Array<Record<string, unknown>>, delimiter: string): string {
  const columns = Object.keys(records[0] ?? {});
  const cell = (value: unknown) => `"${String(value).replaceAll('"', '""')}"`;
  return (
    [
      columns.map(cell).join(delimiter),
      ...records.map((record) => columns.map((column) => cell(record[column])).join(delimiter)),
    ].join('\r\n') + '\r\n'
  );
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'same-records-'));
  const text = await readFile(new URL('../../../fixtures/clean-rooms-sample.jsonl', import.meta.url), 'utf8');
  rows = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const parquet = parquetBytes(
    [
      { name: 'age', data: rows.map((row) => row.age as number), type: 'INT32' },
      ...MAPPING.map(([column]) => ({
        name: column,
        data: rows.map((row) => row[column] as string),
        type: 'STRING' as const,
      })),
    ],
    1000,
  );
  const files: Record<string, string | Uint8Array> = {
    'sample.jsonl': text,
    'sample.json': JSON.stringify(rows, null, 1),
    'sample.csv': toCsv(rows, ','),
    'sample.tsv': toCsv(rows, '\t'),
    'sample.parquet': parquet,
  };
  for (const [name, content] of Object.entries(files)) {
    await writeFile(path.join(root, name), content);
    await writeFile(path.join(root, `${name}.gz`), gzipSync(content));
  }
  // The same rows as a folder of JSON Lines part files, as Clean Rooms writes them.
  await mkdir(path.join(root, 'parts'));
  for (let part = 0; part * 1000 < rows.length; part++) {
    const slice = rows.slice(part * 1000, (part + 1) * 1000);
    await writeFile(
      path.join(root, 'parts', `part-${String(part).padStart(5, '0')}.jsonl.gz`),
      gzipSync(slice.map((row) => JSON.stringify(row)).join('\n')),
    );
  }
  await writeFile(path.join(root, 'parts', '_SUCCESS'), '');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every mapped cell of every record, normalized: what the transform would hash. */
async function normalizedValues(input: string): Promise<string[]> {
  const out: string[] = [];
  for (const source of await openLocalInputs([path.join(root, input)])) {
    for await (const batch of readRecords(source, { batchSize: 700 })) {
      for (const record of batch.records) {
        for (const [column, type] of MAPPING) {
          const result = normalizeIdentifier(type, record?.[column], DEFAULT_NORMALIZE_OPTIONS);
          out.push(
            result.status === 'ok' || result.status === 'prehashed'
              ? result.normalized
              : result.status === 'rejected'
                ? `rejected:${result.reason}`
                : 'empty',
          );
        }
      }
    }
  }
  return out;
}

describe('the same records in every format', () => {
  let expected: Promise<string[]> | undefined;
  it.each([
    'sample.json',
    'sample.csv',
    'sample.tsv',
    'sample.parquet',
    'sample.jsonl.gz',
    'sample.json.gz',
    'sample.csv.gz',
    'sample.tsv.gz',
    'sample.parquet.gz',
    'parts',
  ])('%s gives the same normalized values as the JSON Lines file', async (input) => {
    expected ??= normalizedValues('sample.jsonl');
    const reference = await expected;
    expect(reference).toHaveLength(rows.length * MAPPING.length);
    expect(reference.filter((value) => !value.startsWith('rejected') && value !== 'empty').length).toBeGreaterThan(
      rows.length,
    );
    expect(await normalizedValues(input)).toEqual(reference);
  });
});
