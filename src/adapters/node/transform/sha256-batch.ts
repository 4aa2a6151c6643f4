import { hash } from 'node:crypto';
import { SHA256_X4_WASM_BASE64 } from './sha256-x4-wasm.ts';
import { WasmJsonLineScanner } from './wasm-json-line-scanner.ts';

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
/** The queued messages' lengths (i32), then their UTF-8 bytes one after another, with slack for 16-byte reads. */
const LENGTHS_START = DIGESTS_START + CAPACITY * DIGEST_BYTES;
const STAGING_START = LENGTHS_START + CAPACITY * 4;
const STAGING_END = STAGING_START + CAPACITY * MAX_SINGLE_BLOCK_BYTES + BLOCK_BYTES;
/** Staged mode: each queued message's address (i32). */
const REFS_START = STAGING_END;
const REFS_END = REFS_START + CAPACITY * 4;
/** Staged mode: where loadChunk copies a chunk (memory grows to hold it, and 64 bytes of slack). */
const CHUNK_START = Math.ceil(REFS_END / 65536) * 65536;
const PAGE_BYTES = 65536;
/** Staged mode: the line scanner's names and outputs, between the refs and the chunk. */
const SCANNER_AREA_START = REFS_END;

interface Sha256X4Exports {
  memory: WebAssembly.Memory;
  place(staging: number, lengths: number, blocks: number, count: number): void;
  placeRefs(refs: number, lengths: number, blocks: number, count: number): void;
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
 * this costs ≈ 0.15 µs per value (≈ 0.1 µs of it in the WebAssembly kernel), bench/RESULTS.md. The
 * queued values are encoded to UTF-8 in one call per flush (≈ 16 ns a value, against ≈ 60 ns for a
 * character loop each) and laid out as blocks by the module.
 */
export class Sha256Batch {
  private readonly exports: Sha256X4Exports;
  // Views of the module's memory, made again when loadChunk grows it.
  private memory!: Uint8Array;
  private readonly encoder = new TextEncoder();
  private memoryWords!: Int32Array;
  /** The distinct targets of the queued digests (a batch has one per identifier type), and 32-bit views of them. */
  private readonly targets: Uint8Array[] = [];
  private readonly targetWords: Array<Int32Array | null> = [];
  /** Per queued digest: index into `targets` (-1: already written), and byte offset in it. */
  private readonly targetIndex = new Int32Array(CAPACITY);
  private readonly offsets = new Int32Array(CAPACITY);
  /** Per queued message: its UTF-16 length (staged: byte length), in the module's memory. */
  private lengths!: Int32Array;
  /** Staged mode: per queued message, the address of its bytes, in the module's memory. */
  private refs!: Int32Array;
  private staging!: Uint8Array;
  /** The queued messages, and all of them joined (encoded to UTF-8 in one call by `flush`). */
  private readonly texts: string[] = [];
  private joined = '';
  private queued = 0;
  /**
   * Staged mode (commitRange, stageText): the queued messages are byte ranges of the module's memory
   * — of a chunk loadChunk copied there, or of the staging area — instead of strings.
   */
  private staged = false;
  /** Staged mode: where stageText writes its next message in the staging area. */
  private stagingAt = STAGING_START;
  private scanner: { columns: readonly string[]; scanner: WasmJsonLineScanner | null } | undefined;

  constructor() {
    this.exports = new WebAssembly.Instance(sha256X4Module()).exports as unknown as Sha256X4Exports;
    if (this.exports.memory.buffer.byteLength < REFS_END) {
      throw new Error('sha256-x4.wasm: memory smaller than the batch needs');
    }
    this.viewMemory();
  }

  private viewMemory(): void {
    const buffer = this.exports.memory.buffer;
    this.memory = new Uint8Array(buffer);
    this.memoryWords = new Int32Array(buffer);
    this.lengths = new Int32Array(buffer, LENGTHS_START, CAPACITY);
    this.refs = new Int32Array(buffer, REFS_START, CAPACITY);
    this.staging = this.memory.subarray(STAGING_START, STAGING_END - BLOCK_BYTES);
  }

  /** Queues SHA-256 of the UTF-8 bytes of `text`, to be written at `target[offset…offset + 31]` by `flush`. */
  hashInto(text: string, target: Uint8Array, offset: number): void {
    // More than 55 UTF-16 units is more than 55 UTF-8 bytes: longer than a block.
    if (text.length > MAX_SINGLE_BLOCK_BYTES) return this.hashNow(text, target, offset);
    if (this.staged) throw new Error('Sha256Batch: hashInto and staged messages in one batch');
    const message = this.queued;
    this.joined += text;
    this.texts[message] = text;
    this.lengths[message] = text.length;
    this.enqueue(message, target, offset);
  }

