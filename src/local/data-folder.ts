import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { UserError } from '../core/errors.ts';

/**
 * Everything the API may touch lives in the data folder. Paths from requests are relative, use `/`,
 * never contain `..`, never name hidden entries (`.jobs` holds hashed output, `.config` holds
 * credentials), and must still be inside the folder after symlinks are resolved.
 */
export async function resolveDataPath(dataDir: string, requested: string, field = 'path'): Promise<string> {
  const bad = (detail: string): UserError =>
    new UserError({
      code: 'path_outside_data_folder',
      title: 'Path not allowed',
      detail,
      resolution: 'Give a path relative to the data folder, such as "audiences/customers.csv", without "..".',
      field,
    });
  if (typeof requested !== 'string') throw bad('The path must be text.');
  if (requested.includes('\0')) throw bad('The path contains a NUL character.');
  const trimmed = requested.replace(/^\.\/+/, '');
  if (trimmed === '' || trimmed === '.' || trimmed === '/') return realpath(dataDir);
  if (isAbsolute(trimmed) || /^[A-Za-z]:/.test(trimmed) || trimmed.startsWith('\\') || trimmed.startsWith('/'))
    throw bad('Absolute paths are not allowed.');
  const segments = trimmed.split(/[\\/]+/).filter((segment) => segment !== '' && segment !== '.');
  if (segments.some((segment) => segment === '..')) throw bad('The path goes up out of the data folder ("..").');
  if (segments.some((segment) => segment.startsWith('.')))
    throw bad('Hidden files and folders (names starting with ".") are not accessible.');
  const root = await realpath(dataDir);
  const candidate = join(root, ...segments);
  let real: string;
  try {
    real = await realpath(candidate);
  } catch (error) {
    throw new UserError({
      code: 'path_not_found',
      title: 'File or folder not found',
      detail: `Nothing named "${segments.join('/')}" exists in the data folder.`,
      resolution: 'List the data folder (GET /api/files) and pick an existing file or folder.',
      field,
      cause: error,
    });
  }
  if (!isInside(root, real)) throw bad('The path leads out of the data folder through a symbolic link.');
  return real;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(`..${sep}`));
}

export interface DataFolderEntry {
  name: string;
  /** Relative to the data folder, `/`-separated: what the API and plans use. */
  path: string;
  kind: 'file' | 'folder';
  size: number;
  modifiedAt: string;
}

/** Lists a folder of the data folder: hidden entries and symlinks leading outside are left out. */
export async function listDataFolder(
  dataDir: string,
  requested: string,
): Promise<{ path: string; entries: DataFolderEntry[] }> {
  const absolute = await resolveDataPath(dataDir, requested);
  const root = await realpath(dataDir);
  const info = await stat(absolute);
  if (!info.isDirectory()) {
    throw new UserError({
      code: 'not_a_folder',
      title: 'Not a folder',
      detail: `"${toRelative(root, absolute)}" is a file.`,
      resolution: 'List its folder instead, or ask for its schema with GET /api/schema.',
      field: 'path',
    });
  }
  const entries: DataFolderEntry[] = [];
  for (const dirent of await readdir(absolute, { withFileTypes: true })) {
    if (dirent.name.startsWith('.')) continue;
    const full = join(absolute, dirent.name);
    try {
      const link = await lstat(full);
      const real = link.isSymbolicLink() ? await realpath(full) : full;
      if (!isInside(root, real)) continue;
      const target = await stat(real);
      if (!target.isFile() && !target.isDirectory()) continue;
      entries.push({
        name: dirent.name,
        path: toRelative(root, full),
        kind: target.isDirectory() ? 'folder' : 'file',
        size: target.isDirectory() ? 0 : target.size,
        modifiedAt: target.mtime.toISOString(),
      });
    } catch {
      // A dangling link or an entry removed while listing: not something a person can use.
    }
  }
  entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'folder' ? -1 : 1));
  return { path: toRelative(root, absolute), entries };
}

export function toRelative(root: string, absolute: string): string {
  return relative(root, absolute).split(sep).join('/');
}
