import { describe, expect, it } from 'vitest';
import { readRecords } from '../../../../src/core/readers/read-records.ts';
import { memoryByteSource } from '../../../../src/core/readers/memory-byte-source.ts';
import { UserError } from '../../../../src/core/errors.ts';
import { gzipSource, readAll, readAllBatches, textSource } from './record-sources.ts';

describe('readRecords: JSON Lines', () => {
  it('reads objects, skips blank lines and marks bad lines as malformed (null)', async () => {
    const text = '{"email":"a@b.co"}\n\n   \n{"email":"c@d.co","n":1}\r\n{not json\n[1,2]\n"text"\nnull\n{"last":true}';
    expect(await readAll(textSource('x.jsonl', text))).toEqual([
      { email: 'a@b.co' },
      { email: 'c@d.co', n: 1 },
      null,
      null,
      null,
      null,
      { last: true },
    ]);
  });

  it('numbers records from 1 per source, across batches, and reports bytes read', async () => {
    const lines = Array.from({ length: 10 }, (_, index) => JSON.stringify({ index }));
    const text = `${lines.slice(0, 5).join('\n')}\n\n${lines.slice(5).join('\n')}\n`;
    const batches = await readAllBatches(textSource('x.jsonl', text, 16), { batchSize: 3 });
    expect(batches.map((batch) => [batch.firstRecordNumber, batch.records.length])).toEqual([
      [1, 3],
      [4, 3],
      [7, 3],
      [10, 1],
    ]);
    expect(batches.every((batch) => batch.source === 'x.jsonl')).toBe(true);
    expect(batches.flatMap((batch) => batch.records)).toEqual(lines.map((line) => JSON.parse(line)));
    const progress = batches.map((batch) => batch.bytesRead);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(new TextEncoder().encode(text).byteLength);
  });

  it('keeps multi-byte characters split across chunks intact and drops a BOM', async () => {
    const text = '\uFEFF{"name":"Zoë 😀 Ünïcödé"}\n{"name":"日本語"}\n';
    expect(await readAll(textSource('x.jsonl', text, 1))).toEqual([{ name: 'Zoë 😀 Ünïcödé' }, { name: '日本語' }]);
  });

  it('reads an empty file as no records', async () => {
    expect(await readAll(textSource('empty.jsonl', ''))).toEqual([]);
    expect(await readAll(textSource('blank.jsonl', '\n\n \n'))).toEqual([]);
  });
});

describe('readRecords: JSON array', () => {
  it('streams elements with nested objects, arrays and tricky strings', async () => {
    const records = [
      { email: 'a@b.co', nested: { list: [1, [2, { deep: ']' }]], text: 'has } and ] and , inside' } },
      { email: 'quote "escaped" \\ backslash \\"', tags: ['x', 'y'] },
      {},
      { unicode: 'é😀\u2028' },
    ];
    const text = JSON.stringify(records, null, 2);
    for (const chunkSize of [1, 3, 64, 100_000]) {
      expect(await readAll(textSource('x.json', text, chunkSize))).toEqual(records);
    }
  });

  it('marks non-object elements and a cut-off last element as malformed', async () => {
    expect(await readAll(textSource('x.json', '[{"a":1}, 42, "s", null, [1], {"b":2}]'))).toEqual([
      { a: 1 },
      null,
      null,
      null,
      null,
      { b: 2 },
    ]);
    expect(await readAll(textSource('x.json', '[{"a":1},{"b":'))).toEqual([{ a: 1 }, null]);
    expect(await readAll(textSource('x.json', '[{"a":1},,{"b":2},]'))).toEqual([{ a: 1 }, null, { b: 2 }]);
  });

  it('reads arrays written one after another, and counts trailing text as one malformed record', async () => {
    expect(await readAll(textSource('x.json', '[{"a":1}]\n[{"b":2},{"c":3}]\n'))).toEqual([
      { a: 1 },
      { b: 2 },
      { c: 3 },
    ]);
    expect(await readAll(textSource('x.json', '[{"a":1}] trailing {"b":2}'))).toEqual([{ a: 1 }, null]);
  });

  it('reads an empty array as no records', async () => {
    expect(await readAll(textSource('x.json', ' [ ] '))).toEqual([]);
  });

  it('never holds more than one element: a large array arrives in many batches', async () => {
    const count = 20_000;
    const text = `[${Array.from({ length: count }, (_, index) => JSON.stringify({ index, email: `u${index}@x.co` })).join(',')}]`;
    const batches = await readAllBatches(memoryByteSource('big.json', new TextEncoder().encode(text), 4096), {
      batchSize: 1000,
    });
    expect(batches).toHaveLength(20);
    expect(batches[19]?.firstRecordNumber).toBe(19_001);
    expect(batches[19]?.records.at(-1)).toEqual({ index: count - 1, email: `u${count - 1}@x.co` });
  });
});

