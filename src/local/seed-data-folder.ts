import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SAMPLE_FILE = fileURLToPath(new URL('./sample-data/clean-rooms-sample.jsonl', import.meta.url));
/** Where the sample lands in a new data folder (relative to it). */
export const SAMPLE_DATA_PATH = 'samples/clean-rooms-sample.jsonl';

/** Creates the data folder on first start, with the 4,005-row sample so there is something to try. */
export function seedDataFolder(dataDir: string): { created: boolean } {
  if (existsSync(dataDir)) return { created: false };
  mkdirSync(join(dataDir, 'samples'), { recursive: true });
  copyFileSync(SAMPLE_FILE, join(dataDir, SAMPLE_DATA_PATH));
  return { created: true };
}
