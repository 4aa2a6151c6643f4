import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireUploadLock, processStartTime } from '../../../src/cli/upload-lock.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});
function folder(): string {
  const root = mkdtempSync(join(tmpdir(), 'upload-lock-'));
  roots.push(root);
  return root;
}
/** The pid of a process that has exited (so the lock it "held" is stale). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'acquired',
    (error: { code?: string }) => error.code ?? 'error',
  );

describe('the CLI upload lock', () => {
  it('is exclusive, also within one process, until released', async () => {
    const path = join(folder(), 'upload-ledger.json.lock');
    const release = await acquireUploadLock(path, 'the ledger');
    await expect(acquireUploadLock(path, 'the ledger')).rejects.toMatchObject({ code: 'upload_in_progress' });
    await release();
    await (
      await acquireUploadLock(path, 'the ledger')
    )();
    expect(readdirSync(join(path, '..'))).toEqual([]);
  });

  it('takes over a lock whose process is gone, or whose pid now belongs to a later process', async () => {
    const dir = folder();
    const path = join(dir, 'upload-ledger.json.lock');
    writeFileSync(`${path}.1`, `${deadPid()} 1\n`);
    const release = await acquireUploadLock(path, 'the ledger');
    expect(readdirSync(dir)).toEqual(['upload-ledger.json.lock.2']);
    await release();
    // Our own pid, but another start time: a pid reused after a restart (pid 1 in a container).
    writeFileSync(`${path}.5`, `${process.pid} ${Number(processStartTime(process.pid)) - 1}\n`);
    await (
      await acquireUploadLock(path, 'the ledger')
    )();
  });

  it('lets exactly one of many concurrent takers have a stale lock (in one process)', async () => {
    const path = join(folder(), 'upload-ledger.json.lock');
    writeFileSync(`${path}.1`, `${deadPid()} 1\n`);
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => codeOf(acquireUploadLock(path, 'the ledger'))));
    expect(outcomes.filter((outcome) => outcome === 'acquired')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome !== 'acquired')).toEqual(Array(7).fill('upload_in_progress'));
  });

  it('lets exactly one of three CLI processes take over a stale lock at the same moment', async () => {
    const dir = folder();
    const path = join(dir, 'upload-ledger.json.lock');
    writeFileSync(`${path}.1`, `${deadPid()} 1\n`);
    const go = join(dir, 'go');
    const done = join(dir, 'done');
    const script = join(dir, 'taker.mts');
    writeFileSync(
      script,
      `import { existsSync } from 'node:fs';
import { acquireUploadLock } from ${JSON.stringify(join(import.meta.dirname, '../../../src/cli/upload-lock.ts'))};
const wait = async (file: string) => { while (!existsSync(file)) await new Promise((r) => setTimeout(r, 2)); };
process.stdout.write('ready\\n');
await wait(${JSON.stringify(go)});
try {
  const release = await acquireUploadLock(${JSON.stringify(path)}, 'the ledger');
  process.stdout.write('acquired\\n');
  await wait(${JSON.stringify(done)});
  await release();
} catch (error) {
  process.stdout.write(((error as { code?: string }).code ?? 'error') + '\\n');
}
`,
    );
    const tsx = createRequire(import.meta.url).resolve('tsx/cli');
    const takers: Array<{ child: ChildProcess; output: string }> = Array.from({ length: 3 }, () => {
      const child = spawn(process.execPath, [tsx, script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const taker = { child, output: '' };
      child.stdout?.on('data', (chunk: Buffer) => (taker.output += chunk.toString()));
      return taker;
    });
    const until = async (condition: () => boolean) => {
      while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    await until(() => takers.every((taker) => taker.output.includes('ready')));
    writeFileSync(go, '');
    await until(() => takers.every((taker) => taker.output.split('\n').length >= 3));
    const outcomes = takers.map((taker) => taker.output.split('\n')[1]);
    writeFileSync(done, '');
    await Promise.all(takers.map((taker) => new Promise((resolve) => taker.child.on('close', resolve))));
    expect(outcomes.sort()).toEqual(['acquired', 'upload_in_progress', 'upload_in_progress']);
    expect(existsSync(`${path}.2`)).toBe(false);
  });
});
