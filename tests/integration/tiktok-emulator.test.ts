import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type EmulatorOptions,
  type RunningEmulator,
  startTikTokEmulator,
} from '../../src/destinations/tiktok/emulator/tiktok-emulator.ts';

// Every request here is built by hand with fetch, so these tests pin the emulator's wire behaviour
// independently of the TikTok client.

const ADVERTISER = '7000000000000000001';
const OTHER_ADVERTISER = '7000000000000000002';
const TOKEN = 'test-token-abcd1234';

interface Envelope<T = Record<string, unknown>> {
  code: number;
  message: string;
  request_id: string;
  data: T;
}

interface AudienceDetails {
  audience_id: string;
  name: string;
  calculate_type: string;
  cover_num: number;
  is_valid: boolean;
  is_expiring: boolean;
  expired_time: string;
  msg: string;
}

interface GetItem {
  audience_details: AudienceDetails;
  audience_history: Array<{ action: string; msg: string; opt_time: string }>;
}

interface ListData {
  list: AudienceDetails[];
  page_info: { page: number; page_size: number; total_number: number; total_page: number };
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

/** `count` distinct SHA-256 digests of made-up e-mail addresses, starting at `from`. */
function emailDigests(count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, index) => sha256(`person-${from + index}@example.com`));
}

function fileOf(ids: string[]): Buffer {
  return Buffer.from(`${ids.join('\n')}\n`, 'utf8');
}

let emulator: RunningEmulator;

async function start(options: Partial<EmulatorOptions> = {}): Promise<RunningEmulator> {
  emulator = await startTikTokEmulator({
    qps: 10_000,
    calculatingMs: 0,
    tokens: [TOKEN],
    advertisers: [ADVERTISER, OTHER_ADVERTISER],
    seed: 7,
    ...options,
  });
  return emulator;
}

async function envelopeOf<T>(response: Response): Promise<Envelope<T>> {
  expect(response.status).toBe(200);
  return (await response.json()) as Envelope<T>;
}

async function postJson<T = Record<string, unknown>>(
  path: string,
  body: unknown,
  token: string | null = TOKEN,
): Promise<Envelope<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers['Access-Token'] = token;
  return envelopeOf<T>(
    await fetch(`${emulator.baseUrl}/${path}`, { method: 'POST', headers, body: JSON.stringify(body) }),
  );
}

async function getQuery<T = Record<string, unknown>>(
  path: string,
  query: Record<string, string>,
  token: string | null = TOKEN,
): Promise<Envelope<T>> {
  const headers: Record<string, string> = {};
  if (token !== null) headers['Access-Token'] = token;
  return envelopeOf<T>(
    await fetch(`${emulator.baseUrl}/${path}?${new URLSearchParams(query).toString()}`, { headers }),
  );
}

interface UploadInput {
  bytes: Buffer;
  calculateType?: string;
  signature?: string;
  fileName?: string;
  advertiserId?: string;
  token?: string | null;
}

async function upload(input: UploadInput): Promise<Envelope<{ file_path: string }>> {
  const form = new FormData();
  form.set('advertiser_id', input.advertiserId ?? ADVERTISER);
  form.set('calculate_type', input.calculateType ?? 'EMAIL_SHA256');
  form.set('file_signature', input.signature ?? md5(input.bytes));
  form.set('file', new Blob([new Uint8Array(input.bytes)]), input.fileName ?? 'partition-0.csv');
  const headers: Record<string, string> = {};
  const token = input.token === undefined ? TOKEN : input.token;
  if (token !== null) headers['Access-Token'] = token;
  return envelopeOf(
    await fetch(`${emulator.baseUrl}/dmp/custom_audience/file/upload/`, { method: 'POST', headers, body: form }),
  );
}

async function uploadIds(ids: string[], calculateType = 'EMAIL_SHA256', advertiserId = ADVERTISER): Promise<string> {
  const answer = await upload({ bytes: fileOf(ids), calculateType, advertiserId });
  expect(answer.code, answer.message).toBe(0);
  return answer.data.file_path;
}

async function create(
  filePaths: string[],
  name = 'Audience · EMAIL',
  calculateType = 'EMAIL_SHA256',
  extra: Record<string, unknown> = {},
): Promise<Envelope<{ custom_audience_id: string }>> {
  return postJson('dmp/custom_audience/create/', {
    advertiser_id: ADVERTISER,
    custom_audience_name: name,
    calculate_type: calculateType,
    file_paths: filePaths,
    ...extra,
  });
}

async function createOk(filePaths: string[], name?: string): Promise<string> {
  const answer = await create(filePaths, name);
  expect(answer.code, answer.message).toBe(0);
  return answer.data.custom_audience_id;
}

async function update(body: Record<string, unknown>): Promise<Envelope> {
  return postJson('dmp/custom_audience/update/', { advertiser_id: ADVERTISER, ...body });
}

async function get(audienceIds: string[], extra: Record<string, string> = {}): Promise<Envelope<{ list: GetItem[] }>> {
  return getQuery('dmp/custom_audience/get/', {
    advertiser_id: ADVERTISER,
    custom_audience_ids: JSON.stringify(audienceIds),
    ...extra,
  });
}

async function list(query: Record<string, string>): Promise<Envelope<ListData>> {
  return getQuery('dmp/custom_audience/list/', { advertiser_id: ADVERTISER, ...query });
}

