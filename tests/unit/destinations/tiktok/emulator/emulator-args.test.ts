import { describe, expect, it } from 'vitest';
import { parseEmulatorArgs } from '../../../../../src/destinations/tiktok/emulator/emulator-args.ts';

describe('parseEmulatorArgs', () => {
  it('reads every documented option, repeating --token and --advertiser', () => {
    expect(
      parseEmulatorArgs(['--port', '8787', '--qps', '5', '--match-rate', '1', '--calculating-ms', '100', '--fault-rate', '0.2', '--token', 'a', '--token', 'b', '--advertiser', '1', '--advertiser', '2', '--state', 'data/emulator.json']),
    ).toEqual({ port: 8787, qps: 5, matchRate: 1, calculatingMs: 100, faultRate: 0.2, tokens: ['a', 'b'], advertisers: ['1', '2'], statePath: 'data/emulator.json' });
  });

  it('leaves unspecified options to the defaults', () => {
    expect(parseEmulatorArgs([])).toEqual({});
  });

  it('refuses non-numbers and unknown options', () => {
    expect(() => parseEmulatorArgs(['--qps', 'fast'])).toThrow('--qps must be a number');
    expect(() => parseEmulatorArgs(['--verbose'])).toThrow();
  });
});
