import { EMULATOR_USAGE, parseEmulatorArgs } from './emulator-args.ts';
import { type EmulatorOptions, startTikTokEmulator } from './tiktok-emulator.ts';

async function main(): Promise<number> {
  let options: Partial<EmulatorOptions>;
  try {
    options = parseEmulatorArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${EMULATOR_USAGE}`);
    return 2;
  }
  let emulator;
  try {
    emulator = await startTikTokEmulator(options);
  } catch (error) {
    console.error(`The TikTok emulator could not start: ${(error as Error).message}\n${EMULATOR_USAGE}`);
    return 1;
  }
  const { tokens, advertisers, qps, matchRate, calculatingMs, faultRate, statePath } = emulator.options;
  console.log(`TikTok emulator (simulated TikTok) listening on ${emulator.baseUrl}`);
  console.log(
    `  tokens: ${tokens.map((token) => `…${token.slice(-4)}`).join(', ')} · advertisers: ${advertisers.join(', ')} · qps ${qps} · match rate ${matchRate} · calculating ${calculatingMs} ms · fault rate ${faultRate}${statePath ? ` · state ${statePath}` : ''}`,
  );
  console.log(`  inspection: ${emulator.baseUrl.replace(/\/open_api\/.*$/, '')}/__emulator/state · stop with Ctrl+C`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await emulator.close();
  console.log('TikTok emulator stopped');
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('The TikTok emulator failed', error);
    process.exitCode = 1;
  },
);
