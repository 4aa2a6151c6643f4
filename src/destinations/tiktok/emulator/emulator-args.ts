import { parseArgs } from 'node:util';
import type { EmulatorOptions } from './tiktok-emulator.ts';

export const EMULATOR_USAGE = `Usage: npm run tiktok-emulator -- [--port <p>] [--qps 10] [--rate-window-ms 1000] [--match-rate 0.6] [--calculating-ms 2000]
  [--fault-rate 0] [--fault serverError|throttle|timeout|drop|lostResponse=<rate>]... [--latency-ms 0] [--seed <n>]
  [--file-ttl-ms 3600000] [--max-file-bytes 52428800] [--timeout-hang-ms 30000]
  [--token <t>]... [--advertiser <id>]... [--state <file>] [--state-retention-ms 604800000]`;

const FAULT_KINDS = ['serverError', 'throttle', 'timeout', 'drop', 'lostResponse'] as const;

function numberOption(values: Record<string, unknown>, name: string): number | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  const number = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(number))
    throw new Error(`--${name} must be a number, got "${String(value)}"`);
  return number;
}

/** Parses the command line into emulator options; throws an Error with a usage hint on bad input. */
export function parseEmulatorArgs(args: string[]): Partial<EmulatorOptions> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      qps: { type: 'string' },
      'rate-window-ms': { type: 'string' },
      'match-rate': { type: 'string' },
      'calculating-ms': { type: 'string' },
      'fault-rate': { type: 'string' },
      'latency-ms': { type: 'string' },
      seed: { type: 'string' },
      'file-ttl-ms': { type: 'string' },
      'max-file-bytes': { type: 'string' },
      'timeout-hang-ms': { type: 'string' },
      fault: { type: 'string', multiple: true },
      token: { type: 'string', multiple: true },
      advertiser: { type: 'string', multiple: true },
      state: { type: 'string' },
      'state-retention-ms': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const options: Partial<EmulatorOptions> = {};
  const port = numberOption(values, 'port');
  if (port !== undefined) options.port = port;
  const qps = numberOption(values, 'qps');
  if (qps !== undefined) options.qps = qps;
  const rateWindowMs = numberOption(values, 'rate-window-ms');
  if (rateWindowMs !== undefined) options.rateWindowMs = rateWindowMs;
  const matchRate = numberOption(values, 'match-rate');
  if (matchRate !== undefined) options.matchRate = matchRate;
  const calculatingMs = numberOption(values, 'calculating-ms');
  if (calculatingMs !== undefined) options.calculatingMs = calculatingMs;
  const faultRate = numberOption(values, 'fault-rate');
  if (faultRate !== undefined) options.faultRate = faultRate;
  const latencyMs = numberOption(values, 'latency-ms');
  if (latencyMs !== undefined) options.latencyMs = latencyMs;
  const seed = numberOption(values, 'seed');
  if (seed !== undefined) options.seed = seed;
  const fileTtlMs = numberOption(values, 'file-ttl-ms');
  if (fileTtlMs !== undefined) options.fileTtlMs = fileTtlMs;
  const maxFileBytes = numberOption(values, 'max-file-bytes');
  if (maxFileBytes !== undefined) options.maxFileBytes = maxFileBytes;
  const timeoutHangMs = numberOption(values, 'timeout-hang-ms');
  if (timeoutHangMs !== undefined) options.timeoutHangMs = timeoutHangMs;
  for (const fault of values.fault ?? []) {
    const [kind, rate] = fault.split('=');
    const known = FAULT_KINDS.find((candidate) => candidate === kind);
    const share = Number(rate);
    if (!known || rate === undefined || rate.trim() === '' || !Number.isFinite(share)) {
      throw new Error(`--fault must be <kind>=<rate> with kind one of ${FAULT_KINDS.join(', ')}, got "${fault}"`);
    }
    options.faults = { ...options.faults, [known]: share };
  }
  if (values.token) options.tokens = values.token;
  if (values.advertiser) options.advertisers = values.advertiser;
  if (values.state) options.statePath = values.state;
  const stateRetentionMs = numberOption(values, 'state-retention-ms');
  if (stateRetentionMs !== undefined) options.stateRetentionMs = stateRetentionMs;
  return options;
}
