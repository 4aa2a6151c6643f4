/**
 * Differential check (used by phone-validator-differential-*.test.ts): the normalizer's precompiled phone validator (src/core/identifiers/phone-validator.ts)
 * against libphonenumber-js/max itself — `parsePhoneNumberFromString(digits, { defaultCountry, extract:
 * false })` and `isValid()`, the rule normalization.md names — on seeded generated cells across every
 * region. Set PHONE_DIFF_SEED to replay a failure, PHONE_DIFF_COUNT to run more.
 * Two test files of half a million cells each, so vitest runs them on both cores.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { expect } from 'vitest';
import { cleanCell, normalizeIdentifier } from '../../../../src/core/identifiers/normalize-identifier.ts';
import { normalizeOptionsSchema, type NormalizeOptions } from '../../../../src/core/identifiers/normalize-options.ts';
import { phoneCases, REGIONS } from './phone-numbers.ts';

/** normalization.md PHONE steps 1–3, written directly against libphonenumber-js/max (the reference). */
export function referencePhone(raw: unknown, options: NormalizeOptions): string {
  const cleaned = cleanCell(raw);
  if (typeof cleaned !== 'string') return cleaned.status === 'rejected' ? `rejected:${cleaned.reason}` : cleaned.status;
  if (/^[0-9A-Fa-f]{64}$/.test(cleaned))
    return options.prehashed === 'reject' ? 'rejected:prehashed_not_allowed' : 'prehashed';
  let digits = cleaned.replace(/[^0-9+]/g, '');
  if (digits.lastIndexOf('+') > 0) return 'rejected:invalid_phone';
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  if (digits === '' || digits === '+') return 'rejected:invalid_phone';
  const phone = parsePhoneNumberFromString(digits, {
    defaultCountry: options.phoneRegion as CountryCode,
    extract: false,
  });
  if (!phone || !phone.isValid()) return 'rejected:invalid_phone';
  return `ok:${options.phoneFormat === 'e164' ? phone.number : phone.number.slice(1)}`;
}

export function ours(raw: unknown, options: NormalizeOptions): string {
  const result = normalizeIdentifier('PHONE', raw, options);
  if (result.status === 'ok') return `ok:${result.normalized}`;
  return result.status === 'rejected' ? `rejected:${result.reason}` : result.status;
}

/** Runs `count` seeded cells through both; fails with the seed and the first mismatches. */
export function expectAgreement(count: number, seed: number): void {
  const COUNT = Number(process.env.PHONE_DIFF_COUNT ?? count);
  const SEED = Number(process.env.PHONE_DIFF_SEED ?? seed);
  const optionsByRegion = new Map<string, NormalizeOptions>();
  const mismatches: string[] = [];
  const validRegions = new Set<string>();
  let valid = 0;
  let index = -1;
  for (const { raw, region } of phoneCases(COUNT, SEED)) {
    index += 1;
    let options = optionsByRegion.get(region);
    if (options === undefined) {
      options = normalizeOptionsSchema.parse({ phoneRegion: region });
      optionsByRegion.set(region, options);
    }
    const expected = referencePhone(raw, options);
    const actual = ours(raw, options);
    if (actual !== expected) {
      if (mismatches.length < 10) {
        mismatches.push(`#${index} ${JSON.stringify(raw)} region ${region}: ours ${actual}, library ${expected}`);
      }
      continue;
    }
    if (expected.startsWith('ok:')) {
      valid += 1;
      validRegions.add(region);
    }
  }
  expect(mismatches, `seed ${SEED} (replay: PHONE_DIFF_SEED=${SEED} PHONE_DIFF_COUNT=${COUNT})`).toEqual([]);
  // The mix really exercises valid numbers (not only rejects), in most regions.
  expect(valid).toBeGreaterThan(COUNT * 0.15);
  expect(validRegions.size).toBeGreaterThan(REGIONS.length * 0.9);
}
