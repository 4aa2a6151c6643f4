import type { UserError } from '../errors.ts';
import type { StateChange } from './job-lifecycle.ts';

/**
 * The reasons and resolutions a job shows, in one place so that local mode and the cloud say the
 * same thing. Each returns a StateChange (without the output expiry, which the runtime adds).
 * Never put identifier values in any of them: counts, types, ids and request ids only.
 */
export const jobReasons = {
  queued(): string {
    return 'Waiting for the worker.';
  },

  retryRequested(): string {
    return 'Retry requested: waiting for the worker.';
  },

  transforming(): StateChange {
    return { state: 'transforming', reason: 'Reading, normalizing and hashing the input.' };
  },

  cancelled(): StateChange {
    return {
      state: 'cancelled',
      reason: 'Cancelled on request. Anything already sent to TikTok stays there.',
      resolution: 'Retry the job to finish it; nothing already uploaded will be sent again.',
    };
  },

  cancelledBeforeRun(): StateChange {
    return {
      state: 'cancelled',
      reason: 'Cancelled on request before it ran.',
      resolution: 'Retry the job to run it after all.',
      from: ['queued'],
    };
  },

  /** A person-facing problem (bad input, refused credentials, …) ends the job. */
  failedWith(error: Pick<UserError, 'title' | 'detail' | 'resolution'>): StateChange {
    return { state: 'failed', reason: `${error.title}: ${error.detail}`, resolution: error.resolution };
  },

  noValidIdentifiers(recordsRead: number): StateChange {
    return {
      state: 'failed',
      reason: `No valid identifiers: ${recordsRead} records read, none normalized to a valid value in the mapped columns.`,
      resolution:
        'Check the column mapping and the rejects summary of the job (or run `inspect` on the file), then start a new job.',
    };
  },

  uploading(totalUnique: number, destinationLabel: string): StateChange {
    return { state: 'uploading', reason: `Uploading ${totalUnique} hashed identifiers to ${destinationLabel}.` };
  },

  processing(destinationLabel: string): StateChange {
    return {
      state: 'processing',
      reason: `All files sent; waiting for ${destinationLabel} to finish calculating the audience.`,
      from: ['uploading'],
    };
  },

  /** A temporary problem: the queue tries again after a back-off. */
  retrying(state: StateChange['state'], error: string, inSeconds: number, attempt: number, maxAttempts: number) {
    return {
      state,
      reason: `Temporary problem (${error}); retrying in about ${inSeconds} s (attempt ${attempt} of ${maxAttempts}).`,
    } satisfies StateChange;
  },

  /** A create's answer was lost; the upload looks the audience up by name again before anything else. */
  checkingLostCreate(audienceName: string, inSeconds: number) {
    return {
      state: 'uploading',
      reason: `TikTok's answer to creating "${audienceName}" was lost; checking again in about ${inSeconds} s whether it exists (it is created only if it does not).`,
    } satisfies StateChange;
  },

  gaveUp(attempts: number, error: string): StateChange {
    return {
      state: 'failed',
      reason: `Gave up after ${attempts} attempts: ${error}`,
      resolution:
        'Fix the cause if it is named above (network, credentials, disk space), then retry the job; work already done is reused and nothing is uploaded twice.',
      from: ['queued', 'transforming', 'uploading', 'processing'],
    };
  },

  /** Every audience written; `calculating` lists the types TikTok is still calculating. */
  completed(args: {
    idsSent: number;
    destinationLabel: string;
    audiences: ReadonlyArray<{ audienceName: string; audienceId: string }>;
    calculating: readonly string[];
  }): { state: 'completed'; reason: string } {
    const { idsSent, destinationLabel: label, audiences, calculating } = args;
    const list = audiences.map((a) => `${a.audienceName} = ${a.audienceId}`).join('; ');
    const still =
      calculating.length > 0
        ? ` ${label} is still calculating ${calculating.join(', ')}; match counts can take 24–48 hours to settle.`
        : '';
    return {
      state: 'completed',
      reason: `Sent ${idsSent} unique hashed ids to ${audiences.length} audience${audiences.length === 1 ? '' : 's'} on ${label} (${list}).${still}`,
    };
  },

  /** TikTok gave a final refusal; `applied` lists what was already done (`EMAIL → 123`). */
  refused(args: {
    destinationLabel: string;
    kind: string;
    code: number | null;
    requestId: string | null;
    message: string;
    resolution: string;
    applied: readonly string[];
  }): { state: 'failed' | 'partially_failed'; reason: string; resolution: string } {
    const { applied } = args;
    const code = args.code === null ? '' : `, code ${args.code}`;
    const requestId = args.requestId ? `, request_id ${args.requestId}` : '';
    return {
      state: applied.length > 0 ? 'partially_failed' : 'failed',
      reason: `${args.destinationLabel} refused the upload (${args.kind}${code}${requestId}): ${args.message}.${applied.length > 0 ? ` Already done: ${applied.join(', ')}.` : ''}`,
      resolution: `${args.resolution} Then retry the job: finished parts are not sent again.`,
    };
  },
};
