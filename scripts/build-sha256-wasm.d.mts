/** sha256-x4.wat compiled to WebAssembly (SIMD) and validated. */
export function compileSha256X4(): Promise<Buffer>;
/** The TypeScript module source that carries the binary as base64. */
export function sha256X4Module(binary: Buffer): string;
