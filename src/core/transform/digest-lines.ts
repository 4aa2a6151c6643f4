/** A SHA-256 digest is 32 bytes; written as 64 lowercase hex characters plus `\n`. */
export const DIGEST_BYTES = 32;
export const DIGEST_LINE_BYTES = 65;

const HEX = '0123456789abcdef';
// Byte value → its two lowercase hex character codes, packed as high << 8 | low.
const HEX_PAIRS = new Uint16Array(256);
for (let value = 0; value < 256; value += 1) {
  HEX_PAIRS[value] = (HEX.charCodeAt(value >> 4) << 8) | HEX.charCodeAt(value & 15);
}

/** Encodes `count` packed digests starting at digest `first` as hex lines (`count × 65` bytes). */
export function encodeDigestLines(packed: Uint8Array, first: number, count: number): Uint8Array {
  const out = new Uint8Array(count * DIGEST_LINE_BYTES);
  let read = first * DIGEST_BYTES;
  let write = 0;
  for (let line = 0; line < count; line += 1) {
    for (let byte = 0; byte < DIGEST_BYTES; byte += 1) {
      const pair = HEX_PAIRS[packed[read] as number] as number;
      out[write] = pair >> 8;
      out[write + 1] = pair & 0xff;
      read += 1;
      write += 2;
    }
    out[write] = 0x0a;
    write += 1;
  }
  return out;
}

/** Writes a 64-character hex digest (either case) as 32 bytes at `offset`. The caller has validated it. */
export function writeHexDigest(hex: string, target: Uint8Array, offset: number): void {
  for (let byte = 0; byte < DIGEST_BYTES; byte += 1) {
    target[offset + byte] = (hexValue(hex.charCodeAt(byte * 2)) << 4) | hexValue(hex.charCodeAt(byte * 2 + 1));
  }
}

function hexValue(code: number): number {
  if (code <= 0x39) return code - 0x30; // 0-9
  if (code <= 0x46) return code - 0x37; // A-F
  return code - 0x57; // a-f
}
