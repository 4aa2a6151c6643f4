import { UserError } from '../errors.ts';
import type { RecordBatch } from './input-record.ts';

/**
 * The longest record (in UTF-16 characters) a reader holds while looking for its end. Keeps memory
 * bounded when a file is not what it seems (no line breaks, an unclosed quote or bracket).
 */
export const MAX_RECORD_CHARS = 32 * 1024 * 1024;

export function recordTooLarge(source: string, recordNumber: number, limit: number): UserError {
  return new UserError({
    code: 'record_too_large',
    title: 'Record too large',
    detail: `"${source}": record ${recordNumber} is longer than ${Math.round(limit / (1024 * 1024))} MiB without ending (a file without line breaks, an unclosed quote or bracket?).`,
    resolution:
      'Check that the file is in the format its content suggests (JSON Lines: one object per line; CSV: balanced quotes), and re-export it.',
    field: 'input',
    kind: 'failure',
  });
}

/** What every format reader gets besides the bytes: where they come from and how to batch. */
export interface ReaderContext {
  /** ByteSource.name, copied into every batch. */
  source: string;
  batchSize: number;
  /** Longest record in characters (default MAX_RECORD_CHARS); smaller in tests. */
  maxRecordChars?: number;
  /** Raw (compressed, for gzip) bytes pulled from the source so far; updated by the caller. */
  progress: { bytesRead: number };
  signal?: AbortSignal;
  /**
   * Optional: the chunk as a string when the runtime can make one cheaper than UTF-8 decoding (Node:
   * an ASCII chunk copied as Latin-1, which is the same string), else undefined. Used only while no
   * earlier chunk needed the UTF-8 decoder, so no partial character is pending.
   */
  decodeAscii?: (chunk: Uint8Array) => string | undefined;
}

export type SourceRecord = Record<string, unknown> | null;

/** Collects records and cuts them into batches with consecutive record numbers. */
export class BatchBuilder {
  records: SourceRecord[] = [];
  private firstRecordNumber = 1;

  constructor(private readonly context: ReaderContext) {}

  /** The number the next record added will get. */
  get nextRecordNumber(): number {
    return this.firstRecordNumber + this.records.length;
  }

  get full(): boolean {
    return this.records.length >= this.context.batchSize;
  }

  /** Takes the first `size` records as a batch (all of them if fewer), keeping the rest. */
  takeAtMost(size: number): RecordBatch {
    if (this.records.length <= size) return this.take();
    const rest = this.records.slice(size);
    this.records.length = size;
    const taken = this.take();
    this.records = rest;
    return taken;
  }

  take(): RecordBatch {
    const batch: RecordBatch = {
      source: this.context.source,
      firstRecordNumber: this.firstRecordNumber,
      records: this.records,
      bytesRead: this.context.progress.bytesRead,
    };
    this.firstRecordNumber += this.records.length;
    this.records = [];
    return batch;
  }
}

/** A parsed JSON value as a record: objects only; anything else is a malformed record. */
export function asRecord(value: unknown): SourceRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}
