import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUiStale } from '../../../src/server/ui-build.ts';

let root: string;
const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'au-ui-'));
  mkdirSync(join(root, 'src', 'ui', 'components'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<div id="app"></div>');
  writeFileSync(join(root, 'src', 'ui', 'components', 'Thing.vue'), '<template />');
  at(join(root, 'index.html'), 1_000);
  at(join(root, 'src', 'ui', 'components', 'Thing.vue'), 1_000);
  at(join(root, 'src', 'ui', 'components'), 1_000);
  at(join(root, 'src', 'ui'), 1_000);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('isUiStale', () => {
  it('is stale without a build, fresh after one, and stale again when a nested source changes', async () => {
    expect(await isUiStale(root)).toBe(true);
    mkdirSync(join(root, 'dist', 'ui'), { recursive: true });
    writeFileSync(join(root, 'dist', 'ui', 'index.html'), 'built');
    at(join(root, 'dist', 'ui', 'index.html'), 2_000);
    expect(await isUiStale(root)).toBe(false);
    at(join(root, 'src', 'ui', 'components', 'Thing.vue'), 3_000);
    expect(await isUiStale(root)).toBe(true);
  });
});
