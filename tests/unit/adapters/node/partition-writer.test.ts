import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PartitionWriter } from '../../../../src/adapters/node/transform/partition-writer.ts';

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
});
