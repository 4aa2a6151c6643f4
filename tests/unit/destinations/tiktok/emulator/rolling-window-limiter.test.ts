import { describe, expect, it } from 'vitest';
import { RollingWindowLimiter } from '../../../../../src/destinations/tiktok/emulator/rolling-window-limiter.ts';

describe('RollingWindowLimiter', () => {
  it('admits at most `limit` requests in any rolling second', () => {
    const limiter = new RollingWindowLimiter(3);
    expect([0, 100, 200, 300].map((at) => limiter.tryAcquire(at))).toEqual([true, true, true, false]);
    expect(limiter.tryAcquire(999)).toBe(false);
    expect(limiter.tryAcquire(1000)).toBe(true); // the request at 0 left the window
    expect(limiter.tryAcquire(1050)).toBe(false);
    expect(limiter.tryAcquire(1100)).toBe(true);
  });

  it('does not count refused requests, so backing off recovers', () => {
    const limiter = new RollingWindowLimiter(1);
    expect(limiter.tryAcquire(0)).toBe(true);
    for (let at = 10; at < 1000; at += 10) expect(limiter.tryAcquire(at)).toBe(false);
    expect(limiter.tryAcquire(1000)).toBe(true);
  });

  it('never admits more than the limit in a window at a steady overload', () => {
    const limiter = new RollingWindowLimiter(5);
    const admitted: number[] = [];
    for (let at = 0; at < 10_000; at += 7) if (limiter.tryAcquire(at)) admitted.push(at);
    for (const start of admitted)
      expect(admitted.filter((at) => at >= start && at < start + 1000).length).toBeLessThanOrEqual(5);
    expect(admitted.length).toBeGreaterThanOrEqual(49);
  });

  it('uses a shorter window when told to, forgiving bunched arrivals sooner', () => {
    const limiter = new RollingWindowLimiter(2, 900);
    expect([0, 10, 20].map((at) => limiter.tryAcquire(at))).toEqual([true, true, false]);
    expect(limiter.tryAcquire(900)).toBe(true);
    limiter.setLimit(2, 1000);
    expect(limiter.tryAcquire(950)).toBe(false);
  });

  it('follows a changed limit and forgets everything on reset', () => {
    const limiter = new RollingWindowLimiter(1);
    expect(limiter.tryAcquire(0)).toBe(true);
    limiter.setLimit(2);
    expect(limiter.tryAcquire(1)).toBe(true);
    expect(limiter.tryAcquire(2)).toBe(false);
    limiter.reset();
    expect(limiter.tryAcquire(3)).toBe(true);
  });
});
