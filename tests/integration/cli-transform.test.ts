import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/core/transform/manifest.ts';
import { runCliProcess, type CliOutcome } from '../helpers/run-cli-process.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const sample = path.join(repo, 'tests/fixtures/clean-rooms-sample.jsonl');

function cli(...args: string[]): Promise<CliOutcome> {
  return runCliProcess(['transform', ...args]);
}

interface Vector {
  type: string;
  raw: unknown;
  options: Record<string, string>;
  expect: { status: string; normalized?: string; hash?: string; reason?: string };
}
const vectors = readFileSync(path.join(repo, 'tests/fixtures/normalization-vectors.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Vector);
const FLAGS: Record<string, string> = {
  phoneRegion: '--phone-region',
  phoneFormat: '--phone-format',
  emailDots: '--email-dots',
  prehashed: '--prehashed',
};

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'cli-transform-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Each case spawns the CLI (a couple of seconds of start-up): run them side by side.
describe.concurrent('audience-uploader transform: every public vector', () => {
  const groups = new Map<string, Vector[]>();
  for (const vector of vectors)
    groups.set(JSON.stringify(vector.options), [...(groups.get(JSON.stringify(vector.options)) ?? []), vector]);

  it.each([...groups.entries()])('options %s', async (optionsJson, group) => {
    const name = Buffer.from(optionsJson).toString('hex').slice(0, 24);
    const input = path.join(root, `vectors-${name}.jsonl`);
    const types = [...new Set(group.map((vector) => vector.type))];
    const header = JSON.stringify(Object.fromEntries(types.map((type) => [`${type.toLowerCase()}_col`, null])));
    writeFileSync(
      input,
      [header, ...group.map((vector) => JSON.stringify({ [`${vector.type.toLowerCase()}_col`]: vector.raw }))].join(
        '\n',
      ),
    );
    const outDir = path.join(root, `out-${name}`);
    const flags = Object.entries(JSON.parse(optionsJson) as Record<string, string>).flatMap(([option, value]) => [
      FLAGS[option] as string,
      value,
    ]);
    const { code, stdout, stderr } = await cli(
      input,
      ...types.flatMap((type) => ['--map', `${type.toLowerCase()}_col=${type}`]),
      '--out',
      outDir,
      '--json',
      '--workers',
      '1',
      ...flags,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const manifest = JSON.parse(stdout) as Manifest;
    expect(readFileSync(path.join(outDir, 'manifest.json'), 'utf8')).toBe(stdout);
    for (const type of types) {
      const own = group.filter((vector) => vector.type === type);
      const want = [
        ...new Set(
          own.filter((vector) => vector.expect.hash !== undefined).map((vector) => vector.expect.hash as string),
        ),
      ].sort();
      for (const vector of own.filter((entry) => entry.expect.status === 'ok')) {
        expect(
          createHash('sha256')
            .update(vector.expect.normalized as string)
            .digest('hex'),
        ).toBe(vector.expect.hash);
      }
      const files = manifest.types[type as keyof Manifest['types']]?.files ?? [];
      const lines = files.flatMap((file) =>
        readFileSync(path.join(outDir, file.path), 'utf8').split('\n').slice(0, -1),
      );
      expect(lines).toEqual(want);
    }
    const rejects = readFileSync(path.join(outDir, 'rejects.csv'), 'utf8').split('\n').slice(1, -1);
    const want = group.flatMap((vector, index) =>
      vector.expect.status === 'rejected'
        ? [`${index + 2},${input},${vector.type.toLowerCase()}_col,${vector.type},${vector.expect.reason}`]
        : [],
    );
    expect(rejects).toEqual(want);
  });
});

describe.concurrent('audience-uploader transform: summary and errors', () => {
  it('prints a per-type summary and splits partitions at --max-file-bytes', async () => {
    const outDir = path.join(root, 'summary');
    const { code, stdout, stderr } = await cli(
      sample,
      '--map',
      'e-mail=EMAIL',
      '--map',
      'phone_number=phone',
      '--out',
      outDir,
      '--max-file-bytes',
      '130',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Read 4,005 records from 1 file(s).');
    expect(stdout).toMatch(/^EMAIL\s+4,005\s+0\s+0\s+0\s+4,002\s+3\s+2$/mu);
    expect(stdout).toMatch(/^PHONE\s+2,403\s+0\s+0\s+1,602\s+2,400\s+3\s+2$/mu);
    expect(stdout).toContain('PHONE invalid_phone: 1,602');
    const manifest = JSON.parse(readFileSync(path.join(outDir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.types.EMAIL?.files.map((file) => [file.path, file.rows, file.bytes])).toEqual([
      ['email_sha256/part-00000.csv', 2, 130],
      ['email_sha256/part-00001.csv', 1, 65],
    ]);
    expect(manifest.options.maxFileBytes).toBe(130);
  });

  it('missing input: exit 2, says which path', async () => {
    const result = await cli(path.join(root, 'nope.jsonl'), '--map', 'e=EMAIL', '--out', path.join(root, 'x'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Input not found');
    expect(result.stderr).toContain('nope.jsonl');
    const none = await cli('--map', 'e=EMAIL', '--out', path.join(root, 'x'));
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('No input given');
  });

  it('unknown column: exit 2, lists the real ones', async () => {
    const { code, stderr } = await cli(sample, '--map', 'email=EMAIL', '--out', path.join(root, 'unknown-column'));
    expect(code).toBe(2);
    expect(stderr).toContain(
      '"email" is not in the input. Its columns are: "age", "e-mail", "phone_number", "mobile_advertiser_id".',
    );
    expect(stderr).toContain('What to do:');
    expect(existsSync(path.join(root, 'unknown-column', 'manifest.json'))).toBe(false);
  });

  it('unknown type and malformed arguments: exit 2, lists the valid types', async () => {
    const type = await cli(sample, '--map', 'e-mail=MAIL', '--out', path.join(root, 'unknown-type'));
    expect(type.code).toBe(2);
    expect(type.stderr).toContain('Valid types: EMAIL, PHONE, IDFA, GAID, MAID.');
    const noMap = await cli(sample, '--out', path.join(root, 'no-map'));
    expect(noMap.code).toBe(2);
    expect(noMap.stderr).toContain('--map');
    const badOption = await cli(
      sample,
      '--map',
      'e-mail=EMAIL',
      '--out',
      path.join(root, 'bad'),
      '--email-dots',
      'sometimes',
    );
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain('Invalid --email-dots');
    const tooSmall = await cli(
      sample,
      '--map',
      'e-mail=EMAIL',
      '--out',
      path.join(root, 'bad'),
      '--max-file-bytes',
      '64',
    );
    expect(tooSmall.code).toBe(2);
    expect(tooSmall.stderr).toContain('--max-file-bytes must be a whole number of at least 65');
    const noOut = await cli(sample, '--map', 'e-mail=EMAIL');
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('--out');
  });

  it('unsupported format: exit 1 with the supported ones', async () => {
    const input = path.join(root, 'book.xlsx');
    writeFileSync(input, Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]));
    const { code, stderr } = await cli(input, '--map', 'e=EMAIL', '--out', path.join(root, 'xlsx'));
    expect(code).toBe(1);
    expect(stderr).toContain('Unsupported or unreadable file format');
    expect(stderr).toContain('JSON Lines');
  });

  it('output folder not writable: exit 1; an earlier run is kept unless --force', async () => {
    const blocked = await cli(sample, '--map', 'e-mail=EMAIL', '--out', path.join(sample, 'out'));
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('Output folder is not writable');
    const outDir = path.join(root, 'again');
    expect((await cli(sample, '--map', 'e-mail=EMAIL', '--out', outDir)).code).toBe(0);
    const again = await cli(sample, '--map', 'e-mail=EMAIL', '--out', outDir);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    expect((await cli(sample, '--map', 'e-mail=EMAIL', '--out', outDir, '--force')).code).toBe(0);
  });
});
