import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmulatorState } from '../../../../../src/destinations/tiktok/emulator/emulator-state.ts';
import { simulatedMatchKey } from '../../../../../src/destinations/tiktok/emulator/simulated-match.ts';
import { loadState, retainedSnapshot, StateFile } from '../../../../../src/destinations/tiktok/emulator/state-file.ts';

const DAY = 24 * 60 * 60 * 1000;
const digest = (text: string): string => createHash('sha256').update(text).digest('hex');
const digests = (prefix: string): string[] => Array.from({ length: 1000 }, (_, index) => digest(`${prefix}${index}`));

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** An audience created at `at` from a file of 1000 ids uploaded then (the file expires after an hour). */
async function audienceAt(state: EmulatorState, at: number, prefix: string): Promise<string> {
  const ids = digests(prefix);
  const { filePath } = state.addFile({
    advertiserId: '1',
    calculateType: 'EMAIL_SHA256',
    md5: 'm',
    fileName: 'f.csv',
    bytes: ids.length * 65,
    rows: ids.length,
    uploadedAt: at,
    expiresAt: at + 60 * 60 * 1000,
    ids,
    matchKeys: Uint32Array.from(ids, simulatedMatchKey),
  });
  return state.create(
    { advertiserId: '1', name: prefix, calculateType: 'EMAIL_SHA256', filePaths: [filePath] },
    { now: at, requestId: `r${at}`, calculatingMs: 0 },
  );
}

describe('the emulator state file keeps hashed ids only for the retention', () => {
  it('a save drops audiences, file records and operations older than the retention', async () => {
    const root = mkdtempSync(join(tmpdir(), 'emulator-retention-'));
    roots.push(root);
    const path = join(root, 'state.json');
    const start = Date.UTC(2026, 0, 1);
    let now = start;
    const retention = { retentionMs: 7 * DAY, now: () => now };
    const state = new EmulatorState(1);
    const old = await audienceAt(state, start, 'old');
    now = start + 6 * DAY;
    const recent = await audienceAt(state, now, 'recent');
    const file = new StateFile(path, () => retainedSnapshot(state, retention));
    await file.save();
    let saved = readFileSync(path, 'utf8');
    expect(saved).toContain(digest('old0'));
    expect(saved).toContain(digest('recent0'));

    now = start + 8 * DAY; // the old audience's last change is 8 days ago, the recent one's 2
    await file.save();
    saved = readFileSync(path, 'utf8');
    expect(saved).not.toContain(digest('old0'));
    expect(saved).not.toContain(old);
    expect(saved).toContain(digest('recent0'));
    expect(state.hasAudience(old)).toBe(false);
    expect(state.hasAudience(recent)).toBe(true);
    expect(state.counts()).toEqual({ audiences: 1, files: 1, operations: 1 });
  });

  it('loading a state file drops what is already past the retention', async () => {
    const root = mkdtempSync(join(tmpdir(), 'emulator-retention-'));
    roots.push(root);
    const path = join(root, 'state.json');
    const start = Date.UTC(2026, 0, 1);
    const state = new EmulatorState(1);
    const old = await audienceAt(state, start, 'old');
    writeFileSync(path, JSON.stringify(state.toJSON()));
    const kept = await loadState(path, 1, { retentionMs: 7 * DAY, now: () => start + 7 * DAY - 1 });
    expect(kept.hasAudience(old)).toBe(true);
    const purged = await loadState(path, 1, { retentionMs: 7 * DAY, now: () => start + 7 * DAY + 1 });
    expect(purged.hasAudience(old)).toBe(false);
    expect(purged.counts()).toEqual({ audiences: 0, files: 0, operations: 0 });
    expect(JSON.stringify(purged.toJSON())).not.toContain(digest('old0'));
  });
});
