import { DeleteObjectsCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Manifest } from '../../../core/transform/manifest.ts';
import { MANIFEST_FILE } from '../../../core/transform/manifest.ts';
import { JOBS_KEY_PREFIX } from '../runtime-env.ts';
import { readS3Object } from '../s3-byte-source.ts';

export { JOBS_KEY_PREFIX };

export const jobOutputPrefix = (jobId: string) => `${JOBS_KEY_PREFIX}${jobId}/`;

export async function hasManifest(s3: S3Client, bucket: string, jobId: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `${jobOutputPrefix(jobId)}${MANIFEST_FILE}` }));
    return true;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NotFound' || name === 'NoSuchKey') return false;
    throw error;
  }
}

export async function readManifest(
  s3: S3Client,
  bucket: string,
  jobId: string,
): Promise<{ manifest: Manifest; etag: string }> {
  const { body, etag } = await readS3Object(s3, bucket, `${jobOutputPrefix(jobId)}${MANIFEST_FILE}`);
  const manifest = JSON.parse(new TextDecoder().decode(body)) as Manifest;
  if (manifest.manifestVersion !== 1)
    throw new Error(`Unsupported manifest version ${String(manifest.manifestVersion)}`);
  return { manifest, etag };
}

/** Deletes every object of a job's output (a person deleted the job). Returns how many. */
export async function deleteJobOutput(s3: S3Client, bucket: string, jobId: string): Promise<number> {
  let deleted = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: jobOutputPrefix(jobId),
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []));
    if (keys.length > 0) {
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
      deleted += keys.length;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return deleted;
}
