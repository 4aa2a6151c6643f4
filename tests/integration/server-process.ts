import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

export interface ServerProcess {
  url: string;
  /** The in-process emulator's origin (inspection API under /__emulator/), when simulated. */
  emulatorOrigin: string | undefined;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `npm start` as a child process (same entry, tsx), on a free port with its own data folder. */
export async function startServerProcess(options: {
  dataDir: string;
  env?: Record<string, string>;
}): Promise<ServerProcess> {
  // tsx as a loader, not its CLI: the CLI would be a parent process, and a SIGKILL to it would leave
  // the real server running as an orphan.
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'server', 'start.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: '0',
      DATA_DIR: options.dataDir,
      TIKTOK_ACCESS_TOKEN: '',
      TIKTOK_ADVERTISER_ID: '',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    const check = () => {
      const found = /running at (http:\/\/\S+)/.exec(output);
      if (found?.[1] && /TikTok: (SIMULATED|REAL).*\n/.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve(found[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before starting:\n${output}`));
    });
  });
  const emulator = /\((http:\/\/127\.0\.0\.1:\d+)\/open_api\/v1\.3\)/.exec(output)?.[1];
  return {
    url,
    emulatorOrigin: emulator,
    child,
    output: () => output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      if (child.pid !== undefined && isAlive(child.pid))
        throw new Error(`server process ${child.pid} still runs after ${signal}`);
      return code;
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function api<T = Record<string, unknown>>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const response = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as T };
}

export interface JobAnswer {
  id: string;
  state: string;
  reason: string | null;
  resolution: string | null;
  destination: { kind: string; label: string };
  progress: { stage?: string; recordsRead?: number; filesUploaded?: number; filesTotal?: number; percent?: number };
  result: {
    transform?: { types: Record<string, { unique: number }> };
    upload?: { audiences: Array<{ type: string; audienceId: string; idsSent: number }> };
  } | null;
}

export async function waitForJob(
  url: string,
  id: string,
  until: (job: JobAnswer) => boolean,
  timeoutMs = 120_000,
  pollMs = 100,
): Promise<JobAnswer> {
  const started = Date.now();
  for (;;) {
    const { json } = await api<JobAnswer>(url, 'GET', `/api/jobs/${id}`);
    if (until(json)) return json;
    if (Date.now() - started > timeoutMs) throw new Error(`job ${id} stuck in ${json.state}: ${json.reason}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export const isFinished = (job: JobAnswer) =>
  ['completed', 'failed', 'partially_failed', 'cancelled'].includes(job.state);
