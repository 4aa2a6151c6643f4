import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StaleRunError } from '../../../src/core/jobs/run-fence.ts';
import { openLocalApp, type LocalApp } from '../../../src/local/local-app.ts';
import { completed, emailPlan, fakeDestination, fakeStages } from './fake-stages.ts';
import { rejectionOf } from '../../helpers/rejection-of.ts';

let dataDir: string;
let app: LocalApp | undefined;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'au-stale-'));
  writeFileSync(join(dataDir, 'in.csv'), 'email\n');
});
afterEach(async () => {
  await app?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a run whose job was taken over', () => {
  it('stops at its first write and changes nothing: no state, no upload, no output', async () => {
    const stages = fakeStages(async () => completed);
    app = openLocalApp({ dataDir, destination: fakeDestination, stages: () => stages, worker: false });
    const { job } = app.jobs.create(emailPlan, 'api');
    const first = app.queue.claim('worker-a', 1);
    expect(first?.generation).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 5)); // worker-a's 1 ms lease has run out
    expect(app.queue.claim('worker-b', 60_000)?.generation).toBe(2);
    // worker-a wakes up and runs with the generation it had.
    const stale = await rejectionOf(app.runner.run(job.id, new AbortController().signal, 1), StaleRunError);
    expect(stale.current).toBe(2);
    expect(stages.transforms).toBe(0);
    expect(stages.uploads).toBe(0);
    expect(app.jobStore.get(job.id)).toMatchObject({ state: 'queued', progress: {}, result: null });
    expect(app.jobStore.events(job.id).map((event) => event.data.state)).toEqual(['queued']);
    // The current run is unaffected.
    expect((await app.runner.run(job.id, new AbortController().signal, 2))?.state).toBe('completed');
  });
});
