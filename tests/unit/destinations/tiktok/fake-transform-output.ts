import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IdentifierType } from '../../../../src/core/identifiers/rules.ts';
import { calculateTypeOf, outputFolderOf } from '../../../../src/core/identifiers/rules.ts';
import type { Manifest, ManifestFile } from '../../../../src/core/transform/manifest.ts';

/**
 * A transform output built without the transform engine: `<type>_sha256/part-0000N.csv` files of
 * random 64-hex ids (one per line) and a manifest.json whose rows, bytes and MD5 are computed here
 * with node:crypto.
 */
export interface FakeTransformOutput {
  manifest: Manifest;
  /** Partition bytes by manifest path. */
  files: Map<string, Uint8Array>;
  /** The ids of each type, in file order. */
  ids: Map<IdentifierType, string[]>;
  readPartition(path: string): Promise<Uint8Array>;
}

export function randomSha256Ids(count: number): string[] {
  const bytes = randomBytes(count * 32);
  const ids: string[] = new Array(count);
  for (let i = 0; i < count; i += 1) ids[i] = bytes.subarray(i * 32, i * 32 + 32).toString('hex');
  return ids;
}

export function buildFakeTransformOutput(
  spec: Partial<Record<IdentifierType, { ids: number; partitions: number }>>,
): FakeTransformOutput {
  const files = new Map<string, Uint8Array>();
  const ids = new Map<IdentifierType, string[]>();
  const types: Manifest['types'] = {};
  for (const [type, { ids: count, partitions }] of Object.entries(spec) as Array<
    [IdentifierType, { ids: number; partitions: number }]
  >) {
    const all = randomSha256Ids(count);
    ids.set(type, all);
    const manifestFiles: ManifestFile[] = [];
    const perPartition = Math.ceil(count / partitions);
    for (let p = 0; p < partitions; p += 1) {
      const slice = all.slice(p * perPartition, (p + 1) * perPartition);
      const bytes = Buffer.from(slice.map((id) => `${id}\n`).join(''), 'utf8');
      const path = `${outputFolderOf(type)}/part-${String(p).padStart(5, '0')}.csv`;
      files.set(path, bytes);
      manifestFiles.push({
        path,
        rows: slice.length,
        bytes: bytes.byteLength,
        md5: createHash('md5').update(bytes).digest('hex'),
      });
    }
    types[type] = {
      calculateType: calculateTypeOf(type),
      columns: [type.toLowerCase()],
      valid: count,
      prehashed: 0,
      empty: 0,
      rejected: {},
      duplicates: 0,
      unique: count,
      files: manifestFiles,
    };
  }
  const manifest: Manifest = {
    manifestVersion: 1,
    rules: { profile: 'tiktok', version: 1 },
    inputs: [{ path: 'input.csv', format: 'csv', compression: 'none', bytes: 0 }],
    options: {
      phoneRegion: 'US',
      phoneFormat: 'digits',
      emailDots: 'keep',
      prehashed: 'accept',
      maxFileBytes: 50 * 1024 * 1024,
    } as Manifest['options'],
    mapping: Object.keys(spec).map((type) => ({ column: type.toLowerCase(), type: type as IdentifierType })),
    recordsRead: 0,
    malformedRecords: 0,
    types,
    rejects: { path: 'rejects.csv', rows: 0 },
  };
  return {
    manifest,
    files,
    ids,
    readPartition: async (path) => {
      const bytes = files.get(path);
      if (!bytes) throw new Error(`no partition ${path}`);
      return bytes;
    },
  };
}

/** Writes the fake output to a folder, as the transform command would. */
export async function writeFakeTransformOutput(dir: string, output: FakeTransformOutput): Promise<void> {
  for (const [path, bytes] of output.files) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
  await writeFile(join(dir, 'rejects.csv'), 'record,column,type,reason\n');
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(output.manifest, null, 2)}\n`);
}
