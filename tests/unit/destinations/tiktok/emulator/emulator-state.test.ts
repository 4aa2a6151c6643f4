import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EmulatorApiError } from '../../../../../src/destinations/tiktok/emulator/emulator-api-error.ts';
import { EmulatorState, type PersistedState } from '../../../../../src/destinations/tiktok/emulator/emulator-state.ts';
import { simulatedMatchKey } from '../../../../../src/destinations/tiktok/emulator/simulated-match.ts';

const ADVERTISER = '1';
const digest = (text: string): string => createHash('sha256').update(text).digest('hex');
const digests = (count: number, from = 0): string[] =>
  Array.from({ length: count }, (_, index) => digest(`p${from + index}`));

function addFile(state: EmulatorState, ids: string[], at = 0, ttl = 60_000, calculateType = 'EMAIL_SHA256'): string {
  return state.addFile({
    advertiserId: ADVERTISER,
    calculateType,
    md5: 'm',
    fileName: 'f.csv',
    bytes: ids.length * 65,
    rows: ids.length,
    uploadedAt: at,
    expiresAt: at + ttl,
    ids,
    matchKeys: Uint32Array.from(ids, simulatedMatchKey),
  }).filePath;
}

async function codeOf(action: () => Promise<unknown>): Promise<number | undefined> {
  try {
    await action();
  } catch (error) {
    if (error instanceof EmulatorApiError) return error.code;
    throw error;
  }
  return undefined;
}

const context = (now: number, calculatingMs = 100) => ({ now, requestId: `r${now}`, calculatingMs });

