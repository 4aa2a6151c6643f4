/**
 * At most `limit` admitted requests in any rolling window of `windowMs` (TikTok's per-second QPS).
 * Rejected requests do not count, so a client that backs off recovers within one window.
 */
export class RollingWindowLimiter {
  private admitted: number[] = [];
  private head = 0;

  constructor(
    private limit: number,
    private windowMs = 1000,
  ) {}

  setLimit(limit: number, windowMs = this.windowMs): void {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  tryAcquire(nowMs: number): boolean {
    while (this.head < this.admitted.length && (this.admitted[this.head] ?? 0) <= nowMs - this.windowMs) this.head += 1;
    if (this.head > 1024) {
      this.admitted = this.admitted.slice(this.head);
      this.head = 0;
    }
    if (this.admitted.length - this.head >= this.limit) return false;
    this.admitted.push(nowMs);
    return true;
  }

  reset(): void {
    this.admitted = [];
    this.head = 0;
  }
}
