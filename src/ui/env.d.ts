declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

/** The build's parsed amplify_outputs.json, or null (scripts/vite-amplify-outputs.ts). */
declare module 'virtual:amplify-outputs' {
  const outputs: Record<string, unknown> | null;
  export default outputs;
}
