import type { RecordBatch } from './input-record.ts';

/** What every format reader gets besides the bytes: where they come from and how to batch. */
export interface ReaderContext {
  /** ByteSource.name, copied into every batch. */
  source: string;
  batchSize: number;
  /** Raw (compressed, for gzip) bytes pulled from the source so far; updated by the caller. */
  progress: { bytesRead: number };
  signal?: AbortSignal;
}

export type SourceRecord = Record<string, unknown> | null;

/** Collects records and cuts them into batches with consecutive record numbers. */
export class BatchBuilder {
  records: SourceRecord[] = [];
  private firstRecordNumber = 1;

  constructor(private readonly context: ReaderContext) {}

  get full(): boolean {
    return this.records.length >= this.context.batchSize;
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
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
