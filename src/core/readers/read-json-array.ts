import type { RecordBatch } from './input-record.ts';
import {
  asRecord,
  BatchBuilder,
  MAX_RECORD_CHARS,
  recordTooLarge,
  type ReaderContext,
  type SourceRecord,
} from './reader-context.ts';

const QUOTE = 34; // "
const BACKSLASH = 92;
const COMMA = 44;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

/**
 * A JSON array of objects (or several, one after the other), streamed: a small scanner finds where each top-level element ends
 * (tracking nesting and strings) and only that element's text is parsed, so memory is bounded by
 * the largest element, not the file. A non-object element is a malformed record (`null`).
 *
 * Hand-written rather than stream-json: stream-json needs Node streams (the browser runs this
 * too) and is several times slower, since it tokenizes every value.
 */
export async function* readJsonArray(
  chunks: AsyncIterable<Uint8Array>,
  context: ReaderContext,
): AsyncGenerator<RecordBatch> {
  const decoder = new TextDecoder();
  const batch = new BatchBuilder(context);
  const maxRecordChars = context.maxRecordChars ?? MAX_RECORD_CHARS;
  let phase = 'before' as 'before' | 'inside' | 'after';
  // `buffer` holds the text from the start of the current element; `index` is how far it was scanned.
  let buffer = '';
  let index = 0;
  let depth = 0;
  let inString = false;

  const emit = (text: string, endedByComma: boolean): void => {
    const record = parseElement(text, endedByComma);
    if (record !== undefined) batch.records.push(record);
  };

  const scan = (): void => {
    const length = buffer.length;
    let elementStart = 0;
    while (index < length) {
      if (phase === 'after') {
        index = length;
        break;
      }
      if (inString) {
        let quote = buffer.indexOf('"', index);
        while (quote !== -1 && isEscaped(buffer, quote)) quote = buffer.indexOf('"', quote + 1);
        if (quote === -1) {
          index = length;
          break;
        }
        inString = false;
        index = quote + 1;
        continue;
      }
      const code = buffer.charCodeAt(index);
      if (phase === 'before') {
        if (code === OPEN_BRACKET) {
          phase = 'inside';
          elementStart = index + 1;
        } else if (code > 32 && code !== 0xfeff) {
          // Neither an array nor another array after the last: the whole rest is one malformed record.
          phase = 'after';
          batch.records.push(null);
        }
        index++;
        continue;
      }
      if (code === QUOTE) inString = true;
      else if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
      else if (code === CLOSE_BRACE || (code === CLOSE_BRACKET && depth > 0)) depth--;
      else if (code === CLOSE_BRACKET) {
        emit(buffer.slice(elementStart, index), false);
        // Another array may follow (some exporters concatenate one array per batch).
        phase = 'before';
      } else if (code === COMMA && depth === 0) {
        emit(buffer.slice(elementStart, index), true);
        elementStart = index + 1;
      }
      index++;
    }
    if (phase === 'inside') {
      buffer = buffer.slice(elementStart);
      index -= elementStart;
    } else {
      buffer = '';
      index = 0;
    }
  };

  for await (const chunk of chunks) {
    context.signal?.throwIfAborted();
    buffer += decoder.decode(chunk, { stream: true });
    scan();
    if (buffer.length > maxRecordChars) throw recordTooLarge(context.source, batch.nextRecordNumber, maxRecordChars);
    while (batch.records.length >= context.batchSize) yield batch.takeAtMost(context.batchSize);
  }
  buffer += decoder.decode();
  scan();
  // An array cut short: whatever element was left unfinished is malformed.
  if (phase === 'inside' && buffer.trim() !== '') batch.records.push(null);
  while (batch.records.length > context.batchSize) yield batch.takeAtMost(context.batchSize);
  if (batch.records.length > 0) yield batch.take();
}

/** Whether the quote at `at` is preceded by an odd number of backslashes. */
function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  for (let index = at - 1; index >= 0 && text.charCodeAt(index) === BACKSLASH; index--) backslashes++;
  return backslashes % 2 === 1;
}

/** The element's record, `null` if malformed, `undefined` for nothing (`[]` or a trailing comma). */
function parseElement(text: string, endedByComma: boolean): SourceRecord | undefined {
  try {
    return asRecord(JSON.parse(text));
  } catch {
    return text.trim() === '' && !endedByComma ? undefined : null;
  }
}
