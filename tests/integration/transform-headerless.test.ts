import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalInputs } from '../../src/adapters/node/local-inputs.ts';
import { runTransform, type TransformRequest } from '../../src/adapters/node/transform/run-transform.ts';
import { isUserError } from '../../src/core/errors.ts';
import { DEFAULT_NORMALIZE_OPTIONS } from '../../src/core/identifiers/index.ts';
import { runCliProcess } from '../helpers/run-cli-process.ts';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const EMAILS = 'alice@example.com\nbob@example.org\nnot-an-email\n';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'transform-headerless-'));
  writeFileSync(join(root, 'emails.csv'), EMAILS);
  writeFileSync(join(root, 'bare-emails.csv'), 'alice@example.com\nbob@example.org\ncarol@example.net\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let runs = 0;
async function transform(file: string, mapping: TransformRequest['mapping'], extra: Partial<TransformRequest> = {}) {
  const outDir = join(root, `out-${++runs}`);
  const manifest = await runTransform({
    inputs: await openLocalInputs([join(root, file)]),
    mapping,
    options: DEFAULT_NORMALIZE_OPTIONS,
    outDir,
    workers: 1,
    ...extra,
  });
  const everything = [
    JSON.stringify(manifest),
    ...readdirSync(outDir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8')),
  ].join('\n');
  return { manifest, outDir, everything };
}

describe('a CSV of bare emails (issue 11: its first email was a column name, echoed, and its record dropped)', () => {
  it('inspect shows column_1 and counts the first row; the email is never printed', async () => {
    const { code, stdout, stderr } = await runCliProcess(['inspect', join(root, 'bare-emails.csv')]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('no header row (the first row is a record); sampled 3 rows.');
    expect(stdout).toMatch(/^column_1\s+string 3\s+100%/mu);
    expect(stdout).toContain('--map column_1=EMAIL');
    expect(stdout).not.toContain('alice@example.com');
  });

  it('transform hashes the first row too (sha256 from node:crypto of the normalized email)', async () => {
    const { manifest, outDir } = await transform('emails.csv', [{ column: 'column_1', type: 'EMAIL' }]);
    expect(manifest.recordsRead).toBe(3);
    expect(manifest.types.EMAIL).toMatchObject({ valid: 2, unique: 2, rejected: { invalid_email: 1 } });
    const digests = readFileSync(join(outDir, 'email_sha256/part-00000.csv'), 'utf8').split('\n').filter(Boolean);
    expect(digests).toEqual([sha256('alice@example.com'), sha256('bob@example.org')].sort());
    expect(readFileSync(join(outDir, 'rejects.csv'), 'utf8')).toContain(`3,${join(root, 'emails.csv')},column_1,`);
  });

  it('with --header present the email is the column name: masked in the manifest and rejects.csv', async () => {
    const { manifest, everything } = await transform('emails.csv', [{ column: 'alice@example.com', type: 'EMAIL' }], {
      header: 'present',
    });
    expect(manifest.recordsRead).toBe(2);
    expect(manifest.mapping).toEqual([{ column: 'a***@e***.com', type: 'EMAIL' }]);
    expect(manifest.types.EMAIL?.columns).toEqual(['a***@e***.com']);
    expect(everything).toContain('a***@e***.com,EMAIL,invalid_email');
    expect(everything).not.toContain('alice@example.com');
  });

  it('mapping the email as a column of a headerless file fails without echoing it', async () => {
    const error = await transform('emails.csv', [{ column: 'alice@example.com', type: 'EMAIL' }]).catch(
      (caught: unknown) => caught,
    );
    if (!isUserError(error)) throw error;
    expect(error.detail).toBe('"a***@e***.com" is not in the input. Its columns are: "column_1".');
    expect(error.resolution).toContain('--header present');
    expect(`${error.message} ${error.title} ${error.resolution}`).not.toContain('alice@example.com');
  });
});

describe('columns named like Object.prototype members', () => {
  it('a record without the key is empty, not the inherited member (not_text)', async () => {
    writeFileSync(
      join(root, 'proto.jsonl'),
      '{"constructor":"a@b.co","toString":"c@d.co","__proto__":"e@f.co"}\n{"other":1}\n',
    );
    const mapping = ['constructor', 'toString', '__proto__'].map((column) => ({ column, type: 'EMAIL' as const }));
    const { manifest } = await transform('proto.jsonl', mapping);
    expect(manifest.types.EMAIL).toMatchObject({ valid: 3, empty: 3, rejected: {}, unique: 3 });
  });
});