describe('EmulatorState', () => {
  it('is busy for calculatingMs after a change, then accepts the next one', async () => {
    const state = new EmulatorState(1);
    const file = addFile(state, digests(1200));
    const audienceId = await state.create(
      { advertiserId: ADVERTISER, name: 'a', calculateType: 'EMAIL_SHA256', filePaths: [file] },
      context(1000),
    );
    const append = { advertiserId: ADVERTISER, audienceId, filePaths: [file], action: 'APPEND' as const };
    expect(await codeOf(() => state.updateFiles(append, context(1099)))).toBe(40002);
    expect(await codeOf(() => state.updateFiles(append, context(1100)))).toBeUndefined();
    expect(state.operations().map((operation) => operation.action)).toEqual(['CREATE', 'APPEND']);
  });

  it('refuses other updates as busy while a large update is being applied, and shows it as not valid', async () => {
    const state = new EmulatorState(1);
    const audienceId = await state.create(
      {
        advertiserId: ADVERTISER,
        name: 'a',
        calculateType: 'EMAIL_SHA256',
        filePaths: [addFile(state, digests(1000))],
      },
      context(0, 0),
    );
    const big = addFile(state, digests(50_000, 100_000));
    const applying = state.updateFiles(
      { advertiserId: ADVERTISER, audienceId, filePaths: [big], action: 'APPEND' },
      context(1, 0),
    );
    await new Promise((resolve) => setImmediate(resolve)); // let the first slice run
    expect(state.audienceViews(1)[0]).toMatchObject({ isValid: false, coverNum: 1000 });
    expect(
      await codeOf(() =>
        state.updateFiles({ advertiserId: ADVERTISER, audienceId, filePaths: [big], action: 'APPEND' }, context(1, 0)),
      ),
    ).toBe(40002);
    await applying;
    expect(state.audienceViews(2)[0]).toMatchObject({ isValid: true, idCount: 51_000, coverNum: 51_000 });
  });

  it('recounts matches when the match rate changes', async () => {
    const ids = digests(2000);
    const state = new EmulatorState(1);
    await state.create(
      { advertiserId: ADVERTISER, name: 'a', calculateType: 'EMAIL_SHA256', filePaths: [addFile(state, ids)] },
      context(0, 0),
    );
    expect(state.audienceViews(1)[0]?.coverNum).toBe(2000);
    state.setMatchRate(0.5);
    const expected = ids.filter(
      (id) => createHash('sha256').update(id).digest().readUInt32BE(0) / 2 ** 32 < 0.5,
    ).length;
    expect(state.audienceViews(1)[0]?.coverNum).toBe(expected);
  });

  it('expires files: their ids are released and using them answers 40910', async () => {
    const state = new EmulatorState(1);
    const file = addFile(state, digests(10), 0, 100);
    state.sweepExpiredFiles(100);
    expect(state.uploads(100)[0]?.expired).toBe(true);
    expect(
      await codeOf(() =>
        state.create(
          { advertiserId: ADVERTISER, name: 'a', calculateType: 'EMAIL_SHA256', filePaths: [file] },
          context(100),
        ),
      ),
    ).toBe(40910);
  });

  it('survives a JSON round trip with ids, repeats, removals and the id sequence intact', async () => {
    const state = new EmulatorState(1);
    const ids = digests(1500);
    const file = addFile(state, ids);
    const audienceId = await state.create(
      { advertiserId: ADVERTISER, name: 'a', calculateType: 'EMAIL_SHA256', filePaths: [file, file] },
      context(0, 0),
    );
    await state.updateFiles(
      { advertiserId: ADVERTISER, audienceId, filePaths: [addFile(state, ids.slice(0, 300))], action: 'REMOVE' },
      context(1, 0),
    );
    const restored = EmulatorState.fromJSON(JSON.parse(JSON.stringify(state.toJSON())) as PersistedState, 1);
    expect(restored.audienceViews(2)).toEqual(state.audienceViews(2));
    expect(restored.audienceIds(audienceId)).toEqual(ids.slice(300).sort());
    // Ids removed earlier were still received once: sending them again counts as a repeat.
    await restored.updateFiles(
      { advertiserId: ADVERTISER, audienceId, filePaths: [file], action: 'APPEND' },
      context(3, 0),
    );
    expect(restored.audienceViews(4)[0]).toMatchObject({ idCount: 1500, duplicateIdsReceived: 3000 });
    const next = await restored.create(
      { advertiserId: ADVERTISER, name: 'b', calculateType: 'EMAIL_SHA256', filePaths: [file] },
      context(5, 0),
    );
    expect(next).not.toBe(audienceId);
    expect(() => EmulatorState.fromJSON({ format: 'other' } as unknown as PersistedState, 1)).toThrow(
      'Not a TikTok emulator state file',
    );
  });

  it('counts repeats across REPLACE and REMOVE: an id received once and sent again is a repeat', async () => {
    const state = new EmulatorState(1);
    const a = digests(1500);
    const b = [...digests(1000, 10_000), ...a.slice(0, 200)];
    const audienceId = await state.create(
      { advertiserId: ADVERTISER, name: 'a', calculateType: 'EMAIL_SHA256', filePaths: [addFile(state, a)] },
      context(0, 0),
    );
    await state.updateFiles(
      { advertiserId: ADVERTISER, audienceId, filePaths: [addFile(state, b)], action: 'REPLACE' },
      context(1, 0),
    );
    expect(state.audienceViews(2)[0]).toMatchObject({
      idCount: 1200,
      idsReceivedTotal: 2700,
      duplicateIdsReceived: 200,
    });
    expect(state.operations()[1]).toMatchObject({
      action: 'REPLACE',
      idsReceived: 1200,
      idsAdded: 1000,
      idsRemoved: 1300,
      sizeAfter: 1200,
    });
    await state.updateFiles(
      { advertiserId: ADVERTISER, audienceId, filePaths: [addFile(state, a)], action: 'APPEND' },
      context(3, 0),
    );
    expect(state.audienceViews(4)[0]).toMatchObject({
      idCount: 2500,
      idsReceivedTotal: 4200,
      duplicateIdsReceived: 1700,
    });
    expect(state.audienceIds(audienceId)).toEqual([...new Set([...a, ...b])].sort());
  });

  it('keeps audience ids unique across a clear', async () => {
    const state = new EmulatorState(1);
    const file = addFile(state, digests(5));
    const first = await state.create(
      { advertiserId: ADVERTISER, name: 'a', calculateType: 'EMAIL_SHA256', filePaths: [file] },
      context(0, 0),
    );
    state.clear();
    const file2 = addFile(state, digests(5));
    const second = await state.create(
      { advertiserId: ADVERTISER, name: 'a', calculateType: 'EMAIL_SHA256', filePaths: [file2] },
      context(0, 0),
    );
    expect(second).not.toBe(first);
  });
});
