import { isUserError } from '../core/errors.ts';

/** Each command lives in `commands/<name>.ts` and exports `run(args): Promise<number>` (the exit code). */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> }> = {
  inspect: {
    summary: 'inspect <input>                 show columns, value kinds and a suggested mapping',
    load: () => import('./commands/inspect.ts'),
  },
  transform: {
    summary: 'transform <input...> --map c=TYPE --out <dir>   normalize, hash and partition',
    load: () => import('./commands/transform.ts'),
  },
  upload: {
    summary: 'upload <transform-out-dir> --audience <name> --action <a>   upload to TikTok',
    load: () => import('./commands/upload.ts'),
  },
  audiences: {
    summary: 'audiences list | show <id>      TikTok audiences of the advertiser',
    load: () => import('./commands/audiences.ts'),
  },
  run: {
    summary: 'run <input> --map c=TYPE --audience <name> --action <a>   transform + upload as one job',
    load: () => import('./commands/run.ts'),
  },
  jobs: {
    summary: 'jobs list | show <id>            jobs in the local store',
    load: () => import('./commands/jobs.ts'),
  },
};

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function usage(): string {
  return [
    'Usage: audience-uploader <command> [options]   (npm run cli -- <command> …)',
    '',
    ...Object.values(COMMANDS).map((command) => `  ${command.summary}`),
    '',
    "Run `audience-uploader <command> --help` for a command's options.",
  ].join('\n');
}

/** Prints a person-facing error: what happened and what to do. Never a stack trace. */
export function printError(error: unknown): number {
  if (isUserError(error)) {
    process.stderr.write(`Error: ${error.title}\n  ${error.detail}\n  What to do: ${error.resolution}\n`);
    return error.kind === 'usage' ? EXIT_USAGE : EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `Error: ${message}\n  What to do: re-run with AU_DEBUG=1 for details, and report it if it persists.\n`,
  );
  if (process.env.AU_DEBUG === '1' && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
  return EXIT_FAILURE;
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`Error: unknown command "${name}".\n\n${usage()}\n`);
    return EXIT_USAGE;
  }
  try {
    const module = await command.load();
    return await module.run(args);
  } catch (error) {
    return printError(error);
  }
}
