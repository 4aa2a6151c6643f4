import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../../core/errors.ts';
import { IDENTIFIER_TYPES, outputFolderOf } from '../../../core/identifiers/index.ts';
import { MANIFEST_FILE, REJECTS_FILE } from '../../../core/transform/manifest.ts';

/** Hidden folder (inside outDir unless a tempDir is given) where de-duplication spills to disk. */
export const SPILL_FOLDER_PREFIX = '.transform-spill-';

/**
 * Makes `outDir` ready for a run: creates it, proves it is writable, refuses to replace a finished
 * run unless `overwrite`, and removes what an earlier run of ours left (manifest first, so a run that
 * then fails leaves no manifest). Files we did not write are left alone.
 */
export function prepareOutputFolder(outDir: string, overwrite: boolean): void {
  try {
    mkdirSync(outDir, { recursive: true });
    const probe = join(outDir, `.write-check-${process.pid}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (error) {
    throw new UserError({
      code: 'output_not_writable',
      title: 'Output folder is not writable',
      detail: `Could not create or write to "${outDir}" (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
      resolution: 'Choose a folder you can write to with --out, or fix its permissions.',
      field: 'out',
      kind: 'failure',
      cause: error,
    });
  }
  const manifestPath = join(outDir, MANIFEST_FILE);
  if (existsSync(manifestPath)) {
    if (!overwrite) {
      throw new UserError({
        code: 'output_exists',
        title: 'Output folder already holds a transform',
        detail: `"${outDir}" already contains ${MANIFEST_FILE} from an earlier run.`,
        resolution: 'Choose an empty folder with --out, or pass --force to replace the earlier output.',
        field: 'out',
      });
    }
    rmSync(manifestPath);
  }
  rmSync(join(outDir, REJECTS_FILE), { force: true });
  // Spill folders of a run that was killed (a finished or failed run removes its own).
  for (const name of readdirSync(outDir))
    if (name.startsWith(SPILL_FOLDER_PREFIX)) rmSync(join(outDir, name), { recursive: true, force: true });
  for (const type of IDENTIFIER_TYPES) {
    const folder = join(outDir, outputFolderOf(type));
    if (!existsSync(folder) || !statSync(folder).isDirectory()) continue;
    for (const name of readdirSync(folder)) if (/^part-\d{5,}\.csv$/.test(name)) rmSync(join(folder, name));
  }
}

/** Writes a file so that it either exists complete or not at all: temp file, fsync, rename, fsync the folder. */
export function writeFileAtomic(path: string, directory: string, contents: string): void {
  const temporary = `${path}.tmp-${process.pid}`;
  const descriptor = openSync(temporary, 'w');
  try {
    writeFileSync(descriptor, contents);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  renameSync(temporary, path);
  fsyncDirectory(directory);
}

/** Makes a folder's entries (files created or renamed in it) durable: fsync of the folder itself. */
export function fsyncDirectory(directory: string): void {
  const folder = openSync(directory, 'r');
  try {
    fsyncSync(folder);
  } finally {
    closeSync(folder);
  }
}
