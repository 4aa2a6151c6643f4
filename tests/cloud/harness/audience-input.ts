import { createSeededRandom } from '../../../src/destinations/tiktok/emulator/seeded-random.ts';

/** The seed of the run's generated audience files: fixed unless CLOUD_TEST_SEED is set (printed on failure). */
export const SEED = Number(process.env.CLOUD_TEST_SEED ?? 20261201);

export const MAPPING = [
  { column: 'e-mail', type: 'EMAIL' },
  { column: 'phone_number', type: 'PHONE' },
  { column: 'mobile_advertiser_id', type: 'MAID' },
];

/**
 * A Clean Rooms-like export of `count` people (seeded): mixed-case emails with stray spaces, US phones
 * in assorted formats, MAIDs in either case, some repeats and blanks — many distinct raw values, so
 * the privacy scan has something to look for.
 */
export function audienceRows(count: number, seed = SEED): Record<string, string>[] {
  const random = createSeededRandom(seed);
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const rows: Record<string, string>[] = [];
  for (let i = 0; i < count; i += 1) {
    if (i > 10 && random() < 0.03) {
      rows.push({ ...rows[Math.floor(random() * rows.length)]! }); // a repeat
      continue;
    }
    const name = `${['Ana', 'bo', 'CHI', 'dev', 'Eli'][i % 5]}.${digits(6)}`;
    const phone = `${['2', '3', '4', '6', '7'][i % 5]}${digits(2)}${['2', '5', '8'][i % 3]}${digits(6)}`;
    const maid = `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
    rows.push({
      'e-mail': random() < 0.05 ? '' : `${random() < 0.3 ? ' ' : ''}${name}@Example${i % 7}.com`,
      phone_number: random() < 0.5 ? `(${phone.slice(0, 3)}) ${phone.slice(3, 6)}-${phone.slice(6)}` : `+1${phone}`,
      mobile_advertiser_id: random() < 0.5 ? maid.toUpperCase() : ` ${maid}`,
    });
  }
  return rows;
}

export const toJsonl = (rows: Record<string, string>[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
