/**
 * JSON Lines parsed by the workers (the main thread only cuts the bytes into chunks of whole lines)
 * must give the same bytes as the records read by the readers on the main thread: record numbers
 * across chunks, malformed and blank lines, a byte-order mark at the start and inside, CRLF, gzip.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileByteSource, openLocalInputs } from '../../src/adapters/node/local-inputs.ts';
import { JSON_LINES_CHUNK_BYTES, jsonLinesChunks } from '../../src/adapters/node/transform/json-lines-chunks.ts';
import { runTransform } from '../../src/adapters/node/transform/run-transform.ts';
import { isUserError } from '../../src/core/errors.ts';
import type { ByteSource } from '../../src/core/readers/byte-source.ts';
import { DEFAULT_NORMALIZE_OPTIONS } from '../../src/core/identifiers/index.ts';
import type { Manifest } from '../../src/core/transform/manifest.ts';
import { createSeededRandom } from '../../src/destinations/tiktok/emulator/seeded-random.ts';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'jsonl-chunks-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const mapping = [
  { column: 'email', type: 'EMAIL' as const },
  { column: 'phone', type: 'PHONE' as const },
];

/** ≈ 3.5 chunks of lines, seeded: good and bad cells, malformed and blank lines, BOMs, CRLF. */
function mixedLines(seed: number): string {
  const random = createSeededRandom(seed);
  const lines: string[] = [];
  let bytes = 0;
  for (let index = 0; bytes < JSON_LINES_CHUNK_BYTES * 3.5; index += 1) {
    const roll = random();
    let line: string;
    if (roll < 0.01) line = '{"email": broken';
    else if (roll < 0.02) line = '';
    else if (roll < 0.025) line = `\ufeff${JSON.stringify({ email: `bom${index}@example.com` })}`;
    else if (roll < 0.03) line = '[1,2]';
    else {
      line = JSON.stringify({
        email: random() < 0.05 ? 'not-an-email' : `p${Math.floor(random() * 40_000)}@example.com`,
        phone: random() < 0.05 ? '12345' : `+1 415 555 ${String(Math.floor(random() * 10_000)).padStart(4, '0')}`,
        pad: 'é'.repeat(Math.floor(random() * 30)),
      });
    }
    if (random() < 0.1) line += '\r';
    lines.push(line);
    bytes += Buffer.byteLength(line) + 1;
  }
  return `\ufeff${lines.join('\n')}`; // a BOM at the start, no newline at the end
}

/** Every chunk of a plain JSON Lines source, and the bytes read by the end. */
async function cutChunks(source: ByteSource): Promise<{ chunks: Uint8Array[]; bytesRead: number }> {
  const chunks: Uint8Array[] = [];
  const progress = { bytesRead: 0 };
  for await (const chunk of jsonLinesChunks(source, { format: 'jsonl', compression: 'none' }, progress, () =>
    Promise.resolve(1),
  ))
    chunks.push(chunk);
  return { chunks, bytesRead: progress.bytesRead };
}

/** The chunks without the leading newline of each after the first: the source's bytes. */
const joinChunks = (chunks: Uint8Array[]): Buffer =>
  Buffer.concat(chunks.map((chunk, index) => (index === 0 ? chunk : chunk.subarray(1))));

/** What reading every chunk throws (null when nothing does). */
async function errorOf(chunks: AsyncIterable<Uint8Array>): Promise<unknown> {
  try {
    for await (const chunk of chunks) void chunk;
  } catch (caught) {
    return caught;
  }
  return null;
}

async function transformBoth(path: string): Promise<Array<{ manifest: Manifest; outDir: string }>> {
  const runs = [];
  for (const [name, inThreadMaxBytes] of [
    ['main-thread', Number.MAX_SAFE_INTEGER],
    ['workers', 0],
  ] as const) {
    const outDir = join(root, `${path.split('/').pop()}-${name}`);
    const manifest = await runTransform({
      inputs: await openLocalInputs([path]),
      mapping,
      options: DEFAULT_NORMALIZE_OPTIONS,
      outDir,
      workers: 2,
      inThreadMaxBytes,
    });
    runs.push({ manifest, outDir });
  }
  return runs;
}

