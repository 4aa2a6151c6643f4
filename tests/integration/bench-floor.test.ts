import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/core/transform/manifest.ts';
import { REPO_ROOT, runCliProcess, runNodeProcess } from '../helpers/run-cli-process.ts';

// bench/mandatory-work-floor.ts bounds what the bench compares with the pandas job: it must do the
// engine's whole per-row work (every record parsed, every valid cell hashed), or its time proves nothing.
const sample = path.join(REPO_ROOT, 'tests/fixtures/clean-rooms-sample.jsonl');
const MAPS = ['e-mail=EMAIL', 'phone_number=PHONE', 'mobile_advertiser_id=MAID'];
const out = mkdtempSync(path.join(tmpdir(), 'floor-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the bench per-row floor', () => {
  it('parses every record and hashes exactly the cells the engine counts valid', async () => {
    const run = await runNodeProcess(['--import', 'tsx', 'bench/mandatory-work-floor.ts', sample, ...MAPS]);
    expect(run.code, run.stderr).toBe(0);
    const floor = JSON.parse(run.stdout.trim().split('\n').pop() as string) as { records: number; hashed: number };
    const engine = await runCliProcess([
      'transform',
      sample,
      ...MAPS.flatMap((map) => ['--map', map]),
      '--out',
      path.join(out, 'engine'),
      '--json',
    ]);
    expect(engine.code, engine.stderr).toBe(0);
    const manifest = JSON.parse(engine.stdout) as Manifest;
    expect(floor.records).toBe(manifest.recordsRead);
    const valid = Object.values(manifest.types).reduce((sum, counts) => sum + (counts?.valid ?? 0), 0);
    expect(valid).toBeGreaterThan(1000);
    expect(floor.hashed).toBe(valid);
  }, 60_000);
});