describe('readRecords: CSV and TSV', () => {
  it('reads quotes, doubled quotes, embedded delimiters and newlines, CRLF and a BOM', async () => {
    const text = '\uFEFFemail,name,note\r\na@b.co,"Doe, Jane","line one\r\nline two"\r\n"c@d.co","say ""hi""",\r\n';
    for (const chunkSize of [1, 2, 5, 1000]) {
      expect(await readAll(textSource('x.csv', text, chunkSize))).toEqual([
        { email: 'a@b.co', name: 'Doe, Jane', note: 'line one\r\nline two' },
        { email: 'c@d.co', name: 'say "hi"', note: '' },
      ]);
    }
  });

  it('marks rows with the wrong number of fields as malformed and skips blank lines', async () => {
    const text = 'email,phone\na@b.co,1\nonly-one\n\na@b.co,1,extra\n"x@y.co","2"\nlast,row';
    expect(await readAll(textSource('x.csv', text))).toEqual([
      { email: 'a@b.co', phone: '1' },
      null,
      null,
      { email: 'x@y.co', phone: '2' },
      { email: 'last', phone: 'row' },
    ]);
  });

  it('detects TSV, semicolon and pipe delimiters; cells stay strings', async () => {
    expect(await readAll(textSource('x.tsv', 'email\tphone\na@b.co\t0044 20 7946 0958\n'))).toEqual([
      { email: 'a@b.co', phone: '0044 20 7946 0958' },
    ]);
    expect(await readAll(textSource('x.csv', 'email;phone;age\na@b.co;+33 1 23;42\n'))).toEqual([
      { email: 'a@b.co', phone: '+33 1 23', age: '42' },
    ]);
    expect(await readAll(textSource('x.txt', 'email|phone\na@b.co|1\n'))).toEqual([{ email: 'a@b.co', phone: '1' }]);
  });

  it('names blank and repeated header cells so no column is lost', async () => {
    expect(await readAll(textSource('x.csv', ' email ,,email\na,b,c\n'))).toEqual([
      { email: 'a', column_2: 'b', email_2: 'c' },
    ]);
  });

  it('keeps a column named __proto__ as an ordinary column', async () => {
    const [record] = await readAll(textSource('x.csv', '__proto__,email\nx,a@b.co\n'));
    expect(Object.keys(record ?? {})).toEqual(['__proto__', 'email']);
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
  });

  it('reads a header-only or empty file as no records', async () => {
    expect(await readAll(textSource('x.csv', 'email,phone\r\n'))).toEqual([]);
    expect(await readAll(textSource('x.csv', ''))).toEqual([]);
  });

  it('keeps an unterminated quote at the end of the file as the last cell', async () => {
    expect(await readAll(textSource('x.csv', 'a,b\n1,"open\nstill open'))).toEqual([{ a: '1', b: 'open\nstill open' }]);
  });
});

describe('readRecords: gzip', () => {
  it('reads gzip of JSON Lines, JSON array and CSV, counting compressed bytes', async () => {
    const expected = [{ email: 'a@b.co' }, { email: 'c@d.co' }];
    expect(await readAll(gzipSource('x.jsonl.gz', '{"email":"a@b.co"}\n{"email":"c@d.co"}\n'))).toEqual(expected);
    expect(await readAll(gzipSource('x.json.gz', '[{"email":"a@b.co"},{"email":"c@d.co"}]'))).toEqual(expected);
    expect(await readAll(gzipSource('x.csv.gz', 'email\r\na@b.co\r\nc@d.co\r\n'))).toEqual(expected);
    const source = gzipSource('x.jsonl.gz', '{"email":"a@b.co"}\n');
    const batches = await readAllBatches(source);
    expect(batches.at(-1)?.bytesRead).toBe(await source.size());
  });

  it('reads concatenated gzip members (as `cat a.gz b.gz` makes)', async () => {
    const first = await gzipSource('a', '{"n":1}\n').readRange(0, 1e6);
    const second = await gzipSource('b', '{"n":2}\n').readRange(0, 1e6);
    const both = new Uint8Array([...first, ...second]);
    expect(await readAll(memoryByteSource('both.jsonl.gz', both, 3))).toEqual([{ n: 1 }, { n: 2 }]);
  });
});

describe('readRecords: cancellation', () => {
  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    const text = Array.from({ length: 1000 }, (_, index) => JSON.stringify({ index })).join('\n');
    const seen: number[] = [];
    const reading = (async () => {
      for await (const batch of readRecords(textSource('x.jsonl', text, 64), {
        batchSize: 10,
        signal: controller.signal,
      })) {
        seen.push(batch.firstRecordNumber);
        if (seen.length === 2) controller.abort();
      }
    })();
    await expect(reading).rejects.toThrow();
    expect(seen.length).toBeLessThan(100);
  });
});

describe('readRecords: limit', () => {
  it('stops after `limit` records, in every format', async () => {
    const records = Array.from({ length: 50 }, (_, index) => ({ n: String(index) }));
    const jsonl = records.map((record) => JSON.stringify(record)).join('\n');
    const csv = `n\n${records.map((record) => record.n).join('\n')}\n`;
    for (const source of [
      textSource('x.jsonl', jsonl),
      textSource('x.json', JSON.stringify(records)),
      textSource('x.csv', csv),
    ]) {
      const batches = await readAllBatches(source, { limit: 7, batchSize: 3 });
      expect(batches.flatMap((batch) => batch.records)).toEqual(records.slice(0, 7));
      expect(batches.map((batch) => batch.firstRecordNumber)).toEqual([1, 4, 7]);
    }
  });
});

describe('readRecords: records that never end', () => {
  it.each([
    ['x.jsonl', `{"a":1}\n{"a":"${'x'.repeat(5000)}`],
    ['x.json', `[{"a":1},{"a":"${'x'.repeat(5000)}`],
    ['x.csv', `a,b\n1,2\n"${'x'.repeat(5000)}`],
  ])('%s: stops with record_too_large instead of growing without bound', async (name, text) => {
    const error: unknown = await readAll(textSource(name, text, 256), { maxRecordChars: 1000 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('record_too_large');
    expect((error as UserError).detail).toContain(`"${name}": record 2 `);
  });
});