/** Polls `get` until the audience is valid (calculating is over). */
async function untilValid(audienceId: string): Promise<void> {
  await vi.waitFor(async () => expect((await get([audienceId])).data.list[0]?.audience_details.is_valid).toBe(true), {
    timeout: 10_000,
    interval: 100,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

afterEach(async () => {
  await emulator.close();
});

describe('TikTok emulator over HTTP: file upload', () => {
  beforeEach(async () => {
    await start();
  });

  it('accepts a file of SHA-256 digests and records its MD5 and rows', async () => {
    const bytes = fileOf(emailDigests(1200));
    const answer = await upload({ bytes });
    expect(answer.code).toBe(0);
    expect(answer.message).toBe('OK');
    expect(answer.data.file_path).toMatch(/\S/);
    const [stored] = emulator.uploads();
    expect(stored).toMatchObject({
      filePath: answer.data.file_path,
      md5: md5(bytes),
      calculateType: 'EMAIL_SHA256',
      rows: 1200,
      advertiserId: ADVERTISER,
    });
  });

  it('accepts CRLF line ends, a .txt name and an upper-case file signature', async () => {
    const ids = emailDigests(3);
    const bytes = Buffer.from(`${ids.join('\r\n')}\r\n`);
    const answer = await upload({ bytes, fileName: 'ids.TXT', signature: md5(bytes).toUpperCase() });
    expect(answer.code).toBe(0);
    expect(emulator.uploads()[0]?.rows).toBe(3);
  });

  it('refuses a file whose signature is not the MD5 of its bytes (40900)', async () => {
    const bytes = fileOf(emailDigests(10));
    const answer = await upload({ bytes, signature: md5(Buffer.from('something else')) });
    expect(answer.code).toBe(40900);
    expect(emulator.uploads()).toHaveLength(0);
  });

  it.each([
    ['an empty file', Buffer.alloc(0), {}, 40906],
    ['a .json file name', fileOf(emailDigests(2)), { fileName: 'ids.json' }, 40908],
    ['an unknown calculate_type', fileOf(emailDigests(2)), { calculateType: 'EMAIL_PLAIN' }, 40909],
    ['MULTIPLE_TYPES (not emulated)', fileOf(emailDigests(2)), { calculateType: 'MULTIPLE_TYPES' }, 40909],
    ['a raw e-mail line', Buffer.from(`${emailDigests(1)[0]}\nsomeone@example.com\n`), {}, 40915],
    ['an upper-case digest', fileOf(emailDigests(1).map((id) => id.toUpperCase())), {}, 40915],
    ['a header row', Buffer.from(`email_sha256\n${emailDigests(1)[0]}\n`), {}, 40915],
    ['an MD5 line for a SHA-256 type', Buffer.from(`${md5(Buffer.from('x'))}\n`), {}, 40915],
  ] as const)('refuses %s', async (_label, bytes, overrides, code) => {
    const answer = await upload({ bytes, ...overrides });
    expect(answer.code).toBe(code);
    expect(emulator.uploads()).toHaveLength(0);
  });

  it('never echoes a rejected line in its message', async () => {
    const answer = await upload({ bytes: Buffer.from('someone@example.com\n') });
    expect(answer.code).toBe(40915);
    expect(answer.message).not.toContain('someone');
    expect(answer.message).toContain('line 1');
  });

  it('accepts 32-hex lines for an MD5 type and maps the MAID alias to FIRST_SHA256', async () => {
    expect((await upload({ bytes: Buffer.from(`${md5(Buffer.from('a'))}\n`), calculateType: 'IDFA_MD5' })).code).toBe(
      0,
    );
    expect((await upload({ bytes: fileOf(emailDigests(1)), calculateType: 'MAID_SHA256' })).code).toBe(0);
    expect(
      emulator
        .uploads()
        .map((file) => file.calculateType)
        .sort(),
    ).toEqual(['FIRST_SHA256', 'IDFA_MD5']);
  });

  it('refuses a file larger than maxFileBytes (40907) without keeping it', async () => {
    emulator.configure({ maxFileBytes: 1000 });
    expect((await upload({ bytes: fileOf(emailDigests(15)) })).code).toBe(0); // 975 bytes
    const answer = await upload({ bytes: fileOf(emailDigests(16)) }); // 1040 bytes
    expect(answer.code).toBe(40907);
    const bigger = await upload({ bytes: fileOf(emailDigests(5000)) }); // beyond the multipart allowance too
    expect(bigger.code).toBe(40907);
    expect(emulator.uploads()).toHaveLength(1);
  });

  it('requires file_signature and a multipart body', async () => {
    const form = new FormData();
    form.set('advertiser_id', ADVERTISER);
    form.set('calculate_type', 'EMAIL_SHA256');
    form.set('file', new Blob(['x\n']), 'a.csv');
    const noSignature = await envelopeOf(
      await fetch(`${emulator.baseUrl}/dmp/custom_audience/file/upload/`, {
        method: 'POST',
        headers: { 'Access-Token': TOKEN },
        body: form,
      }),
    );
    expect(noSignature.code).toBe(40002);
    const asJson = await postJson('dmp/custom_audience/file/upload/', { advertiser_id: ADVERTISER });
    expect(asJson.code).toBe(40002);
  });
});

describe('TikTok emulator over HTTP: credentials, advertisers, paths', () => {
  beforeEach(async () => {
    await start();
  });

  it('answers 40104 without a token, 40105 for an unknown one, and never shows the token', async () => {
    const missing = await getQuery('dmp/custom_audience/list/', { advertiser_id: ADVERTISER }, null);
    expect(missing.code).toBe(40104);
    const wrong = await getQuery('dmp/custom_audience/list/', { advertiser_id: ADVERTISER }, 'revoked-token-zz99');
    expect(wrong.code).toBe(40105);
    expect(wrong.message).not.toContain('revoked-token');
    const bearer = await envelopeOf(
      await fetch(`${emulator.baseUrl}/dmp/custom_audience/list/?advertiser_id=${ADVERTISER}`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
      }),
    );
    expect(bearer.code).toBe(40104);
  });

  it('answers 40300 for an advertiser the token cannot reach and 40002 without advertiser_id', async () => {
    expect((await list({ advertiser_id: '123' })).code).toBe(40300);
    expect((await getQuery('dmp/custom_audience/list/', {})).code).toBe(40002);
    expect((await upload({ bytes: fileOf(emailDigests(2)), advertiserId: '999' })).code).toBe(40300);
  });

  it('answers 40001 when the token may not reach an existing advertiser, and 40105 once a token is revoked', async () => {
    emulator.configure({ tokenAdvertisers: { [TOKEN]: [ADVERTISER] } });
    expect((await list({})).code).toBe(0);
    const denied = await list({ advertiser_id: OTHER_ADVERTISER });
    expect(denied.code).toBe(40001);
    emulator.configure({ tokens: ['another-token'] });
    const revoked = await list({});
    expect(revoked.code).toBe(40105);
    expect(revoked.message).toContain('…1234');
    expect(revoked.message).not.toContain(TOKEN);
  });

  it('gives a real HTTP 404 without the trailing slash and for unknown paths, 405 for the wrong method', async () => {
    const noSlash = await fetch(`${emulator.baseUrl}/dmp/custom_audience/list?advertiser_id=${ADVERTISER}`, {
      headers: { 'Access-Token': TOKEN },
    });
    expect(noSlash.status).toBe(404);
    expect(noSlash.headers.get('content-type')).toContain('text/plain');
    const otherVersion = await fetch(`${emulator.baseUrl.replace('v1.3', 'v1.2')}/dmp/custom_audience/list/`, {
      headers: { 'Access-Token': TOKEN },
    });
    expect(otherVersion.status).toBe(404);
    const wrongMethod = await fetch(`${emulator.baseUrl}/dmp/custom_audience/create/`, {
      headers: { 'Access-Token': TOKEN },
    });
    expect(wrongMethod.status).toBe(405);
  });

  it('requires JSON bodies to be JSON objects sent as application/json', async () => {
    const asText = await envelopeOf(
      await fetch(`${emulator.baseUrl}/dmp/custom_audience/create/`, {
        method: 'POST',
        headers: { 'Access-Token': TOKEN, 'content-type': 'text/plain' },
        body: '{}',
      }),
    );
    expect(asText.code).toBe(40002);
    const broken = await envelopeOf(
      await fetch(`${emulator.baseUrl}/dmp/custom_audience/create/`, {
        method: 'POST',
        headers: { 'Access-Token': TOKEN, 'content-type': 'application/json' },
        body: '{"advertiser_id":',
      }),
    );
    expect(broken.code).toBe(40002);
  });

  it('gives every answer its own request_id', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => list({})));
    const ids = new Set(answers.map((answer) => answer.request_id));
    expect(ids.size).toBe(20);
    for (const answer of answers) expect(answer.request_id).toMatch(/^[0-9A-Z]{20,}$/);
  });
});

