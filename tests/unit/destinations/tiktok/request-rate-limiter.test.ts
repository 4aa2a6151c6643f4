import { describe, expect, it } from 'vitest';
import {
  RequestRateLimiter,
  RetryBudget,
  fullJitterDelayMs,
  processRequestRateLimiter,
} from '../../../../src/destinations/tiktok/request-rate-limiter.ts';
import { fakeClock } from './recording-fetch.ts';

describe('RequestRateLimiter', () => {
  it('spaces requests evenly at the budget (no headroom)', async () => {
    const clock = fakeClock(1000);
    const limiter = new RequestRateLimiter({ ratePerSecond: 5, headroom: 0, clock });
    const sendTimes: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      await limiter.acquire();
      sendTimes.push(clock.now());
    }
    expect(sendTimes).toEqual([1000, 1200, 1400, 1600, 1800, 2000]);
  });

  it('keeps headroom so that no one-second window holds more than the budget', async () => {
    const clock = fakeClock(0);
    const limiter = new RequestRateLimiter({ ratePerSecond: 10, clock });
    const sendTimes: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      await limiter.acquire();
      sendTimes.push(clock.now());
    }
    for (let i = 10; i < sendTimes.length; i += 1)
      expect((sendTimes[i] as number) - (sendTimes[i - 10] as number)).toBeGreaterThan(1000);
  });

  it('gives concurrent callers consecutive slots, first come, first served', async () => {
    const sleeps: number[] = [];
    // Time stands still: every caller reserves its slot at the same instant.
    const limiter = new RequestRateLimiter({
      ratePerSecond: 4,
      headroom: 0,
      clock: { now: () => 0, sleep: async (ms) => void sleeps.push(ms) },
    });
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3].map(async (caller) => {
        await limiter.acquire();
        order.push(caller);
      }),
    );
    expect(order).toEqual([0, 1, 2, 3]);
    expect(sleeps).toEqual([250, 500, 750]);
  });

  it('lets an idle period pass without building up a burst (burst 1)', async () => {
    const clock = fakeClock(0);
    const limiter = new RequestRateLimiter({ ratePerSecond: 2, headroom: 0, clock });
    await limiter.acquire();
    await clock.sleep(10_000);
    clock.sleeps.length = 0;
    await limiter.acquire();
    await limiter.acquire();
    expect(clock.sleeps).toEqual([500]);
  });

  it('allows a configured burst', async () => {
    const clock = fakeClock(0);
    const limiter = new RequestRateLimiter({ ratePerSecond: 10, burst: 3, headroom: 0, clock });
    for (let i = 0; i < 4; i += 1) await limiter.acquire();
    expect(clock.sleeps).toEqual([100]);
  });

  it('changes its rate at run time and refuses nonsense', () => {
    const limiter = new RequestRateLimiter({ ratePerSecond: 10, headroom: 0 });
    limiter.setRate(5);
    expect(limiter.ratePerSecond).toBe(5);
    expect(limiter.intervalMs).toBe(200);
    expect(() => limiter.setRate(0)).toThrow(RangeError);
    expect(() => new RequestRateLimiter({ ratePerSecond: -1 })).toThrow(RangeError);
  });

  it('is shared by the whole process', () => {
    const a = processRequestRateLimiter(7);
    const b = processRequestRateLimiter();
    expect(a).toBe(b);
    expect(b.ratePerSecond).toBe(7);
  });

  it('stops waiting when aborted', async () => {
    const limiter = new RequestRateLimiter({ ratePerSecond: 0.01, headroom: 0 });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('cancelled by the user'));
    await expect(waiting).rejects.toThrow('cancelled by the user');
  });
});

describe('back-off and retry budget', () => {
  it('draws full jitter between 0 and the exponential ceiling', () => {
    expect(fullJitterDelayMs(1, 100, 10_000, () => 0)).toBe(0);
    expect(fullJitterDelayMs(1, 100, 10_000, () => 0.999999)).toBe(99);
    expect(fullJitterDelayMs(4, 100, 10_000, () => 0.5)).toBe(400);
    expect(fullJitterDelayMs(20, 100, 10_000, () => 0.5)).toBe(5000);
  });

  it('spends a token per retry and earns part of one back per success', () => {
    const budget = new RetryBudget({ capacity: 2, refillPerSuccess: 0.5 });
    expect(budget.tryConsume()).toBe(true);
    expect(budget.tryConsume()).toBe(true);
    expect(budget.tryConsume()).toBe(false);
    budget.recordSuccess();
    expect(budget.tryConsume()).toBe(false);
    budget.recordSuccess();
    expect(budget.tryConsume()).toBe(true);
    for (let i = 0; i < 10; i += 1) budget.recordSuccess();
    expect(budget.available).toBe(2);
  });
});