describe('JSON Lines parsed in the workers', () => {
  it.each([
    ['plain', false],
    ['gzip', true],
  ])('%s: the same manifest, rejects and partitions as the readers on the main thread', async (_name, gzip) => {
    const text = mixedLines(gzip ? 7 : 3);
    const path = join(root, gzip ? 'mixed.jsonl.gz' : 'mixed.jsonl');
    writeFileSync(path, gzip ? gzipSync(text) : text);
    const [main, workers] = await transformBoth(path);
    expect(workers!.manifest).toEqual(main!.manifest);
    expect(main!.manifest.malformedRecords).toBeGreaterThan(100);
    const files = ['manifest.json', 'rejects.csv', 'email_sha256/part-00000.csv', 'phone_sha256/part-00000.csv'];
    for (const file of files) {
      expect(readFileSync(join(workers!.outDir, file)).equals(readFileSync(join(main!.outDir, file))), file).toBe(true);
    }
    // Record numbers run across chunks: the last reject is near the end of the file.
    const rejects = readFileSync(join(main!.outDir, 'rejects.csv'), 'utf8').trim().split('\n');
    const lastRecord = Number(rejects.at(-1)!.split(',')[0]);
    expect(lastRecord).toBeGreaterThan(main!.manifest.recordsRead * 0.95);
  });

  it('a byte-order mark starting a later line makes it malformed, whichever chunk it starts', async () => {
    const line = `\ufeff${JSON.stringify({ email: 'bom@example.com', phone: '+1 415 555 0100' })}`;
    const path = join(root, 'boms.jsonl');
    writeFileSync(path, `${line}\n`.repeat(Math.ceil((JSON_LINES_CHUNK_BYTES * 2.5) / (line.length + 3))));
    const [main, workers] = await transformBoth(path);
    expect(workers!.manifest).toEqual(main!.manifest);
    expect(main!.manifest.malformedRecords).toBe(main!.manifest.recordsRead - 1);
  });

  it('cuts whole lines; later chunks start with a blank line so a BOM there stays a character', async () => {
    const text = mixedLines(11);
    const path = join(root, 'cut.jsonl');
    writeFileSync(path, text);
    const { chunks, bytesRead } = await cutChunks(fileByteSource(path));
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(bytesRead).toBe(Buffer.byteLength(text));
    chunks.forEach((chunk, index) => {
      if (index > 0) expect(chunk[0]).toBe(0x0a);
      if (index < chunks.length - 1) expect(chunk.at(-1)).toBe(0x0a);
    });
    // Without the leading newlines, the chunks are the file.
    expect(joinChunks(chunks).equals(readFileSync(path))).toBe(true);
  });

  it('a line that never ends is record_too_large, numbered after the records before it', async () => {
    const path = join(root, 'long.jsonl');
    writeFileSync(path, `{"email":"a@b.co"}\n\n{"email":"c@d.co"}\n{"email":"${'x'.repeat(3 * 1024 * 1024)}`);
    const chunks = jsonLinesChunks(
      fileByteSource(path),
      { format: 'jsonl', compression: 'none' },
      { bytesRead: 0 },
      () => Promise.resolve(3),
      undefined,
      1024 * 1024,
    );
    const error = await errorOf(chunks);
    expect(isUserError(error) && error.code).toBe('record_too_large');
    expect((error as Error).message + JSON.stringify(error)).toContain('record 3');
  });

  it('cuts a local file without copying (one read per chunk) into the same lines as a stream does', async () => {
    // Long lines too: 1.5 and 3 MiB ones need a grown window; no newline at the end, then one.
    const text = [
      mixedLines(5),
      JSON.stringify({ email: 'long1@example.com', pad: 'y'.repeat(1.5 * 1024 * 1024) }),
      mixedLines(6),
      JSON.stringify({ email: 'long2@example.com', pad: 'z'.repeat(3 * 1024 * 1024) }),
      '{"email":"last@example.com"}',
    ].join('\n');
    for (const [name, content] of [
      ['no-final-newline', text],
      ['final-newline', `${text}\n`],
      ['empty', ''],
      ['newline-only', '\n'],
    ] as const) {
      const path = join(root, `positional-${name}.jsonl`);
      writeFileSync(path, content);
      const cut = async (streamedOnly: boolean): Promise<Uint8Array[]> => {
        const { openPositionalReader: _positional, ...streamed } = fileByteSource(path);
        const source = streamedOnly ? streamed : fileByteSource(path);
        const { chunks, bytesRead } = await cutChunks(source);
        expect(bytesRead, name).toBe(Buffer.byteLength(content));
        return chunks;
      };
      const positional = await cut(false);
      const streamed = await cut(true);
      expect(joinChunks(positional).equals(Buffer.from(content)), name).toBe(true);
      expect(joinChunks(streamed).equals(Buffer.from(content)), name).toBe(true);
      positional.forEach((chunk, index) => {
        // Each chunk a buffer of its own (transferable without detaching another's bytes).
        expect(chunk.byteOffset, name).toBe(0);
        if (index > 0) expect(chunk[0], name).toBe(0x0a);
        if (index < positional.length - 1) expect(chunk.at(-1), name).toBe(0x0a);
      });
    }
  });

  it('a local file whose last line is too long, or whose long line ends, is record_too_large too', async () => {
    const limit = 1024 * 1024;
    for (const [name, content] of [
      ['last line', `{"email":"a@b.co"}\n{"email":"${'x'.repeat(1.5 * limit)}"}`],
      ['ended line', `{"email":"a@b.co"}\n{"email":"${'x'.repeat(1.5 * limit)}"}\n{"email":"c@d.co"}\n`],
    ] as const) {
      const path = join(root, `too-long-${name.replace(' ', '-')}.jsonl`);
      writeFileSync(path, content);
      const chunks = jsonLinesChunks(
        fileByteSource(path),
        { format: 'jsonl', compression: 'none' },
        { bytesRead: 0 },
        () => Promise.resolve(2),
        undefined,
        limit,
      );
      const error = await errorOf(chunks);
      expect(isUserError(error) && error.code, name).toBe('record_too_large');
    }
  });

  it('every line over the limit is record_too_large, numbered after the records before it, cut either way', async () => {
    const limit = 1024 * 1024;
    const short = (name: string): string => JSON.stringify({ email: `${name}@example.com` });
    // Under the limit in characters but over 2 MiB in bytes: read with a window grown to 4 MiB, which
    // then also holds the line after it.
    const wide = JSON.stringify({ email: 'wide@example.com', pad: '中'.repeat(0.7 * limit) });
    const long = JSON.stringify({ email: 'long@example.com', pad: 'x'.repeat(1.5 * limit) });
    const more = Array.from({ length: 40_000 }, (_unused, index) => short(`more${index}`)).join('\n');
    for (const [name, content] of [
      ['after a wide line, more after', `${short('a')}\n${wide}\n${long}\n${short('b')}\n${more}\n`],
      ['after a wide line, at the end', `${short('a')}\n${wide}\n${long}\n${short('b')}\n`],
      ['after a wide line, unfinished', `${short('a')}\n${wide}\n${long}`],
      ['after short lines, unfinished', `${short('a')}\n${short('b')}\n${long}`],
    ] as const) {
      const path = join(root, `over-limit-${name.replaceAll(/\W+/g, '-')}.jsonl`);
      writeFileSync(path, content);
      // Streamed in small chunks (as a gzip source's are), or read by position (a local file).
      const { openPositionalReader: _positional, ...file } = fileByteSource(path);
      const streamed: ByteSource = {
        ...file,
        async *stream() {
          const bytes = readFileSync(path);
          for (let at = 0; at < bytes.byteLength; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024);
        },
      };
      for (const [cut, source] of [
        ['streamed', streamed],
        ['positional', fileByteSource(path)],
      ] as const) {
        // The records of the chunks handed out so far (as the workers would count them), plus one.
        const received: Uint8Array[] = [];
        const nextRecordNumber = (): Promise<number> =>
          Promise.resolve(
            1 +
              received.reduce(
                (sum, chunk) =>
                  sum +
                  Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
                    .toString('utf8')
                    .split('\n')
                    .filter((line) => line.trim() !== '').length,
                0,
              ),
          );
        const chunks = jsonLinesChunks(
          source,
          { format: 'jsonl', compression: 'none' },
          { bytesRead: 0 },
          nextRecordNumber,
          undefined,
          limit,
        );
        const error = await (async () => {
          try {
            for await (const chunk of chunks) received.push(chunk);
          } catch (caught) {
            return caught;
          }
          return null;
        })();
        expect(isUserError(error) && error.code, `${name}, ${cut}`).toBe('record_too_large');
        expect(isUserError(error) && error.detail, `${name}, ${cut}`).toContain('record 3 ');
      }
    }
  });

  it.skipIf(process.platform === 'win32')(
    'a local path that is a pipe (bash <(zcat …)) is streamed, all of it',
    async () => {
      // A pipe has no size and no positions: read by position, it would give no chunk at all.
      const text = mixedLines(13);
      const path = join(root, 'pipe.jsonl');
      execFileSync('mkfifo', [path]);
      const writer = createWriteStream(path);
      const written = new Promise<void>((resolve, reject) => {
        writer.on('error', reject);
        writer.end(text, resolve);
      });
      const { chunks, bytesRead } = await cutChunks(fileByteSource(path));
      await written;
      expect(joinChunks(chunks).equals(Buffer.from(text))).toBe(true);
      expect(bytesRead).toBe(Buffer.byteLength(text));
    },
  );
});