describe('TikTok emulator over HTTP: create', () => {
  beforeEach(async () => {
    await start();
  });

  it('creates an audience holding the distinct ids of its files', async () => {
    const first = emailDigests(1000);
    const second = emailDigests(600, 800); // 200 overlap
    const audienceId = await createOk([await uploadIds(first), await uploadIds(second)]);
    expect(audienceId).toMatch(/^[0-9]+$/);
    expect(emulator.audienceIds(audienceId)).toEqual([...new Set([...first, ...second])].sort());
    const [view] = emulator.audiences();
    expect(view).toMatchObject({
      audienceId,
      advertiserId: ADVERTISER,
      name: 'Audience · EMAIL',
      calculateType: 'EMAIL_SHA256',
      idCount: 1400,
      idsReceivedTotal: 1600,
      duplicateIdsReceived: 200,
    });
  });

  it('accepts a name of 128 characters and refuses 129', async () => {
    const filePath = await uploadIds(emailDigests(5));
    expect((await create([filePath], 'n'.repeat(128))).code).toBe(0);
    expect((await create([filePath], 'n'.repeat(129))).code).toBe(40002);
    expect((await create([filePath], '')).code).toBe(40002);
    expect(emulator.audiences()).toHaveLength(1);
  });

  it('requires 1 to 500 file paths', async () => {
    const filePath = await uploadIds(emailDigests(5));
    expect((await create([])).code).toBe(40002);
    expect((await create(Array.from({ length: 501 }, () => filePath))).code).toBe(40002);
    expect((await create(Array.from({ length: 500 }, () => filePath))).code).toBe(0);
  });

  it('refuses unknown file paths and another advertiser’s files (40905)', async () => {
    expect((await create(['emulator/no/such/file'])).code).toBe(40905);
    const foreign = await uploadIds(emailDigests(5), 'EMAIL_SHA256', OTHER_ADVERTISER);
    expect((await create([foreign])).code).toBe(40905);
  });

  it('refuses files of another calculate_type (40002) and unknown calculate_types', async () => {
    const phones = await uploadIds(emailDigests(5), 'PHONE_SHA256');
    const emails = await uploadIds(emailDigests(5));
    const mixed = await create([emails, phones]);
    expect(mixed.code).toBe(40002);
    expect(mixed.message).toContain('type mismatch');
    expect((await create([emails], 'x', 'EMAIL_PLAIN')).code).toBe(40002);
    expect(emulator.audiences()).toHaveLength(0);
  });

  it('refuses expired file paths (40910)', async () => {
    emulator.configure({ fileTtlMs: 30 });
    const filePath = await uploadIds(emailDigests(5));
    await sleep(60);
    expect((await create([filePath])).code).toBe(40910);
    expect(emulator.uploads()[0]?.expired).toBe(true);
  });

  it('validates retention_in_days (1–365)', async () => {
    const filePath = await uploadIds(emailDigests(5));
    expect((await create([filePath], 'a', 'EMAIL_SHA256', { retention_in_days: 0 })).code).toBe(40002);
    expect((await create([filePath], 'a', 'EMAIL_SHA256', { retention_in_days: 366 })).code).toBe(40002);
    expect((await create([filePath], 'a', 'EMAIL_SHA256', { retention_in_days: 30 })).code).toBe(0);
  });

  it('lets two audiences share a name (a name is not a key)', async () => {
    const filePath = await uploadIds(emailDigests(5));
    const first = await createOk([filePath], 'Same');
    const second = await createOk([filePath], 'Same');
    expect(first).not.toBe(second);
  });
});

