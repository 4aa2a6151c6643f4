import { HeadObjectCommand, ListObjectsV2Command, NotFound, type S3Client } from '@aws-sdk/client-s3';
import { UserError } from '../../core/errors.ts';
import type { ByteSource } from '../../core/readers/byte-source.ts';
import { isIgnoredInputFile } from '../node/local-inputs.ts';
import { s3ByteSource } from './s3-byte-source.ts';

/** The data bucket and the prefix plans are relative to ('' for an existing bucket, 'uploads/' for Amplify storage). */
export interface DataLocation {
  bucket: string;
  prefix: string;
}

export interface SourceFileEntry {
  /** Relative to the data prefix; folders end with `/`. What plans name in `inputs`. */
  path: string;
  kind: 'file' | 'folder';
  size: number | null;
  lastModified: string | null;
}

export interface SourceFileList {
  prefix: string;
  entries: SourceFileEntry[];
  nextToken: string | null;
}

export interface ResolvedInput {
  key: string;
  /** Relative to the data prefix (what reports show). */
  path: string;
  size: number;
}

/**
 * A path a person gave (a plan input, a listing prefix): relative, no `..`, no hidden segments
 * (`.`-prefixed), at most 1024 characters. Returns it without a leading `./`.
 */
export function checkDataPath(path: string, field: string, allowEmpty = false): string {
  const trimmed = path.trim().replace(/^\.\/+/, '');
  const bad = (detail: string) =>
    new UserError({
      code: 'invalid_path',
      title: 'Invalid path',
      detail,
      resolution: 'Use a path relative to the data bucket, as listed by listSourceFiles (e.g. "results/run-1/").',
      field,
    });
  if (trimmed === '' && !allowEmpty) throw bad('The path is empty.');
  if (trimmed.length > 1024) throw bad('The path is longer than 1,024 characters.');
  if (trimmed.startsWith('/'))
    throw bad(`"${trimmed.slice(0, 80)}" starts with "/"; paths are relative to the data bucket.`);
  const segments = trimmed.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '..' || segment.startsWith('.')))
    throw bad(`"${trimmed.slice(0, 80)}" names a parent (..) or hidden (.) entry.`);
  return trimmed;
}

/** One level of the data bucket under `prefix` (folders first, then files), 1,000 entries a page. */
export async function listSourceFiles(
  client: S3Client,
  data: DataLocation,
  prefix: string,
  nextToken?: string | null,
): Promise<SourceFileList> {
  let relative = checkDataPath(prefix, 'prefix', true);
  if (relative !== '' && !relative.endsWith('/')) relative += '/';
  const response = await client.send(
    new ListObjectsV2Command({
      Bucket: data.bucket,
      Prefix: data.prefix + relative,
      Delimiter: '/',
      MaxKeys: 1000,
      ...(nextToken ? { ContinuationToken: nextToken } : {}),
    }),
  );
  const strip = (key: string) => key.slice(data.prefix.length);
  const folders: SourceFileEntry[] = (response.CommonPrefixes ?? [])
    .map((common) => strip(common.Prefix ?? ''))
    .filter((path) => path !== '' && !lastSegment(path).startsWith('.'))
    .map((path) => ({ path, kind: 'folder', size: null, lastModified: null }));
  const files: SourceFileEntry[] = (response.Contents ?? [])
    .filter((object) => object.Key !== undefined && !object.Key.endsWith('/'))
    .filter((object) => !lastSegment(object.Key as string).startsWith('.'))
    .map((object) => ({
      path: strip(object.Key as string),
      kind: 'file',
      size: object.Size ?? null,
      lastModified: object.LastModified ? object.LastModified.toISOString() : null,
    }));
  return { prefix: relative, entries: [...folders, ...files], nextToken: response.NextContinuationToken ?? null };
}

/**
 * Each input is an object or a prefix ("folder"); a prefix contributes every data object under it,
 * sorted by key (Clean Rooms writes one result as many part files), skipping markers and our own
 * outputs like local mode does. Fails with a UserError naming the input that does not exist.
 */
export async function resolveS3Inputs(
  client: S3Client,
  data: DataLocation,
  inputs: string[],
): Promise<ResolvedInput[]> {
  const resolved: ResolvedInput[] = [];
  for (const [index, input] of inputs.entries()) {
    const field = `inputs[${index}]`;
    const path = checkDataPath(input, field);
    if (!path.endsWith('/')) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: data.bucket, Key: data.prefix + path }));
        resolved.push({ key: data.prefix + path, path, size: head.ContentLength ?? 0 });
        continue;
      } catch (error) {
        if (!(error instanceof NotFound) && (error as { name?: string }).name !== 'NotFound') throw error;
      }
    }
    const folder = path.endsWith('/') ? path : `${path}/`;
    const objects = await listAll(client, data.bucket, data.prefix + folder);
    const files = objects.filter((object) => !isIgnoredInputFile(lastSegment(object.key)));
    if (files.length === 0) {
      throw new UserError({
        code: objects.length === 0 ? 'input_not_found' : 'no_input_files',
        title: objects.length === 0 ? 'Input not found' : 'No input files in folder',
        detail:
          objects.length === 0
            ? `"${path.slice(0, 200)}" is neither a file nor a folder of the data bucket.`
            : `"${folder.slice(0, 200)}" holds no data files (hidden files, _SUCCESS, *.crc, manifest.json and rejects.csv are skipped).`,
        resolution: 'Pick the file or folder again from the list of source files.',
        field,
      });
    }
    for (const object of files)
      resolved.push({ key: object.key, path: object.key.slice(data.prefix.length), size: object.size });
  }
  return resolved;
}

/** ByteSources for resolved inputs (ranged reads; names relative to the data prefix). */
export function openS3Inputs(client: S3Client, bucket: string, inputs: ResolvedInput[]): ByteSource[] {
  return inputs.map((input) => s3ByteSource(client, { bucket, key: input.key, size: input.size }, input.path));
}

async function listAll(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<Array<{ key: string; size: number }>> {
  const objects: Array<{ key: string; size: number }> = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
    );
    for (const object of page.Contents ?? [])
      if (object.Key && !object.Key.endsWith('/')) objects.push({ key: object.Key, size: object.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function lastSegment(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
