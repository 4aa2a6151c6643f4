import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const BROWSER_SAFE_PACKAGES = [
  'hyparquet',
  'hyparquet-compressors',
  'libphonenumber-js/max',
  'libphonenumber-js/metadata.max.json',
  'zod',
];

/** Every module specifier reachable from `entry` through relative imports. */
function reachableImports(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    // Static imports and exports, and dynamic import('…') (a reader loaded on first use).
    const specifiers = [
      ...source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gmu),
      ...source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/gu),
    ];
    for (const match of specifiers) {
      const specifier = match[1] as string;
      if (specifier.startsWith('.')) {
        if (!specifier.endsWith('.json')) visit(path.resolve(path.dirname(file), specifier));
      } else packages.add(specifier);
    }
  };
  visit(path.join(repo, entry));
  return { files: [...files], packages: [...packages] };
}

// The browser runs discovery too (architecture.md): no Node-only module may be reachable from it.
describe('schema discovery and readers stay browser-safe', () => {
  it.each([
    'src/core/schema/discover-schema.ts',
    'src/core/readers/read-records.ts',
    'src/core/readers/blob-byte-source.ts',
  ])('%s imports no Node built-in', (entry) => {
    const { files, packages } = reachableImports(entry);
    expect(files.length).toBeGreaterThan(1);
    const builtins = new Set(builtinModules);
    for (const specifier of packages) {
      expect(specifier.startsWith('node:') || builtins.has(specifier), specifier).toBe(false);
      expect(BROWSER_SAFE_PACKAGES, specifier).toContain(specifier);
    }
    for (const file of files) expect(readFileSync(file, 'utf8'), file).not.toMatch(/\bBuffer\.|\bprocess\./u);
  });
});
