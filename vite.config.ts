import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { amplifyOutputs } from './scripts/vite-amplify-outputs.ts';

// The web app: index.html at the root, sources in src/ui, built into dist/ui (served by `npm start`).
export default defineConfig({
  plugins: [vue(), amplifyOutputs()],
  publicDir: 'public',
  build: { outDir: 'dist/ui', emptyOutDir: true, chunkSizeWarningLimit: 1024 },
});
