import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fileByteSource } from '../../../../src/adapters/node/file-byte-source.ts';
import { detectFormat } from '../../../../src/core/readers/detect-format.ts';
import { readAll } from './record-sources.ts';

const fixture = (name: string) =>
  fileByteSource(fileURLToPath(new URL(`../../../fixtures/readers/${name}`, import.meta.url)), name);

describe('reader fixtures on disk', () => {
  it('reads a spreadsheet export: BOM, semicolons, CRLF, a quoted line break, a bad row and a blank line', async () => {
    const source = fixture('excel-semicolon-bom-crlf.csv');
    expect(await detectFormat(source)).toEqual({ format: 'csv', compression: 'none', delimiter: ';', hasHeader: true });
    expect(await readAll(source)).toEqual([
      { 'E-mail': ' Jane.Doe@Example.com ', Phone: '+1 (613) 555-0123', Note: 'two\r\nlines; and a "quote"' },
      { 'E-mail': 'bob@example.org', Phone: '0044 20 7946 0018', Note: '' },
      null,
      { 'E-mail': 'ann@example.net', Phone: '', Note: 'plain' },
    ]);
  });

  it('reads a pretty-printed JSON array with nested objects', async () => {
    const source = fixture('pretty-array.json');
    expect(await detectFormat(source)).toEqual({ format: 'json-array', compression: 'none' });
    expect(await readAll(source)).toEqual([
      {
        email: 'jane.doe@example.com',
        profile: { phones: ['+1 613 555 0123', '+44 20 7946 0018'], note: 'braces } ] and "quotes" in a string' },
      },
      null,
      { email: 'bob@example.org', profile: null },
    ]);
  });
});
