// The amplify_outputs.json the build was given (scripts/vite-amplify-outputs.ts), or null.
declare module 'virtual:amplify-outputs' {
  const outputs: Record<string, unknown> | null;
  export default outputs;
}
