// Issue 8 acceptance (a)–(h): the wizard in Chromium against the real `npm start`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SCREENSHOT_DIR,
  capture,
  collectConsole,
  expectAccessible,
  launchChromium,
  repoRoot,
  startApp,
  type RunningApp,
} from './app-under-test.ts';

const AUDIENCE = 'E2E Sample';
const JOB_DONE_MS = 60_000;

let app: RunningApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const consoleProblems: string[] = [];
/** Chromium logs every error response as a console error: the ones a test provokes on purpose. */
const provokedStatuses: number[] = [];

interface ManifestCounts {
  valid: number;
  prehashed: number;
  empty: number;
  duplicates: number;
  unique: number;
  rejected: Record<string, number>;
}
interface Manifest {
  recordsRead: number;
  types: Record<string, ManifestCounts>;
}
interface ApiJob {
  id: string;
  state: string;
  plan: { audience: { audienceId?: string; action: string } };
  result: { upload?: { audiences: Array<{ type: string; audienceId: string; audienceName: string }> } } | null;
}

const api = async <T>(path: string): Promise<T> => (await (await fetch(`${app.url}${path}`)).json()) as T;
const manifestOf = (jobId: string) =>
  JSON.parse(readFileSync(join(app.dataDir, '.jobs', jobId, 'out', 'manifest.json'), 'utf8')) as Manifest;
const numberIn = async (selector: string) => Number((await page.locator(selector).innerText()).replace(/[^\d]/g, ''));
const jobIdFromUrl = () => /\/upload\/monitor\/([0-9a-f-]{36})/.exec(page.url())?.[1] ?? '';

/** Every raw value of the sample file's identifier columns (the rejects must hold none of them). */
function sampleValues(): string[] {
  const values = new Set<string>();
  for (const line of readFileSync(join(repoRoot, 'tests', 'fixtures', 'clean-rooms-sample.jsonl'), 'utf8').split(
    '\n',
  )) {
    if (!line.trim()) continue;
    const record = JSON.parse(line) as Record<string, unknown>;
    for (const [key, value] of Object.entries(record)) {
      if (key === 'age' || typeof value !== 'string') continue;
      const trimmed = value.trim();
      if (trimmed.length >= 4) values.add(trimmed);
    }
  }
  return [...values];
}

async function openSampleFolder(): Promise<void> {
  await page.getByTestId('open-samples').click();
  await expect.poll(() => page.getByTestId('folder').innerText()).toContain('/samples');
}

/** A new, empty draft on the first step (each test starts from here). */
async function freshUpload(): Promise<void> {
  await page.goto(`${app.url}/upload/data`);
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await page.waitForURL('**/upload/data');
  await page.getByTestId('files').waitFor();
}

async function waitForState(states: string[]): Promise<string> {
  await page.waitForFunction(
    (wanted) => wanted.includes(document.querySelector('[data-test="job-state"]')?.textContent?.trim() ?? ''),
    states,
    { timeout: JOB_DONE_MS },
  );
  return (await page.getByTestId('job-state').innerText()).trim();
}

/** The chart's counts for each type equal the manifest's. */
async function expectMonitorMatchesManifest(jobId: string): Promise<void> {
  const manifest = manifestOf(jobId);
  expect(await numberIn('[data-test="records-read"]')).toBeGreaterThan(0);
  expect((await page.getByTestId('records-read').innerText()).replace(/,/g, '')).toContain(
    `${manifest.recordsRead} records read`,
  );
  for (const [type, counts] of Object.entries(manifest.types)) {
    expect(await numberIn(`[data-test="count-${type}-unique"] td.number`), `${type} unique`).toBe(counts.unique);
    expect(await numberIn(`[data-test="count-${type}-duplicates"] td.number`), `${type} duplicates`).toBe(
      counts.duplicates,
    );
    expect(await numberIn(`[data-test="count-${type}-empty"] td.number`), `${type} empty`).toBe(counts.empty);
    expect(await numberIn(`[data-test="prehashed-${type}"]`), `${type} pre-hashed`).toBe(counts.prehashed);
    for (const [reason, n] of Object.entries(counts.rejected))
      expect(await numberIn(`[data-test="count-${type}-rejected-${reason}"] td.number`), `${type} ${reason}`).toBe(n);
  }
}

