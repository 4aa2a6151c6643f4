import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..', '..');
export const PYTHON = join(REPO, '.venv', 'bin', 'python');

export interface PythonService {
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a harness script that prints {"port": N} once it listens on 127.0.0.1, and ends when its
 * standard input closes (so it never outlives the test run, even if the run is killed).
 */
export async function startPythonService(
  script: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<PythonService> {
  const child = spawn(PYTHON, [join(import.meta.dirname, script)], {
    cwd: REPO,
    env: { ...process.env, ...env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      for (const line of stdout.split('\n')) {
        const match = /^\{"port": (\d+)\}$/.exec(line.trim());
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before listening:\n${stderr}`));
    });
  });
  child.stdout!.resume();
  return { port, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin!.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
