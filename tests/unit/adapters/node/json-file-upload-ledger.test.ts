import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/core/errors.ts';
import { JsonFileUploadLedgerStore, acquireLockFile } from '../../../../src/adapters/node/json-file-upload-ledger.ts';
import type { UploadLedgerState } from '../../../../src/destinations/tiktok/upload-ledger.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'au-ledger-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function state(advertiserId: string): UploadLedgerState {
  return {
    version: 1,
    advertiserId,
    action: 'create',
    audiences: {
      EMAIL: {
        type: 'EMAIL',
        calculateType: 'EMAIL_SHA256',
        audienceName: 'A · EMAIL',
        created: false,
        partitions: {
          abc: { path: 'email_sha256/part-00000.csv', rows: 3, filePath: 'fp', uploadedAt: '2026-01-01T00:00:00.000Z' },
        },
      },
    },
    createdAt: 'x',
    updatedAt: 'y',
  };
}

describe('JsonFileUploadLedgerStore', () => {
  it('keeps several ledgers in one 0600 file and reads them back', async () => {
    const path = join(dir, '.upload-ledger.json');
    const store = new JsonFileUploadLedgerStore(path);
    expect(await store.load('one')).toBeUndefined();
    await store.save('one', state('1'), 0);
    await store.save('two', state('2'), 0);
    const reopened = new JsonFileUploadLedgerStore(path);
    expect(await reopened.load('one')).toEqual(state('1'));
    expect((await reopened.load('two'))?.advertiserId).toBe('2');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8')).version).toBe(1);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('serializes concurrent saves so none is lost', async () => {
    const store = new JsonFileUploadLedgerStore(join(dir, 'l.json'));
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.save(`id-${i}`, state(String(i)), 0)));
    for (let i = 0; i < 20; i += 1) expect((await store.load(`id-${i}`))?.advertiserId).toBe(String(i));
  });

  it('stores a snapshot, not a live reference', async () => {
    const store = new JsonFileUploadLedgerStore(join(dir, 'l.json'));
    const live = state('1');
    const saving = store.save('one', live, 0);
    live.advertiserId = 'changed';
    await saving;
    expect((await store.load('one'))?.advertiserId).toBe('1');
  });

  it('says what to do with a damaged ledger', async () => {
    const path = join(dir, 'l.json');
    await writeFile(path, '{ not json');
    await expect(new JsonFileUploadLedgerStore(path).load('x')).rejects.toBeInstanceOf(UserError);
  });
});

describe('acquireLockFile', () => {
  it('lets one holder in at a time, and takes over a lock whose process is gone', async () => {
    const path = join(dir, 'ledger.lock');
    const release = await acquireLockFile(path, 'the ledger');
    expect((await readFile(path, 'utf8')).trim()).toBe(String(process.pid));
    // Held by a live process (the parent of this test process): refused with the fix.
    await writeFile(path, `${process.ppid}\n`);
    await expect(acquireLockFile(path, 'the ledger')).rejects.toMatchObject({ code: 'upload_in_progress' });
    // Held by a process that no longer exists: taken over.
    await writeFile(path, '2147483646\n');
    const again = await acquireLockFile(path, 'the ledger');
    await again();
    await release();
    expect((await readdir(dir)).includes('ledger.lock')).toBe(false);
  });

  it('never removes a lock another process took over after this one found it stale', async () => {
    const path = join(dir, 'ledger.lock');
    await writeFile(path, '2147483646\n'); // left by a process that no longer exists
    // Between this process finding it stale and taking it over, another (live) process takes it over.
    const outcome = await acquireLockFile(path, 'the ledger', {
      beforeTakeover: () => writeFile(path, `${process.ppid}\n`),
    }).catch((error: unknown) => error);
    expect(outcome).toMatchObject({ code: 'upload_in_progress' });
    expect((await readFile(path, 'utf8')).trim()).toBe(String(process.ppid));
    expect((await readdir(dir)).filter((name) => name.includes('takeover'))).toEqual([]);
  });
});