describe('TikTok emulator over HTTP: update', () => {
  const base = emailDigests(1500);
  let audienceId: string;
  let baseFile: string;

  beforeEach(async () => {
    await start({ calculatingMs: 0 });
    baseFile = await uploadIds(base);
    audienceId = await createOk([baseFile]);
  });

  it('answers 40002 "busy" while the audience is calculating, then applies the update', async () => {
    emulator.configure({ calculatingMs: 1500 }); // long enough to stay busy on a loaded machine
    const extra = emailDigests(100, 5000);
    const extraFile = await uploadIds(extra);
    const other = await createOk([baseFile]);
    const busy = await update({ custom_audience_id: other, file_paths: [extraFile], action: 'APPEND' });
    expect(busy.code).toBe(40002);
    expect(busy.message).toMatch(/busy/i);
    expect(emulator.audienceIds(other)).toHaveLength(1500);
    const rename = await update({ custom_audience_id: other, custom_audience_name: 'renamed' });
    expect(rename.code).toBe(40002);
    await untilValid(other);
    const done = await update({ custom_audience_id: other, file_paths: [extraFile], action: 'APPEND' });
    expect(done.code).toBe(0);
    expect(emulator.audienceIds(other)).toEqual([...base, ...extra].sort());
  });

  it('APPEND adds ids; sending the same file again adds none and counts every id as a repeat', async () => {
    const extra = emailDigests(300, 10_000);
    const extraFile = await uploadIds(extra);
    expect((await update({ custom_audience_id: audienceId, file_paths: [extraFile], action: 'APPEND' })).code).toBe(0);
    expect((await update({ custom_audience_id: audienceId, file_paths: [extraFile], action: 'APPEND' })).code).toBe(0);
    expect(emulator.audienceIds(audienceId)).toEqual([...base, ...extra].sort());
    const [view] = emulator.audiences();
    expect(view).toMatchObject({ idCount: 1800, idsReceivedTotal: 2100, duplicateIdsReceived: 300 });
    expect(view?.appliedFilePaths).toEqual([baseFile, extraFile, extraFile]);
  });

  it('serializes concurrent updates of one audience: the second is refused as busy', async () => {
    emulator.configure({ calculatingMs: 5000 });
    const [a, b] = [await uploadIds(emailDigests(10, 60_000)), await uploadIds(emailDigests(10, 70_000))];
    const answers = await Promise.all([
      update({ custom_audience_id: audienceId, file_paths: [a], action: 'APPEND' }),
      update({ custom_audience_id: audienceId, file_paths: [b], action: 'APPEND' }),
    ]);
    expect(answers.map((answer) => answer.code).sort()).toEqual([0, 40002]);
    expect(emulator.audienceIds(audienceId)).toHaveLength(1510);
  });

  it('REMOVE takes ids out and REPLACE swaps the whole set', async () => {
    const removeFile = await uploadIds(base.slice(0, 400));
    expect((await update({ custom_audience_id: audienceId, file_paths: [removeFile], action: 'REMOVE' })).code).toBe(0);
    expect(emulator.audienceIds(audienceId)).toEqual(base.slice(400).sort());
    const replacement = emailDigests(1000, 20_000);
    const replaceFile = await uploadIds(replacement);
    expect((await update({ custom_audience_id: audienceId, file_paths: [replaceFile], action: 'REPLACE' })).code).toBe(
      0,
    );
    expect(emulator.audienceIds(audienceId)).toEqual([...replacement].sort());
    expect(emulator.operations().map((operation) => operation.action)).toEqual(['CREATE', 'REMOVE', 'REPLACE']);
  });

  it('treats a missing action as REPLACE (TikTok’s default)', async () => {
    const replacement = emailDigests(1000, 30_000);
    expect((await update({ custom_audience_id: audienceId, file_paths: [await uploadIds(replacement)] })).code).toBe(0);
    expect(emulator.audienceIds(audienceId)).toEqual([...replacement].sort());
  });

  it('refuses a REPLACE or REMOVE that would leave fewer than 1,000 ids, changing nothing', async () => {
    const small = await uploadIds(emailDigests(999, 40_000));
    const replace = await update({ custom_audience_id: audienceId, file_paths: [small], action: 'REPLACE' });
    expect(replace.code).toBe(40002);
    expect(replace.message).toContain('1,000');
    const remove501 = await uploadIds(base.slice(0, 501));
    const remove = await update({ custom_audience_id: audienceId, file_paths: [remove501], action: 'REMOVE' });
    expect(remove.code).toBe(40002);
    expect(emulator.audienceIds(audienceId)).toEqual([...base].sort());
    const remove500 = await uploadIds(base.slice(0, 500));
    expect((await update({ custom_audience_id: audienceId, file_paths: [remove500], action: 'REMOVE' })).code).toBe(0);
    expect(emulator.audienceIds(audienceId)).toHaveLength(1000);
  });

  it('renames without touching ids', async () => {
    expect((await update({ custom_audience_id: audienceId, custom_audience_name: 'New name' })).code).toBe(0);
    expect(emulator.audiences()[0]).toMatchObject({ name: 'New name', idCount: 1500 });
    expect((await update({ custom_audience_id: audienceId, custom_audience_name: 'x'.repeat(129) })).code).toBe(40002);
  });

  it('refuses an unknown action, a file of another type, an empty update and an unknown audience', async () => {
    const extraFile = await uploadIds(emailDigests(5, 50_000));
    expect((await update({ custom_audience_id: audienceId, file_paths: [extraFile], action: 'MERGE' })).code).toBe(
      40002,
    );
    const phones = await uploadIds(emailDigests(5), 'PHONE_SHA256');
    expect((await update({ custom_audience_id: audienceId, file_paths: [phones], action: 'APPEND' })).code).toBe(40002);
    expect((await update({ custom_audience_id: audienceId })).code).toBe(40002);
    expect((await update({ custom_audience_id: '123456', file_paths: [extraFile], action: 'APPEND' })).code).toBe(
      40007,
    );
    expect(emulator.operations()).toHaveLength(1);
  });
});

