import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Owners created by this process and not yet retired. */
const liveOwners = new Set<string>();

/** A worker's identity in queue leases: `<host>#<pid>#<label>-<boot id>`. */
export function newLeaseOwner(label: string): string {
  const owner = `${hostname()}#${process.pid}#${label}-${randomUUID().slice(0, 8)}`;
  liveOwners.add(owner);
  return owner;
}

export function retireLeaseOwner(owner: string): void {
  liveOwners.delete(owner);
}

/**
 * Whether the owner of a lease may still be running. Answers "dead" only when sure: same host and
 * the process is gone, or this very process but an owner it no longer runs (an earlier boot that
 * had the same pid, or a retired worker). Owners on other hosts count as alive until the lease expires.
 */
export function isLeaseOwnerAlive(owner: string): boolean {
  const [host, pidText] = owner.split('#');
  if (host !== hostname()) return true;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return liveOwners.has(owner);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
