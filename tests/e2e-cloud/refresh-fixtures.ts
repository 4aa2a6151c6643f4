// `npx tsx tests/e2e-cloud/refresh-fixtures.ts`: synthesizes the backend and writes the Data schema
// and model introspection the unit tests of the cloud service use (tests/fixtures/amplify-data/).
// The cloud web-app suite fails when these copies differ from a fresh synth.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_DIR, synthesizeData } from './data-schema.ts';

const outDir = mkdtempSync(join(tmpdir(), 'au-synth-'));
try {
  const { sdl, modelIntrospection } = synthesizeData(outDir);
  mkdirSync(FIXTURE_DIR, { recursive: true });
  writeFileSync(join(FIXTURE_DIR, 'schema.graphql'), sdl);
  writeFileSync(join(FIXTURE_DIR, 'model-introspection.json'), `${JSON.stringify(modelIntrospection, null, 2)}\n`);
  console.log(`Wrote ${FIXTURE_DIR}/schema.graphql and model-introspection.json`);
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
