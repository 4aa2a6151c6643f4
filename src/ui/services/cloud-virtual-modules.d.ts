// virtual:amplify-outputs — the amplify_outputs.json the build was given (scripts/vite-amplify-outputs.ts), or null.
// (Not cloud-outputs.d.ts: TypeScript skips a .d.ts that sits beside a .ts of the same name.)
declare module 'virtual:amplify-outputs' {
  const outputs: Record<string, unknown> | null;
  export default outputs;
}
