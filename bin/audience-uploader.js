#!/usr/bin/env node
// The installed command (and `npm run cli`): runs the CLI bundled by esbuild, rebuilt first whenever a
// source changed (scripts/cli-bundle.mjs), in this process. If it cannot be bundled, tsx runs the
// TypeScript instead. AUDIENCE_UPLOADER_TSX=1 always uses tsx.
import { pathToFileURL } from 'node:url';
import { cliBundle } from '../scripts/cli-bundle.mjs';

const bundle =
  process.env.AUDIENCE_UPLOADER_TSX === '1'
    ? null
    : await cliBundle({
        onBuildError: (error) =>
          process.stderr.write(
            `Note: could not bundle the CLI (${String(error?.message ?? error).split('\n')[0]}); running it through tsx.\n`,
          ),
      });
if (bundle !== null) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
