import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../../core/errors.ts';
import { StaleRunError, type RunFence } from '../../core/jobs/run-fence.ts';
import type { UploadLedgerState, UploadLedgerStore } from '../../destinations/tiktok/upload-ledger.ts';

interface LedgerFile {
  version: 1;
  ledgers: Record<string, UploadLedgerState>;
  /** The fence of the run that last took each ledger (absent in files written before fencing). */
  fences?: Record<string, RunFence>;
}

/** Writes a file so that a crash leaves either the old or the new content: temp file, fsync, rename. */
export async function writeFileAtomically(path: string, content: string, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'w', mode);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  // fsync the folder so the rename itself survives a power cut.
  const folder = await open(dirname(path), 'r').catch(() => undefined);
  if (folder) {
    await folder.sync().catch(() => undefined);
    await folder.close();
  }
}

/**
 * The upload ledger as one JSON file (the CLI keeps it next to the transform output, in
 * `.upload-ledger.json`), holding one ledger per id. Saves are atomic and durable before resolving.
 * One writer at a time: the CLI runs one upload per folder.
 */
export class JsonFileUploadLedgerStore implements UploadLedgerStore {
  readonly path: string;
  /** Serializes saves of this process so concurrent saves never interleave. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  async #read(): Promise<LedgerFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, ledgers: {} };
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as LedgerFile;
      if (parsed.version !== 1 || typeof parsed.ledgers !== 'object' || parsed.ledgers === null)
        throw new Error('unexpected shape');
      return parsed;
    } catch (error) {
      throw new UserError({
        code: 'ledger_unreadable',
        title: 'The upload ledger is damaged',
        detail: `${this.path} is not a valid upload ledger.`,
        resolution:
          'Check in TikTok Ads Manager (or with `audiences list`) what was already uploaded, move the file aside, and upload again; without the ledger a re-run cannot know which files were applied.',
        kind: 'failure',
        cause: error,
      });
    }
  }

  async load(ledgerId: string): Promise<UploadLedgerState | undefined> {
    await this.#queue;
    return (await this.#read()).ledgers[ledgerId];
  }

  acquire(ledgerId: string, fence: RunFence): Promise<UploadLedgerState | undefined> {
    return this.#write(ledgerId, fence, (file) => file.ledgers[ledgerId]);
  }

  save(ledgerId: string, state: UploadLedgerState, fence: RunFence): Promise<void> {
    const snapshot = JSON.parse(JSON.stringify(state)) as UploadLedgerState;
    return this.#write(ledgerId, fence, (file) => {
      file.ledgers[ledgerId] = snapshot;
    });
  }

  /** Read, check the fence, change, write atomically: one at a time in this process (the lock file keeps other processes out). */
  #write<T>(ledgerId: string, fence: RunFence, change: (file: LedgerFile) => T): Promise<T> {
    const next = this.#queue.then(async () => {
      const file = await this.#read();
      const current = file.fences?.[ledgerId];
      if (current !== undefined && current > fence) throw new StaleRunError(`ledger ${ledgerId}`, fence, current);
      const result = change(file);
      if (fence > 0 || current !== undefined) file.fences = { ...file.fences, [ledgerId]: fence };
      await writeFileAtomically(this.path, `${JSON.stringify(file, null, 2)}\n`);
      return result;
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive lock file holding the owner's pid, so that two uploads of one folder never run at
 * once. A lock left by a process that died (killed, crashed) is taken over: under a second exclusive
 * file (`<lock>.takeover`), and only if it still names the same dead process, so two processes that
 * both found it stale cannot both remove it (one would delete the other's fresh lock). Returns the release.
 * `beforeTakeover` is for tests (it runs between finding a lock stale and taking it over).
 */
export async function acquireLockFile(
  path: string,
  what: string,
  hooks: { beforeTakeover?: () => Promise<void> | void } = {},
): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const content = await readFile(path, 'utf8').catch(() => '');
    const owner = Number.parseInt(content, 10);
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processIsAlive(owner)) {
      throw new UserError({
        code: 'upload_in_progress',
        title: 'Another upload is running',
        detail: `${what} is in use by process ${owner} (lock ${path}).`,
        resolution:
          'Wait for it to finish (or stop it), then run the command again. If no such process exists, delete the lock file.',
        kind: 'failure',
      });
    }
    await hooks.beforeTakeover?.();
    await removeStaleLock(path, content);
  }
  throw new UserError({
    code: 'upload_in_progress',
    title: 'Another upload is starting',
    detail: `Could not take the lock ${path}.`,
    resolution: 'Run the command again in a moment.',
    kind: 'failure',
  });
}

/** A takeover guard older than this was left by a process that died mid-takeover. */
const TAKEOVER_GUARD_STALE_MS = 30_000;

async function removeStaleLock(path: string, staleContent: string): Promise<void> {
  const guardPath = `${path}.takeover`;
  let guard;
  try {
    guard = await open(guardPath, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const age = await stat(guardPath).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    );
    if (age > TAKEOVER_GUARD_STALE_MS) await unlink(guardPath).catch(() => undefined);
    return; // another process is taking it over: look again
  }
  try {
    // Still the lock we judged stale? If not, someone took it over meanwhile: leave it alone.
    if ((await readFile(path, 'utf8').catch(() => undefined)) === staleContent)
      await unlink(path).catch(() => undefined);
  } finally {
    await guard.close();
    await unlink(guardPath).catch(() => undefined);
  }
}
