import type { RecordBatch } from './input-record.ts';
import { BatchBuilder, MAX_RECORD_CHARS, recordTooLarge, type ReaderContext } from './reader-context.ts';

/**
 * CSV/TSV (RFC 4180): quoted fields with doubled quotes, delimiters and line breaks inside quotes,
 * CRLF or LF, a UTF-8 BOM. Every cell is a string; an empty cell is `''`. The first row is the
 * header, or with `hasHeader` false the first record, the columns then named `column_1`, `column_2`…
 * A row with a different number of fields than the first is a malformed record (`null`); blank
 * lines are not records, and lines of only white space before the first row are skipped.
 *
 * Hand-written rather than csv-parse: csv-parse's streaming API is a Node `Transform` (the browser
 * runs this too), and a line without quotes takes a `split` fast path here.
 */
export async function* readDelimitedText(
  chunks: AsyncIterable<Uint8Array>,
  delimiter: string,
  context: ReaderContext,
  hasHeader = true,
): AsyncGenerator<RecordBatch> {
  const decoder = new TextDecoder();
  const batch = new BatchBuilder(context);
  const parser = new DelimitedTextParser(delimiter);
  let header: string[] | undefined;
  // A column named `__proto__` must become an own property, which plain assignment would not make.
  let plainAssignment = true;

  const accept = (fields: string[]): void => {
    if (header === undefined) {
      if (isBlankRow(fields)) return;
      header = hasHeader ? headerNames(fields) : fields.map((_field, index) => `column_${index + 1}`);
      plainAssignment = !header.includes('__proto__');
      if (hasHeader) return;
    }
    if (fields.length !== header.length) {
      batch.records.push(null);
      return;
    }
    if (!plainAssignment) {
      batch.records.push(Object.fromEntries(header.map((name, index) => [name, fields[index]])));
      return;
    }
    const record: Record<string, string> = {};
    for (let index = 0; index < fields.length; index++) record[header[index] as string] = fields[index] as string;
    batch.records.push(record);
  };

  for await (const chunk of chunks) {
    context.signal?.throwIfAborted();
    parser.push(decoder.decode(chunk, { stream: true }), false, accept);
    if (parser.pendingChars > (context.maxRecordChars ?? MAX_RECORD_CHARS)) {
      throw recordTooLarge(context.source, batch.nextRecordNumber, context.maxRecordChars ?? MAX_RECORD_CHARS);
    }
    while (batch.records.length >= context.batchSize) yield batch.takeAtMost(context.batchSize);
  }
  parser.push(decoder.decode(), true, accept);
  while (batch.records.length > context.batchSize) yield batch.takeAtMost(context.batchSize);
  if (batch.records.length > 0) yield batch.take();
}

/** A line of only white space (or one empty quoted field): skipped before the first row. */
export function isBlankRow(fields: string[]): boolean {
  return fields.length === 1 && (fields[0] as string).trim() === '';
}

/** Header cells as column names: trimmed, blanks named `column_<n>`, repeats suffixed `_2`, `_3`… */
export function headerNames(fields: string[]): string[] {
  const seen = new Map<string, number>();
  return fields.map((field, index) => {
    const name = field.trim() === '' ? `column_${index + 1}` : field.trim();
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}_${count}`;
  });
}

/** Incremental RFC 4180 parser over decoded text; keeps only the unfinished row between pushes. */
export class DelimitedTextParser {
  private buffer = '';
  private readonly delimiterCode: number;

  constructor(private readonly delimiter: string) {
    // Detection only ever picks one of , \t ; | — one UTF-16 unit compares fastest.
    if (delimiter.length !== 1) throw new RangeError(`A delimiter is one character, not ${JSON.stringify(delimiter)}`);
    this.delimiterCode = delimiter.charCodeAt(0);
  }

  /** Characters of the unfinished row held back until more text arrives. */
  get pendingChars(): number {
    return this.buffer.length;
  }

  push(text: string, final: boolean, onRow: (fields: string[]) => void): void {
    const buffer = this.buffer + text;
    const length = buffer.length;
    let position = 0;
    // Where the next quote is (Infinity: none left), looked up again only once passed.
    let quote = -1;
    while (position < length) {
      const newline = buffer.indexOf('\n', position);
      if (newline === -1 && !final) break;
      const lineEnd = newline === -1 ? length : newline;
      if (quote < position) {
        const found = buffer.indexOf('"', position);
        quote = found === -1 ? Number.POSITIVE_INFINITY : found;
      }
      if (quote > lineEnd) {
        // Fast path: no quotes on this line.
        let end = lineEnd;
        if (end > position && buffer.charCodeAt(end - 1) === 13) end--;
        if (end > position) onRow(buffer.slice(position, end).split(this.delimiter));
        position = lineEnd + 1;
        continue;
      }
      const next = this.parseQuotedRow(buffer, position, final, onRow);
      if (next === -1) break;
      position = next;
    }
    this.buffer = position >= length ? '' : buffer.slice(position);
  }

  /** Parses one row that contains quotes; returns where the next row starts, or -1 if more text is needed. */
  private parseQuotedRow(buffer: string, start: number, final: boolean, onRow: (fields: string[]) => void): number {
    const { delimiterCode } = this;
    const length = buffer.length;
    const fields: string[] = [];
    let index = start;
    for (;;) {
      let field = '';
      if (buffer.charCodeAt(index) === 34) {
        index++;
        for (;;) {
          const quote = buffer.indexOf('"', index);
          if (quote === -1) {
            if (!final) return -1;
            // Unterminated quote at the end of the file: keep what there is.
            field += buffer.slice(index);
            index = length;
            break;
          }
          field += buffer.slice(index, quote);
          if (quote + 1 >= length && !final) return -1;
          if (buffer.charCodeAt(quote + 1) === 34) {
            field += '"';
            index = quote + 2;
          } else {
            index = quote + 1;
            break;
          }
        }
      }
      // Unquoted text, or stray text after a closing quote, up to the next delimiter or line end.
      let end = index;
      while (end < length) {
        const code = buffer.charCodeAt(end);
        if (code === 10 || code === delimiterCode) break;
        end++;
      }
      if (end >= length && !final) return -1;
      let text = buffer.slice(index, end);
      if (end < length && buffer.charCodeAt(end) === 10 && text.endsWith('\r')) text = text.slice(0, -1);
      else if (end >= length && text.endsWith('\r')) text = text.slice(0, -1);
      field += text;
      fields.push(field);
      if (end < length && buffer.charCodeAt(end) !== 10) {
        index = end + 1;
        continue;
      }
      onRow(fields);
      return end + 1;
    }
  }
}
