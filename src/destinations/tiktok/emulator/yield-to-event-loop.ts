import { setImmediate } from 'node:timers/promises';

/**
 * Work on large id lists yields every this many ids, so one big upload or update never stalls the
 * server: other requests keep their true arrival times (which the QPS window depends on).
 */
export const IDS_PER_SLICE = 4096;

export function yieldToEventLoop(): Promise<void> {
  return setImmediate();
}
