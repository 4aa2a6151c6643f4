// Starts the real `npm start` on a free port with a temporary data folder, and Debian's Chromium
// (never a downloaded browser) driven by playwright-core.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, selectors, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface RunningApp {
  url: string;
  dataDir: string;
  output: () => string;
  stop: () => Promise<void>;
}

export async function startApp(): Promise<RunningApp> {
  const parent = mkdtempSync(join(tmpdir(), 'au-e2e-'));
  const dataDir = join(parent, 'data');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    DATA_DIR: dataDir,
    // Saved credentials (the Settings test) must never reach the real TikTok: a closed local port.
    TIKTOK_API_BASE_URL: 'http://127.0.0.1:9/open_api/v1.3',
    AU_EMULATOR_OPTIONS: JSON.stringify({ calculatingMs: 300 }),
  };
  for (const name of ['TIKTOK_ACCESS_TOKEN', 'TIKTOK_ADVERTISER_ID', 'AUTH_PASSWORD', 'HOST', 'AU_SKIP_UI_BUILD'])
    delete env[name];
  const child: ChildProcess = spawn('npm', ['start'], { cwd: repoRoot, env, detached: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output}`)), 110_000);
    const check = () => {
      const match = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
  return {
    url,
    dataDir,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(-child.pid, 'SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      }
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

export function launchChromium(): Promise<Browser> {
  selectors.setTestIdAttribute('data-test');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** Every console error or warning and every uncaught page error fails the suite. */
export function collectConsole(page: Page, sink: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') sink.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => sink.push(`pageerror: ${error.message}`));
}

const AXE = readFileSync(join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** axe-core on the page as it is now: no serious or critical violation. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const hasAxe = await page.evaluate(() => 'axe' in window);
  // Evaluated over the DevTools protocol: the app's CSP (no inline scripts) stays on for the app itself.
  if (!hasAxe) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document)).violations;
  });
  const bad = (violations as AxeViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  expect(bad, `axe on ${where}`).toEqual([]);
}

export const SCREENSHOT_DIR = join(repoRoot, 'test-results', 'e2e');

/** Screenshots at 1366 px and 390 px (then back to 1366 px), and axe at both widths. */
export async function capture(page: Page, name: string): Promise<void> {
  await expectAccessible(page, `${name} (1366 px)`);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-1366.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => {
    const wide = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
      .filter((element) => !element.closest('.table-wrap'))
      .map((element) => `${element.tagName.toLowerCase()}.${element.className}`)
      .slice(0, 5);
    return { by: document.documentElement.scrollWidth - window.innerWidth, wide };
  });
  expect(overflow, `${name} fits 390 px without sideways scrolling`).toEqual({ by: 0, wide: [] });
  await expectAccessible(page, `${name} (390 px)`);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-390.png`), fullPage: true });
  await page.setViewportSize({ width: 1366, height: 900 });
}
