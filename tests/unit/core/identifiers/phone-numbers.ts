/**
 * Seeded phone-number cells for the differential test of the phone validator: every region of
 * libphonenumber-js's metadata, numbers built from its example numbers and possible lengths, in
 * international, 00, IDD, calling-code-without-plus and national forms, with odd punctuation, wrong
 * lengths and plain garbage. Only shapes come from here; what is valid is decided by the library.
 */
import metadataJson from 'libphonenumber-js/metadata.max.json';
import examplesJson from 'libphonenumber-js/examples.mobile.json';
import { createSeededRandom } from '../../../../src/destinations/tiktok/emulator/seeded-random.ts';

interface MetadataShape {
  countries: Record<string, unknown[]>;
  nonGeographic: Record<string, unknown[]>;
}
const metadata = metadataJson as unknown as MetadataShape;
const examples = examplesJson as unknown as Record<string, string>;

export const REGIONS = Object.keys(metadata.countries).sort();
// Region codes the metadata does not know (the validator must ignore them like the library does).
const UNKNOWN_REGIONS = ['ZZ', 'AA', 'QO', 'XK'].filter((code) => !(code in metadata.countries));
const NON_GEOGRAPHIC = Object.keys(metadata.nonGeographic).sort();

// Characters people put in phone cells: separators, brackets, letters, full-width and Arabic-Indic digits.
const PUNCTUATION = [' ', '-', '.', '(', ')', '/', '\u00a0', '\t', '~', '\u2010', '\uff0d', '\u3000', '_', ',', ';'];
const ODD = ['x', 'ext', '#', '*', '+', 'a', 'tel:', '\u200b', '\ufeff', '\u0663', '\u06f5', '++', '\n'];

export interface PhoneCase {
  raw: string;
  region: string;
}

/** `count` cases, generated one at a time (a million held at once would cost more in GC than the test). */
export function* phoneCases(count: number, seed: number): Generator<PhoneCase> {
  const random = createSeededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const digits = (length: number): string => {
    let text = '';
    for (let index = 0; index < length; index += 1) text += String.fromCharCode(48 + Math.floor(random() * 10));
    return text;
  };
  const plan = (region: string): unknown[] => metadata.countries[region] as unknown[];
  const lengthsOf = (planJson: unknown[]): number[] => planJson[3] as number[];

  /** A national (significant) number that looks like one of `region`'s. */
  const nationalNumber = (region: string): string => {
    const example = examples[region];
    const roll = random();
    if (example !== undefined && roll < 0.55) {
      // The example with its trailing digits replaced: mostly valid, sometimes not.
      const keep = Math.max(1, example.length - 1 - Math.floor(random() * random() * example.length));
      return example.slice(0, keep) + digits(example.length - keep);
    }
    if (roll < 0.85) {
      const length = pick(lengthsOf(plan(region)));
      const prefix = example !== undefined && random() < 0.5 ? example.slice(0, 1 + Math.floor(random() * 3)) : '';
      return prefix + digits(Math.max(0, length - prefix.length));
    }
    // Edge lengths: one to three digits too many or too few.
    const base = example ?? digits(pick(lengthsOf(plan(region))));
    const change = 1 + Math.floor(random() * 3);
    return random() < 0.5 ? base + digits(change) : base.slice(0, Math.max(0, base.length - change));
  };

  /** How the number is written: international, 00, IDD, without +, national with or without prefix. */
  const written = (region: string, national: string): string => {
    const planJson = plan(region);
    const callingCode = planJson[0] as string;
    const idd = planJson[1] as string;
    const defaultIdd = typeof planJson[12] === 'string' ? (planJson[12] as string) : /^\d+$/.test(idd) ? idd : null;
    const nationalPrefix = typeof planJson[5] === 'string' ? (planJson[5] as string) : '';
    const roll = random();
    if (roll < 0.3) return `+${callingCode}${national}`;
    if (roll < 0.4) return `00${callingCode}${national}`;
    if (roll < 0.48 && defaultIdd !== null) return `${defaultIdd}${callingCode}${national}`;
    if (roll < 0.58) return `${callingCode}${national}`;
    if (roll < 0.75 && nationalPrefix !== '') return `${nationalPrefix}${national}`;
    return national;
  };

  const decorate = (text: string): string => {
    const roll = random();
    if (roll < 0.55) return text;
    let out = '';
    for (const character of text) {
      if (random() < 0.25) out += pick(random() < 0.85 ? PUNCTUATION : ODD);
      out +=
        character >= '0' && character <= '9' && random() < 0.03
          ? String.fromCharCode(0xff10 + Number(character)) // full-width digit (NFKC folds it)
          : character;
    }
    if (random() < 0.2) out = ` ${out} `;
    if (random() < 0.05) out += pick(ODD) + digits(1 + Math.floor(random() * 4));
    return out;
  };

  for (let index = 0; index < count; index += 1) {
    const home = pick(REGIONS);
    const regionRoll = random();
    const region = regionRoll < 0.6 ? home : regionRoll < 0.93 ? pick(REGIONS) : pick(UNKNOWN_REGIONS);
    const kind = random();
    let raw: string;
    if (kind < 0.86) raw = written(home, nationalNumber(home));
    else if (kind < 0.9) {
      const callingCode = pick(NON_GEOGRAPHIC);
      const lengths = lengthsOf(metadata.nonGeographic[callingCode] as unknown[]);
      raw = `${random() < 0.7 ? '+' : '00'}${callingCode}${digits(pick(lengths) + Math.floor(random() * 3) - 1)}`;
    } else if (kind < 0.97) raw = `${random() < 0.3 ? '+' : ''}${digits(Math.floor(random() * 21))}`;
    else raw = `+${digits(1 + Math.floor(random() * 3))}${digits(Math.floor(random() * 4))}`; // too short
    yield { raw: decorate(raw), region };
  }
}
