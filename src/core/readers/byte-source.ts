/**
 * The port through which every reader gets bytes: a file on disk, an S3 object, a browser `File`.
 * Readers never open files themselves, so the same code works in every runtime.
 */
export interface ByteSource {
  /** Where the bytes come from, as shown in reports (a path relative to the input, an S3 key). */
  readonly name: string;
  /** Total size in bytes. */
  size(): Promise<number>;
  /** The whole object from its first byte, streamed. */
  stream(signal?: AbortSignal): AsyncIterable<Uint8Array>;
  /** Bytes [start, endExclusive): used by Parquet footers and bounded samples. */
  readRange(start: number, endExclusive: number): Promise<Uint8Array>;
  /**
   * Optional. Gzip-compressed Parquet needs random access to its decompressed bytes: a source that
   * can hold them somewhere cheaper than memory (the Node adapter: a temporary file) provides them
   * here; `dispose` frees them. Without it, readers decompress into memory.
   */
  gunzipForRandomAccess?(signal?: AbortSignal): Promise<ByteSource & { dispose?(): Promise<void> }>;
  /**
   * Optional. Reads at any position, each into a fresh buffer of its own that the caller may keep or
   * hand on (a local file: one pread each), so a reader that cuts the bytes into chunks needs no copy.
   * Sources without cheap random access (S3, a browser `File`) leave it out and are streamed; null:
   * not this one after all (a local path that is a pipe or a device), streamed too.
   */
  openPositionalReader?(): Promise<PositionalReader | null>;
}

export interface PositionalReader {
  /** Up to `length` bytes from `position`; fewer only at the end of the source. */
  read(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}
