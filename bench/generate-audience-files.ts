/**
 * Synthetic audience files for the transform benchmark, deterministic (seeded): an email-only JSONL and
 * a three-identifier file (email, phone, device id) as JSONL, CSV and gzip-compressed JSONL.
 * About 5% of cells are invalid and about 10% of rows repeat an earlier person (written differently:
 * case, spaces, punctuation), so de-duplication has real work to do.
 */
import { once } from 'node:events';
import { createWriteStream, existsSync, renameSync, type WriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
// The same seeded PRNG (mulberry32) as the emulator's fault injection: the same seed gives the same files everywhere.
import { createSeededRandom } from '../src/destinations/tiktok/emulator/seeded-random.ts';

export interface GeneratedFile {
  path: string;
  rows: number;
  kind: 'email' | 'three';
  format: 'jsonl' | 'csv' | 'jsonl.gz';
}

const DOMAINS = [
  'gmail.com',
  'yahoo.com',
  'outlook.com',
  'example.org',
  'mail.co.uk',
  'corp-example.com',
  'icloud.com',
  'proton.me',
];
const AREA_CODES = [212, 415, 312, 617, 202, 303, 206, 305, 404, 512, 602, 702, 713, 818, 917, 971];
const INVALID_EMAILS = ['not-an-email', 'jane@', '@example.com', 'jane..doe@example.com', 'none', 'N/A'];
const INVALID_PHONES = ['12345', '000-000-0000', '+1 (555) 01', 'n/a', '999999999999999999'];
const INVALID_DEVICES = ['00000000-0000-0000-0000-000000000000', 'not-a-device-id', '1234-5678', 'unknown'];
const DUPLICATE_SHARE = 0.1;
const INVALID_SHARE = 0.05;

export interface Person {
  /** Raw cells as written to the file. */
  email: string;
  phone: string;
  deviceId: string;
  /** What the normalizer should produce (null when the raw cell is invalid), for the hashing ceiling. */
  normalized: { email: string | null; phone: string | null; deviceId: string | null };
}

/** Person number `index`, written in one of several equivalent ways chosen by `variant`. */
function person(index: number, variant: () => number): Person {
  const next = createSeededRandom(index * 2654435761 + 17);
  const local = `user${index.toString(36)}.${Math.floor(next() * 1e6).toString(36)}`;
  const domain = DOMAINS[Math.floor(next() * DOMAINS.length)] as string;
  const area = AREA_CODES[Math.floor(next() * AREA_CODES.length)] as number;
  const exchange = 200 + Math.floor(next() * 800);
  const line = Math.floor(next() * 10000);
  const hex = Array.from({ length: 4 }, () =>
    Math.floor(next() * 0x100000000)
      .toString(16)
      .padStart(8, '0'),
  ).join('');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  const invalidEmail = next() < INVALID_SHARE;
  const invalidPhone = next() < INVALID_SHARE;
  const invalidDevice = next() < INVALID_SHARE;
  const exchangeOk = exchange % 100 !== 11; // N11 exchanges are not assignable
  const digits = `${area}${exchangeOk ? exchange : exchange + 1}${String(line).padStart(4, '0')}`;
  const style = variant();
  const email = invalidEmail
    ? (INVALID_EMAILS[index % INVALID_EMAILS.length] as string)
    : style < 0.3
      ? ` ${local.toUpperCase()}@${domain} `
      : `${local}@${domain}`;
  const phone = invalidPhone
    ? (INVALID_PHONES[index % INVALID_PHONES.length] as string)
    : style < 0.5
      ? `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`
      : `+1 ${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
  const deviceId = invalidDevice
    ? (INVALID_DEVICES[index % INVALID_DEVICES.length] as string)
    : style < 0.5
      ? uuid.toUpperCase()
      : uuid;
  return {
    email,
    phone,
    deviceId,
    normalized: {
      email: invalidEmail ? null : `${local}@${domain}`,
      phone: invalidPhone ? null : `1${digits}`,
      deviceId: invalidDevice ? null : uuid,
    },
  };
}

/** Row `row` of a file: a new person, or (about 10%) an earlier one again. */
export function* people(rows: number, seed = 1): Generator<Person> {
  const pick = createSeededRandom(seed);
  let distinct = 0;
  for (let row = 0; row < rows; row += 1) {
    const repeat = distinct > 0 && pick() < DUPLICATE_SHARE;
    const index = repeat ? Math.floor(pick() * distinct) : distinct++;
    yield person(index, pick);
  }
}

async function writeLines(
  path: string,
  rows: number,
  lineOf: (person: Person) => string,
  header: string,
  gzip: boolean,
): Promise<void> {
  const temporary = `${path}.partial`;
  const file = createWriteStream(temporary, { highWaterMark: 1 << 20 });
  const sink: NodeJS.WritableStream = gzip ? createGzip({ level: 6 }) : file;
  if (gzip) (sink as ReturnType<typeof createGzip>).pipe(file);
  let text = header;
  for (const entry of people(rows)) {
    text += lineOf(entry);
    if (text.length > 1 << 20) {
      if (!sink.write(text)) await once(sink, 'drain');
      text = '';
    }
  }
  sink.end(text);
  await once(file as WriteStream, 'close');
  renameSync(temporary, path);
}

const csvCell = (value: string): string => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/** Writes the benchmark files for each row count into `folder`, skipping those that already exist. */
export async function generateAudienceFiles(
  folder: string,
  rowCounts: number[],
  log: (line: string) => void,
): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = [];
  for (const rows of rowCounts) {
    const label = rows >= 1_000_000 ? `${rows / 1_000_000}m` : String(rows);
    const plan: Array<GeneratedFile & { write: () => Promise<void> }> = [
      {
        path: `${folder}/email-${label}.jsonl`,
        rows,
        kind: 'email',
        format: 'jsonl',
        write: () =>
          writeLines(
            `${folder}/email-${label}.jsonl`,
            rows,
            (entry) => `${JSON.stringify({ email: entry.email })}\n`,
            '',
            false,
          ),
      },
      {
        path: `${folder}/three-${label}.jsonl`,
        rows,
        kind: 'three',
        format: 'jsonl',
        write: () => writeLines(`${folder}/three-${label}.jsonl`, rows, threeJson, '', false),
      },
      {
        path: `${folder}/three-${label}.csv`,
        rows,
        kind: 'three',
        format: 'csv',
        write: () =>
          writeLines(
            `${folder}/three-${label}.csv`,
            rows,
            (entry) => `${csvCell(entry.email)},${csvCell(entry.phone)},${csvCell(entry.deviceId)}\n`,
            'email,phone,device_id\n',
            false,
          ),
      },
      {
        path: `${folder}/three-${label}.jsonl.gz`,
        rows,
        kind: 'three',
        format: 'jsonl.gz',
        write: () => writeLines(`${folder}/three-${label}.jsonl.gz`, rows, threeJson, '', true),
      },
    ];
    for (const { write, ...file } of plan) {
      if (!existsSync(file.path)) {
        const started = performance.now();
        await write();
        log(`generated ${file.path} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
      files.push(file);
    }
  }
  return files;
}

function threeJson(entry: Person): string {
  return `${JSON.stringify({ email: entry.email, phone: entry.phone, device_id: entry.deviceId })}\n`;
}
