import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.ts';
import { jobReasons } from '../core/jobs/job-reasons.ts';
import type { JobDestination } from '../adapters/node/sqlite/job-store.ts';
import type { SqliteUploadLedgerStore } from '../adapters/node/sqlite/upload-ledger-store.ts';
import { openLocalInputs } from '../adapters/node/local-inputs.ts';
import { runTransform } from '../adapters/node/transform/run-transform.ts';
import { isTikTokApiError } from '../destinations/tiktok/tiktok-errors.ts';
import type { AudienceWriteLocks } from '../destinations/tiktok/upload-ledger.ts';
import { uploadTransformOutput } from '../destinations/tiktok/upload-orchestrator.ts';
import type { JobStages, UploadOutcome } from './job-stages.ts';
import type { TikTokConnection } from './tiktok-destination.ts';

export interface EngineStagesOptions {
  ledger: SqliteUploadLedgerStore;
  /** Serializes writes to one audience across jobs and processes (default: within this process only). */
  audienceLocks?: AudienceWriteLocks;
  connect(kind: JobDestination['kind'], advertiserId?: string): Promise<TikTokConnection>;
  /** Jobs that may run at once: transform threads are shared out between them. */
  concurrency?: number;
}

/** The real work: the streaming engine (worker threads) and the TikTok upload orchestrator. */
export function engineStages(options: EngineStagesOptions): JobStages {
  const workers = Math.max(1, Math.floor(availableParallelism() / Math.max(1, options.concurrency ?? 1)));
  return {
    async transform({ inputPaths, plan, outDir, tempDir, signal, onProgress }) {
      const inputs = await openLocalInputs(inputPaths);
      return runTransform({
        inputs,
        mapping: plan.mapping,
        options: plan.options,
        maxFileBytes: plan.maxFileBytes,
        header: plan.header,
        outDir,
        tempDir,
        signal,
        onProgress,
        overwrite: true,
        workers,
      });
    },

    async upload({ manifest, outDir, plan, ledgerId, fence, destination, signal, onProgress }): Promise<UploadOutcome> {
      const connection = await options.connect(destination.kind, plan.audience.advertiserId);
      const filesTotal = Object.values(manifest.types).reduce((sum, counts) => sum + (counts?.files.length ?? 0), 0);
      let filesDone = 0;
      try {
        const result = await uploadTransformOutput({
          manifest,
          readPartition: (path) => readFile(join(outDir, path)),
          audience: plan.audience,
          advertiserId: connection.advertiserId,
          client: connection.client,
          ledger: options.ledger,
          ...(options.audienceLocks ? { audienceLocks: options.audienceLocks } : {}),
          ledgerId,
          ...(fence === undefined ? {} : { fence }),
          signal,
          poll: connection.poll,
          ...(connection.createLookupWindowMs === undefined
            ? {}
            : { createLookupWindowMs: connection.createLookupWindowMs, createLookupIntervalMs: 500 }),
          onProgress: (event) => {
            if (event.kind === 'partition-uploaded' || event.kind === 'partition-skipped') filesDone += 1;
            // Every file sent and applied: what remains is TikTok calculating the audience(s).
            const applied =
              event.kind === 'audience-created' ||
              event.kind === 'audience-updated' ||
              event.kind === 'waiting-for-audience' ||
              event.kind === 'type-completed';
            const processing = applied && filesDone >= filesTotal;
            onProgress({
              phase: processing ? 'processing' : 'uploading',
              filesUploaded: Math.min(filesDone, filesTotal),
              filesTotal,
            });
          },
        });
        const audiences = result.audiences.map((a) => ({
          type: a.type,
          calculateType: a.calculateType,
          audienceId: a.audienceId,
          audienceName: a.audienceName,
          created: a.created,
          filesUploaded: a.filesUploaded,
          filesSkipped: a.filesSkipped,
          idsSent: a.idsSent,
          coverNum: a.coverNum ?? null,
          matchRate: a.matchRate ?? null,
          isValid: a.isValid,
        }));
        const idsSent = audiences.reduce((sum, a) => sum + a.idsSent, 0);
        const calculating = audiences.filter((a) => !a.isValid).map((a) => a.type);
        const label = connection.destination.label;
        return {
          ...jobReasons.completed({ idsSent, destinationLabel: label, audiences, calculating }),
          summary: {
            destination: connection.destination,
            advertiserId: result.advertiserId,
            action: result.action,
            idsSent,
            audiences,
          },
        };
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        // Temporary TikTok trouble is retried by the queue; final answers end the job.
        if (isTikTokApiError(error) && !error.transient && !error.outcomeUnknown) {
          const ledger = await options.ledger.load(ledgerId);
          const applied = Object.values(ledger?.audiences ?? {})
            .filter((a) => a?.appliedAt)
            .map((a) => `${a?.type} → ${a?.audienceId}`);
          const refused = jobReasons.refused({
            destinationLabel: connection.destination.label,
            kind: error.kind,
            code: error.code,
            requestId: error.requestId,
            message: error.tiktokMessage,
            resolution: error.resolution,
            applied,
          });
          return {
            ...refused,
            summary: {
              destination: connection.destination,
              error: { kind: error.kind, code: error.code, requestId: error.requestId },
              appliedTypes: applied,
            },
          };
        }
        if (error instanceof UserError) throw error;
        throw error;
      }
    },
  };
}
