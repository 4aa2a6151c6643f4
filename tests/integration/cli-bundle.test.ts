// The bundled CLI (bin/audience-uploader.js → scripts/cli-bundle.mjs) against the TypeScript one run by tsx.
// The bundled runs happen in a temporary copy of the repository whose node_modules links every package
// but tsx: they cannot have gone through tsx (main thread or workers), and no test touches the real src/
// or the real cache. The copy starts without a cache, as a fresh clone after `npm ci` does.
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { people } from '../../bench/generate-audience-files.ts';
import { REPO_ROOT, runCliProcess, runNodeProcess, type CliOutcome } from '../helpers/run-cli-process.ts';
import { seededRandomForTest } from '../helpers/test-seed.ts';

const SAMPLE = path.join(REPO_ROOT, 'tests/fixtures/clean-rooms-sample.jsonl');
/** Above run-transform's DEFAULT_IN_THREAD_MAX_BYTES (8 MiB), so the transform runs in worker threads. */
const WORKER_INPUT_BYTES = 9 * 1024 * 1024;
const USAGE_LINE = 'show columns, value kinds and a suggested mapping';

let scratch: string;
/** The temporary copy: src/, bin/, scripts/cli-bundle.mjs, tsconfig.json, package.json, node_modules without tsx. */
let copy: string;
let cacheDir: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'cli-bundle-'));
  copy = path.join(scratch, 'repo');
  cpSync(path.join(REPO_ROOT, 'src'), path.join(copy, 'src'), {
    recursive: true,
    filter: (from) => path.relative(path.join(REPO_ROOT, 'src'), from).split(path.sep)[0] !== 'ui',
  });
  cpSync(path.join(REPO_ROOT, 'bin'), path.join(copy, 'bin'), { recursive: true });
  mkdirSync(path.join(copy, 'scripts'));
  for (const file of ['scripts/cli-bundle.mjs', 'tsconfig.json', 'package.json'])
    copyFileSync(path.join(REPO_ROOT, file), path.join(copy, file));
  mkdirSync(path.join(copy, 'node_modules'));
  for (const name of readdirSync(path.join(REPO_ROOT, 'node_modules'))) {
    if (name === 'tsx' || name === '.cache' || name === '.bin') continue;
    symlinkSync(path.join(REPO_ROOT, 'node_modules', name), path.join(copy, 'node_modules', name));
  }
  cacheDir = path.join(copy, 'node_modules/.cache/audience-uploader/cli');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The env of a child: ours, without the launcher's own switches. */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('AUDIENCE_UPLOADER_CACHE_DIR' in extra)) delete env.AUDIENCE_UPLOADER_CACHE_DIR;
  delete env.AUDIENCE_UPLOADER_TSX;
  return env;
}

