import { readFileSync } from 'node:fs';
import { link, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../core/errors.ts';

/**
 * One upload of a folder at a time. The lock is a numbered generation file `<path>.<n>` holding its
 * owner's pid and process start time; the newest generation is the lock. Taking a free or stale
 * lock means creating generation n+1 — by `link`, which fails when the name exists — so of two
 * processes that both find generation n stale, exactly one takes over (the other sees n+1 held).
 * A stale lock is one whose process is gone, or whose pid now belongs to a later process (the
 * start time differs). Returns the release.
 */
export async function acquireUploadLock(path: string, what: string): Promise<() => Promise<void>> {
  const identity = `${process.pid} ${processStartTime(process.pid)}\n`;
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const generations = await lockGenerations(path);
    const newest = generations.at(-1) ?? 0;
    if (newest > 0) {
      const owner = await readFile(`${path}.${newest}`, 'utf8').catch(() => null);
      if (owner === null) continue; // released meanwhile: look again
      if (ownerIsLive(owner)) throw inProgress(what, path, owner);
    }
    const mine = `${path}.${newest + 1}`;
    // Written whole under a private name first: the lock never exists half-written.
    const draft = `${path}.draft-${process.pid}-${randomBytes(6).toString('hex')}`;
    await writeFile(draft, identity, { mode: 0o600 });
    try {
      await link(draft, mine);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue; // another process took it first
      throw error;
    } finally {
      await unlink(draft).catch(() => undefined);
    }
    // Ours now; the older generations are stale.
    for (const generation of generations) await unlink(`${path}.${generation}`).catch(() => undefined);
    return async () => {
      await unlink(mine).catch(() => undefined);
    };
  }
  throw new UserError({
    code: 'upload_in_progress',
    title: 'Another upload is starting',
    detail: `Could not take the lock ${path}.`,
    resolution: 'Run the command again in a moment.',
    kind: 'failure',
  });
}

async function lockGenerations(path: string): Promise<number[]> {
  const prefix = `${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  return names
    .filter((name) => name.startsWith(prefix) && /^\d+$/u.test(name.slice(prefix.length)))
    .map((name) => Number(name.slice(prefix.length)))
    .sort((a, b) => a - b);
}

function ownerIsLive(owner: string): boolean {
  const [pidText, startTime = ''] = owner.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // Where the start time is known on both sides, a differing one means the pid was reused.
  const current = processStartTime(pid);
  return startTime === '' || current === '' || current === startTime;
}

/** The process's start time in clock ticks since boot (Linux /proc); '' where unknown. */
export function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses; starttime is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

function inProgress(what: string, path: string, owner: string): UserError {
  const pid = owner.trim().split(' ')[0];
  return new UserError({
    code: 'upload_in_progress',
    title: 'Another upload is running',
    detail: `${what} is in use by process ${pid} (lock ${join(dirname(path), basename(path))}.*).`,
    resolution:
      'Wait for it to finish (or stop it), then run the command again. If no such process exists, delete the lock files.',
    kind: 'failure',
  });
}
