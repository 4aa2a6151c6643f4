import { describe, expect, it } from 'vitest';
import { parseEmulatorArgs } from '../../../../../src/destinations/tiktok/emulator/emulator-args.ts';

describe('parseEmulatorArgs', () => {
  it('reads every documented option, repeating --token and --advertiser', () => {
    expect(
      parseEmulatorArgs([
        '--port',
        '8787',
        '--qps',
        '5',
        '--match-rate',
        '1',
        '--calculating-ms',
        '100',
        '--fault-rate',
        '0.2',
        '--token',
        'a',
        '--token',
        'b',
        '--advertiser',
        '1',
        '--advertiser',
        '2',
        '--state',
        'data/emulator.json',
      ]),
    ).toEqual({
      port: 8787,
      qps: 5,
      matchRate: 1,
      calculatingMs: 100,
      faultRate: 0.2,
      tokens: ['a', 'b'],
      advertisers: ['1', '2'],
      statePath: 'data/emulator.json',
    });
  });

  it('reads fault rates per kind and the file and hang limits', () => {
    expect(
      parseEmulatorArgs([
        '--fault',
        'serverError=0.1',
        '--fault',
        'drop=0.05',
        '--fault',
        'lostResponse=0.01',
        '--max-file-bytes',
        '1000',
        '--timeout-hang-ms',
        '500',
        '--seed',
        '9',
        '--rate-window-ms',
        '900',
      ]),
    ).toEqual({
      rateWindowMs: 900,
      faults: { serverError: 0.1, drop: 0.05, lostResponse: 0.01 },
      maxFileBytes: 1000,
      timeoutHangMs: 500,
      seed: 9,
    });
    expect(() => parseEmulatorArgs(['--fault', 'explode=0.1'])).toThrow('--fault must be <kind>=<rate>');
    expect(() => parseEmulatorArgs(['--fault', 'drop'])).toThrow('--fault must be <kind>=<rate>');
  });

  it('leaves unspecified options to the defaults', () => {
    expect(parseEmulatorArgs([])).toEqual({});
  });

  it('refuses non-numbers and unknown options', () => {
    expect(() => parseEmulatorArgs(['--qps', 'fast'])).toThrow('--qps must be a number');
    expect(() => parseEmulatorArgs(['--verbose'])).toThrow();
  });
});
