import { hash } from 'node:crypto';
import type { DigestWriter } from '../../../core/transform/normalize-batch.ts';

/** SHA-256 digests into Node buffers, for the workers and the in-thread path alike. */
export const nodeDigestWriter: DigestWriter<Buffer> = {
  allocate: (bytes) => Buffer.allocUnsafeSlow(bytes),
  // crypto.hash is several times faster per value than createHash().update().digest(); a latin1
  // digest string (one char per byte) is the cheapest way to get its bytes into the batch buffer.
  hashInto: (text, target, offset) => {
    target.write(hash('sha256', text, 'binary'), offset, 'latin1');
  },
};
