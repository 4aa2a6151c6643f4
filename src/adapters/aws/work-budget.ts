/**
 * How much one invocation may do before it hands the rest to a continuation message: a deadline
 * (well before the Lambda's timeout) and a number of partition uploads. Checked before each TikTok
 * request is sent, never in the middle of one, so stopping leaves nothing half-done that the
 * ledger cannot settle.
 */
export class WorkBudget {
  #uploads = 0;

  constructor(private readonly options: { deadlineAt: number; maxUploads: number; now?: () => number }) {}

  recordUpload(): void {
    this.#uploads += 1;
  }

  get uploads(): number {
    return this.#uploads;
  }

  exhausted(): boolean {
    const now = (this.options.now ?? Date.now)();
    return now >= this.options.deadlineAt || this.#uploads >= this.options.maxUploads;
  }
}

/** Thrown before a TikTok request when the invocation's budget is used up: the work continues in a new message. */
export class WorkBudgetExhausted extends Error {
  constructor() {
    super('This invocation has done its share; the rest continues in a new message.');
    this.name = 'WorkBudgetExhausted';
  }
}

export function isWorkBudgetExhausted(error: unknown): error is WorkBudgetExhausted {
  return error instanceof WorkBudgetExhausted;
}
