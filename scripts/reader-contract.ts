/**
 * The reader contract both engines keep: inputs, and what the TypeScript readers make of them
 * (format detection, then every record's cells as the normalizer receives them). Written to
 * tests/fixtures/reader-contract.jsonl by scripts/generate-reader-contract.ts; the vitest suite checks
 * the committed file still matches, and tests/glue/test_reader_contract.py runs the Glue job's
 * readers on the same inputs. A divergence becomes a case here.
 */
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { isUserError } from '../src/core/errors.ts';
import { rules } from '../src/core/identifiers/rules.ts';
import { maskIdentifier } from '../src/core/identifiers/mask-identifier.ts';
import { spreadsheetSafe } from '../src/core/transform/rejects-csv.ts';
import { detectFormat } from '../src/core/readers/detect-format.ts';
import { looksLikeIdentifier, displayColumnName, type HeaderMode } from '../src/core/readers/detect-header.ts';
import { memoryByteSource } from '../src/core/readers/memory-byte-source.ts';
import { readRecords } from '../src/core/readers/read-records.ts';

export const READER_CONTRACT_PATH = 'tests/fixtures/reader-contract.jsonl';

interface ReaderCase {
  id: string;
  /** The file name (the extension is a tie-breaker of detection). */
  name: string;
  bytes: Uint8Array;
  header?: HeaderMode;
}

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const gzip = (value: Uint8Array | string): Uint8Array =>
  new Uint8Array(gzipSync(typeof value === 'string' ? text(value) : value));

/** A CSV larger than the 64 KiB format sniff, so the header decision sees a cut last row. */
function longCsv(): string {
  const rows = ['7,1'];
  for (let index = 0; rows.join('\n').length < 70 * 1024; index++) rows.push(`${1000 + index},${index % 7}`);
  return `${rows.join('\n')}\n`;
}

