import type { DigestWriter } from '../../../core/transform/normalize-batch.ts';
import { Sha256Batch } from './sha256-batch.ts';

// One per thread (each worker has its own module instance); normalizeBatch is synchronous, so a batch's
// queued digests are always its own.
let batch: Sha256Batch | undefined;

/**
 * SHA-256 digests into Node buffers, for the workers and the in-thread path alike: queued by `hashInto`
 * and computed together by `flush` (sha256-batch.ts, ≈ 0.2 µs a value against ≈ 0.35 µs for one
 * node:crypto call each).
 */
export const nodeDigestWriter: DigestWriter<Buffer> = {
  allocate: (bytes) => Buffer.allocUnsafeSlow(bytes),
  hashInto: (text, target, offset) => {
    batch ??= new Sha256Batch();
    batch.hashInto(text, target, offset);
  },
  flush: () => batch?.flush(),
};
