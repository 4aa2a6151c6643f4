/**
 * Traffic discipline shared by every request of a process: a token bucket (TikTok allows 10
 * requests/s per app by default and signals throttling only in the body), and a retry budget so
 * that a TikTok outage does not turn into a retry storm.
 */

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  return error;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const systemClock: Clock = { now: () => performance.now(), sleep };

export const DEFAULT_TIKTOK_QPS = 10;

/** Share of the budget kept unused, so that network jitter cannot squeeze N+1 requests into TikTok's one-second window. */
export const DEFAULT_RATE_HEADROOM = 0.1;

/**
 * A token bucket in its "virtual scheduling" form: each caller reserves the next free slot in call
 * order (first come, first served) and sleeps until it. With `burst` 1 (the default) requests are
 * spaced evenly at 1/(rate · (1 − headroom)), which stays under both token-bucket and rolling-window
 * servers even when requests arrive a little late.
 */
export class RequestRateLimiter {
  #ratePerSecond: number;
  #headroom: number;
  #intervalMs: number;
  #burst: number;
  #clock: Clock;
  /** Theoretical arrival time of the next request, in clock milliseconds. */
  #nextAt = Number.NEGATIVE_INFINITY;

  constructor(options: { ratePerSecond?: number; burst?: number; headroom?: number; clock?: Clock } = {}) {
    this.#ratePerSecond = options.ratePerSecond ?? DEFAULT_TIKTOK_QPS;
    this.#headroom = options.headroom ?? DEFAULT_RATE_HEADROOM;
    if (!(this.#headroom >= 0 && this.#headroom < 1))
      throw new RangeError(`headroom must be in [0, 1) (got ${this.#headroom})`);
    this.#intervalMs = this.#interval(this.#ratePerSecond);
    this.#burst = Math.max(1, Math.floor(options.burst ?? 1));
    this.#clock = options.clock ?? systemClock;
  }

  #interval(ratePerSecond: number): number {
    if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) {
      throw new RangeError(`The request rate must be a positive number of requests per second (got ${ratePerSecond})`);
    }
    return 1000 / (ratePerSecond * (1 - this.#headroom));
  }

  /** The configured budget (requests per second), before headroom. */
  get ratePerSecond(): number {
    return this.#ratePerSecond;
  }

  /** Milliseconds between two requests. */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  setRate(ratePerSecond: number): void {
    this.#intervalMs = this.#interval(ratePerSecond);
    this.#ratePerSecond = ratePerSecond;
  }

  /** Milliseconds the next caller would wait (for tests and progress output). */
  pendingDelayMs(): number {
    const now = this.#clock.now();
    return Math.max(0, this.#nextAt - (this.#burst - 1) * this.#intervalMs - now);
  }

  /** Resolves when the caller may send one request. */
  async acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortError(signal);
    const now = this.#clock.now();
    const base = Math.max(this.#nextAt, now);
    const startAt = Math.max(now, base - (this.#burst - 1) * this.#intervalMs);
    this.#nextAt = base + this.#intervalMs;
    if (startAt > now) await this.#clock.sleep(startAt - now, signal);
  }
}

let processLimiter: RequestRateLimiter | undefined;

/** The one limiter of this process; every TikTokClient without its own limiter shares it. */
export function processRequestRateLimiter(ratePerSecond?: number): RequestRateLimiter {
  if (!processLimiter) processLimiter = new RequestRateLimiter({ ratePerSecond: ratePerSecond ?? DEFAULT_TIKTOK_QPS });
  else if (ratePerSecond !== undefined && ratePerSecond !== processLimiter.ratePerSecond)
    processLimiter.setRate(ratePerSecond);
  return processLimiter;
}

/**
 * A retry budget (in the style of gRPC retry throttling): each retry spends a token, each success
 * earns back a fraction. While most requests succeed retries are free; when TikTok is down the
 * budget runs dry and requests fail fast instead of multiplying the load.
 */
export class RetryBudget {
  readonly capacity: number;
  readonly refillPerSuccess: number;
  #tokens: number;

  constructor(options: { capacity?: number; refillPerSuccess?: number } = {}) {
    this.capacity = options.capacity ?? 50;
    this.refillPerSuccess = options.refillPerSuccess ?? 0.5;
    this.#tokens = this.capacity;
  }

  get available(): number {
    return this.#tokens;
  }

  tryConsume(): boolean {
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  recordSuccess(): void {
    this.#tokens = Math.min(this.capacity, this.#tokens + this.refillPerSuccess);
  }
}

let processBudget: RetryBudget | undefined;

export function processRetryBudget(): RetryBudget {
  processBudget ??= new RetryBudget();
  return processBudget;
}

/** Exponential back-off with full jitter: uniform in [0, min(max, base · 2^(attempt−1))]. */
export function fullJitterDelayMs(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