const CASES: ReaderCase[] = [
  // CSV / TSV with a header row
  { id: 'csv-crlf-quoted-line-break', name: 'a.csv', bytes: text('a,b\r\n1,2\r\n"x\ny",3\n') },
  {
    id: 'csv-doubled-quote-stray-text-unterminated',
    name: 'a.csv',
    bytes: text('a,b\n"q""uote"tail,2\n"unterminated,3\n'),
  },
  { id: 'csv-lone-cr-blank-and-space-lines', name: 'a.csv', bytes: text('a,b\n1\r2,3\n\n  \n4,5') },
  { id: 'csv-header-names-trimmed-blank-repeated', name: 'a.csv', bytes: text(' a , ,a\n1,2,3\n') },
  { id: 'csv-semicolon-quoted-delimiter', name: 'a.csv', bytes: text('a;b\n"1;2";3\n') },
  { id: 'csv-leading-blank-lines', name: 'a.csv', bytes: text('\n\n  \nemail;phone\n a@b.co ;+1 613 555 0123\n') },
  { id: 'csv-bom-leading-blank-lines-pipe', name: 'a.csv', bytes: text('\uFEFF\r\n\r\nemail|phone\r\nx|y\r\n') },
  { id: 'csv-prototype-member-columns', name: 'p.csv', bytes: text('constructor,toString,__proto__\nx@y.co,2,3\n') },
  { id: 'csv-id-column-is-a-header', name: 'h.csv', bytes: text('id,name\n1,Alice\n2,Bob\n') },
  { id: 'csv-header-above-emails', name: 'h.csv', bytes: text('email\nalice@example.com\n') },
  { id: 'csv-only-text-keeps-header', name: 'h.csv', bytes: text('Alice,Paris\nBob,Rome\n') },
  // Headerless: the first row is a record
  { id: 'csv-headerless-bare-emails', name: 'emails.csv', bytes: text('alice@example.com\nbob@example.org\n') },
  { id: 'csv-headerless-phones-and-names', name: 'p.csv', bytes: text('+1 613 555 0123,Ann\n+44 20 7946 0958,Bo\n') },
  {
    id: 'tsv-headerless-device-ids',
    name: 'd.tsv',
    bytes: text('918F1D4F-D195-4A8B-AF47-44683FE11DB9\tx\n3f097372f01e4b64984c395ae5828ee6\ty\n'),
  },
  { id: 'csv-headerless-by-shape', name: 'n.csv', bytes: text('1,Alice\n2,Bob\n') },
  { id: 'csv-headerless-prehashed', name: 'h.csv', bytes: text(`${'a'.repeat(64)}\n${'b'.repeat(64)}\n`) },
  { id: 'csv-headerless-gzip', name: 'e.csv.gz', bytes: gzip('alice@example.com;1\nbob@example.org;2\n') },
  { id: 'csv-headerless-past-the-sniff', name: 'long.csv', bytes: text(longCsv()) },
  { id: 'csv-headerless-past-the-sniff-gzip', name: 'long.csv.gz', bytes: gzip(longCsv()) },
  {
    id: 'csv-header-present-forced',
    name: 'emails.csv',
    bytes: text('alice@example.com\nbob@example.org\n'),
    header: 'present',
  },
  { id: 'csv-header-absent-forced', name: 'h.csv', bytes: text('email\nalice@example.com\n'), header: 'absent' },
  { id: 'csv-header-absent-wrong-width', name: 'h.csv', bytes: text('a,b\n1\n2,3\n'), header: 'absent' },
  // JSON arrays
  { id: 'json-array-non-objects', name: 'a.json', bytes: text('[{"a":1},{"a":"x"},2,{"a":[1]}]') },
  { id: 'json-array-trailing-comma', name: 'a.json', bytes: text('[{"a":1},]') },
  { id: 'json-array-empty-element', name: 'a.json', bytes: text('[,]') },
  { id: 'json-array-escaped-bracket-unfinished', name: 'a.json', bytes: text('[{"a":"\\"]"},{"b":2}') },
  { id: 'json-array-empty', name: 'a.json', bytes: text('[]') },
  { id: 'json-array-cut-short', name: 'a.json', bytes: text('[{"a":1}, {"a":') },
  {
    id: 'json-two-concatenated-arrays',
    name: 'a.json',
    bytes: text('[{"email":"a@b.co"}]\n[{"email":"c@d.co"},{"email":"e@f.co"}]\n'),
  },
  { id: 'json-array-then-text', name: 'a.json', bytes: text('[{"a":1}] trailing') },
  { id: 'json-not-an-array', name: 'a.json', bytes: text('  "just a string"') },
  { id: 'json-pretty-printed-object', name: 'o.json', bytes: text('{\n  "email": "a@b.co"\n}\n') },
  {
    id: 'json-pretty-printed-objects-jsonl',
    name: 'o.jsonl',
    bytes: text('{\n  "email": "a@b.co"\n}\n{\n  "email": "c@d.co"\n}\n'),
  },
  // JSON Lines
  {
    id: 'jsonl-mixed',
    name: 'a.jsonl',
    bytes: text(
      '{"a":1}\r\n\n \u00a0\n[1]\n{"a":"\\u2028"}\n{bad\n"s"\n{"a":NaN}\n{"a":1e400}\n{"a":9007199254740993}\n{"a":1.5,"b":true,"c":null}',
    ),
  },
  {
    id: 'jsonl-prototype-member-keys',
    name: 'p.jsonl',
    bytes: text('{"constructor":"a@b.co","__proto__":"x","toString":1}\n{"email":"y"}\n'),
  },
  { id: 'jsonl-nfkc-and-invisible', name: 'u.jsonl', bytes: text('{"e":"\uFF2A\u200Bane@example.com"}\n') },
  { id: 'jsonl-gzip-bom', name: 'a.jsonl.gz', bytes: gzip('\uFEFF{"a":"x"}\n{"a":2}\n') },
  // Parquet
  {
    id: 'parquet-byte-array-without-utf8',
    name: 'b.parquet',
    bytes: new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'email', data: [text('a@b.co'), text('c@d.co'), null], type: 'BYTE_ARRAY', nullable: true },
          { name: 'phone', data: [16135550123n, 1n, null], type: 'INT64', nullable: true },
        ],
      }),
    ),
  },
  {
    id: 'parquet-prototype-member-columns',
    name: 'p.parquet',
    bytes: new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'constructor', data: ['a@b.co', 'x'], type: 'STRING' },
          { name: 'toString', data: ['1', '2'], type: 'STRING' },
          { name: '__proto__', data: ['p', 'q'], type: 'STRING' },
        ],
      }),
    ),
  },
];

