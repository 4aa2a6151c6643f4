// Vite plugin: the web app imports `virtual:amplify-outputs` — the parsed amplify_outputs.json the
// build was given, or null (no file, or AMPLIFY_OUTPUTS=none) — and src/ui/main.ts picks the local or
// the cloud service from it (src/ui/services/cloud-outputs.ts has the rule). A virtual module keeps
// the build working without the file, and lets a test build against a generated one elsewhere.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';

const ID = 'virtual:amplify-outputs';
const RESOLVED = `\0${ID}`;

/** AMPLIFY_OUTPUTS: a path to the file to build against, `none` for local mode; default ./amplify_outputs.json. */
export function amplifyOutputs(env: NodeJS.ProcessEnv = process.env): Plugin {
  const setting = env.AMPLIFY_OUTPUTS;
  const file = setting === 'none' ? undefined : resolve(setting ?? 'amplify_outputs.json');
  return {
    name: 'amplify-outputs',
    resolveId: (id) => (id === ID ? RESOLVED : undefined),
    load(id) {
      if (id !== RESOLVED) return undefined;
      if (file === undefined || !existsSync(file)) {
        if (setting !== undefined && setting !== 'none')
          this.error(`AMPLIFY_OUTPUTS names ${file}, which does not exist`);
        return 'export default null;';
      }
      this.addWatchFile(file);
      // Parsed here so a broken file fails the build with its path, not the app at start-up.
      return `export default ${JSON.stringify(JSON.parse(readFileSync(file, 'utf8')))};`;
    },
  };
}
