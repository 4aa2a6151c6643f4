/** A batch of records from one source, in order. Readers yield batches to keep per-record overhead low. */
export interface RecordBatch {
  /** ByteSource.name of the file the records come from. */
  source: string;
  /** 1-based number, within its source, of the first record in `records` (header rows are not records). */
  firstRecordNumber: number;
  /** Column name → cell value as read (string, number, bigint, boolean, null, object…); `null` marks a malformed record. */
  records: Array<Record<string, unknown> | null>;
  /** Bytes of the source consumed so far (for progress); compressed bytes when the source is gzip. */
  bytesRead: number;
}

export type InputFormat = 'jsonl' | 'json-array' | 'csv' | 'tsv' | 'parquet';
export type InputCompression = 'none' | 'gzip';

export interface DetectedFormat {
  format: InputFormat;
  compression: InputCompression;
  /** CSV/TSV only. */
  delimiter?: string;
  /** CSV/TSV only: whether the first row is a header (false: it is the first record; columns `column_1`…). */
  hasHeader?: boolean;
}
