import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../core/errors.ts';
import type { ByteSource } from '../../core/readers/byte-source.ts';
import { fileByteSource } from './file-byte-source.ts';

export { fileByteSource } from './file-byte-source.ts';

/** Files a folder input never counts as data: job artefacts and Spark/Hadoop markers. */
const IGNORED_NAMES = new Set(['_SUCCESS', 'manifest.json', 'rejects.csv']);

/** Whether a file inside a folder input is skipped (hidden, `_`-prefixed Spark markers, checksums, our own outputs). */
export function isIgnoredInputFile(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_') || name.endsWith('.crc') || IGNORED_NAMES.has(name);
}

/**
 * Each path is a file or a folder; a folder contributes all its files, recursively, sorted by
 * relative path (Clean Rooms and Spark write one result as many part files under one prefix).
 */
export async function openLocalInputs(paths: string[]): Promise<ByteSource[]> {
  const sources: ByteSource[] = [];
  for (const inputPath of paths) {
    let info;
    try {
      info = await stat(inputPath);
    } catch (error) {
      throw new UserError({
        code: 'input_not_found',
        title: 'Input not found',
        detail: `"${inputPath}" does not exist or cannot be read.`,
        resolution: 'Check the path (relative paths start from the current folder) and that you may read it.',
        field: 'input',
        cause: error,
      });
    }
    if (info.isFile()) {
      sources.push(fileByteSource(inputPath));
      continue;
    }
    if (!info.isDirectory()) {
      // A pipe (`<(…)`), socket or device: its size reads as 0 and it cannot be read by position,
      // so it would count as an empty file.
      throw new UserError({
        code: 'input_not_a_file',
        title: 'Input is not a file',
        detail: `"${inputPath}" is a pipe, socket or device, not a file or folder: its records cannot be counted and read by position.`,
        resolution: 'Save the data to a file first (e.g. `aws s3 cp s3://… data.jsonl`), then name that file.',
        field: 'input',
      });
    }
    const files = await listFolder(inputPath);
    if (files.length === 0) {
      throw new UserError({
        code: 'no_input_files',
        title: 'No input files in folder',
        detail: `"${inputPath}" contains no data files (hidden files, _SUCCESS, *.crc, manifest.json and rejects.csv are skipped).`,
        resolution: 'Point at the folder that holds the result files, or at a file directly.',
        field: 'input',
      });
    }
    for (const relative of files)
      sources.push(fileByteSource(path.join(inputPath, relative), toPosix(path.join(inputPath, relative))));
  }
  return sources;
}

async function listFolder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const relative = path.relative(folder, path.join(entry.parentPath, entry.name));
    // A hidden or `_`-prefixed folder (e.g. `_temporary`) hides everything inside it.
    if (relative.split(path.sep).some((part) => isIgnoredInputFile(part))) continue;
    files.push(relative);
  }
  const posix = files.map(toPosix);
  return posix.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function toPosix(value: string): string {
  return value.split(path.sep).join('/');
}
