import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { writeDigestLine, writeHexDigest } from '../../../../src/core/transform/digest-lines.ts';
import { linesPerPartition, partitionFileName } from '../../../../src/core/transform/partition-names.ts';
import { csvField, formatRejectRow, REJECTS_HEADER } from '../../../../src/core/transform/rejects-csv.ts';

describe('digest lines', () => {
  it('writes each digest as 64 lowercase hex characters and \\n', () => {
    const digests = ['a', 'b', 'c'].map((text) => createHash('sha256').update(text).digest());
    const packed = new Uint8Array(Buffer.concat(digests));
    // Two lines from digests 1 and 2, the second at an odd offset (the stores are unaligned).
    const out = new Uint8Array(2 * 65);
    const view = new DataView(out.buffer);
    writeDigestLine(packed, 32, view, 0);
    writeDigestLine(packed, 64, view, 65);
    const lines = Buffer.from(out).toString('latin1');
    expect(lines).toBe(`${digests[1]?.toString('hex')}\n${digests[2]?.toString('hex')}\n`);
  });

  it('reads a pre-hashed value in either case back to its 32 bytes', () => {
    const hex = createHash('sha256').update('x').digest('hex');
    const target = new Uint8Array(40);
    writeHexDigest(hex.toUpperCase(), target, 8);
    expect(Buffer.from(target.subarray(8)).toString('hex')).toBe(hex);
  });

  it('names partitions in order and fits whole lines into the size limit', () => {
    expect(partitionFileName(0)).toBe('part-00000.csv');
    expect(partitionFileName(123)).toBe('part-00123.csv');
    expect(linesPerPartition(50 * 1024 * 1024)).toBe(Math.floor((50 * 1024 * 1024) / 65));
    expect(linesPerPartition(130)).toBe(2);
    expect(() => linesPerPartition(64)).toThrow(RangeError);
  });
});

describe('rejects.csv rows', () => {
  it('has the contract header and quotes names that need it', () => {
    expect(REJECTS_HEADER).toBe('record_number,source,column,identifier_type,reason\n');
    expect(
      formatRejectRow({
        recordNumber: 7,
        source: 'a,b.csv',
        column: 'e"mail',
        identifierType: 'EMAIL',
        reason: 'invalid_email',
      }),
    ).toBe('7,"a,b.csv","e""mail",EMAIL,invalid_email\n');
    expect(csvField('plain')).toBe('plain');
  });
});
