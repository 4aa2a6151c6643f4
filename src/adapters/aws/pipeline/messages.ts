import { z } from 'zod';
import { JOBS_KEY_PREFIX } from './job-output.ts';

/** "Object Created" as EventBridge delivers it to SQS (the parts we read). */
const objectCreatedSchema = z.object({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  detail: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string(), etag: z.string().optional(), size: z.number().optional() }),
  }),
});

/** Upload-queue messages we send ourselves: start or continue the upload of a job. */
const uploadMessageSchema = z.object({
  kind: z.literal('upload'),
  jobId: z.uuid(),
  /** Consecutive attempts that met a temporary TikTok problem (a continuation after a finished share resets it). */
  attempt: z.number().int().min(1).default(1),
});

/** Status-queue messages: poll TikTok for the job's audiences. */
export const statusMessageSchema = z.object({
  kind: z.literal('status'),
  jobId: z.uuid(),
  /** When polling began (ms since the epoch). */
  since: z.number().int(),
  attempt: z.number().int().min(1),
});
export type StatusMessage = z.output<typeof statusMessageSchema>;

/** "Glue Job State Change" (the parts we read; `detail.message` is never read: it can quote rows). */
export const glueStateChangeSchema = z.object({
  source: z.literal('aws.glue'),
  'detail-type': z.literal('Glue Job State Change'),
  detail: z.object({ jobName: z.string(), state: z.string(), jobRunId: z.string() }),
});
export type GlueStateChange = z.output<typeof glueStateChangeSchema>;

export type UploadTrigger =
  | { kind: 'manifest'; jobId: string; bucket: string; key: string; etag?: string }
  | { kind: 'upload'; jobId: string; attempt: number }
  | { kind: 'ignored'; why: string };

const MANIFEST_KEY = new RegExp(`^${JOBS_KEY_PREFIX}([0-9a-f-]{36})/manifest\\.json$`);

/** What an upload-queue message asks for; anything else is ignored (and said so in the log). */
export function parseUploadTrigger(body: string, artifactsBucket: string): UploadTrigger {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { kind: 'ignored', why: 'not JSON' };
  }
  const own = uploadMessageSchema.safeParse(value);
  if (own.success) return own.data;
  const event = objectCreatedSchema.safeParse(value);
  if (!event.success) return { kind: 'ignored', why: 'neither an upload message nor an S3 Object Created event' };
  const { bucket, object } = event.data.detail;
  // The rule already matches this bucket by exact name; checking again costs nothing.
  if (bucket.name !== artifactsBucket) return { kind: 'ignored', why: 'another bucket' };
  const match = MANIFEST_KEY.exec(object.key);
  if (!match) return { kind: 'ignored', why: 'not a job manifest' };
  return {
    kind: 'manifest',
    jobId: match[1] as string,
    bucket: bucket.name,
    key: object.key,
    ...(object.etag ? { etag: object.etag } : {}),
  };
}
