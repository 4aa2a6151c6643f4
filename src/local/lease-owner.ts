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

/** Jobs whose run is alive in this process (any worker or CLI run): a claim here must skip them. */
const runningJobs = new Map<string, number>();

/** Counts the job as running here until `done` settles. */
export function markRunning(jobId: string, done: Promise<unknown>): void {
  runningJobs.set(jobId, (runningJobs.get(jobId) ?? 0) + 1);
  void done.finally(() => {
    const left = (runningJobs.get(jobId) ?? 1) - 1;
    if (left === 0) runningJobs.delete(jobId);
    else runningJobs.set(jobId, left);
  });
}

export function runningHere(): string[] {
  return [...runningJobs.keys()];
}
