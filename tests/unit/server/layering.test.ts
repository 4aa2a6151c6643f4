import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..', '..', '..');

function sourceFiles(folder: string): string[] {
  return readdirSync(join(REPO, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('layering', () => {
  it('local mode imports nothing from the HTTP server (the server builds on local mode, not the reverse)', () => {
    const upward = sourceFiles('src/local').flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/from\s+['"]([^'"]+)['"]/g)]
        .map((match) => match[1] ?? '')
        .filter((specifier) => /(^|\/)server\//.test(specifier))
        .map((specifier) => `${file.slice(REPO.length + 1)} → ${specifier}`),
    );
    expect(upward).toEqual([]);
  });
});
