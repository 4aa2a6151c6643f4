import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EmulatorState, type PersistedState } from './emulator-state.ts';

/** How long the emulator keeps what it was sent (audiences and their hashed ids) after the last change: 7 days. */
export const DEFAULT_STATE_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export interface StateRetention {
  /** Keep audiences, file records and operations this long after their last change. */
  retentionMs: number;
  now: () => number;
}

/**
 * Loads the state saved at `path` (without what is past the retention), or a fresh state when the
 * file does not exist yet.
 */
export async function loadState(
  path: string,
  matchRate: number,
  retention: StateRetention = { retentionMs: DEFAULT_STATE_RETENTION_MS, now: Date.now },
): Promise<EmulatorState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new EmulatorState(matchRate);
    throw new Error(`Cannot read the emulator state file ${path}`, { cause: error });
  }
  let state: EmulatorState;
  try {
    state = EmulatorState.fromJSON(JSON.parse(text) as PersistedState, matchRate);
  } catch (error) {
    throw new Error(`The emulator state file ${path} is not valid; move it away to start empty`, { cause: error });
  }
  const now = retention.now();
  state.purgeBefore(now - retention.retentionMs, now);
  return state;
}

/** The state as saved: first purged of what is past the retention (so expired ids never reach the disk again). */
export function retainedSnapshot(state: EmulatorState, retention: StateRetention): PersistedState {
  const now = retention.now();
  state.purgeBefore(now - retention.retentionMs, now);
  return state.toJSON();
}

/**
 * Saves state atomically (temporary file + rename), one write at a time. A save requested while a
 * write is queued joins it: the queued write snapshots the state when it starts, so it includes the change.
 */
export class StateFile {
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;

  constructor(
    private readonly path: string,
    private readonly snapshot: () => unknown,
  ) {}

  save(): Promise<void> {
    if (this.queued) return this.queued;
    const write = this.chain.then(async () => {
      this.queued = null;
      const text = JSON.stringify(this.snapshot());
      const temporary = `${this.path}.${process.pid}.tmp`;
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(temporary, text);
      await rename(temporary, this.path);
    });
    this.queued = write;
    this.chain = write.catch(() => undefined);
    return write;
  }

  /** Resolves once every requested save has been written. */
  async flush(): Promise<void> {
    await this.chain;
  }
}
