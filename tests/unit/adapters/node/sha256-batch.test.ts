import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256Batch } from '../../../../src/adapters/node/transform/sha256-batch.ts';
import { JSON_LINE_SCAN_WASM_BASE64 } from '../../../../src/adapters/node/transform/json-line-scan-wasm.ts';
import { SHA256_X4_WASM_BASE64 } from '../../../../src/adapters/node/transform/sha256-x4-wasm.ts';
import { compileWat } from '../../../../scripts/build-wasm.mjs';
import { seededRandomForTest } from '../../../helpers/test-seed.ts';

// The reference for every expectation: node:crypto (OpenSSL), never the code under test.
const reference = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function hashAll(batch: Sha256Batch, texts: readonly string[]): string[] {
  const target = Buffer.alloc(texts.length * 32);
  texts.forEach((text, index) => batch.hashInto(text, target, index * 32));
  batch.flush();
  return texts.map((_text, index) => target.subarray(index * 32, index * 32 + 32).toString('hex'));
}

/** Characters of every UTF-8 length, including a surrogate pair's halves on their own. */
const ALPHABET = [
  ...'abcxyzABCXYZ0189@.+-_ ~',
  '\u0000',
  '\u007f',
  'é',
  'ß',
  '\u00a0',
  'ж',
  'ǅ',
  '中',
  '\u200b',
  '\uffff',
  '😀',
  '\ud800',
  '\udfff',
];

