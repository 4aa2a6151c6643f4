import { hash } from 'node:crypto';
import { SHA256_X4_WASM_BASE64 } from './sha256-x4-wasm.ts';

/** A message fits one SHA-256 block when its UTF-8 bytes, the 0x80 marker and the 8-byte length fit 64 bytes. */
const MAX_SINGLE_BLOCK_BYTES = 55;
const BLOCK_BYTES = 64;
const DIGEST_BYTES = 32;
/** Where the module's memory is free for blocks and digests (sha256-x4.wat: constants and schedule below). */
const FREE_MEMORY_START = 4096;
/** Messages hashed per call into the module: 128 KiB of blocks and 64 KiB of digests. */
const CAPACITY = 2048;
const BLOCKS_START = FREE_MEMORY_START;
const DIGESTS_START = BLOCKS_START + CAPACITY * BLOCK_BYTES;

interface Sha256X4Exports {
  memory: WebAssembly.Memory;
  hash4(blocks: number, digests: number, groups: number): void;
}

let compiled: WebAssembly.Module | undefined;
function sha256X4Module(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(SHA256_X4_WASM_BASE64, 'base64'));
  return compiled;
}

/**
 * SHA-256 of many short strings at once, written into caller-owned buffers. `hashInto` queues a
 * value; `flush` hashes the queue (four messages per SIMD pass, sha256-x4.wat) and writes every queued
 * digest to its place. Values longer than one block (over 55 UTF-8 bytes) are hashed at once by
 * node:crypto. Same bytes as node:crypto's SHA-256 for every input (tests/unit/adapters/node/sha256-batch.test.ts).
 *
 * Why: node:crypto costs ≈ 0.35–0.5 µs per call for a 20-byte value, nearly all of it call overhead;
 * this costs ≈ 0.2 µs per value (≈ 0.1 µs of it in the WebAssembly kernel), bench/RESULTS.md.
 */
export class Sha256Batch {
  private readonly exports: Sha256X4Exports;
  private readonly memory: Uint8Array;
  private readonly encoder = new TextEncoder();
  private readonly memoryWords: Int32Array;
  /** The distinct targets of the queued digests (a batch has one per identifier type), and 32-bit views of them. */
  private readonly targets: Uint8Array[] = [];
  private readonly targetWords: Array<Int32Array | null> = [];
  /** Per queued digest: index into `targets`, and byte offset in it. */
  private readonly targetIndex = new Int32Array(CAPACITY);
  private readonly offsets = new Int32Array(CAPACITY);
  private queued = 0;

  constructor() {
    this.exports = new WebAssembly.Instance(sha256X4Module()).exports as unknown as Sha256X4Exports;
    if (this.exports.memory.buffer.byteLength < DIGESTS_START + CAPACITY * DIGEST_BYTES) {
      throw new Error('sha256-x4.wasm: memory smaller than the batch needs');
    }
    this.memory = new Uint8Array(this.exports.memory.buffer);
    this.memoryWords = new Int32Array(this.exports.memory.buffer);
  }

  /** Queues SHA-256 of the UTF-8 bytes of `text`, to be written at `target[offset…offset + 31]` by `flush`. */
  hashInto(text: string, target: Uint8Array, offset: number): void {
    const memory = this.memory;
    const block = BLOCKS_START + this.queued * BLOCK_BYTES;
    let length = text.length;
    if (length > MAX_SINGLE_BLOCK_BYTES) return this.hashNow(text, target, offset);
    // ASCII, the usual case, is its own UTF-8; anything else goes through the encoder.
    let ascii = 0;
    for (; ascii < length; ascii += 1) {
      const code = text.charCodeAt(ascii);
      if (code > 0x7f) break;
      memory[block + ascii] = code;
    }
    if (ascii < length) {
      // Each further UTF-16 unit takes at most 3 UTF-8 bytes: what surely fits is encoded here, the rest
      // goes to node:crypto without encoding it twice.
      if (ascii + (length - ascii) * 3 > MAX_SINGLE_BLOCK_BYTES) {
        memory.fill(0, block, block + ascii);
        return this.hashNow(text, target, offset);
      }
      const { read, written } = this.encoder.encodeInto(
        text,
        memory.subarray(block, block + MAX_SINGLE_BLOCK_BYTES + 1),
      );
      if (read < length || written > MAX_SINGLE_BLOCK_BYTES) {
        memory.fill(0, block, block + BLOCK_BYTES);
        return this.hashNow(text, target, offset);
      }
      length = written;
    }
    // Padding (FIPS 180-4, 5.1.1): 0x80, zeros (the block is zero from the last flush), the bit length.
    const bits = length * 8;
    memory[block + length] = 0x80;
    memory[block + 62] = bits >>> 8;
    memory[block + 63] = bits & 0xff;
    const known = this.targets.indexOf(target);
    this.targetIndex[this.queued] = known >= 0 ? known : this.addTarget(target);
    this.offsets[this.queued] = offset;
    this.queued += 1;
    if (this.queued === CAPACITY) this.flush();
  }

  /** Hashes everything queued and writes each digest to its place. */
  flush(): void {
    const count = this.queued;
    if (count === 0) return;
    // A partial last group hashes zero blocks in its spare lanes; their digests are not read.
    this.exports.hash4(BLOCKS_START, DIGESTS_START, Math.ceil(count / 4));
    const memory = this.memory;
    const memoryWords = this.memoryWords;
    for (let message = 0; message < count; message += 1) {
      const index = this.targetIndex[message] as number;
      const offset = this.offsets[message] as number;
      const digest = DIGESTS_START + message * DIGEST_BYTES;
      const words = this.targetWords[index];
      // Copied as eight 32-bit words when the target allows (≈ 4× faster than bytes); byte order is kept.
      if (words && offset % 4 === 0) {
        const to = offset >> 2;
        const from = digest >> 2;
        for (let word = 0; word < 8; word += 1) words[to + word] = memoryWords[from + word] as number;
      } else {
        const target = this.targets[index] as Uint8Array;
        for (let byte = 0; byte < DIGEST_BYTES; byte += 1) target[offset + byte] = memory[digest + byte] as number;
      }
    }
    memory.fill(0, BLOCKS_START, BLOCKS_START + Math.ceil(count / 4) * 4 * BLOCK_BYTES);
    this.targets.length = 0;
    this.targetWords.length = 0;
    this.queued = 0;
  }

  private addTarget(target: Uint8Array): number {
    this.targetWords.push(
      target.byteOffset % 4 === 0 ? new Int32Array(target.buffer, target.byteOffset, target.byteLength >> 2) : null,
    );
    return this.targets.push(target) - 1;
  }

  private hashNow(text: string, target: Uint8Array, offset: number): void {
    const digest = hash('sha256', text, 'binary');
    for (let byte = 0; byte < DIGEST_BYTES; byte += 1) target[offset + byte] = digest.charCodeAt(byte);
  }
}