describe('TikTok emulator over HTTP: get, matching and history', () => {
  it('reports calculating, then valid with cover_num = matched distinct ids', async () => {
    await start({ calculatingMs: 1500, matchRate: 0.6 });
    const ids = emailDigests(2000);
    const audienceId = await createOk([await uploadIds(ids)]);
    const during = await get([audienceId]);
    expect(during.code).toBe(0);
    expect(during.data.list[0]?.audience_details).toMatchObject({
      audience_id: audienceId,
      is_valid: false,
      cover_num: 0,
      calculate_type: 'EMAIL_SHA256',
    });
    await untilValid(audienceId);
    // The matching rule computed here independently: first 32 bits of sha256(id) / 2^32 < 0.6.
    const expected = ids.filter(
      (id) => createHash('sha256').update(id).digest().readUInt32BE(0) / 2 ** 32 < 0.6,
    ).length;
    expect(expected).toBeGreaterThan(1000);
    expect(expected).toBeLessThan(1400);
    const after = await get([audienceId]);
    const details = after.data.list[0]?.audience_details;
    expect(details).toMatchObject({
      is_valid: true,
      cover_num: expected,
      name: 'Audience · EMAIL',
      is_expiring: false,
    });
    expect(details?.expired_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(emulator.audiences()[0]?.coverNum).toBe(expected);
  });

  it('with matchRate 1, cover_num equals the distinct ids held', async () => {
    await start({ matchRate: 1 });
    const ids = emailDigests(1234);
    const audienceId = await createOk([await uploadIds(ids), await uploadIds(ids.slice(0, 100))]);
    expect((await get([audienceId])).data.list[0]?.audience_details.cover_num).toBe(1234);
  });

  it('keeps the previous cover_num while an update is calculating', async () => {
    await start({ matchRate: 1, calculatingMs: 0 });
    const audienceId = await createOk([await uploadIds(emailDigests(1000))]);
    emulator.configure({ calculatingMs: 5000 });
    expect(
      (
        await update({
          custom_audience_id: audienceId,
          file_paths: [await uploadIds(emailDigests(500, 9000))],
          action: 'APPEND',
        })
      ).code,
    ).toBe(0);
    expect((await get([audienceId])).data.list[0]?.audience_details).toMatchObject({
      is_valid: false,
      cover_num: 1000,
    });
  });

  it('returns history newest first, limited by history_size', async () => {
    await start();
    const ids = emailDigests(1100);
    const filePath = await uploadIds(ids);
    const audienceId = await createOk([filePath]);
    expect((await update({ custom_audience_id: audienceId, file_paths: [filePath], action: 'APPEND' })).code).toBe(0);
    expect((await update({ custom_audience_id: audienceId, file_paths: [filePath], action: 'REPLACE' })).code).toBe(0);
    const all = await get([audienceId]);
    expect(all.data.list[0]?.audience_history.map((entry) => entry.action)).toEqual(['REPLACE', 'APPEND', 'CREATE']);
    for (const entry of all.data.list[0]?.audience_history ?? []) {
      expect(entry.opt_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(entry.msg).not.toContain(ids[0]);
    }
    const one = await get([audienceId], { history_size: '1' });
    expect(one.data.list[0]?.audience_history.map((entry) => entry.action)).toEqual(['REPLACE']);
  });

  it('validates custom_audience_ids (1–100, JSON array) and answers 40007 for an unknown id', async () => {
    await start();
    const audienceId = await createOk([await uploadIds(emailDigests(3))]);
    expect((await get([])).code).toBe(40002);
    expect((await get(Array.from({ length: 101 }, () => audienceId))).code).toBe(40002);
    expect(
      (await getQuery('dmp/custom_audience/get/', { advertiser_id: ADVERTISER, custom_audience_ids: audienceId })).code,
    ).toBe(40002);
    expect((await get([audienceId, '999'])).code).toBe(40007);
    expect((await get(Array.from({ length: 100 }, () => audienceId))).data.list).toHaveLength(100);
  });
});

describe('TikTok emulator over HTTP: list and delete', () => {
  it('pages 250 audiences as 100 + 100 + 50, every audience exactly once', async () => {
    await start();
    const filePath = await uploadIds(emailDigests(3));
    const created: string[] = [];
    for (let index = 0; index < 250; index += 1) created.push(await createOk([filePath], `Audience ${index}`));
    const seen: string[] = [];
    for (const page of [1, 2, 3]) {
      const answer = await list({ page: String(page), page_size: '100' });
      expect(answer.code).toBe(0);
      expect(answer.data.page_info).toEqual({ page, page_size: 100, total_number: 250, total_page: 3 });
      expect(answer.data.list).toHaveLength(page === 3 ? 50 : 100);
      seen.push(...answer.data.list.map((item) => item.audience_id));
    }
    expect(seen.sort()).toEqual([...created].sort());
    const beyond = await list({ page: '4', page_size: '100' });
    expect(beyond.data.list).toEqual([]);
    expect(beyond.data.page_info.total_page).toBe(3);
  });

  it('defaults to page 1 of 10, validates paging and filters by ids', async () => {
    await start();
    const filePath = await uploadIds(emailDigests(3));
    const created: string[] = [];
    for (let index = 0; index < 12; index += 1) created.push(await createOk([filePath]));
    const first = await list({});
    expect(first.data.page_info).toEqual({ page: 1, page_size: 10, total_number: 12, total_page: 2 });
    for (const bad of [{ page_size: '0' }, { page_size: '101' }, { page: '0' }, { page: 'x' }] as Array<
      Record<string, string>
    >)
      expect((await list(bad)).code).toBe(40002);
    const some = await list({ custom_audience_ids: JSON.stringify(created.slice(0, 2)) });
    expect(some.data.list.map((item) => item.audience_id).sort()).toEqual(created.slice(0, 2).sort());
    const otherAdvertiser = await list({ advertiser_id: OTHER_ADVERTISER });
    expect(otherAdvertiser.data.page_info.total_number).toBe(0);
  });

  it('deletes audiences; an unknown id deletes nothing (40007)', async () => {
    await start();
    const filePath = await uploadIds(emailDigests(3));
    const [a, b] = [await createOk([filePath]), await createOk([filePath])];
    const refused = await postJson('dmp/custom_audience/delete/', {
      advertiser_id: ADVERTISER,
      custom_audience_ids: [a, '42'],
    });
    expect(refused.code).toBe(40007);
    expect(emulator.audiences()).toHaveLength(2);
    expect(
      (await postJson('dmp/custom_audience/delete/', { advertiser_id: ADVERTISER, custom_audience_ids: [] })).code,
    ).toBe(40002);
    expect(
      (await postJson('dmp/custom_audience/delete/', { advertiser_id: ADVERTISER, custom_audience_ids: [a] })).code,
    ).toBe(0);
    expect(emulator.audiences().map((view) => view.audienceId)).toEqual([b]);
    expect((await get([a])).code).toBe(40007);
  });
});

describe('TikTok emulator over HTTP: throttling and faults', () => {
  it('answers 40100 beyond qps in its window without performing the operation', async () => {
    // A window of a minute holds every request of this test, however slowly the machine sends them.
    await start({ qps: 5, rateWindowMs: 60_000 });
    const filePath = await uploadIds(emailDigests(3)); // one of the window's 5
    const answers = await Promise.all(Array.from({ length: 8 }, (_, index) => create([filePath], `Parallel ${index}`)));
    const codes = answers.map((answer) => answer.code).sort();
    expect(codes).toEqual([0, 0, 0, 0, 40100, 40100, 40100, 40100]);
    expect(emulator.audiences()).toHaveLength(4);
    expect(emulator.requestLog().filter((entry) => entry.throttled)).toHaveLength(4);
    // Refused requests do not count: once the admitted ones leave the window, requests pass again.
    emulator.configure({ rateWindowMs: 20 });
    const deadline = Date.now() + 10_000;
    let listed = await list({});
    while (listed.code !== 0 && Date.now() < deadline) listed = await list({});
    expect(listed.code).toBe(0);
  });

  it('injected 50000 and 40100 faults perform nothing', async () => {
    await start();
    const filePath = await uploadIds(emailDigests(3));
    emulator.configure({ faults: { serverError: 1 } });
    const failed = await create([filePath]);
    expect(failed.code).toBe(50000);
    emulator.configure({ faults: { throttle: 1 } });
    expect((await create([filePath])).code).toBe(40100);
    expect((await upload({ bytes: fileOf(emailDigests(4)) })).code).toBe(40100);
    expect(emulator.audiences()).toHaveLength(0);
    expect(emulator.uploads()).toHaveLength(1);
    expect(emulator.requestLog().map((entry) => entry.fault)).toEqual([null, 'serverError', 'throttle', 'throttle']);
  });

  it('a dropped connection and a hanging request perform nothing', async () => {
    await start({ timeoutHangMs: 100 });
    const filePath = await uploadIds(emailDigests(3));
    emulator.configure({ faults: { drop: 1 } });
    await expect(create([filePath])).rejects.toThrow();
    emulator.configure({ faults: { timeout: 1 } });
    await expect(create([filePath])).rejects.toThrow(); // the emulator destroys the socket after timeoutHangMs
    await expect(
      fetch(`${emulator.baseUrl}/dmp/custom_audience/list/?advertiser_id=${ADVERTISER}`, {
        headers: { 'Access-Token': TOKEN },
        signal: AbortSignal.timeout(50),
      }),
    ).rejects.toThrow();
    emulator.configure({ faults: {} });
    expect(emulator.audiences()).toHaveLength(0);
    expect((await list({})).code).toBe(0);
  });

  it('a client that disconnects mid-upload leaves nothing behind and no error output', async () => {
    await start();
    const errors = vi.spyOn(console, 'error');
    const url = new URL(`${emulator.baseUrl}/dmp/custom_audience/file/upload/`);
    await new Promise<void>((resolve) => {
      const request = httpRequest({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          'Access-Token': TOKEN,
          'content-type': 'multipart/form-data; boundary=xyz',
          'content-length': '100000',
        },
      });
      request.on('error', () => resolve());
      // Gone once the headers and a first part have left (not after a fixed pause, which a busy
      // machine can end before the connection is even made: the emulator would see no request).
      request.write('--xyz\r\nContent-Disposition: form-data; name="advertiser_id"\r\n\r\n', () => request.destroy());
    });
    await vi.waitFor(() => expect(emulator.requestLog()).toHaveLength(1), { timeout: 10_000 });
    expect(emulator.requestLog()[0]).toMatchObject({ httpStatus: null, code: null });
    expect(emulator.uploads()).toEqual([]);
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
    expect((await list({})).code).toBe(0);
  });

  it('lostResponse performs the create and then drops the connection', async () => {
    await start();
    const filePath = await uploadIds(emailDigests(3));
    emulator.configure({ faults: { lostResponse: 1 } });
    await expect(create([filePath], 'Maybe created')).rejects.toThrow();
    emulator.configure({ faults: {} });
    const listed = await list({});
    expect(listed.data.list.map((item) => item.name)).toEqual(['Maybe created']);
    expect(emulator.requestLog().find((entry) => entry.fault === 'lostResponse')).toMatchObject({
      code: 0,
      httpStatus: null,
    });
  });

  it('with a seed, a random fault mix replays exactly and only answered creates exist', async () => {
    const outcomes = async (): Promise<string[]> => {
      const filePath = await uploadIds(emailDigests(3));
      emulator.configure({ faultRate: 0.5, seed: 1234 });
      const results: string[] = [];
      for (let index = 0; index < 30; index += 1) {
        try {
          const answer = await create([filePath], `Try ${index}`);
          results.push(String(answer.code));
        } catch {
          results.push('dropped');
        }
      }
      emulator.configure({ faultRate: 0 });
      return results;
    };
    await start();
    const first = await outcomes();
    expect(new Set(first)).toEqual(new Set(['0', '50000', '40100', 'dropped']));
    expect(emulator.audiences()).toHaveLength(first.filter((code) => code === '0').length);
    expect(emulator.operations()).toHaveLength(first.filter((code) => code === '0').length);
    emulator.reset();
    expect(await outcomes()).toEqual(first);
  });
});

describe('TikTok emulator over HTTP: volume', () => {
  it('holds 250,000 ids from four files exactly, with matchRate 1 cover_num = distinct ids', async () => {
    await start({ matchRate: 1 });
    const ids = emailDigests(250_000);
    const parts = [0, 1, 2, 3].map((part) => ids.slice(part * 62_500, (part + 1) * 62_500));
    const filePaths: string[] = [];
    for (const part of parts) filePaths.push(await uploadIds(part));
    const audienceId = await createOk(filePaths.slice(0, 2));
    expect(
      (await update({ custom_audience_id: audienceId, file_paths: filePaths.slice(2), action: 'APPEND' })).code,
    ).toBe(0);
    const held = emulator.audienceIds(audienceId);
    expect(held.length).toBe(250_000);
    expect(held).toEqual([...ids].sort());
    expect(emulator.audiences()[0]).toMatchObject({
      idCount: 250_000,
      idsReceivedTotal: 250_000,
      duplicateIdsReceived: 0,
    });
    expect((await get([audienceId])).data.list[0]?.audience_details.cover_num).toBe(250_000);
  });
});

describe('TikTok emulator: persistence and inspection', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'tiktok-emulator-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reloads audiences, ids, files and operations from statePath after a restart', async () => {
    const statePath = join(directory, 'nested', 'state.json');
    await start({ statePath, matchRate: 1 });
    const ids = emailDigests(1500);
    const filePath = await uploadIds(ids);
    const audienceId = await createOk([filePath]);
    // Saved before the answer: a killed emulator loses nothing it has confirmed.
    const saved = JSON.parse(await readFile(statePath, 'utf8')) as {
      audiences: Array<{ audienceId: string; ids: string[] }>;
    };
    expect(saved.audiences.map((audience) => [audience.audienceId, audience.ids.length])).toEqual([[audienceId, 1500]]);
    const extra = emailDigests(10, 7000);
    const extraFile = await uploadIds(extra);
    await emulator.close();

    await start({ statePath, matchRate: 1 });
    expect(emulator.audienceIds(audienceId)).toEqual([...ids].sort());
    expect(emulator.operations()).toHaveLength(1);
    expect(emulator.uploads()).toHaveLength(2);
    expect((await get([audienceId])).data.list[0]?.audience_details).toMatchObject({ cover_num: 1500, is_valid: true });
    expect(
      (await update({ custom_audience_id: audienceId, file_paths: [extraFile, filePath], action: 'APPEND' })).code,
    ).toBe(0);
    expect(emulator.audiences()[0]).toMatchObject({ idCount: 1510, duplicateIdsReceived: 1500 });
    const secondId = await createOk([filePath]);
    expect(secondId).not.toBe(audienceId);
    await emulator.close();

    await start({ statePath, matchRate: 1 });
    expect(
      emulator
        .audiences()
        .map((view) => view.audienceId)
        .sort(),
    ).toEqual([audienceId, secondId].sort());
    expect(emulator.audiences().find((view) => view.audienceId === audienceId)).toMatchObject({
      idCount: 1510,
      duplicateIdsReceived: 1500,
      idsReceivedTotal: 3010,
    });
  });

  it('serves state, ids, operations, requests and uploads over HTTP, and takes config and reset', async () => {
    await start();
    const origin = emulator.baseUrl.replace(/\/open_api\/.*$/, '');
    const ids = emailDigests(1000);
    const audienceId = await createOk([await uploadIds(ids)]);

    const state = (await (await fetch(`${origin}/__emulator/state`)).json()) as {
      options: { tokens: string[]; qps: number };
      counts: Record<string, number>;
      audiences: Array<{ audienceId: string; idCount: number }>;
    };
    expect(JSON.stringify(state)).not.toContain(TOKEN);
    expect(state.options.tokens).toEqual(['…1234']);
    expect(state.counts).toMatchObject({ audiences: 1, files: 1, operations: 1, requests: 2 });
    expect(state.audiences[0]).toMatchObject({ audienceId, idCount: 1000 });

    const held = (await (await fetch(`${origin}/__emulator/audiences/${audienceId}/ids`)).json()) as { ids: string[] };
    expect(held.ids).toEqual([...ids].sort());
    expect((await fetch(`${origin}/__emulator/audiences/1/ids`)).status).toBe(404);

    const operations = (await (await fetch(`${origin}/__emulator/operations`)).json()) as {
      operations: Array<{ action: string; audienceId: string; idsReceived: number }>;
    };
    expect(operations.operations).toEqual([
      expect.objectContaining({ action: 'CREATE', audienceId, idsReceived: 1000 }),
    ]);
    const requests = (await (await fetch(`${origin}/__emulator/requests`)).json()) as {
      requests: Array<{ path: string; code: number }>;
    };
    expect(requests.requests.map((entry) => [entry.path, entry.code])).toEqual([
      ['/open_api/v1.3/dmp/custom_audience/file/upload/', 0],
      ['/open_api/v1.3/dmp/custom_audience/create/', 0],
    ]);
    expect(JSON.stringify(requests)).not.toContain(TOKEN);
    const uploads = (await (await fetch(`${origin}/__emulator/uploads`)).json()) as {
      uploads: Array<{ md5: string; rows: number }>;
    };
    expect(uploads.uploads).toEqual([expect.objectContaining({ md5: md5(fileOf(ids)), rows: 1000 })]);

    const configured = await fetch(`${origin}/__emulator/config`, {
      method: 'POST',
      body: JSON.stringify({ faults: { serverError: 1 } }),
    });
    expect(configured.status).toBe(200);
    expect((await list({})).code).toBe(50000);
    await fetch(`${origin}/__emulator/config`, { method: 'POST', body: JSON.stringify({ faults: {} }) });
    expect((await list({})).code).toBe(0);
    const refused = await fetch(`${origin}/__emulator/config`, { method: 'POST', body: JSON.stringify({ qps: 0 }) });
    expect(refused.status).toBe(400);

    expect((await fetch(`${origin}/__emulator/reset`, { method: 'POST' })).status).toBe(200);
    expect(emulator.audiences()).toEqual([]);
    expect(emulator.uploads()).toEqual([]);
    expect(emulator.requestLog()).toEqual([]);
  });
});
