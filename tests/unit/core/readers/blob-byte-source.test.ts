import { describe, expect, it } from 'vitest';
import { blobByteSource } from '../../../../src/core/readers/blob-byte-source.ts';
import { discoverSchema } from '../../../../src/core/schema/discover-schema.ts';
import { readAll, parquetBytes } from './record-sources.ts';

describe('blobByteSource', () => {
  it('reads a browser-style File through the same readers', async () => {
    const file = new File(['email;phone\r\na@b.co;+1 613 555 0123\r\n'], 'audience.csv');
    const source = blobByteSource(file);
    expect(source.name).toBe('audience.csv');
    expect(await readAll(source)).toEqual([{ email: 'a@b.co', phone: '+1 613 555 0123' }]);
    expect((await discoverSchema([source])).suggestedMapping).toEqual([
      { column: 'email', type: 'EMAIL' },
      { column: 'phone', type: 'PHONE' },
    ]);
  });

  it('serves ranges for Parquet', async () => {
    const bytes = parquetBytes([{ name: 'email', data: ['a@b.co', 'c@d.co'], type: 'STRING' }]);
    const source = blobByteSource(new Blob([bytes.slice().buffer as ArrayBuffer]), 'x.parquet');
    expect(await readAll(source)).toEqual([{ email: 'a@b.co' }, { email: 'c@d.co' }]);
  });
});
