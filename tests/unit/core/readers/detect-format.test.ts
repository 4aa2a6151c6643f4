import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../../../src/core/readers/detect-format.ts';
import { memoryByteSource } from '../../../../src/core/readers/memory-byte-source.ts';
import { UserError } from '../../../../src/core/errors.ts';
import { gzipSource, parquetBytes, textSource } from './record-sources.ts';

describe('detectFormat', () => {
  it.each([
    ['data.jsonl', '{"a":1}\n{"a":2}\n', { format: 'jsonl', compression: 'none' }],
    ['data.json', '  \n [ {"a":1} ]', { format: 'json-array', compression: 'none' }],
    ['no-extension', '{"a":1}', { format: 'jsonl', compression: 'none' }],
    // Content wins over a misleading extension.
    ['data.csv', '[{"a":1}]', { format: 'json-array', compression: 'none' }],
    ['data.csv', 'email,phone\nx,y\n', { format: 'csv', compression: 'none', delimiter: ',', hasHeader: true }],
    ['data.txt', 'email\tphone\nx\ty\n', { format: 'tsv', compression: 'none', delimiter: '\t', hasHeader: true }],
    ['data.csv', 'email;phone;id\nx;y;z\n', { format: 'csv', compression: 'none', delimiter: ';', hasHeader: true }],
    ['data.csv', 'email|phone\nx|y\n', { format: 'csv', compression: 'none', delimiter: '|', hasHeader: true }],
    // Delimiters inside quotes do not count.
    ['data.csv', '"a;b;c;d",e\n', { format: 'csv', compression: 'none', delimiter: ',', hasHeader: true }],
    [
      'data.csv',
      '\uFEFFemail;phone\r\nx;y\r\n',
      { format: 'csv', compression: 'none', delimiter: ';', hasHeader: true },
    ],
    // Blank lines before the header are skipped, as the reader does.
    ['data.csv', '\r\n\r\nemail|phone\r\n', { format: 'csv', compression: 'none', delimiter: '|', hasHeader: true }],
    // One column: the extension decides.
    ['emails.tsv', 'email\nx\n', { format: 'tsv', compression: 'none', delimiter: '\t', hasHeader: true }],
    ['emails.csv', 'email\nx\n', { format: 'csv', compression: 'none', delimiter: ',', hasHeader: true }],
    ['empty.csv', '', { format: 'csv', compression: 'none', delimiter: ',', hasHeader: true }],
    ['empty.jsonl', '', { format: 'jsonl', compression: 'none' }],
  ])('%s %j', async (name, text, expected) => {
    expect(await detectFormat(textSource(name, text))).toEqual(expected);
  });

  it('looks inside gzip, whatever the name says', async () => {
    expect(await detectFormat(gzipSource('part-0.gz', '{"a":1}\n'))).toEqual({ format: 'jsonl', compression: 'gzip' });
    expect(await detectFormat(gzipSource('x.csv.gz', 'a;b\n1;2\n'))).toEqual({
      format: 'csv',
      compression: 'gzip',
      delimiter: ';',
      hasHeader: true,
    });
    expect(await detectFormat(gzipSource('x.json.gz', '[{"a":1}]'))).toEqual({
      format: 'json-array',
      compression: 'gzip',
    });
    const parquet = parquetBytes([{ name: 'a', data: ['x'], type: 'STRING' }]);
    expect(await detectFormat(gzipSource('x.parquet.gz', parquet))).toEqual({ format: 'parquet', compression: 'gzip' });
  });

  it('recognizes Parquet by its PAR1 magic, not its name', async () => {
    const parquet = parquetBytes([{ name: 'a', data: ['x'], type: 'STRING' }]);
    expect(await detectFormat(memoryByteSource('part-00000', parquet))).toEqual({
      format: 'parquet',
      compression: 'none',
    });
  });

  it.each([
    ['book.xlsx', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), /ZIP archive/],
    ['image.bin', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]), /binary/],
    ['utf16.csv', new Uint8Array([0xff, 0xfe, 0x61, 0x00]), /UTF-16/],
    ['fake.parquet', new TextEncoder().encode('email\nx\n'), /not a Parquet file/],
    ['fake.csv.gz', new TextEncoder().encode('email\nx\n'), /not gzip-compressed/],
    ['pretty.json', new TextEncoder().encode('{\n  "email": "a@b.co"\n}\n'), /spread over several lines/],
    ['broken.gz', new Uint8Array([0x1f, 0x8b, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0]), /could not be decompressed/],
  ])('rejects %s with a user error naming the file and the supported formats', async (name, bytes, detail) => {
    const error: unknown = await detectFormat(memoryByteSource(name, bytes)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    const userError = error as UserError;
    expect(userError.code).toBe('unsupported_format');
    expect(userError.detail).toContain(`"${name}"`);
    expect(userError.detail).toMatch(detail);
    expect(userError.detail).toContain('JSON Lines');
    expect(userError.detail).toContain('Parquet');
    expect(userError.resolution).not.toBe('');
  });
});
