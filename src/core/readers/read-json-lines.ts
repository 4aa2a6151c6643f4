import type { RecordBatch } from './input-record.ts';
import { asRecord, BatchBuilder, MAX_RECORD_CHARS, recordTooLarge, type ReaderContext } from './reader-context.ts';

/**
 * JSON Lines: one object per line. Blank lines are not records; a line that does not parse or is
 * not an object is a malformed record (`null`). Kept lean on purpose: this is the hot path.
 */
export async function* readJsonLines(
  chunks: AsyncIterable<Uint8Array>,
  context: ReaderContext,
): AsyncGenerator<RecordBatch> {
  let decoder: TextDecoder | undefined;
  // Bytes read as ASCII so far: a later decoder then keeps a byte-order mark (one can only lead the
  // stream). Bytes, not chunks: after empty chunks a mark still leads it.
  let asciiBytes = 0;
  const decode = (chunk: Uint8Array): string => {
    if (decoder === undefined) {
      const ascii = context.decodeAscii?.(chunk);
      if (ascii !== undefined) {
        asciiBytes += chunk.byteLength;
        return ascii;
      }
      decoder = new TextDecoder('utf-8', { ignoreBOM: asciiBytes > 0 });
    }
    return decoder.decode(chunk, { stream: true });
  };
  const batch = new BatchBuilder(context);
  const maxRecordChars = context.maxRecordChars ?? MAX_RECORD_CHARS;
  let rest = '';
  for await (const chunk of chunks) {
    context.signal?.throwIfAborted();
    const text = rest + decode(chunk);
    let start = 0;
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      const record = parseJsonLine(text.slice(start, newline));
      if (record !== undefined) {
        batch.records.push(record);
        if (batch.full) yield batch.take();
      }
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    rest = text.slice(start);
    if (rest.length > maxRecordChars) throw recordTooLarge(context.source, batch.nextRecordNumber, maxRecordChars);
  }
  const last = parseJsonLine(rest + (decoder?.decode() ?? ''));
  if (last !== undefined) batch.records.push(last);
  if (batch.records.length > 0) yield batch.take();
}

/** The line's record, `null` when malformed, `undefined` for a blank line. */
export function parseJsonLine(line: string): Record<string, unknown> | null | undefined {
  try {
    return asRecord(JSON.parse(line));
  } catch {
    return line.trim() === '' ? undefined : null;
  }
}