/** Column names and other texts: whether each is an identifier, and how it is shown. */
const DISPLAY_TEXTS = [
  'email',
  'column_1',
  'alice@example.com',
  'ab@cd.io',
  '+1 613 555 0123',
  '6135550123',
  '12345',
  '1234',
  '12345678',
  '𝐚𝐛𝐜𝐝𝐞𝐟𝐠𝐡',
  '=HYPERLINK("x")',
  'mobile_advertiser_id',
  '918F1D4F-D195-4A8B-AF47-44683FE11DB9',
  'a'.repeat(64),
  '  jane.doe@example.com ',
  'é@exämple.com',
];

type Cell = [kind: 't' | 'n' | 'x', text: string | null];

const NEEDS_UNICODE_WORK = /[^\x20-\x7e]/u;
const INVISIBLE = new RegExp(rules.invisibleClass, 'gu');

/** A cell as the normalizer receives it (normalization.md steps 2–3 before the edge trim): kind and text. */
function cellOf(value: unknown): Cell {
  if (value === null || value === undefined) return ['n', null];
  let cellText: string;
  if (typeof value === 'string') cellText = value;
  else if (typeof value === 'number' && Number.isFinite(value) && Number.isInteger(value))
    cellText = BigInt(value).toString();
  else if (typeof value === 'bigint') cellText = value.toString();
  else return ['x', null];
  if (NEEDS_UNICODE_WORK.test(cellText)) cellText = cellText.normalize('NFKC').replace(INVISIBLE, '');
  return ['t', cellText];
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** The fixture's lines, computed by running the TypeScript readers now. */
export async function readerContractLines(): Promise<string[]> {
  const lines: string[] = [];
  for (const entry of CASES) {
    const source = memoryByteSource(entry.name, entry.bytes, 4096);
    const line: Record<string, unknown> = { id: entry.id, name: entry.name, base64: base64(entry.bytes) };
    if (entry.header) line.header = entry.header;
    try {
      const format = await detectFormat(source, entry.header ? { header: entry.header } : {});
      const records: Array<Record<string, Cell> | null> = [];
      for await (const batch of readRecords(source, { format })) {
        for (const record of batch.records) {
          records.push(
            record === null
              ? null
              : Object.fromEntries(Object.keys(record).map((key) => [key, cellOf(record[key])] as const)),
          );
        }
      }
      line.format = format;
      line.records = records;
    } catch (error) {
      if (!isUserError(error)) throw error;
      line.error = error.code;
    }
    lines.push(JSON.stringify(line));
  }
  for (const value of DISPLAY_TEXTS) {
    lines.push(
      JSON.stringify({
        id: `display:${value.trim()}`,
        text: value,
        identifier: looksLikeIdentifier(value),
        shown: displayColumnName(value),
        masked: maskIdentifier(value),
      }),
    );
  }
  for (const cell of SPREADSHEET_CELLS) {
    lines.push(JSON.stringify({ id: `rejects-cell:${JSON.stringify(cell)}`, cell, safe: spreadsheetSafe(cell) }));
  }
  return lines;
}

/** File and column names as rejects.csv writes them (before CSV quoting). */
const SPREADSHEET_CELLS = ['=1+1', '+x', '-x', '@x', '\tx', '\rx', 'in/=x.csv', 'email', ''];
