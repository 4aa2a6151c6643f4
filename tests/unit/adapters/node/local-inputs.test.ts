import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalInputs } from '../../../../src/adapters/node/local-inputs.ts';
import { readRecords } from '../../../../src/core/readers/read-records.ts';
import { UserError } from '../../../../src/core/errors.ts';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'local-inputs-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function write(relative: string, content: string): Promise<string> {
  const file = path.join(root, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

describe('openLocalInputs', () => {
  it('turns a folder of part files into sorted sources, skipping markers and hidden files', async () => {
    const folder = path.join(root, 'result');
    await write('result/part-00001.jsonl', '{"n":2}\n');
    await write('result/part-00000.jsonl', '{"n":1}\n');
    await write('result/sub/part-00002.jsonl', '{"n":3}\n');
    await write('result/_SUCCESS', '');
    await write('result/.part-00000.jsonl.crc', 'x');
    await write('result/part-00000.jsonl.crc', 'x');
    await write('result/manifest.json', '{}');
    await write('result/rejects.csv', 'x');
    await write('result/.hidden/part-9.jsonl', '{"n":9}\n');
    await write('result/_temporary/0/part-8.jsonl', '{"n":8}\n');
    const sources = await openLocalInputs([folder]);
    expect(sources.map((source) => source.name)).toEqual([
      `${folder}/part-00000.jsonl`,
      `${folder}/part-00001.jsonl`,
      `${folder}/sub/part-00002.jsonl`,
    ]);
    const values: unknown[] = [];
    for (const source of sources)
      for await (const batch of readRecords(source)) values.push(...batch.records.map((record) => record?.n));
    expect(values).toEqual([1, 2, 3]);
  });

  it('keeps the order of the paths given, mixing files and folders', async () => {
    const file = await write('single.csv', 'email\nx\n');
    const sources = await openLocalInputs([file, path.join(root, 'result/sub')]);
    expect(sources.map((source) => source.name)).toEqual([file, `${root}/result/sub/part-00002.jsonl`]);
  });

  it('names a missing path and says what to do', async () => {
    const missing = path.join(root, 'nope.jsonl');
    const error: unknown = await openLocalInputs([missing]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('input_not_found');
    expect((error as UserError).detail).toContain(missing);
    expect((error as UserError).resolution).not.toBe('');
  });

  it('rejects a folder with no data files', async () => {
    await write('empty/_SUCCESS', '');
    const error: unknown = await openLocalInputs([path.join(root, 'empty')]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('no_input_files');
  });

  it('refuses a pipe with a clear error instead of reading it as an empty file', async () => {
    if (process.platform === 'win32') return;
    const fifo = path.join(root, 'pipe.jsonl');
    execFileSync('mkfifo', [fifo]);
    const error = await openLocalInputs([fifo]).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('input_not_a_file');
    expect((error as UserError).message + JSON.stringify(error)).toContain('Save the data to a file first');
  });
});
