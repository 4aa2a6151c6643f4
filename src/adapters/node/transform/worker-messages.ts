/** Main thread → worker: the mapped cells of one batch's readable records. */
export interface WorkerBatch {
  sequence: number;
  rowCount: number;
  /** columns[m][row]: the cell of mapping entry m. */
  columns: unknown[][];
}

/** Worker → main thread. */
export interface WorkerResult {
  sequence: number;
  /** Per type: packed 32-byte digests (transferred). */
  digests: Array<{ buffer: ArrayBuffer; count: number }>;
  tallies: number[][];
  /** Triples (row, mapping index, REJECT_REASONS index). */
  rejects: number[];
}
