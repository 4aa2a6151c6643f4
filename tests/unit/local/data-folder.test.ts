import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import { listDataFolder, resolveDataPath } from '../../../src/local/data-folder.ts';

let base: string;
let data: string;

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'au-data-')));
  data = join(base, 'data');
  mkdirSync(join(data, 'audiences', 'part'), { recursive: true });
  mkdirSync(join(data, '.jobs'), { recursive: true });
  writeFileSync(join(data, 'audiences', 'a.csv'), 'email\nx@y.com\n');
  writeFileSync(join(data, '.secret'), 'token');
  writeFileSync(join(base, 'outside.csv'), 'email\n');
  symlinkSync(join(base, 'outside.csv'), join(data, 'escape.csv'));
  symlinkSync(base, join(data, 'escape-dir'));
  symlinkSync(join(data, 'audiences', 'a.csv'), join(data, 'inside-link.csv'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

async function refusal(path: string): Promise<UserError> {
  try {
    await resolveDataPath(data, path);
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error(`${path} was accepted`);
}

describe('resolveDataPath', () => {
  it('resolves relative paths inside the data folder', async () => {
    expect(await resolveDataPath(data, 'audiences/a.csv')).toBe(join(data, 'audiences', 'a.csv'));
    expect(await resolveDataPath(data, './audiences/a.csv')).toBe(join(data, 'audiences', 'a.csv'));
    expect(await resolveDataPath(data, '')).toBe(data);
    expect(await resolveDataPath(data, 'inside-link.csv')).toBe(join(data, 'audiences', 'a.csv'));
  });

  it.each([
    ['../outside.csv', 'path_outside_data_folder'],
    ['audiences/../../outside.csv', 'path_outside_data_folder'],
    ['audiences\\..\\..\\outside.csv', 'path_outside_data_folder'],
    ['/etc/passwd', 'path_outside_data_folder'],
    ['C:/Windows/win.ini', 'path_outside_data_folder'],
    ['.secret', 'path_outside_data_folder'],
    ['.jobs', 'path_outside_data_folder'],
    ['escape.csv', 'path_outside_data_folder'],
    ['escape-dir/outside.csv', 'path_outside_data_folder'],
    ['a\0b', 'path_outside_data_folder'],
    ['missing.csv', 'path_not_found'],
  ])('refuses %j (%s) with a resolution and the field', async (path, code) => {
    const error = await refusal(path);
    expect(error.code).toBe(code);
    expect(error.field).toBe('path');
    expect(error.resolution.length).toBeGreaterThan(10);
  });
});

describe('listDataFolder', () => {
  it('lists folders first, hides dot entries and links that lead outside', async () => {
    const listing = await listDataFolder(data, '');
    expect(listing.entries.map((e) => [e.path, e.kind])).toEqual([
      ['audiences', 'folder'],
      ['inside-link.csv', 'file'],
    ]);
    const sub = await listDataFolder(data, 'audiences');
    expect(sub.entries.map((e) => [e.name, e.kind, e.size])).toEqual([
      ['part', 'folder', 0],
      ['a.csv', 'file', Buffer.byteLength('email\nx@y.com\n')],
    ]);
  });

  it('says a file is not a folder', async () => {
    await expect(listDataFolder(data, 'audiences/a.csv')).rejects.toMatchObject({ code: 'not_a_folder' });
  });
});
