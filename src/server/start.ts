import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isUserError, UserError } from '../core/errors.ts';
import { openLocalMode } from '../local/open-local-mode.ts';
import { seedDataFolder, SAMPLE_DATA_PATH } from '../local/seed-data-folder.ts';
import { isLoopbackHost } from './basic-auth.ts';
import { createHttpApp } from './http-app.ts';
import { localServerContext } from './local-server-context.ts';
import { readServerConfig } from './server-config.ts';
import { ensureUiBuilt } from './ui-build.ts';

/** `npm start`: the whole product in one process on 127.0.0.1:8787. */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const config = readServerConfig(process.env);
  if (!isLoopbackHost(config.host) && config.authPassword === undefined) {
    process.stderr.write(
      `Error: refusing to listen on ${config.host} without a password.\n  Anyone who can reach this address could start uploads with your TikTok account.\n  What to do: set AUTH_PASSWORD=<a long password> (every request must then carry it), or leave HOST unset (127.0.0.1).\n`,
    );
    return 2;
  }
  const { created } = seedDataFolder(config.dataDir);
  if (created) say(`Created the data folder ${config.dataDir} with a sample audience file (${SAMPLE_DATA_PATH}).`);
  const uiDir = config.skipUiBuild ? undefined : await ensureUiBuilt(repoRoot, say);
  // Local mode reads its TikTok settings (TIKTOK_QPS, …) from this copy; saved settings update it.
  const env = { ...process.env };
  const app = openLocalMode({
    dataDir: config.dataDir,
    env,
    worker: { concurrency: config.concurrency, leaseMs: config.leaseMs, pollMs: 250 },
    outputTtlMs: config.outputTtlMs,
    onJobError: (jobId, error) =>
      process.stderr.write(`Job ${jobId}: ${error instanceof Error ? error.message : String(error)} (will retry)\n`),
  });
  const destination = app.tiktok.current();
  if (destination.kind === 'emulator') await app.tiktok.connect('emulator');
  const server = createHttpApp(localServerContext(app, { env }), {
    allowedHosts: [config.host, ...config.allowedHosts],
    uploadMaxBytes: config.uploadMaxBytes,
    ...(config.authPassword === undefined ? {} : { authPassword: config.authPassword }),
    ...(uiDir === undefined ? {} : { uiDir }),
    onInternalError: (error) =>
      process.stderr.write(
        `Internal error: ${error instanceof Error ? (process.env.AU_DEBUG === '1' ? error.stack : error.message) : String(error)}\n`,
      ),
  });
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolveListen());
    });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES') {
      throw new UserError({
        code: 'cannot_listen',
        title: `Cannot listen on ${config.host}:${config.port}`,
        detail: code === 'EADDRINUSE' ? 'Another program already uses this port.' : `The system refused (${code}).`,
        resolution: 'Stop the other program, or choose another port, e.g. PORT=8788 npm start.',
        kind: 'failure',
        cause: error,
      });
    }
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const hostInUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  say(`Audience Uploader is running at http://${hostInUrl}:${port}`);
  say(`  Data folder: ${config.dataDir}`);
  if (destination.kind === 'emulator') {
    say(
      `  TikTok: SIMULATED — no credentials, so uploads go to the bundled TikTok emulator (${app.tiktok.emulator()?.baseUrl}).`,
    );
    say(
      '          Nothing reaches TikTok. Add credentials in the app (Settings) or set TIKTOK_ACCESS_TOKEN and TIKTOK_ADVERTISER_ID.',
    );
  } else {
    const status = await app.tiktok.credentialsStatus();
    say(
      `  TikTok: REAL — token …${status.tokenLast4} (${status.source}), advertiser ${status.advertiserId ?? '(not set)'}.`,
    );
  }
  if (config.authPassword !== undefined) say('  Password protection is on (AUTH_PASSWORD).');
  if ((config.host === '0.0.0.0' || config.host === '::') && config.allowedHosts.length === 0)
    say('  Requests must name this server: set ALLOWED_HOSTS to the name or address others use to reach it.');
  if (uiDir === undefined) say('  The web app is not built; the API works (see docs/api.md).');
  app.worker?.start();
  const sweep = async () => {
    const expired = await app.jobs.expireOutputs();
    if (expired.length > 0) say(`Deleted the expired hashed output of ${expired.length} job(s).`);
  };
  await sweep();
  const sweeper = setInterval(() => void sweep(), 60 * 60 * 1000);
  sweeper.unref();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`Stopping (${signal}); unfinished jobs resume on the next start.`);
    clearInterval(sweeper);
    server.closeAllConnections();
    server.close();
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return 0;
}

main().then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    if (isUserError(error))
      process.stderr.write(`Error: ${error.title}\n  ${error.detail}\n  What to do: ${error.resolution}\n`);
    else process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
