import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PartitionWriter, type PartHasher } from '../../../../src/adapters/node/transform/partition-writer.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('PartitionWriter durability', () => {
  it('fsyncs the part-file folder and the output folder once every part file is closed', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'partition-writer-'));
    roots.push(outDir);
    const events: string[] = [];
    const writer = new PartitionWriter(outDir, 'email_sha256', 2, (directory) =>
      events.push(`sync ${directory} (${readdirSync(join(outDir, 'email_sha256')).length} files)`),
    );
    await writer.writeLines(Buffer.from(`${'07'.repeat(32)}\n`.repeat(3), 'latin1'), 3);
    expect(events).toEqual([]);
    const files = await writer.finish();
    expect(files.map((file) => file.rows)).toEqual([2, 1]);
    expect(events).toEqual([`sync ${join(outDir, 'email_sha256')} (2 files)`, `sync ${outDir} (2 files)`]);
  });

  it('syncs nothing when no digest was written (no folder was created)', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'partition-writer-'));
    roots.push(outDir);
    const events: string[] = [];
    expect(
      await new PartitionWriter(outDir, 'phone_sha256', 10, (directory) => events.push(directory)).finish(),
    ).toEqual([]);
    expect(events).toEqual([]);
  });

  it("takes each file's MD5 from a deferred hasher, which settles only once released, and waits for it", async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'partition-writer-'));
    roots.push(outDir);
    // Like the workers' hasher: holds the views it is given and hashes them only on release().
    const held: Array<{ views: Uint8Array[]; ended: ((md5: string) => void) | null }> = [];
    let releases = 0;
    const hasher: PartHasher = {
      start() {
        const file = { views: [] as Uint8Array[], ended: null as ((md5: string) => void) | null };
        held.push(file);
        return {
          update: (bytes) => file.views.push(bytes),
          end: () => new Promise<string>((resolve) => (file.ended = resolve)),
        };
      },
      release() {
        releases += 1;
        for (const file of held) {
          const md5 = createHash('md5');
          for (const view of file.views) md5.update(view);
          file.ended?.(md5.digest('hex'));
        }
      },
    };
    const writer = new PartitionWriter(outDir, 'maid_sha256', 3, () => undefined, hasher);
    const lines = Array.from({ length: 7 }, (_unused, index) => `${index.toString(16).padStart(2, '0').repeat(32)}\n`);
    await writer.writeLines(Buffer.from(lines.slice(0, 4).join(''), 'latin1'), 4);
    await writer.writeLines(Buffer.from(lines.slice(4).join(''), 'latin1'), 3);
    expect(releases).toBe(0);
    const files = await writer.finish();
    expect(releases).toBe(1);
    expect(files.map((file) => file.rows)).toEqual([3, 3, 1]);
    for (const file of files) {
      expect(file.md5).toBe(
        createHash('md5')
          .update(readFileSync(join(outDir, file.path)))
          .digest('hex'),
      );
    }
  });
});
