/** A SHA-256 digest is 32 bytes; written as 64 lowercase hex characters plus `\n`. */
export const DIGEST_BYTES = 32;
export const DIGEST_LINE_BYTES = 65;

const HEX = '0123456789abcdef';
// Byte value → its two lowercase hex character codes, packed as high << 8 | low.
const HEX_PAIRS = new Uint16Array(256);
for (let value = 0; value < 256; value += 1) {
  HEX_PAIRS[value] = (HEX.charCodeAt(value >> 4) << 8) | HEX.charCodeAt(value & 15);
}

// Two bytes (high << 8 | low) → their four hex character codes, as a big-endian 32-bit word: a line
// is written in 16 unaligned 32-bit stores (a DataView), several times faster than byte by byte.
const HEX_QUADS = new Uint32Array(65536);
for (let value = 0; value < 65536; value += 1) {
  HEX_QUADS[value] = (((HEX_PAIRS[value >> 8] as number) << 16) | (HEX_PAIRS[value & 0xff] as number)) >>> 0;
}

/** Writes the digest at byte `from` of `packed` as one hex line (65 bytes) at byte `at` of the view's buffer. */
export function writeDigestLine(packed: Uint8Array, from: number, target: DataView, at: number): void {
  for (let pair = 0; pair < DIGEST_BYTES; pair += 2) {
    target.setUint32(
      at + pair * 2,
      HEX_QUADS[((packed[from + pair] as number) << 8) | (packed[from + pair + 1] as number)] as number,
    );
  }
  target.setUint8(at + 64, 0x0a);
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