/** Runs `<root>/bin/audience-uploader.js <args…>`; resolves with its exit code and output. */
function launch(root: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliOutcome> {
  return runNodeProcess([path.join(root, 'bin/audience-uploader.js'), ...args], {
    cwd: root,
    env: childEnv(env),
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Every file of a transform's output folder: relative path → size and SHA-256 of its bytes. */
function outputFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const bytes = readFileSync(path.join(entry.parentPath, entry.name));
    files.set(path.relative(dir, path.join(entry.parentPath, entry.name)), `${bytes.length} ${sha256(bytes)}`);
  }
  return files;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** URLs of the scripts the CPU profiles in `dir` sampled. */
function profiledUrls(dir: string): string[] {
  const urls = new Set<string>();
  for (const name of readdirSync(dir)) {
    const profile = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as {
      nodes: Array<{ callFrame: { url: string } }>;
    };
    for (const node of profile.nodes) if (node.callFrame.url !== '') urls.add(node.callFrame.url);
  }
  return [...urls];
}

function builds(): string[] {
  return readdirSync(cacheDir).filter((name) => name !== 'current.json');
}

describe('the bundled CLI writes what the tsx CLI writes', () => {
  it('on the Clean Rooms sample (the first run, with no cache, builds the bundle)', async () => {
    const args = (out: string) =>
      [
        ['transform', SAMPLE],
        ['--map', 'e-mail=EMAIL', '--map', 'phone_number=PHONE', '--map', 'mobile_advertiser_id=MAID'],
        ['--out', out, '--json'],
      ].flat();
    const viaTsx = path.join(scratch, 'sample-tsx');
    const bundledOut = path.join(scratch, 'sample-bundled');
    const [tsx, bundle] = await Promise.all([runCliProcess(args(viaTsx)), launch(copy, args(bundledOut))]);
    expect(tsx.stderr).toBe('');
    expect(bundle.stderr).toBe('');
    expect([tsx.code, bundle.code]).toEqual([0, 0]);
    expect(bundle.stdout).toBe(tsx.stdout);
    const want = outputFiles(viaTsx);
    expect([...want.keys()].sort()).toEqual(
      expect.arrayContaining(['manifest.json', 'rejects.csv', 'email_sha256/part-00000.csv']),
    );
    expect(outputFiles(bundledOut)).toEqual(want);
    expect(builds()).toHaveLength(1);
    const buildDir = path.join(cacheDir, builds()[0] as string);
    expect(readdirSync(buildDir)).toEqual(expect.arrayContaining(['main.mjs', 'transform-worker.mjs']));
    // In bundled code import.meta.url means the source file it was written in (paths relative to it
    // resolve as under tsx); only the launcher's own line (the bundled worker's URL) uses the bundle's.
    const bundled = readdirSync(buildDir).map((name) => readFileSync(path.join(buildDir, name), 'utf8'));
    const ownLine = "const __audienceUploaderBundledWorker = new URL('./transform-worker.mjs', import.meta.url).href;";
    expect(bundled.filter((text) => text.replaceAll(ownLine, '').includes('import.meta.url'))).toEqual([]);
    const workersSource = pathToFileURL(path.join(copy, 'src/adapters/node/transform/transform-workers.ts')).href;
    expect(bundled.some((text) => text.includes(`new URL("./transform-worker.ts", "${workersSource}")`))).toBe(true);
  });

  it('on a 9 MiB file, which runs in worker threads (started from the bundled worker file)', async () => {
    const { seed } = seededRandomForTest('cli-bundle 9 MiB file');
    const input = path.join(scratch, 'nine-mib.jsonl');
    const lines: string[] = [];
    let bytes = 0;
    for (const entry of people(Number.MAX_SAFE_INTEGER, seed)) {
      const line = `${JSON.stringify({ email: entry.email, phone: entry.phone, device_id: entry.deviceId })}\n`;
      lines.push(line);
      bytes += Buffer.byteLength(line);
      if (bytes > WORKER_INPUT_BYTES) break;
    }
    writeFileSync(input, lines.join(''));
    const args = (out: string) =>
      [
        ['transform', input, '--map', 'email=EMAIL', '--map', 'phone=PHONE', '--map', 'device_id=MAID'],
        ['--workers', '2', '--out', out, '--json'],
      ].flat();
    const viaTsx = path.join(scratch, 'nine-tsx');
    const bundled = path.join(scratch, 'nine-bundled');
    const tsxProfiles = path.join(scratch, 'profiles-tsx');
    const bundledProfiles = path.join(scratch, 'profiles-bundled');
    // Sequential: each uses both cores.
    const tsx = await runCliProcess(args(viaTsx), { env: { ...process.env, TRANSFORM_WORKER_CPU_PROF: tsxProfiles } });
    const bundle = await launch(copy, args(bundled), { TRANSFORM_WORKER_CPU_PROF: bundledProfiles });
    expect(tsx.stderr).toBe('');
    expect(bundle.stderr).toBe('');
    expect([tsx.code, bundle.code]).toEqual([0, 0]);
    expect(bundle.stdout).toBe(tsx.stdout);
    const want = outputFiles(viaTsx);
    // The generator writes ~5% invalid cells: rejects.csv has thousands of rows.
    expect(readFileSync(path.join(viaTsx, 'rejects.csv'), 'utf8').split('\n').length).toBeGreaterThan(1000);
    expect(outputFiles(bundled)).toEqual(want);

    // Both runs had their 2 workers (a CPU profile each); the bundled ones ran the bundled worker file.
    expect(readdirSync(tsxProfiles).length).toBeGreaterThanOrEqual(2); // and tsx's loader threads
    expect(readdirSync(bundledProfiles)).toHaveLength(2);
    expect(
      profiledUrls(tsxProfiles).some((url) => url.endsWith('/src/adapters/node/transform/in-thread-transform.ts')),
    ).toBe(true);
    const bundledFiles = profiledUrls(bundledProfiles).filter((url) => url.startsWith('file:'));
    expect(bundledFiles.filter((url) => url.endsWith('.ts') || url.includes('/tsx/'))).toEqual([]);
    const buildUrl = `file://${path.join(cacheDir, builds()[0] as string)}/`;
    expect(bundledFiles.filter((url) => url.startsWith(buildUrl)).length).toBeGreaterThan(0);
    expect(bundledFiles.filter((url) => !url.startsWith(buildUrl) && !url.includes('/node_modules/'))).toEqual([]);
  });
});

describe('the bundle is never stale', () => {
  it('reuses the build while the sources are unchanged, and rebuilds on the next run after an edit', async () => {
    const first = await launch(copy, ['--help']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(USAGE_LINE);
    const pointer = path.join(cacheDir, 'current.json');
    const before = { text: readFileSync(pointer, 'utf8'), mtimeMs: statSync(pointer).mtimeMs, builds: builds() };

    const again = await launch(copy, ['--help']);
    expect(again.stdout).toBe(first.stdout);
    expect(readFileSync(pointer, 'utf8')).toBe(before.text);
    expect(statSync(pointer).mtimeMs).toBe(before.mtimeMs); // not even rewritten
    expect(builds()).toEqual(before.builds);

    // An edit that keeps the file's size (as an editor's save would, with a new mtime).
    const source = path.join(copy, 'src/cli/run-cli.ts');
    const text = readFileSync(source, 'utf8');
    expect(text).toContain(USAGE_LINE);
    const { mtime } = statSync(source);
    writeFileSync(source, text.replace(USAGE_LINE, USAGE_LINE.toUpperCase()));
    utimesSync(source, mtime, new Date(mtime.getTime() + 5000));
    expect(statSync(source).size).toBe(Buffer.byteLength(text));

    const edited = await launch(copy, ['--help']);
    expect(edited.code).toBe(0);
    expect(edited.stdout).toContain(USAGE_LINE.toUpperCase());
    expect(edited.stdout).toBe(first.stdout.replace(USAGE_LINE, USAGE_LINE.toUpperCase()));
    expect(builds()).toHaveLength(before.builds.length + 1);
    expect(readFileSync(pointer, 'utf8')).not.toBe(before.text);
  });

  it('lets concurrent first runs build at once: each reads a whole bundle, one build remains', async () => {
    rmSync(cacheDir, { recursive: true, force: true });
    const runs = await Promise.all([1, 2, 3].map(() => launch(copy, ['--help'])));
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toBe((runs[0] as CliOutcome).stdout);
    }
    // Same sources, same bundle, same name: the runs that lost the rename dropped their copies.
    expect(readdirSync(cacheDir).sort()).toEqual([...builds(), 'current.json']);
    expect(builds()).toHaveLength(1);
    expect(existsSync(path.join(cacheDir, builds()[0] as string, 'transform-worker.mjs'))).toBe(true);
  });

  it('falls back to tsx, with a note, when the bundle cannot be written', async () => {
    const blocker = path.join(scratch, 'not-a-folder');
    writeFileSync(blocker, '');
    const run = await launch(REPO_ROOT, ['--help'], { AUDIENCE_UPLOADER_CACHE_DIR: path.join(blocker, 'cli') });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(USAGE_LINE);
    expect(run.stderr).toMatch(/^Note: could not bundle the CLI \(.*ENOTDIR.*\); running it through tsx\.\n$/);
  });
});
