import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const UI_DIST = join('dist', 'ui');

async function newestMtime(path: string): Promise<number> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

/** True when `dist/ui` is missing or older than any of the web app's sources. */
export async function isUiStale(repoRoot: string): Promise<boolean> {
  const built = join(repoRoot, UI_DIST, 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = (await stat(built)).mtimeMs;
  const sources = ['index.html', 'vite.config.ts', join('src', 'ui'), 'public'].map((path) => join(repoRoot, path));
  for (const source of sources) if ((await newestMtime(source)) > builtAt) return true;
  return false;
}

/**
 * Builds the web app with vite (in a child process, so the server does not keep the bundler in
 * memory) into a fresh folder, then swaps it in: two servers starting at once never serve half a build.
 */
export async function ensureUiBuilt(
  repoRoot: string,
  log: (line: string) => void = () => {},
): Promise<string | undefined> {
  const target = join(repoRoot, UI_DIST);
  if (!(await isUiStale(repoRoot))) return target;
  const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite) || !existsSync(join(repoRoot, 'index.html'))) return existsSync(target) ? target : undefined;
  log('Building the web app (vite)…');
  const staging = join(repoRoot, 'dist', `.ui-build-${process.pid}-${Date.now()}`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [vite, 'build', '--outDir', staging, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: repoRoot,
      // `npm start` is local mode, even when an amplify_outputs.json of a deployment lies around.
      env: { ...process.env, AMPLIFY_OUTPUTS: 'none' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', () => resolve(1));
    child.on('close', (exitCode) => {
      if (exitCode !== 0) log(`The web app did not build:\n${stderr.slice(-2000)}`);
      resolve(exitCode ?? 1);
    });
  });
  if (code !== 0) {
    await rm(staging, { recursive: true, force: true });
    return existsSync(target) ? target : undefined;
  }
  try {
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } catch {
    // Another server swapped its build in first: theirs is just as fresh.
    await rm(staging, { recursive: true, force: true });
  }
  return existsSync(join(target, 'index.html')) ? target : undefined;
}
