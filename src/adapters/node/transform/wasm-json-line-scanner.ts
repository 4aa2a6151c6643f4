import type { LineFieldScanner } from '../../../core/readers/json-line-fields.ts';
import { JSON_LINE_SCAN_WASM_BASE64 } from './json-line-scan-wasm.ts';

interface JsonLineScanExports {
  scanLine(base: number, start: number, limit: number, names: number, count: number, out: number): number;
  deviceIdKind(base: number, start: number): number;
}

/** deviceIdKind's answers. */
export const DEVICE_ID_NOT_UUID = 0;
export const DEVICE_ID_UUID = 1;
export const DEVICE_ID_ZERO = 2;

let compiled: WebAssembly.Module | undefined;

/**
 * JsonLineFieldScanner's scanLine in WebAssembly (json-line-scan.wat), over a chunk loaded at
 * `chunkStart` of `memory` (sha256-batch.ts's loadChunk). Its name table and outputs live in
 * `memory` from `areaStart`. Same answers as the JavaScript scanner
 * (tests/unit/adapters/node/wasm-json-line-scanner.test.ts); ≈ 3× faster on audience lines.
 */
export class WasmJsonLineScanner implements LineFieldScanner {
  valueStart: Int32Array;
  valueEnd: Int32Array;
  private readonly scan: JsonLineScanExports['scanLine'];
  private readonly uuidKind: JsonLineScanExports['deviceIdKind'];
  private readonly count: number;
  private readonly namesAt: number;
  private readonly outAt: number;

  /** Null when the names do not fit between `areaStart` and `areaEnd`. */
  static create(
    memory: WebAssembly.Memory,
    areaStart: number,
    areaEnd: number,
    chunkStart: number,
    columns: readonly string[],
  ): WasmJsonLineScanner | null {
    const nameBytes = columns.reduce((sum, column) => sum + column.length, 0);
    if (areaStart + columns.length * 16 + nameBytes > areaEnd) return null;
    return new WasmJsonLineScanner(memory, areaStart, chunkStart, columns);
  }

  private constructor(
    private readonly memory: WebAssembly.Memory,
    areaStart: number,
    private readonly chunkStart: number,
    columns: readonly string[],
  ) {
    compiled ??= new WebAssembly.Module(Buffer.from(JSON_LINE_SCAN_WASM_BASE64, 'base64'));
    const instance = new WebAssembly.Instance(compiled, { env: { memory } });
    const exports = instance.exports as unknown as JsonLineScanExports;
    this.scan = exports.scanLine;
    this.uuidKind = exports.deviceIdKind;
    this.count = columns.length;
    // [out: starts, ends][names: (address, length) pairs][name bytes]
    this.outAt = areaStart;
    this.namesAt = areaStart + this.count * 8;
    const bytes = new Uint8Array(memory.buffer);
    const table = new Int32Array(memory.buffer, this.namesAt, this.count * 2);
    let at = this.namesAt + this.count * 8;
    columns.forEach((column, field) => {
      // A name no unescaped printable-ASCII key can spell is never found (length -1).
      const plain = /^[\x20-\x7e]*$/.test(column);
      table[field * 2] = at;
      table[field * 2 + 1] = plain ? column.length : -1;
      if (plain) for (let index = 0; index < column.length; index += 1) bytes[at + index] = column.charCodeAt(index);
      at += column.length;
    });
    this.valueStart = new Int32Array(0);
    this.valueEnd = new Int32Array(0);
    this.view();
  }

  /** Views of the outputs, made again after the memory grew (the old ones are detached). */
  view(): void {
    this.valueStart = new Int32Array(this.memory.buffer, this.outAt, this.count);
    this.valueEnd = new Int32Array(this.memory.buffer, this.outAt + this.count * 4, this.count);
  }

  /**
   * The 36 bytes of the loaded chunk at `start`: DEVICE_ID_UUID for a dashed UUID of hex digits,
   * DEVICE_ID_ZERO for the all-zero one, DEVICE_ID_NOT_UUID otherwise (normalizeAsciiDeviceId's checks).
   */
  deviceIdKind(start: number): number {
    return this.uuidKind(this.chunkStart, start);
  }

  /** `bytes`: the loaded chunk (its offsets are the module's from chunkStart). */
  scanLine(bytes: Uint8Array, start: number): number {
    return this.scan(this.chunkStart, start, bytes.length, this.namesAt, this.count, this.outAt);
  }
}
