import { hash } from 'node:crypto';

/**
 * Deterministic stand-in for TikTok's matching: an id "matches" iff the first 32 bits of
 * sha256(id), read as an unsigned integer and divided by 2^32, are below `matchRate`.
 * With matchRate 1 every id matches; with 0 none does.
 */
export function isSimulatedMatch(id: string, matchRate: number): boolean {
  return isMatchKey(simulatedMatchKey(id), matchRate);
}

/** The first 32 bits of sha256(id) as an unsigned integer: computed once per id at upload. */
export function simulatedMatchKey(id: string): number {
  // crypto.hash (one call, no Hash object) is several times faster than createHash for short inputs.
  return hash('sha256', id, 'buffer').readUInt32BE(0);
}

export function isMatchKey(key: number, matchRate: number): boolean {
  if (matchRate >= 1) return true;
  if (matchRate <= 0) return false;
  return key / 4294967296 < matchRate;
}