describe('Sha256Batch: SHA-256 in SIMD batches (sha256-x4.wat)', () => {
  it('gives the FIPS 180-4 example digests (one block, and two blocks through node:crypto)', () => {
    expect(hashAll(new Sha256Batch(), ['abc', '', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'])).toEqual(
      [
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
      ],
    );
  });

  it('matches node:crypto at every length around the one-block limit (55 UTF-8 bytes), ASCII and not', () => {
    const texts: string[] = [];
    for (let length = 0; length <= 70; length += 1) {
      texts.push('a'.repeat(length));
      // 2- and 3-byte characters so the UTF-8 length, not the string length, crosses 55.
      texts.push('é'.repeat(Math.ceil(length / 2)), `${'x'.repeat(length)}中`);
    }
    expect(hashAll(new Sha256Batch(), texts)).toEqual(texts.map(reference));
  });

  it('matches node:crypto on 200,000 seeded random strings, over many flushes and interleaved targets', () => {
    const { seed, random } = seededRandomForTest('Sha256Batch random strings');
    const count = 200_000;
    const texts = Array.from({ length: count }, () => {
      const length = Math.floor(random() * 64);
      const ascii = random() < 0.7;
      let text = '';
      for (let index = 0; index < length; index += 1) {
        text += ascii
          ? String.fromCharCode(32 + Math.floor(random() * 95))
          : (ALPHABET[Math.floor(random() * ALPHABET.length)] as string);
      }
      return text;
    });
    // Three targets, as a batch with three identifier types has, one of them unaligned (byte offset 1).
    const backing = Buffer.alloc(count * 32 + 1);
    const targets = [Buffer.alloc(count * 32), backing.subarray(1), Buffer.alloc(count * 32)];
    const offsets = [0, 0, 0];
    const placed: Array<{ target: number; offset: number }> = [];
    const batch = new Sha256Batch();
    texts.forEach((text, index) => {
      const target = Math.floor(random() * 3);
      batch.hashInto(text, targets[target] as Buffer, offsets[target] as number);
      placed[index] = { target, offset: offsets[target] as number };
      offsets[target] = (offsets[target] as number) + 32;
      // Flushes at random points too, not only when the queue is full.
      if (random() < 0.001) batch.flush();
    });
    batch.flush();
    let mismatches = 0;
    texts.forEach((text, index) => {
      const { target, offset } = placed[index] as { target: number; offset: number };
      const got = (targets[target] as Buffer).subarray(offset, offset + 32).toString('hex');
      if (got !== reference(text)) mismatches += 1;
    });
    expect(mismatches, `seed ${seed}`).toBe(0);
  });

  it('lays out an all-ASCII flush in the module and any other flush value by value, the same digests', () => {
    // One flush of ASCII only (blocks laid out by the module), then flushes where one value is not
    // ASCII: 27 × "é" is 27 UTF-16 units but 54 UTF-8 bytes (one block), 28 × "é" 56 bytes (two).
    const ascii = Array.from({ length: 3000 }, (_unused, index) =>
      `user${index}@example.com`.slice(0, 5 + (index % 51)),
    );
    const mixed = [
      ...ascii.slice(0, 1000),
      'é'.repeat(27),
      'é'.repeat(28),
      '😀'.repeat(13),
      ...ascii.slice(1000, 1500),
      'x'.repeat(55),
    ];
    for (const texts of [ascii, mixed]) {
      expect(hashAll(new Sha256Batch(), texts)).toEqual(texts.map(reference));
    }
  });

  it('writes nothing before flush, and a flush with nothing queued changes nothing', () => {
    const batch = new Sha256Batch();
    const target = Buffer.alloc(64, 0xee);
    batch.hashInto('user@example.com', target, 32);
    expect(target.every((byte) => byte === 0xee)).toBe(true);
    batch.flush();
    expect(target.subarray(0, 32).every((byte) => byte === 0xee)).toBe(true);
    expect(target.subarray(32).toString('hex')).toBe(reference('user@example.com'));
    batch.flush();
    expect(target.subarray(32).toString('hex')).toBe(reference('user@example.com'));
  });

  it('staged mode: byte ranges of a loaded chunk, one or two (an email without its +tag), A–Z folded', () => {
    const { random } = seededRandomForTest('Sha256Batch staged ranges');
    const batch = new Sha256Batch();
    // Printable ASCII with letters of both cases; values up to 55 bytes, at every alignment.
    const printable = (length: number): string =>
      Array.from({ length }, () => String.fromCharCode(0x20 + Math.floor(random() * 95))).join('');
    for (let round = 0; round < 3; round += 1) {
      // A 3 MiB chunk in the second round makes the module's memory grow (views made again).
      const text = printable(round === 1 ? 3 * 1024 * 1024 : 64 * 1024);
      const chunk = batch.loadChunk(Buffer.from(text, 'latin1'));
      expect(Buffer.from(chunk).toString('latin1')).toBe(text);
      const ranges = Array.from({ length: 5000 }, () => {
        const start = Math.floor(random() * (text.length - 120));
        const first = Math.floor(random() * 40);
        const gap = random() < 0.5 ? 0 : 1 + Math.floor(random() * 10);
        const second = Math.floor(random() * (55 - first + 1));
        return { start, localEnd: start + first, at: start + first + gap, end: start + first + gap + second };
      });
      const target = Buffer.alloc(ranges.length * 32);
      ranges.forEach((range, index) =>
        batch.commitRange(range.start, range.localEnd, range.at, range.end, target, index * 32),
      );
      batch.flush();
      ranges.forEach((range, index) => {
        const value = (text.slice(range.start, range.localEnd) + text.slice(range.at, range.end)).replace(
          /[A-Z]/g,
          (letter) => letter.toLowerCase(),
        );
        expect(target.subarray(index * 32, index * 32 + 32).toString('hex'), JSON.stringify(value)).toBe(
          reference(value),
        );
      });
    }
  });

  it('staged mode: stageText hashes short ASCII in the batch, and longer or non-ASCII text at once, in any order', () => {
    const batch = new Sha256Batch();
    const chunk = batch.loadChunk(Buffer.from('{"email":"Jane.Doe+news@Example.com"}', 'latin1'));
    expect(chunk.length).toBe(37);
    const texts = ['16134444444', 'é@example.com', 'x'.repeat(56), '+447911123456', 'a'.repeat(55), ''];
    const target = Buffer.alloc((texts.length + 1) * 32);
    texts.forEach((text, index) => batch.stageText(text, target, index * 32));
    // "Jane.Doe" then "@Example.com", folded: jane.doe@example.com.
    batch.commitRange(10, 18, 23, 35, target, texts.length * 32);
    batch.flush();
    expect(
      Array.from({ length: texts.length + 1 }, (_unused, index) =>
        target.subarray(index * 32, index * 32 + 32).toString('hex'),
      ),
    ).toEqual([...texts, 'jane.doe@example.com'].map(reference));
  });

  it('refuses to mix queued strings and staged messages in one batch, and to load a chunk over queued ones', () => {
    const batch = new Sha256Batch();
    const target = Buffer.alloc(64);
    batch.hashInto('abc', target, 0);
    expect(() => batch.stageText('def', target, 32)).toThrow(/one batch/);
    batch.flush();
    batch.stageText('def', target, 32);
    expect(() => batch.hashInto('abc', target, 0)).toThrow(/one batch/);
    expect(() => batch.loadChunk(Buffer.from('x'))).toThrow(/queued/);
    batch.flush();
    expect(target.subarray(32).toString('hex')).toBe(reference('def'));
  });

  it('carries the binary that json-line-scan.wat compiles to (node scripts/build-wasm.mjs)', async () => {
    expect((await compileWat('json-line-scan.wat')).toString('base64')).toBe(JSON_LINE_SCAN_WASM_BASE64);
  });

  it('carries the binary that sha256-x4.wat compiles to (node scripts/build-wasm.mjs)', async () => {
    expect((await compileWat('sha256-x4.wat')).toString('base64')).toBe(SHA256_X4_WASM_BASE64);
  });
});
