/** Main thread → worker: the mapped cells of one batch's readable records (parsed on the main thread). */
export interface WorkerCellsBatch {
  kind: 'cells';
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
  bytes: Uint8Array;
  first: boolean;
}

export type WorkerBatch = WorkerCellsBatch | WorkerJsonLinesBatch;

/** Main thread → worker, in the final phase: one group of a type's digests to sort, de-duplicate and encode. */
export interface WorkerSortRequest {
  kind: 'sort';
  /** Packed 32-byte digests (transferred), their leading bytes in one range. */
  packed: Uint8Array;
  count: number;
  commonPrefixBytes: number;
}

/** Worker → main thread: the group's distinct digests, ascending, as hex lines (transferred). */
export interface WorkerSortResult {
  lines: Uint8Array;
  count: number;
}

/**
 * Main thread → worker, in the final phase: the next bytes of part files, in file order, for their
 * MD5s (views of transferred buffers), and the files whose MD5 is complete. Every step of one file
 * goes to the same worker, so they arrive in order.
 */
export interface WorkerMd5Request {
  kind: 'md5';
  steps: Array<{ file: number; bytes: Uint8Array } | { file: number; end: true }>;
}

/** Worker → main thread: the MD5 (hex) of each file the request ended (the worker frees the request's buffers). */
export interface WorkerMd5Result {
  md5s: Array<{ file: number; md5: string }>;
}

/** What the pool posts: a message and the id its answer comes back with. */
export interface WorkerEnvelope {
  id: number;
  message: WorkerBatch | WorkerSortRequest | WorkerMd5Request;
}

/** Worker → main thread. */
export interface WorkerResult {
  /**
   * Per type: packed 32-byte digests (transferred). From a worker thread they come ordered by leading
   * byte, `starts` (257 entries) saying where each byte's run begins (see groupByLeadingByte).
   */
  digests: Array<{ buffer: ArrayBuffer; count: number; starts?: Uint32Array }>;
  tallies: number[][];
  /**
   * Triples (row, mapping index, REJECT_REASONS index). From a worker thread an Int32Array,
   * transferred: a structured clone of a number[] costs ≈ 0.4 µs per number on each side.
   */
  rejects: number[] | Int32Array;
  /** JSON Lines chunks only: records parsed, the malformed ones and each row's record index (null: row = record). */
  records?: { count: number; malformed: number[]; rowRecord: number[] | Int32Array | null };
}
