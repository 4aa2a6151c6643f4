import { createHash, type Hash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DIGEST_LINE_BYTES, encodeDigestLines } from '../../../core/transform/digest-lines.ts';
import type { ManifestFile } from '../../../core/transform/manifest.ts';
import { partitionFileName } from '../../../core/transform/partition-names.ts';
import { fsyncDirectory } from './output-folder.ts';

/** Digests encoded per write: bounds the line buffer (65 bytes each) to about 4 MiB. */
const LINES_PER_WRITE = 64 * 1024;

/**
 * Writes one type's sorted unique digests as `part-00000.csv`, … of at most `linesPerFile` lines,
 * each fsynced, with rows, bytes and MD5 recorded for the manifest. `finish` also fsyncs the folder
 * and the output folder that holds it, so the files' names are durable before the manifest names them.
 */
export class PartitionWriter {
  readonly files: ManifestFile[] = [];
  private descriptor: number | null = null;
  private md5: Hash | null = null;
  private rows = 0;
  private bytes = 0;

  constructor(
    private readonly outDir: string,
    private readonly folder: string,
    private readonly linesPerFile: number,
    private readonly syncDirectory: (directory: string) => void = fsyncDirectory,
  ) {}

  /** Writes `count` hex lines (DIGEST_LINE_BYTES each, already sorted and encoded). */
  writeLines(lines: Uint8Array, count: number): void {
    let first = 0;
    while (first < count) {
      if (this.descriptor === null) this.open();
      const take = Math.min(count - first, this.linesPerFile - this.rows);
      const slice = lines.subarray(first * DIGEST_LINE_BYTES, (first + take) * DIGEST_LINE_BYTES);
      writeAll(this.descriptor as number, slice);
      this.md5?.update(slice);
      this.rows += take;
      this.bytes += slice.byteLength;
      first += take;
      if (this.rows === this.linesPerFile) this.closeFile();
    }
  }

  /** Writes `count` packed digests as hex lines. */
  write(packed: Uint8Array, count: number): void {
    for (let first = 0; first < count; first += LINES_PER_WRITE) {
      const take = Math.min(LINES_PER_WRITE, count - first);
      this.writeLines(encodeDigestLines(packed, first, take), take);
    }
  }

  /** Closes the last file; returns every file written (none when there was no digest). */
  finish(): ManifestFile[] {
    if (this.descriptor !== null) this.closeFile();
    if (this.files.length > 0) {
      this.syncDirectory(join(this.outDir, this.folder));
      this.syncDirectory(this.outDir);
    }
    return this.files;
  }

  private open(): void {
    const directory = join(this.outDir, this.folder);
    mkdirSync(directory, { recursive: true });
    this.descriptor = openSync(join(directory, partitionFileName(this.files.length)), 'w');
    this.md5 = createHash('md5');
    this.rows = 0;
    this.bytes = 0;
  }

  private closeFile(): void {
    const descriptor = this.descriptor as number;
    fsyncSync(descriptor);
    closeSync(descriptor);
    this.files.push({
      path: `${this.folder}/${partitionFileName(this.files.length)}`,
      rows: this.rows,
      bytes: this.bytes,
      md5: (this.md5 as Hash).digest('hex'),
    });
    this.descriptor = null;
    this.md5 = null;
  }
}

export function writeAll(descriptor: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.byteLength) offset += writeSync(descriptor, bytes, offset, bytes.byteLength - offset);
}
