export interface WasmModuleEntry {
  source: string;
  target: string;
  constant: string;
}
/** The .wat sources and the TypeScript modules generated from them. */
export const WASM_MODULES: WasmModuleEntry[];
/** A .wat source of src/adapters/node/transform compiled to WebAssembly (SIMD) and validated. */
export function compileWat(source: string): Promise<Buffer>;
/** The TypeScript module source that carries a binary as base64. */
export function wasmModuleSource(entry: WasmModuleEntry, binary: Buffer): string;