beforeAll(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  app = await startApp();
  // A file no reader can parse, for (d).
  writeFileSync(join(app.dataDir, 'broken.parquet'), Buffer.from('PAR1\u0000\u0001not really parquet'));
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  collectConsole(page, consoleProblems);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('the wizard in Chromium against npm start', () => {
  let firstJobId = '';
  let emailAudienceId = '';

  it('(a, e, h) takes the sample file through all five steps to completed; reloads keep everything; rejects.csv holds no value', async () => {
    await page.goto(app.url);
    await expect.poll(() => page.getByTestId('destination').innerText()).toContain('simulated TikTok');
    await openSampleFolder();
    await page.getByLabel('Use clean-rooms-sample.jsonl').check();
    await page.getByTestId('schema-summary').waitFor();
    expect(await page.getByTestId('schema-summary').innerText()).toContain('JSON Lines');
    await capture(page, '1-select-data');
    await page.getByTestId('next').click();

    await page.waitForURL('**/upload/audience');
    await page.getByTestId('audience-name').fill(AUDIENCE);
    await capture(page, '2-audience');
    await page.getByTestId('next').click();

    await page.waitForURL('**/upload/columns');
    await expect
      .poll(() => page.getByTestId('check-phone_number').innerText())
      .toMatch(/\d+% valid phone numbers \(region US\)/);
    await expect.poll(() => page.getByTestId('check-e-mail').innerText()).toMatch(/\d+% valid email addresses/);
    const columnRows = await page.locator('[data-test="columns"] tbody tr').count();
    // The live check follows the options.
    await page.getByTestId('phone-region').fill('GB');
    await expect.poll(() => page.getByTestId('check-phone_number').innerText()).toContain('(region GB)');
    await page.getByTestId('phone-region').fill('US');
    await expect.poll(() => page.getByTestId('check-phone_number').innerText()).toContain('(region US)');
    // (e) Reload during the columns step: same step, same choices, no duplicated column.
    await page.getByTestId('type-age').selectOption('');
    await page.reload();
    await page.waitForURL('**/upload/columns');
    await expect.poll(() => page.locator('[data-test="columns"] tbody tr').count()).toBe(columnRows);
    expect(await page.getByTestId('type-e-mail').inputValue()).toBe('EMAIL');
    expect(await page.getByTestId('type-age').inputValue()).toBe('');
    await expect.poll(() => page.getByTestId('check-phone_number').innerText()).toContain('(region US)');
    await capture(page, '3-columns');
    await page.getByTestId('next').click();

    await page.waitForURL('**/upload/confirm');
    await expect.poll(() => page.getByTestId('warnings').innerText()).toContain('simulated TikTok');
    expect(await page.getByTestId('warnings').innerText()).toContain('fewer than 1,000');
    expect(await page.getByTestId('summary').innerText()).toContain(`${AUDIENCE} · EMAIL`);
    await capture(page, '4-confirm');
    await page.getByTestId('start').click();

    await page.waitForURL('**/upload/monitor/**');
    firstJobId = jobIdFromUrl();
    // (e) Reload while monitoring: the same job, followed live again.
    await page.reload();
    await expect.poll(() => jobIdFromUrl()).toBe(firstJobId);
    expect(await waitForState(['Completed', 'Failed', 'Partly failed'])).toBe('Completed');
    await expectMonitorMatchesManifest(firstJobId);
    const job = await api<ApiJob>(`/api/jobs/${firstJobId}`);
    const shownIds = await page.getByTestId('audience-id').allInnerTexts();
    expect(shownIds.sort()).toEqual((job.result?.upload?.audiences ?? []).map((a) => a.audienceId).sort());
    emailAudienceId = job.result?.upload?.audiences.find((a) => a.type === 'EMAIL')?.audienceId ?? '';
    expect(emailAudienceId).not.toBe('');
    await capture(page, '5-monitor');

    // (h) rejects.csv: downloaded through the page, it holds no value of the input file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-rejects').click()]);
    const csv = readFileSync((await download.path()) ?? '', 'utf8');
    expect(csv.split('\n').length).toBeGreaterThan(2);
    const leaked = sampleValues().filter((value) => csv.includes(value));
    expect(leaked).toEqual([]);
  });

  it('(b) appends into the audience of (a), picked from TikTok’s list', async () => {
    await page.getByTestId('start-over').click();
    await page.waitForURL('**/upload/data');
    await openSampleFolder();
    await page.getByLabel('Use clean-rooms-sample.jsonl').check();
    await page.getByTestId('schema-summary').waitFor();
    await page.getByTestId('next').click();
    await page.waitForURL('**/upload/audience');
    await page.getByTestId('action-append').check();
    await page.getByTestId('audience-search').fill(`${AUDIENCE} · EM`);
    await page.getByTestId(`pick-${AUDIENCE} · EMAIL`).check();
    await capture(page, '2-audience-append');
    await page.getByTestId('next').click();
    await page.waitForURL('**/upload/columns');
    // One audience holds one type: only the e-mail column goes.
    await page.getByTestId('type-phone_number').selectOption('');
    await page.getByTestId('type-mobile_advertiser_id').selectOption('');
    await page.getByTestId('next').click();
    await page.waitForURL('**/upload/confirm');
    expect(await page.getByTestId('summary').innerText()).toContain(`Adds the ids to “${AUDIENCE} · EMAIL”`);
    await page.getByTestId('start').click();
    await page.waitForURL('**/upload/monitor/**');
    expect(await waitForState(['Completed', 'Failed', 'Partly failed'])).toBe('Completed');
    const job = await api<ApiJob>(`/api/jobs/${jobIdFromUrl()}`);
    expect(job.plan.audience).toMatchObject({ action: 'append', audienceId: emailAudienceId });
    expect(job.result?.upload?.audiences.map((a) => a.audienceId)).toEqual([emailAudienceId]);
  });

  it('(d) a refusal at TikTok appears in the monitor with what to do; Retry says what it does and runs again', async () => {
    await freshUpload();
    await openSampleFolder();
    await page.getByLabel('Use clean-rooms-sample.jsonl').check();
    await page.getByTestId('schema-summary').waitFor();
    await page.getByTestId('next').click();
    await page.getByTestId('action-remove').check();
    await page.getByTestId('audience-search').fill(`${AUDIENCE} · EMAIL`);
    await page.getByTestId(`pick-${AUDIENCE} · EMAIL`).check();
    await page.getByTestId('next').click();
    await page.waitForURL('**/upload/columns');
    await page.getByTestId('type-phone_number').selectOption('');
    await page.getByTestId('type-mobile_advertiser_id').selectOption('');
    await page.getByTestId('next').click();
    await page.waitForURL('**/upload/confirm');
    // The confirm step already warns that TikTok refuses a REMOVE below 1,000.
    expect(await page.getByTestId('warnings').innerText()).toContain('refuses a REMOVE');
    await page.getByTestId('start').click();
    await page.waitForURL('**/upload/monitor/**');
    expect(await waitForState(['Completed', 'Failed', 'Partly failed'])).toBe('Failed');
    expect(await page.getByTestId('job-reason').innerText()).toContain('1,000');
    expect(await page.getByTestId('job-resolution').innerText()).toContain('What to do:');
    expect(await page.locator('#retry-hint').innerText()).toContain('nothing is uploaded twice');
    await capture(page, '5-monitor-failed');
    await page.getByTestId('retry').click();
    await expect
      .poll(() => api<ApiJob>(`/api/jobs/${jobIdFromUrl()}`).then((job) => job.state), { timeout: 20_000 })
      .toBe('failed');
    await expect.poll(() => page.getByTestId('job-state').innerText(), { timeout: 20_000 }).toBe('Failed');
  });

  it('(c) uploads a file from the computer through the file chooser, then uses it', async () => {
    await freshUpload();
    const local = join(app.dataDir, '..', 'from-my-computer.csv');
    const rows = ['email,city', ...Array.from({ length: 50 }, (_, i) => `person${i}@example.org,Town${i}`)];
    writeFileSync(local, `${rows.join('\n')}\n`);
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('upload-file').click()]);
    await chooser.setFiles(local);
    await page.getByTestId('schema-summary').waitFor();
    expect(await page.getByTestId('selection').innerText()).toContain('from-my-computer.csv');
    expect(readFileSync(join(app.dataDir, 'from-my-computer.csv'), 'utf8')).toBe(`${rows.join('\n')}\n`);
    // The same name again is never overwritten silently.
    const [again] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('upload-file').click()]);
    provokedStatuses.push(409);
    await again.setFiles(local);
    await page.getByTestId('problem').waitFor();
    expect(await page.getByTestId('upload-replace').isVisible()).toBe(true);
    await capture(page, '1-select-data-upload-exists');
    await page.getByTestId('next').click();
    await page.getByTestId('audience-name').fill('E2E Uploaded');
    await page.getByTestId('next').click();
    await page.waitForURL('**/upload/columns');
    expect(await page.getByTestId('type-email').inputValue()).toBe('EMAIL');
    await expect.poll(() => page.getByTestId('check-email').innerText()).toContain('100% valid email addresses');
    await page.getByTestId('next').click();
    await page.getByTestId('start').click();
    await page.waitForURL('**/upload/monitor/**');
    expect(await waitForState(['Completed', 'Failed', 'Partly failed'])).toBe('Completed');
    expect(manifestOf(jobIdFromUrl()).types.EMAIL?.unique).toBe(50);
  });

  it('(d) a broken file: the error and its resolution appear in the step where it arises', async () => {
    await freshUpload();
    provokedStatuses.push(422);
    await page.getByLabel('Use broken.parquet').check();
    const problem = page.locator('[data-test="problem"]');
    await problem.waitFor();
    const text = await problem.innerText();
    expect(text).toMatch(/Parquet/);
    expect(text).toContain('What to do:');
    // The file is named as the data folder names it, never by the server's own path.
    expect(text).toContain('broken.parquet');
    expect(text).not.toContain(app.dataDir);
    await capture(page, '1-select-data-broken');
    // The step does not open the next one.
    await page.getByTestId('next').click();
    expect(page.url()).toContain('/upload/data');
    await page.getByLabel('Use broken.parquet').uncheck();
    // A name TikTok would refuse is stopped in the audience step.
    await openSampleFolder();
    await page.getByLabel('Use clean-rooms-sample.jsonl').check();
    await page.getByTestId('schema-summary').waitFor();
    await page.getByTestId('next').click();
    await page.getByTestId('audience-name').fill('x'.repeat(121));
    await page.getByTestId('next').click();
    expect(await page.getByTestId('error-audience.name').innerText()).toContain('120');
    expect(page.url()).toContain('/upload/audience');
    // A deep link past an invalid step lands on the step to finish.
    await page.goto(`${app.url}/upload/confirm`);
    await page.waitForURL('**/upload/audience');
  });

  it('(f) the sample file through all five steps with the keyboard only', async () => {
    await freshUpload();
    const tabTo = async (selector: string) => {
      for (let i = 0; i < 120; i += 1) {
        await page.keyboard.press('Tab');
        const found = await page.evaluate((s) => {
          const active = document.activeElement;
          if (!active || !active.matches(s)) return null;
          const style = getComputedStyle(active);
          return style.outlineStyle !== 'none' && style.outlineWidth !== '0px';
        }, selector);
        if (found !== null) {
          expect(found, `visible focus on ${selector}`).toBe(true);
          return;
        }
      }
      throw new Error(`Tab never reached ${selector}`);
    };
    await tabTo('[data-test="open-samples"]');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('folder').innerText()).toContain('/samples');
    await tabTo('input[aria-label="Use clean-rooms-sample.jsonl"]');
    await page.keyboard.press('Space');
    await page.getByTestId('schema-summary').waitFor();
    await tabTo('[data-test="next"]');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/upload/audience');
    await tabTo('[data-test="audience-name"]');
    await page.keyboard.type('E2E Keyboard');
    await tabTo('[data-test="next"]');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/upload/columns');
    await expect.poll(() => page.getByTestId('check-e-mail').innerText()).toMatch(/% valid/);
    await tabTo('[data-test="next"]');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/upload/confirm');
    await tabTo('[data-test="start"]');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/upload/monitor/**');
    expect(await waitForState(['Completed', 'Failed', 'Partly failed'])).toBe('Completed');
    await expectMonitorMatchesManifest(jobIdFromUrl());
  });

  it('Jobs and Audiences pages: history, open a job, audiences with the jobs that touched them', async () => {
    await page.goto(`${app.url}/jobs`);
    await page.getByTestId(`job-${firstJobId}`).waitFor();
    expect(await page.locator('[data-test="jobs"] tbody tr').count()).toBeGreaterThanOrEqual(4);
    await capture(page, 'page-jobs');
    await page.getByTestId('state-filter').selectOption('failed');
    await expect.poll(() => page.locator('[data-test="jobs"] tbody tr').count()).toBe(1);
    expect(await page.locator('[data-test="jobs"] tbody tr').innerText()).toContain('Failed');
    await page.getByTestId('state-filter').selectOption('completed');
    await expect.poll(() => page.locator('[data-test="jobs"] tbody tr').count()).toBe(4);
    expect(await page.getByTestId('jobs').innerText()).not.toContain('Failed');
    await page.getByTestId('state-filter').selectOption('');
    await page.getByTestId(`open-${firstJobId}`).click();
    await page.waitForURL(`**/jobs/${firstJobId}`);
    await expect.poll(() => page.getByTestId('job-state').innerText()).toBe('Completed');
    await capture(page, 'page-job');
    await page.goto(`${app.url}/audiences`);
    await expect.poll(() => page.getByTestId('audiences').innerText()).toContain(`${AUDIENCE} · EMAIL`);
    await capture(page, 'page-audiences');
  });

  it('(g) Settings: a saved token shows only its last 4, and the field is never pre-filled', async () => {
    const token = 'e2e-secret-token-7781';
    await page.goto(`${app.url}/settings`);
    await page.getByTestId('credentials-status').waitFor();
    await capture(page, 'page-settings');
    await page.getByTestId('access-token').fill(token);
    await page.getByTestId('advertiser-input').fill('7000000000000004242');
    await page.getByTestId('save-credentials').click();
    await page.getByTestId('credentials-saved').waitFor();
    expect(await page.getByTestId('token-last4').innerText()).toBe('…7781');
    expect(await page.getByTestId('access-token').inputValue()).toBe('');
    await expect.poll(() => page.getByTestId('destination').innerText()).toContain('TikTok · advertiser …4242');
    await page.reload();
    await page.getByTestId('credentials-status').waitFor();
    expect(await page.getByTestId('access-token').inputValue()).toBe('');
    expect(await page.content()).not.toContain(token);
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }));
    expect(stored).not.toContain(token);
    await expectAccessible(page, 'settings after saving');
  });

  it('left no console error or warning on any page', () => {
    const unexpected = [...consoleProblems];
    for (const status of provokedStatuses) {
      const index = unexpected.findIndex((line) => line.includes(`status of ${status}`));
      if (index >= 0) unexpected.splice(index, 1);
    }
    expect(unexpected).toEqual([]);
  });
});
