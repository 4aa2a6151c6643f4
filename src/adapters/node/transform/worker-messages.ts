/** Main thread → worker: the mapped cells of one batch's readable records (parsed on the main thread). */
export interface WorkerCellsBatch {
  kind: 'cells';
  sequence: number;
  rowCount: number;
  /** columns[m][row]: the cell of mapping entry m. */
  columns: unknown[][];
}

/**
 * Main thread → worker: whole lines of a JSON Lines file, as raw bytes (transferred, not copied);
 * the worker parses them itself. `first`: the chunk starts the file (a byte-order mark there is dropped).
 */
export interface WorkerJsonLinesBatch {
  kind: 'jsonl';
  sequence: number;
  bytes: Uint8Array;
  first: boolean;
}

export type WorkerBatch = WorkerCellsBatch | WorkerJsonLinesBatch;

/** Worker → main thread. */
export interface WorkerResult {
  sequence: number;
  /** Per type: packed 32-byte digests (transferred). */
  digests: Array<{ buffer: ArrayBuffer; count: number }>;
  tallies: number[][];
  /** Triples (row, mapping index, REJECT_REASONS index). */
  rejects: number[];
  /** JSON Lines chunks only: records parsed, the malformed ones and each row's record index (null: row = record). */
  records?: { count: number; malformed: number[]; rowRecord: number[] | null };
}
