import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileByteSource, openLocalInputs } from '../../src/adapters/node/local-inputs.ts';
import { runTransform, type TransformRequest } from '../../src/adapters/node/transform/run-transform.ts';
import { isUserError } from '../../src/core/errors.ts';
import { DEFAULT_NORMALIZE_OPTIONS, type IdentifierType } from '../../src/core/identifiers/index.ts';
import type { Manifest } from '../../src/core/transform/manifest.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

interface Vector {
  type: IdentifierType;
  raw: unknown;
  options: Record<string, string>;
  expect: { status: 'ok' | 'prehashed' | 'empty' | 'rejected'; normalized?: string; hash?: string; reason?: string };
}
const vectors = readFileSync(join(fixtures, 'normalization-vectors.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Vector);

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'transform-engine-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

let runNumber = 0;
async function transform(
  inputs: string[],
  mapping: TransformRequest['mapping'],
  extra: Partial<TransformRequest> = {},
): Promise<{ manifest: Manifest; outDir: string }> {
  runNumber += 1;
  const outDir = extra.outDir ?? join(root, `out-${runNumber}`);
  const manifest = await runTransform({
    inputs: await openLocalInputs(inputs),
    mapping,
    options: DEFAULT_NORMALIZE_OPTIONS,
    outDir,
    workers: 1,
    ...extra,
  });
  return { manifest, outDir };
}

/** Every digest line of a type's partitions, in file order. */
function partitionLines(outDir: string, manifest: Manifest, type: IdentifierType): string[] {
  return (manifest.types[type]?.files ?? []).flatMap((file) =>
    readFileSync(join(outDir, file.path), 'utf8').split('\n').slice(0, -1),
  );
}

function rejectRows(outDir: string): string[][] {
  const lines = readFileSync(join(outDir, 'rejects.csv'), 'utf8').split('\n');
  expect(lines[0]).toBe('record_number,source,column,identifier_type,reason');
  return lines.slice(1, -1).map((line) => line.split(','));
}

/** The invariant of the manifest contract, checked for every type. */
function expectCountsAddUp(manifest: Manifest): void {
  for (const counts of Object.values(manifest.types)) {
    const rejected = Object.values(counts.rejected).reduce((sum, count) => sum + count, 0);
    expect(counts.valid + counts.prehashed + counts.empty + rejected).toBe(
      (manifest.recordsRead - manifest.malformedRecords) * counts.columns.length,
    );
    expect(counts.duplicates).toBe(counts.valid + counts.prehashed - counts.unique);
    expect(counts.files.reduce((sum, file) => sum + file.rows, 0)).toBe(counts.unique);
  }
}

describe('transform engine on the Clean Rooms sample (4,005 rows)', () => {
  it('gives counts that add up and exactly the digests of the spec vectors for the fixture cells', async () => {
    // Expected results per raw cell, from the public golden vectors (the fixture repeats a 15-record
    // cycle of cells that all appear there); device IDs normalize the same as IDFA, GAID or MAID.
    const expected = new Map(
      vectors.map((vector) => [
        `${vector.type === 'IDFA' || vector.type === 'GAID' ? 'MAID' : vector.type}|${String(vector.raw)}`,
        vector.expect,
      ]),
    );
    const columns: Array<[string, IdentifierType]> = [
      ['e-mail', 'EMAIL'],
      ['phone_number', 'PHONE'],
      ['mobile_advertiser_id', 'MAID'],
    ];
    const records = readFileSync(join(fixtures, 'clean-rooms-sample.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, string>);
    expect(records).toHaveLength(4005);
    const want = new Map(
      columns.map(([, type]) => [
        type,
        { valid: 0, rejected: {} as Record<string, number>, digests: new Set<string>() },
      ]),
    );
    const wantRejects: string[] = [];
    records.forEach((record, index) => {
      for (const [column, type] of columns) {
        const result = expected.get(`${type}|${record[column]}`);
        if (!result) throw new Error(`fixture cell not covered by a vector: ${type}`);
        const tally = want.get(type)!;
        if (result.status === 'ok') {
          tally.valid += 1;
          tally.digests.add(sha256(result.normalized as string));
        } else if (result.status === 'rejected') {
          tally.rejected[result.reason as string] = (tally.rejected[result.reason as string] ?? 0) + 1;
          wantRejects.push(
            `${index + 1},${join(fixtures, 'clean-rooms-sample.jsonl')},${column},${type},${result.reason}`,
          );
        }
      }
    });

    const { manifest, outDir } = await transform(
      [join(fixtures, 'clean-rooms-sample.jsonl')],
      columns.map(([column, type]) => ({ column, type })),
      // Worker threads even for this small file (it would run in the main thread by default).
      { workers: 2, inThreadMaxBytes: 0 },
    );
    expect(manifest.recordsRead).toBe(4005);
    expect(manifest.malformedRecords).toBe(0);
    expectCountsAddUp(manifest);
    for (const [, type] of columns) {
      const counts = manifest.types[type]!;
      const tally = want.get(type)!;
      expect(counts.valid).toBe(tally.valid);
      expect(counts.rejected).toEqual(tally.rejected);
      expect(counts.unique).toBe(tally.digests.size);
      expect(partitionLines(outDir, manifest, type)).toEqual([...tally.digests].sort());
    }
    expect(manifest.types.EMAIL?.unique).toBe(3);
    expect(manifest.types.PHONE?.rejected).toEqual({ invalid_phone: 1602 });
    expect(manifest.types.MAID?.calculateType).toBe('FIRST_SHA256');
    expect(rejectRows(outDir).map((row) => row.join(','))).toEqual(wantRejects);
    expect(manifest.rejects.rows).toBe(wantRejects.length);
    // The manifest on disk is the returned one, pretty-printed.
    expect(JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8'))).toEqual(manifest);
    expect(readFileSync(join(outDir, 'manifest.json'), 'utf8')).toBe(`${JSON.stringify(manifest, null, 2)}\n`);
  });
});

describe('every public normalization vector through the engine', () => {
  // One input per options set: column `<TYPE>` holds the vector's raw cell, other types' cells are absent.
  const groups = new Map<string, Vector[]>();
  for (const vector of vectors)
    groups.set(JSON.stringify(vector.options), [...(groups.get(JSON.stringify(vector.options)) ?? []), vector]);

  it.each([...groups.entries()])('options %s', async (optionsJson, group) => {
    const input = join(root, `vectors-${runNumber}-${group.length}.jsonl`);
    writeFileSync(input, group.map((vector) => `${JSON.stringify({ id: 'x', [vector.type]: vector.raw })}\n`).join(''));
    const types = [...new Set(group.map((vector) => vector.type))];
    // Every type column is present in the first records for the column check: add one all-empty record.
    writeFileSync(
      input,
      `${JSON.stringify(Object.fromEntries(types.map((type) => [type, null])))}\n${readFileSync(input, 'utf8')}`,
    );
    const options = { ...DEFAULT_NORMALIZE_OPTIONS, ...(JSON.parse(optionsJson) as object) };
    const { manifest, outDir } = await transform(
      [input],
      types.map((type) => ({ column: type, type })),
      { options },
    );
    expectCountsAddUp(manifest);
    for (const type of types) {
      const own = group.filter((vector) => vector.type === type);
      const digests = new Set(
        own
          .filter((vector) => vector.expect.status === 'ok' || vector.expect.status === 'prehashed')
          .map((vector) => vector.expect.hash as string),
      );
      expect(partitionLines(outDir, manifest, type)).toEqual([...digests].sort());
      // Vectors give the hash; check it is SHA-256 of the normalized string, independently.
      for (const vector of own.filter((entry) => entry.expect.status === 'ok'))
        expect(sha256(vector.expect.normalized as string)).toBe(vector.expect.hash);
      const counts = manifest.types[type]!;
      expect(counts.valid).toBe(own.filter((vector) => vector.expect.status === 'ok').length);
      expect(counts.prehashed).toBe(own.filter((vector) => vector.expect.status === 'prehashed').length);
    }
    const wantRejects = group.flatMap((vector, index) =>
      vector.expect.status === 'rejected'
        ? [`${index + 2},${input},${vector.type},${vector.type},${vector.expect.reason}`]
        : [],
    );
    expect(rejectRows(outDir).map((row) => row.join(','))).toEqual(wantRejects);
  });
});

describe('the same records in every format', () => {
  it('JSONL, JSON array, CSV, TSV, Parquet and gzip give byte-identical partitions', async () => {
    const rows = Array.from({ length: 3000 }, (_unused, index) => ({
      email: index % 17 === 0 ? 'not-an-email' : ` User${index % 2500}@Example.com `,
      phone: index % 11 === 0 ? '' : `+1 415 555 ${String(2000 + (index % 900)).padStart(4, '0')}`,
      device:
        index % 13 === 0
          ? '00000000-0000-0000-0000-000000000000'
          : `918f1d4f-d195-4a8b-af47-${String(index % 1000).padStart(12, '0')}`,
    }));
    const names = ['email', 'phone', 'device'] as const;
    const folder = join(root, 'formats');
    mkdirSync(folder, { recursive: true });
    const jsonl = rows.map((row) => `${JSON.stringify(row)}\n`).join('');
    const csv = `${names.join(',')}\r\n${rows.map((row) => names.map((name) => `"${row[name]}"`).join(',')).join('\r\n')}\r\n`;
    const tsv = `${names.join('\t')}\n${rows.map((row) => names.map((name) => row[name]).join('\t')).join('\n')}\n`;
    const files: Record<string, Buffer> = {
      'records.jsonl': Buffer.from(jsonl),
      'records.json': Buffer.from(JSON.stringify(rows, null, 1)),
      'records.csv': Buffer.from(`\uFEFF${csv}`),
      'records.tsv': Buffer.from(tsv),
      'records.parquet': Buffer.from(
        parquetWriteBuffer({
          columnData: names.map((name) => ({ name, data: rows.map((row) => row[name]), type: 'STRING' as const })),
        }),
      ),
      'records.jsonl.gz': gzipSync(jsonl),
      'records.csv.gz': gzipSync(csv),
    };
    const mapping = [
      { column: 'email', type: 'EMAIL' as const },
      { column: 'phone', type: 'PHONE' as const },
      { column: 'device', type: 'MAID' as const },
    ];
    const outputs: Array<{ name: string; manifest: Manifest; outDir: string }> = [];
    for (const [name, bytes] of Object.entries(files)) {
      writeFileSync(join(folder, name), bytes);
      outputs.push({ name, ...(await transform([join(folder, name)], mapping)) });
    }
    const [first, ...others] = outputs;
    expect(first?.manifest.types.EMAIL?.unique).toBe(
      new Set(rows.filter((row) => row.email !== 'not-an-email').map((row) => row.email.trim().toLowerCase())).size,
    );
    expect(first?.manifest.types.PHONE?.empty).toBe(rows.filter((row) => row.phone === '').length);
    for (const other of others) {
      expect(other.manifest.recordsRead, other.name).toBe(3000);
      expect(other.manifest.types, other.name).toEqual(first?.manifest.types);
      for (const type of ['EMAIL', 'PHONE', 'MAID'] as const) {
        for (const file of first?.manifest.types[type]?.files ?? []) {
          expect(
            readFileSync(join(other.outDir, file.path)).equals(readFileSync(join(first!.outDir, file.path))),
            `${other.name} ${file.path}`,
          ).toBe(true);
        }
      }
    }
    expect(outputs.map((output) => output.manifest.inputs[0]?.format)).toEqual([
      'jsonl',
      'json-array',
      'csv',
      'tsv',
      'parquet',
      'jsonl',
      'csv',
    ]);
    expect(outputs.map((output) => output.manifest.inputs[0]?.compression)).toEqual([
      'none',
      'none',
      'none',
      'none',
      'none',
      'gzip',
      'gzip',
    ]);
  });
});

describe('partitions, spilling and determinism', () => {
  const manyEmails = (): string => {
    const path = join(root, 'many.jsonl');
    if (!existsSync(path)) {
      // 20,000 records, 12,000 distinct people, a malformed line and some bad cells.
      const lines = Array.from({ length: 20_000 }, (_unused, index) =>
        index === 9000
          ? '{"email": broken'
          : JSON.stringify({
              email: index % 50 === 0 ? 'nope' : `p${(index * 7) % 12_000}@example.com`,
              other: `p${index}@example.org`,
            }),
      );
      writeFileSync(path, `${lines.join('\n')}\n`);
    }
    return path;
  };

  it('splits partitions at --max-file-bytes with rows, bytes and MD5 that match the files', async () => {
    const { manifest, outDir } = await transform(
      [manyEmails()],
      [
        { column: 'email', type: 'EMAIL' },
        { column: 'other', type: 'EMAIL' },
      ],
      { maxFileBytes: 65 * 1000 + 64 },
    );
    expectCountsAddUp(manifest);
    const counts = manifest.types.EMAIL!;
    expect(counts.columns).toEqual(['email', 'other']);
    expect(manifest.malformedRecords).toBe(1);
    expect(counts.unique).toBe(11_760 + 19_999);
    expect(counts.files).toHaveLength(Math.ceil(counts.unique / 1000));
    counts.files.forEach((file, index) => {
      const bytes = readFileSync(join(outDir, file.path));
      expect(file.path).toBe(`email_sha256/part-${String(index).padStart(5, '0')}.csv`);
      expect(file.bytes).toBe(bytes.byteLength);
      expect(file.bytes).toBeLessThanOrEqual(65 * 1000 + 64);
      expect(file.rows).toBe(bytes.toString().split('\n').length - 1);
      expect(file.md5).toBe(md5(bytes));
    });
    expect(readdirSync(join(outDir, 'email_sha256'))).toHaveLength(counts.files.length);
    const lines = partitionLines(outDir, manifest, 'EMAIL');
    expect(lines.every((line) => /^[0-9a-f]{64}$/.test(line))).toBe(true);
    expect(lines).toEqual([...new Set(lines)].sort());
    // The malformed record is one reject row with no column and type.
    expect(rejectRows(outDir).filter((row) => row[4] === 'malformed_record')).toEqual([
      ['9001', manyEmails(), '', '', 'malformed_record'],
    ]);
  });

  it('sorts a large in-memory type in groups on the workers and writes every distinct digest once, in order, across partitions', async () => {
    // 150,000 rows, one in ten a repeat: far more digests than one sort group (64 Ki), so the final
    // phase sends several groups to the two workers at once and writes them back in order.
    const path = join(root, 'groups.jsonl');
    const emails: string[] = [];
    for (let row = 0; row < 150_000; row += 1) emails.push(`person${row % 10 === 9 ? row - 9 : row}@example.com`);
    writeFileSync(path, emails.map((email) => `${JSON.stringify({ email })}\n`).join(''));
    const expected = [...new Set(emails.map(sha256))].sort();
    const { manifest, outDir } = await transform([path], [{ column: 'email', type: 'EMAIL' }], {
      workers: 2,
      inThreadMaxBytes: 0,
      maxFileBytes: 65 * 40_000, // several part files, split across sort groups
    });
    expect(manifest.types.EMAIL?.valid).toBe(150_000);
    expect(manifest.types.EMAIL?.unique).toBe(expected.length);
    expect(manifest.types.EMAIL?.files.map((file) => file.rows)).toEqual([40_000, 40_000, 40_000, 15_000]);
    expect(partitionLines(outDir, manifest, 'EMAIL')).toEqual(expected);
    for (const file of manifest.types.EMAIL?.files ?? []) {
      expect(file.md5).toBe(md5(readFileSync(join(outDir, file.path))));
    }
  });

  it('spills to disk under a tiny memory budget and still writes the same bytes; runs are deterministic', async () => {
    const mapping = [
      { column: 'email', type: 'EMAIL' as const },
      { column: 'other', type: 'EMAIL' as const },
    ];
    // In the main thread (a small input) and in worker threads: the same bytes.
    const inMemory = await transform([manyEmails()], mapping, { workers: 2 });
    const spilled = await transform([manyEmails()], mapping, {
      memoryBudgetBytes: 1,
      workers: 1,
      tempDir: root,
      inThreadMaxBytes: 0,
    });
    const again = await transform([manyEmails()], mapping, { memoryBudgetBytes: 1, workers: 2, inThreadMaxBytes: 0 });
    for (const run of [spilled, again]) {
      for (const name of ['manifest.json', 'rejects.csv', 'email_sha256/part-00000.csv']) {
        expect(readFileSync(join(run.outDir, name)).equals(readFileSync(join(inMemory.outDir, name))), name).toBe(true);
      }
    }
    // The spill folders are removed afterwards.
    expect(readdirSync(root).filter((name) => name.startsWith('.transform-spill-'))).toEqual([]);
    expect(readdirSync(again.outDir).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('writes no manifest when the run fails midway, also when replacing an earlier run', async () => {
    const outDir = join(root, 'crash');
    await transform([manyEmails()], [{ column: 'email', type: 'EMAIL' }], { outDir });
    expect(existsSync(join(outDir, 'manifest.json'))).toBe(true);
    let batches = 0;
    const failing = transform([manyEmails()], [{ column: 'email', type: 'EMAIL' }], {
      outDir,
      overwrite: true,
      onBatch: () => {
        batches += 1;
        if (batches === 2) throw new Error('disk on fire');
      },
    });
    await expect(failing).rejects.toThrow('disk on fire');
    expect(existsSync(join(outDir, 'manifest.json'))).toBe(false);
    expect(readdirSync(outDir).filter((name) => name.includes('manifest'))).toEqual([]);
  });
});

describe('errors a person can act on', () => {
  const catchError = async (promise: Promise<unknown>): Promise<unknown> =>
    promise.then(
      () => null,
      (error: unknown) => error,
    );

  it('names a mapped column that is not in the input and lists the real ones', async () => {
    const error = await catchError(
      transform([join(fixtures, 'clean-rooms-sample.jsonl')], [{ column: 'email', type: 'EMAIL' }]),
    );
    expect(isUserError(error) && error.code).toBe('unknown_column');
    expect((error as Error).message).toContain('"e-mail", "phone_number", "mobile_advertiser_id"');
  });

  it('refuses to overwrite a finished run unless asked, and reports an unwritable folder', async () => {
    const outDir = join(root, 'twice');
    const mapping = [{ column: 'e-mail', type: 'EMAIL' as const }];
    await transform([join(fixtures, 'clean-rooms-sample.jsonl')], mapping, { outDir });
    const again = await catchError(transform([join(fixtures, 'clean-rooms-sample.jsonl')], mapping, { outDir }));
    expect(isUserError(again) && again.code).toBe('output_exists');
    await expect(
      transform([join(fixtures, 'clean-rooms-sample.jsonl')], mapping, { outDir, overwrite: true }),
    ).resolves.toBeTruthy();
    const blocked = await catchError(
      transform([join(fixtures, 'clean-rooms-sample.jsonl')], mapping, {
        outDir: join(fixtures, 'clean-rooms-sample.jsonl', 'out'),
      }),
    );
    expect(isUserError(blocked) && blocked.code).toBe('output_not_writable');
  });

  it('clears what an earlier or killed run of ours left, and nothing else', async () => {
    const outDir = join(root, 'leftovers');
    mkdirSync(join(outDir, 'email_sha256'), { recursive: true });
    mkdirSync(join(outDir, '.transform-spill-killed', 'email_sha256'), { recursive: true });
    writeFileSync(join(outDir, 'email_sha256', 'part-00042.csv'), 'stale\n');
    writeFileSync(join(outDir, 'notes.txt'), 'mine');
    const { manifest } = await transform(
      [join(fixtures, 'clean-rooms-sample.jsonl')],
      [{ column: 'e-mail', type: 'EMAIL' }],
      { outDir },
    );
    expect(readdirSync(join(outDir, 'email_sha256'))).toEqual(
      manifest.types.EMAIL?.files.map((file) => file.path.split('/')[1]),
    );
    expect(readdirSync(outDir).sort()).toEqual(['email_sha256', 'manifest.json', 'notes.txt', 'rejects.csv']);
  });

  it('rejects.csv never holds a raw value', async () => {
    const input = join(root, 'cells.csv');
    const raws = ['secret.person@', 'call-me-maybe-12', 'zz-device-1234', '3.14'];
    writeFileSync(input, `email,phone,device\n${raws[0]},${raws[1]},${raws[2]}\n"a@b",${raws[3]},x\n`);
    const { outDir, manifest } = await runTransform({
      inputs: [fileByteSource(input)],
      mapping: [
        { column: 'email', type: 'EMAIL' },
        { column: 'phone', type: 'PHONE' },
        { column: 'device', type: 'MAID' },
      ],
      options: DEFAULT_NORMALIZE_OPTIONS,
      outDir: join(root, 'cells-out'),
      workers: 1,
    }).then((result) => ({ manifest: result, outDir: join(root, 'cells-out') }));
    expect(manifest.rejects.rows).toBe(6);
    const text = readFileSync(join(outDir, 'rejects.csv'), 'utf8');
    for (const raw of [...raws, 'a@b', 'secret', 'call-me', 'zz-device']) expect(text).not.toContain(raw);
  });
});
