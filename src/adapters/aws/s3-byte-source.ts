import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ByteSource } from '../../core/readers/byte-source.ts';

/**
 * A ByteSource over one S3 object: ranged GETs for Parquet footers and bounded samples, one streamed
 * GET for whole reads. The size comes from the listing when known (saves a HEAD).
 */
export function s3ByteSource(
  client: S3Client,
  location: { bucket: string; key: string; size?: number },
  name: string = location.key,
): ByteSource {
  let size: number | undefined = location.size;
  return {
    name,
    async size() {
      if (size === undefined) {
        const head = await client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
        size = head.ContentLength ?? 0;
      }
      return size;
    },
    async *stream(signal?: AbortSignal): AsyncIterable<Uint8Array> {
      const response = await client.send(
        new GetObjectCommand({ Bucket: location.bucket, Key: location.key }),
        signal ? { abortSignal: signal } : {},
      );
      if (!response.Body) return;
      // In Node the body is a Readable, which is an async iterable of Buffers.
      yield* response.Body as AsyncIterable<Uint8Array>;
    },
    async readRange(start: number, endExclusive: number): Promise<Uint8Array> {
      if (endExclusive <= start) return new Uint8Array(0);
      const response = await client.send(
        new GetObjectCommand({
          Bucket: location.bucket,
          Key: location.key,
          Range: `bytes=${start}-${endExclusive - 1}`,
        }),
      );
      return response.Body ? await response.Body.transformToByteArray() : new Uint8Array(0);
    },
  };
}

/** The whole object's bytes (manifests, partitions: at most 50 MB). */
export async function readS3Object(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<{ body: Uint8Array; etag: string }> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return {
    body: response.Body ? await response.Body.transformToByteArray() : new Uint8Array(0),
    etag: (response.ETag ?? '').replaceAll('"', ''),
  };
}