  /**
   * Staged mode: copies `bytes` into the module's memory (growing it when needed) and returns that
   * copy, whose byte ranges commitRange then queues. Nothing may be queued: a flush comes first.
   */
  loadChunk(bytes: Uint8Array): Uint8Array {
    if (this.queued > 0) throw new Error('Sha256Batch: loadChunk with messages queued');
    const needed = CHUNK_START + bytes.length + BLOCK_BYTES;
    const memory = this.exports.memory;
    if (memory.buffer.byteLength < needed) {
      memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE_BYTES));
      this.viewMemory();
    }
    this.memory.set(bytes, CHUNK_START);
    return this.memory.subarray(CHUNK_START, CHUNK_START + bytes.length);
  }

  /**
   * Staged mode: a scanner of the loaded chunk's lines for `columns`, in WebAssembly over this
   * module's memory (wasm-json-line-scanner.ts); null when the names do not fit its area. Call after
   * loadChunk (which may grow the memory).
   */
  lineScanner(columns: readonly string[]): WasmJsonLineScanner | null {
    if (this.scanner?.columns !== columns) {
      this.scanner = {
        columns,
        scanner: WasmJsonLineScanner.create(this.exports.memory, SCANNER_AREA_START, CHUNK_START, CHUNK_START, columns),
      };
    }
    this.scanner.scanner?.view();
    return this.scanner.scanner;
  }

  /**
   * Staged mode: queues SHA-256 of the loaded chunk's bytes `start…localEnd` then `at…end` (at most
   * 55 in all; `localEnd === at` for one range), A–Z folded to a–z, to be written at
   * `target[offset…offset + 31]` by `flush`.
   */
  commitRange(start: number, localEnd: number, at: number, end: number, target: Uint8Array, offset: number): void {
    if (localEnd === at) return this.commit(CHUNK_START + start, end - start, target, offset);
    // Two ranges (an email without its +tag): joined in the staging area.
    const memory = this.memory;
    const from = this.stagingAt;
    memory.copyWithin(from, CHUNK_START + start, CHUNK_START + localEnd);
    memory.copyWithin(from + localEnd - start, CHUNK_START + at, CHUNK_START + end);
    const length = localEnd - start + end - at;
    this.stagingAt = from + length;
    this.commit(from, length, target, offset);
  }

  /**
   * Staged mode's way to queue a string: printable ASCII of up to 55 characters is staged as its
   * bytes (and folded like every staged message: only for strings that have no A–Z, as every
   * normalized email, phone and device id); anything else is hashed at once by node:crypto.
   */
  stageText(text: string, target: Uint8Array, offset: number): void {
    const length = text.length;
    if (length > MAX_SINGLE_BLOCK_BYTES) return this.hashNow(text, target, offset);
    const memory = this.memory;
    const from = this.stagingAt;
    for (let index = 0; index < length; index += 1) {
      const code = text.charCodeAt(index);
      if (code > 0x7f) return this.hashNow(text, target, offset);
      memory[from + index] = code;
    }
    this.stagingAt = from + length;
    this.commit(from, length, target, offset);
  }

  private commit(address: number, length: number, target: Uint8Array, offset: number): void {
    if (this.queued > 0 && !this.staged) throw new Error('Sha256Batch: hashInto and staged messages in one batch');
    this.staged = true;
    const message = this.queued;
    this.refs[message] = address;
    this.lengths[message] = length;
    this.enqueue(message, target, offset);
  }

  /** Message `message` (the next one) goes to `target[offset…]`; a full queue is hashed at once. */
  private enqueue(message: number, target: Uint8Array, offset: number): void {
    const known = this.targets.indexOf(target);
    this.targetIndex[message] = known >= 0 ? known : this.addTarget(target);
    this.offsets[message] = offset;
    this.queued = message + 1;
    if (this.queued === CAPACITY) this.flush();
  }

  /** Hashes everything queued and writes each digest to its place. */
  flush(): void {
    const count = this.queued;
    if (count === 0) return;
    // Staged messages are already bytes in the module's memory.
    if (this.staged) {
      this.exports.placeRefs(REFS_START, LENGTHS_START, BLOCKS_START, count);
    } else {
      // One UTF-8 encoding of every queued message; all ASCII (the usual case: as many bytes as UTF-16
      // units), the module lays the blocks out itself. Otherwise each message is laid out here.
      const { read, written } = this.encoder.encodeInto(this.joined, this.staging);
      if (read === this.joined.length && written === read) {
        this.exports.place(STAGING_START, LENGTHS_START, BLOCKS_START, count);
      } else {
        for (let message = 0; message < count; message += 1) this.placeOne(message);
      }
    }
    // A partial last group hashes whatever its spare lanes hold; their digests are not read.
    this.exports.hash4(BLOCKS_START, DIGESTS_START, Math.ceil(count / 4));
    const memory = this.memory;
    const memoryWords = this.memoryWords;
    for (let message = 0; message < count; message += 1) {
      const index = this.targetIndex[message] as number;
      if (index < 0) continue;
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
    this.targets.length = 0;
    this.targetWords.length = 0;
    this.texts.length = 0;
    this.joined = '';
    this.queued = 0;
    this.staged = false;
    this.stagingAt = STAGING_START;
  }

  /** Lays out one queued message as its padded block; one longer than a block in UTF-8 is hashed now instead. */
  private placeOne(message: number): void {
    const text = this.texts[message] as string;
    const block = BLOCKS_START + message * BLOCK_BYTES;
    const memory = this.memory;
    memory.fill(0, block, block + BLOCK_BYTES);
    const { read, written } = this.encoder.encodeInto(text, memory.subarray(block, block + MAX_SINGLE_BLOCK_BYTES + 1));
    if (read < text.length || written > MAX_SINGLE_BLOCK_BYTES) {
      this.hashNow(
        text,
        this.targets[this.targetIndex[message] as number] as Uint8Array,
        this.offsets[message] as number,
      );
      this.targetIndex[message] = -1;
      return;
    }
    // Padding (FIPS 180-4, 5.1.1): 0x80, zeros, the bit length.
    const bits = written * 8;
    memory[block + written] = 0x80;
    memory[block + 62] = bits >>> 8;
    memory[block + 63] = bits & 0xff;
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
