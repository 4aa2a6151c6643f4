import { describe, expect, it } from 'vitest';
import { decodeAscii } from '../../../../src/adapters/node/transform/decode-ascii.ts';
import type { SourceRecord } from '../../../../src/core/readers/reader-context.ts';
import { readJsonLines } from '../../../../src/core/readers/read-json-lines.ts';

const BOM = [0xef, 0xbb, 0xbf];
const bytes = (text: string): number[] => [...new TextEncoder().encode(text)];

/** Every record readJsonLines reads from the chunks, with or without the ASCII shortcut. */
async function records(chunks: number[][], withShortcut: boolean): Promise<SourceRecord[]> {
  const source = (async function* () {
    for (const chunk of chunks) yield Uint8Array.from(chunk);
  })();
  const context = {
    source: 'test.jsonl',
    batchSize: 2,
    progress: { bytesRead: 0 },
    ...(withShortcut ? { decodeAscii } : {}),
  };
  const out: SourceRecord[] = [];
  for await (const batch of readJsonLines(source, context)) out.push(...batch.records);
  return out;
}

describe('decodeAscii', () => {
  it('gives the same string as UTF-8 decoding for ASCII, and declines anything else', () => {
    const ascii = Uint8Array.from(bytes('{"email":"a@b.co"}\n\t~\u007f'));
    expect(decodeAscii(ascii)).toBe(new TextDecoder().decode(ascii));
    expect(decodeAscii(Uint8Array.from(bytes('é')))).toBeUndefined();
    expect(decodeAscii(Uint8Array.from([0x80]))).toBeUndefined();
    expect(decodeAscii(Uint8Array.from(BOM))).toBeUndefined();
  });

  it('a view into a larger buffer decodes only its own bytes', () => {
    const whole = Uint8Array.from(bytes('xx{"a":1}yy'));
    expect(decodeAscii(whole.subarray(2, 9))).toBe('{"a":1}');
  });
});

describe('readJsonLines with the ASCII shortcut reads the records the UTF-8 decoder reads', () => {
  // Each case is a chunk sequence; the reference is the reader without the shortcut (TextDecoder only).
  const cases: Array<[string, number[][]]> = [
    ['ASCII only, a line split across chunks', [bytes('{"a":"x"}\n{"a":'), bytes('"y"}\n'), bytes('{"a":"z"}')]],
    ['a byte-order mark leading the stream is dropped', [[...BOM, ...bytes('{"a":"x"}\n')], bytes('{"a":"y"}\n')]],
    // An empty chunk is no text: a mark after it still leads the stream (as a stream may start empty).
    ['empty chunks before a leading byte-order mark', [[], [], [...BOM, ...bytes('{"a":"x"}\n')]]],
    [
      // Only the stream's first bytes can be a mark to drop: after ASCII chunks, a BOM is a character,
      // so the line is not JSON (a malformed record) in both readings.
      'a byte-order mark after ASCII chunks stays a character',
      [bytes('{"a":"x"}\n'), [...BOM, ...bytes('{"a":"y"}\n')]],
    ],
    [
      'a character split across chunks after ASCII ones',
      [bytes('{"a":"x"}\n{"a":"'), [0xc3], [0xa9, ...bytes('"}\n')]],
    ],
    ['invalid UTF-8 after ASCII chunks', [bytes('{"a":"x"}\n'), [...bytes('{"a":"'), 0xff, ...bytes('"}\n')]]],
    [
      'ASCII again after a non-ASCII chunk',
      [bytes('{"a":"é"}\n').slice(0, 7), bytes('{"a":"é"}\n').slice(7), bytes('{"a":"q"}\n')],
    ],
    ['blank lines and a non-object', [bytes('\n\n1\n'), bytes('  \n{"a":"x"}\n')]],
  ];
  for (const [name, chunks] of cases) {
    it(name, async () => {
      const reference = await records(chunks, false);
      expect(reference.length).toBeGreaterThan(0);
      expect(await records(chunks, true)).toEqual(reference);
    });
  }

  it('the mark cases read as described (the reference itself)', async () => {
    expect(await records([[...BOM, ...bytes('{"a":"x"}\n')]], true)).toEqual([{ a: 'x' }]);
    expect(await records([[], [...BOM, ...bytes('{"a":"x"}\n')]], true)).toEqual([{ a: 'x' }]);
    expect(await records([bytes('{"a":"x"}\n'), [...BOM, ...bytes('{"a":"y"}\n')]], true)).toEqual([{ a: 'x' }, null]);
    expect(await records([bytes('{"a":"x"}\n{"a":"'), [0xc3], [0xa9, ...bytes('"}\n')]], true)).toEqual([
      { a: 'x' },
      { a: 'é' },
    ]);
    expect(await records([bytes('{"a":"x"}\n'), [...bytes('{"a":"'), 0xff, ...bytes('"}\n')]], true)).toEqual([
      { a: 'x' },
      { a: '\ufffd' },
    ]);
  });
});
