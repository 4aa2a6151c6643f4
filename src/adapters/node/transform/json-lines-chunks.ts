import { gunzipChunks } from '../../../core/readers/gunzip.ts';
import type { ByteSource, PositionalReader } from '../../../core/readers/byte-source.ts';
import type { DetectedFormat } from '../../../core/readers/input-record.ts';
import { MAX_RECORD_CHARS, recordTooLarge } from '../../../core/readers/reader-context.ts';

/** Bytes of whole lines per chunk handed to a worker. */
export const JSON_LINES_CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/**
 * A JSON Lines source (plain or gzip) as chunks of whole lines, for workers that parse them with the
 * readers' JSON Lines reader: each chunk is a fresh buffer the caller may transfer. Chunks after the
 * first start with an extra `\n` — a blank line, which is no record — so that a byte-order mark
 * starting a later line stays a character, as in one stream (the reader's decoder drops only a
 * leading one). Like the reader, a line still unfinished after `maxRecordChars` characters is an error.
 * `progress.bytesRead` counts the source's own (compressed) bytes.
 */
export async function* jsonLinesChunks(
  source: ByteSource,
  format: DetectedFormat,
  progress: { bytesRead: number },
  nextRecordNumber: () => Promise<number>,
  signal?: AbortSignal,
  maxRecordChars = MAX_RECORD_CHARS,
): AsyncGenerator<Uint8Array> {
  const reader = format.compression === 'gzip' ? null : ((await source.openPositionalReader?.()) ?? null);
  if (reader !== null) {
    try {
      yield* positionalChunks(
        reader,
        await source.size(),
        source.name,
        progress,
        nextRecordNumber,
        signal,
        maxRecordChars,
      );
    } finally {
      await reader.close();
    }
    return;
  }
  const raw = (async function* () {
    for await (const chunk of source.stream(signal)) {
      progress.bytesRead += chunk.byteLength;
      yield chunk;
    }
  })();
  const decoded = format.compression === 'gzip' ? gunzipChunks(raw, signal) : raw;
  let parts: Uint8Array[] = [];
  let partsBytes = 0;
  // Bytes after the last newline seen (the unfinished line).
  let unfinished = 0;
  let first = true;
  const take = (through: number): Uint8Array => {
    const lead = first ? 0 : 1;
    const out = new Uint8Array(lead + through);
    if (lead) out[0] = NEWLINE;
    let at = lead;
    const kept: Uint8Array[] = [];
    for (const part of parts) {
      const room = lead + through - at;
      if (room >= part.byteLength) {
        out.set(part, at);
        at += part.byteLength;
      } else {
        if (room > 0) out.set(part.subarray(0, room), at);
        at += room;
        kept.push(part.subarray(room));
      }
    }
    parts = kept;
    partsBytes -= through;
    first = false;
    return out;
  };
  for await (const chunk of decoded) {
    if (chunk.byteLength === 0) continue;
    parts.push(chunk);
    partsBytes += chunk.byteLength;
    const newline = chunk.lastIndexOf(NEWLINE);
    unfinished = newline < 0 ? unfinished + chunk.byteLength : chunk.byteLength - newline - 1;
    if (unfinished > maxRecordChars) {
      const tail = concat(parts, partsBytes).subarray(partsBytes - unfinished);
      if (tooManyCharacters(tail, first && unfinished === partsBytes, maxRecordChars)) {
        // The whole lines before it go first, so that its number counts their records.
        if (partsBytes > unfinished) yield take(partsBytes - unfinished);
        throw recordTooLarge(source.name, await nextRecordNumber(), maxRecordChars);
      }
    }
    if (partsBytes - unfinished >= JSON_LINES_CHUNK_BYTES) yield take(partsBytes - unfinished);
  }
  if (partsBytes > 0) yield take(partsBytes);
}

/**
 * The same chunks without copying (the usual case: a local file): each is one read into a buffer of
 * its own, ended at its last newline; the next read starts at that newline, which becomes the next
 * chunk's leading blank line. A line longer than the window is read again with a window twice as large.
 */
async function* positionalChunks(
  reader: PositionalReader,
  size: number,
  sourceName: string,
  progress: { bytesRead: number },
  nextRecordNumber: () => Promise<number>,
  signal: AbortSignal | undefined,
  maxRecordChars: number,
): AsyncGenerator<Uint8Array> {
  // The next chunk's first byte: 0, then the newline that ended the chunk before.
  let start = 0;
  let first = true;
  let window = JSON_LINES_CHUNK_BYTES;
  const checkLineLength = async (line: Uint8Array): Promise<void> => {
    if (tooManyCharacters(line, first && line.byteOffset === 0, maxRecordChars)) {
      throw recordTooLarge(sourceName, await nextRecordNumber(), maxRecordChars);
    }
  };
  while (start < size) {
    signal?.throwIfAborted();
    const lead = first ? 0 : 1;
    const bytes = await reader.read(start, lead + window);
    progress.bytesRead = start + bytes.byteLength;
    const last = bytes.lastIndexOf(NEWLINE);
    // A window grown for a long line ends the chunk at that line, now whole and held to the limit too:
    // the lines after it get windows of their own, so each of them is held to the limit as well, and
    // numbered after the records before it.
    const grown = window > JSON_LINES_CHUNK_BYTES && last >= lead;
    if (!grown && (bytes.byteLength < lead + window || start + bytes.byteLength >= size)) {
      // The end of the source: the rest, whatever its last line.
      await checkLineLength(bytes.subarray(Math.max(lead, last + 1)));
      if (bytes.byteLength > lead) yield bytes;
      return;
    }
    const end = grown ? bytes.indexOf(NEWLINE, lead) : last;
    if (grown) await checkLineLength(bytes.subarray(lead, end));
    if (end >= lead) {
      yield bytes.subarray(0, end + 1);
      start += end;
      first = false;
      window = JSON_LINES_CHUNK_BYTES;
      continue;
    }
    await checkLineLength(bytes.subarray(lead));
    window *= 2;
  }
}

/**
 * Whether a line (or the unfinished start of one) holds more than `maxRecordChars` characters, counted
 * as the reader would: bytes ≥ characters, so only a long one is decoded, and its decoder drops a
 * byte-order mark only at the start of the source.
 */
function tooManyCharacters(line: Uint8Array, atSourceStart: boolean, maxRecordChars: number): boolean {
  if (line.byteLength <= maxRecordChars) return false;
  return new TextDecoder('utf-8', { ignoreBOM: !atSourceStart }).decode(line, { stream: true }).length > maxRecordChars;
}

function concat(parts: Uint8Array[], bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
