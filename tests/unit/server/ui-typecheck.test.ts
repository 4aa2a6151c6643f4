import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');

describe('web app (src/ui)', () => {
  it('type-checks with vue-tsc (the root tsconfig leaves src/ui out)', () => {
    const run = () =>
      execFileSync(
        process.execPath,
        [
          join(root, 'node_modules', 'vue-tsc', 'bin', 'vue-tsc.js'),
          '--noEmit',
          '-p',
          join(root, 'src', 'ui', 'tsconfig.json'),
        ],
        { cwd: root, encoding: 'utf8', stdio: 'pipe' },
      );
    expect(run).not.toThrow();
  }, 300_000); // ≈ 22 s of one core; 100 s wall measured with two cores busy: the limit only catches a hang
});
