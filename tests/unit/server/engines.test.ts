import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const packageJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  engines: { node: string };
};

type Version = [number, number, number];
const parse = (text: string): Version => {
  const [major = 0, minor = 0, patch = 0] = text.split('.').map(Number);
  return [major, minor, patch];
};
const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** The `>=a <b || >=c` subset of npm ranges that package.json uses (anything else fails the test). */
function satisfies(version: string, range: string): boolean {
  return range.split('||').some((set) =>
    set
      .trim()
      .split(/\s+/)
      .every((comparator) => {
        const found = /^(>=|<|>|<=)(\d+(?:\.\d+){0,2})$/.exec(comparator);
        if (!found) throw new Error(`unexpected comparator ${comparator}`);
        const order = compare(parse(version), parse(found[2] ?? ''));
        return { '>=': order >= 0, '>': order > 0, '<': order < 0, '<=': order <= 0 }[found[1] as '>='];
      }),
  );
}

describe('engines', () => {
  // crypto.hash and fs.Dirent#parentPath (used by the engine and the data folder) arrived in Node 20.12.
  it('refuses Node releases without crypto.hash and Dirent.parentPath, accepts 20.12+ and 22+', () => {
    const range = packageJson.engines.node;
    for (const old of ['20.11.0', '20.11.1', '18.20.0', '21.7.0']) expect(satisfies(old, range), old).toBe(false);
    for (const good of ['20.12.0', '20.19.0', '22.0.0', '24.1.0']) expect(satisfies(good, range), good).toBe(true);
  });
});
