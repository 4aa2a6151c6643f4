import { createHash } from 'node:crypto';
import { mkdirSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { DIGEST_LINE_BYTES } from '../../../core/transform/digest-lines.ts';
import type { ManifestFile } from '../../../core/transform/manifest.ts';
import { partitionFileName } from '../../../core/transform/partition-names.ts';
import { fsyncDirectory } from './output-folder.ts';

/** One part file's MD5, fed the file's bytes in order. */
export interface PartHash {
  update(bytes: Uint8Array): void;
  /** The MD5 in hex; a deferred hasher settles it only after its next `release()`. */
  end(): Promise<string>;
}

/**
 * Where part files' MD5s are computed: in this thread (inThreadMd5), or elsewhere (the worker pool's,
 * which takes the bytes given to `update` only when told they are no longer needed).
 */
export interface PartHasher {
  start(): PartHash;
  /** Every byte given to `update` so far is written: the hasher may now take those buffers (transfer them). */
  release(): void;
}

/** MD5s computed in the calling thread, as the bytes come. */
export const inThreadMd5: PartHasher = {
  start() {
    const md5 = createHash('md5');
    return { update: (bytes) => md5.update(bytes), end: () => Promise.resolve(md5.digest('hex')) };
  },
  release() {},
};

/**
 * Writes one type's sorted unique digests as `part-00000.csv`, … of at most `linesPerFile` lines,
 * each fsynced, with rows, bytes and MD5 recorded for the manifest. `finish` also fsyncs the folder
 * and the output folder that holds it, so the files' names are durable before the manifest names them.
 *
 * Writes and fsyncs run on libuv's thread pool; the MD5s in this thread meanwhile, or in the workers
 * (a PartHasher; the caller then calls its `release()` once a buffer's lines are all written).
 */
export class PartitionWriter {
  private readonly files: Array<Omit<ManifestFile, 'md5'> & { md5: Promise<string> }> = [];
  private handle: FileHandle | null = null;
  private md5: PartHash | null = null;
  private rows = 0;
  private bytes = 0;

  constructor(
    private readonly outDir: string,
    private readonly folder: string,
    private readonly linesPerFile: number,
    private readonly syncDirectory: (directory: string) => void = fsyncDirectory,
    private readonly hasher: PartHasher = inThreadMd5,
  ) {}

  /** Writes `count` hex lines (DIGEST_LINE_BYTES each, already sorted and encoded). */
  async writeLines(lines: Uint8Array, count: number): Promise<void> {
    let first = 0;
    while (first < count) {
      const handle = this.handle ?? (await this.open());
      const take = Math.min(count - first, this.linesPerFile - this.rows);
      const slice = lines.subarray(first * DIGEST_LINE_BYTES, (first + take) * DIGEST_LINE_BYTES);
      const written = writeAllAsync(handle, slice);
      this.md5?.update(slice);
      await written;
      this.rows += take;
      this.bytes += slice.byteLength;
      first += take;
      if (this.rows === this.linesPerFile) await this.closeFile();
    }
  }

  /** Closes the last file; returns every file written (none when there was no digest). */
  async finish(): Promise<ManifestFile[]> {
    if (this.handle !== null) await this.closeFile();
    this.hasher.release();
    const files: ManifestFile[] = [];
    for (const file of this.files) files.push({ ...file, md5: await file.md5 });
    if (files.length > 0) {
      this.syncDirectory(join(this.outDir, this.folder));
      this.syncDirectory(this.outDir);
    }
    return files;
  }

  /** On failure: just release the open file. */
  async abandon(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }

  private async open(): Promise<FileHandle> {
    const directory = join(this.outDir, this.folder);
    mkdirSync(directory, { recursive: true });
    this.handle = await open(join(directory, partitionFileName(this.files.length)), 'w');
    this.md5 = this.hasher.start();
    this.rows = 0;
    this.bytes = 0;
    return this.handle;
  }

  private async closeFile(): Promise<void> {
    const handle = this.handle as FileHandle;
    this.handle = null;
    const md5 = (this.md5 as PartHash).end();
    // Awaited in finish(); a failure before then must not surface as an unhandled rejection.
    md5.catch(() => undefined);
    this.md5 = null;
    await handle.sync();
    await handle.close();
    this.files.push({
      path: `${this.folder}/${partitionFileName(this.files.length)}`,
      rows: this.rows,
      bytes: this.bytes,
      md5,
    });
  }
}

async function writeAllAsync(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    offset += (await handle.write(bytes, offset, bytes.byteLength - offset)).bytesWritten;
  }
}

export function writeAll(descriptor: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.byteLength) offset += writeSync(descriptor, bytes, offset, bytes.byteLength - offset);
}
