import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EMULATOR_OPTIONS,
  type EmulatorOptions,
  resolveEmulatorOptions,
} from '../../../../../src/destinations/tiktok/emulator/tiktok-emulator.ts';

describe('resolveEmulatorOptions', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_EMULATOR_OPTIONS).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      qps: 10,
      rateWindowMs: 1000,
      matchRate: 0.6,
      calculatingMs: 2000,
      faultRate: 0,
      tokens: ['emulator-token'],
      advertisers: ['7000000000000000001'],
      fileTtlMs: 3_600_000,
      maxFileBytes: 50 * 1024 * 1024,
    });
  });

  it('merges over a base and ignores undefined values', () => {
    const options = resolveEmulatorOptions(
      { qps: 5, matchRate: undefined },
      { ...DEFAULT_EMULATOR_OPTIONS, matchRate: 1 },
    );
    expect(options.qps).toBe(5);
    expect(options.matchRate).toBe(1);
  });

  it.each([
    [{ qps: 0 }, 'qps'],
    [{ qps: 2.5 }, 'qps'],
    [{ matchRate: 1.5 }, 'matchRate'],
    [{ faultRate: -0.1 }, 'faultRate'],
    [{ faults: { drop: 2 } }, 'faults.drop'],
    [{ calculatingMs: -1 }, 'calculatingMs'],
    [{ tokens: [] }, 'tokens'],
    [{ advertisers: ['abc'] }, 'advertisers'],
    [{ port: 70_000 }, 'port'],
    [{ rateWindowMs: 0 }, 'rateWindowMs'],
  ] as Array<[Partial<EmulatorOptions>, string]>)('refuses %j naming %s', (partial, name) => {
    expect(() => resolveEmulatorOptions(partial)).toThrow(name);
  });
});
