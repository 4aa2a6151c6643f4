import { describe, expect, it } from 'vitest';
import { firstRowLooksLikeData, looksLikeIdentifier } from '../../../../src/core/readers/detect-header.ts';
import { detectFormat } from '../../../../src/core/readers/detect-format.ts';
import { readAllBatches, textSource } from './record-sources.ts';

describe('headerless CSV/TSV', () => {
  it.each([
    [[['alice@example.com'], ['bob@example.org']], true],
    [[['+1 613 555 0123', 'Ann']], true],
    [[['918f1d4f-d195-4a8b-af47-44683fe11db9']], true],
    [[['a'.repeat(64)]], true],
    [
      [
        ['1', 'Alice'],
        ['2', 'Bob'],
      ],
      true,
    ],
    [
      [
        ['2024-01-05', 'x'],
        ['2024-02-01', 'y'],
      ],
      true,
    ],
    [
      [
        ['id', 'name'],
        ['1', 'Alice'],
      ],
      false,
    ],
    [
      [
        ['email', 'phone'],
        ['a@b.co', '+1 613 555 0123'],
      ],
      false,
    ],
    [
      [
        ['1', 'id'],
        ['2', '3'],
      ],
      false,
    ],
    [
      [
        ['Alice', 'Paris'],
        ['Bob', 'Rome'],
      ],
      false,
    ],
    [[['email']], false],
    [[], false],
  ])('rows %j: first row is data → %s', (rows, data) => {
    expect(firstRowLooksLikeData(rows)).toBe(data);
  });

  it('column names are not identifiers', () => {
    for (const name of ['email', 'e-mail', 'phone_number', 'mobile_advertiser_id', 'column_1', 'idfa', '12345'])
      expect(looksLikeIdentifier(name)).toBe(false);
  });

  it('reads a file of bare emails with its first row as record 1, in columns column_1…', async () => {
    const source = textSource('emails.csv', 'alice@example.com;1\nbob@example.org;2\n\ncarol@example.net;3\n');
    expect(await detectFormat(source)).toEqual({
      format: 'csv',
      compression: 'none',
      delimiter: ';',
      hasHeader: false,
    });
    const batches = await readAllBatches(source);
    expect(batches.map((batch) => batch.firstRecordNumber)).toEqual([1]);
    expect(batches.flatMap((batch) => batch.records)).toEqual([
      { column_1: 'alice@example.com', column_2: '1' },
      { column_1: 'bob@example.org', column_2: '2' },
      { column_1: 'carol@example.net', column_2: '3' },
    ]);
  });

  it('--header overrides the decision either way', async () => {
    const emails = textSource('emails.csv', 'alice@example.com\nbob@example.org\n');
    expect((await readAllBatches(emails, { header: 'present' })).flatMap((batch) => batch.records)).toEqual([
      { 'alice@example.com': 'bob@example.org' },
    ]);
    const named = textSource('named.csv', 'email\nbob@example.org\n');
    expect((await readAllBatches(named, { header: 'absent' })).flatMap((batch) => batch.records)).toEqual([
      { column_1: 'email' },
      { column_1: 'bob@example.org' },
    ]);
  });

  it('skips white-space-only lines before the first row (the header then is the real one)', async () => {
    const source = textSource('x.csv', '\n  \n\t\nemail;phone\na@b.co;1\n');
    expect((await readAllBatches(source)).flatMap((batch) => batch.records)).toEqual([{ email: 'a@b.co', phone: '1' }]);
  });
});
