import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess, type CliOutcome } from '../helpers/run-cli-process.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const fixture = path.join(repo, 'tests/fixtures/clean-rooms-sample.jsonl');

function inspect(...args: string[]): Promise<CliOutcome> {
  return runCliProcess(['inspect', ...args]);
}

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'cli-inspect-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// Each case spawns the CLI (a few seconds of start-up): run them side by side.
describe.concurrent('audience-uploader inspect', () => {
  it('prints the columns, masked examples and a --map line to copy', async () => {
    const { code, stdout, stderr } = await inspect(fixture);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Format: jsonl; sampled 1000 rows.');
    expect(stdout).toMatch(/^e-mail\s+string 1000\s+100%\s+\*\*\*@a\*\*\*\.com/mu);
    expect(stdout).toMatch(/^age\s+integer 1000\s+100%\s+\*\*\s+-$/mu);
    expect(stdout).toMatch(/^mobile_advertiser_id\s.*MAID \(100% valid\)$/mu);
    expect(stdout).toContain('--map e-mail=EMAIL --map phone_number=PHONE --map mobile_advertiser_id=MAID');
    const firstEmail = (JSON.parse((await readFile(fixture, 'utf8')).split('\n')[0] ?? '{}') as Record<string, string>)[
      'e-mail'
    ]?.trim();
    expect(firstEmail).toBeTruthy();
    expect(stdout.toLowerCase()).not.toContain(firstEmail?.toLowerCase());
  });

  it('prints JSON with --json', async () => {
    const { code, stdout } = await inspect('--json', fixture, '--sample-rows', '200');
    expect(code).toBe(0);
    const schema = JSON.parse(stdout) as { sampledRows: number; suggestedMapping: unknown };
    expect(schema.sampledRows).toBe(200);
    expect(schema.suggestedMapping).toEqual([
      { column: 'e-mail', type: 'EMAIL' },
      { column: 'phone_number', type: 'PHONE' },
      { column: 'mobile_advertiser_id', type: 'MAID' },
    ]);
  });

  it('reads a folder of gzip CSV part files as one input and quotes odd column names', async () => {
    const folder = path.join(root, 'result');
    await mkdir(folder);
    await writeFile(
      path.join(folder, 'part-00000.csv.gz'),
      gzipSync('Email Address;cell\na@example.com;+44 20 7946 0018\n'),
    );
    await writeFile(
      path.join(folder, 'part-00001.csv.gz'),
      gzipSync('Email Address;cell\nb@example.com;+44 20 7946 0019\n'),
    );
    await writeFile(path.join(folder, '_SUCCESS'), '');
    const { code, stdout } = await inspect(folder);
    expect(code).toBe(0);
    expect(stdout).toContain('Format: csv (delimiter ";"), gzip; sampled 2 rows.');
    expect(stdout).toContain("--map 'Email Address=EMAIL' --map cell=PHONE");
  });

  it('exits 2 with a next step when no input is given', async () => {
    const { code, stdout, stderr } = await inspect();
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('No input given');
    expect(stderr).toContain('What to do:');
  });

  it('exits 2 on a bad --sample-rows', async () => {
    const { code, stderr } = await inspect(fixture, '--sample-rows', 'many');
    expect(code).toBe(2);
    expect(stderr).toContain('--sample-rows');
  });

  it('exits 2 naming a missing input', async () => {
    const missing = path.join(root, 'missing.jsonl');
    const { code, stderr } = await inspect(missing);
    expect(code).toBe(2);
    expect(stderr).toContain(missing);
    expect(stderr).not.toMatch(/\n\s+at /u);
  });

  it('exits 1 naming an unsupported file and the supported formats', async () => {
    const file = path.join(root, 'book.xlsx');
    await writeFile(file, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
    const { code, stderr } = await inspect(file);
    expect(code).toBe(1);
    expect(stderr).toContain('book.xlsx');
    expect(stderr).toContain('JSON Lines');
    expect(stderr).not.toMatch(/\n\s+at /u);
  });
});
