/**
 * Phone parsing and validation with libphonenumber-js's own `max` metadata, its regular expressions
 * compiled once per numbering plan instead of on every call.
 *
 * Why: `parsePhoneNumberFromString(…, { extract: false }).isValid()` from `libphonenumber-js/max`
 * rebuilds `new RegExp('^(?:' + pattern + ')$')` and wraps the metadata in new objects on every call
 * (≈ 9–12 µs per number). This module runs the same algorithm (parse.js, extractCountryCallingCode,
 * extractNationalNumber, getCountryByCallingCode, isValid in libphonenumber-js 1.13) over precompiled
 * patterns, for the one input shape the normalizer hands it: ASCII digits with at most a leading `+`
 * (normalization.md, PHONE step 1). Nothing is hand-typed: every pattern, length and prefix is read
 * from the library's metadata. tests/unit/core/identifiers/phone-validator-differential.test.ts checks
 * it against the library itself on over a million generated numbers.
 */
import metadataJson from 'libphonenumber-js/metadata.max.json';

/** Positions in a numbering plan array of metadata version 4 (libphonenumber-js metadata.js). */
const PLAN_CALLING_CODE = 0;
const PLAN_IDD_PREFIX = 1;
const PLAN_NATIONAL_NUMBER_PATTERN = 2;
const PLAN_POSSIBLE_LENGTHS = 3;
const PLAN_NATIONAL_PREFIX = 5;
const PLAN_NATIONAL_PREFIX_FOR_PARSING = 7;
const PLAN_NATIONAL_PREFIX_TRANSFORM_RULE = 8;
const PLAN_LEADING_DIGITS = 10;
const PLAN_TYPES = 11;
/** Type entries (fixed line, mobile, toll free, …): [pattern, possible lengths?]. */
const TYPE_COUNT = 10;

// libphonenumber-js constants.js and parse.js.
const MIN_LENGTH_FOR_NSN = 2;
const MAX_LENGTH_FOR_NSN = 17;
const MAX_LENGTH_COUNTRY_CODE = 3;
const MAX_INPUT_STRING_LENGTH = 250;

type PlanJson = readonly unknown[];
interface MetadataShape {
  version: number;
  country_calling_codes: Record<string, string[]>;
  countries: Record<string, PlanJson>;
  nonGeographic: Record<string, PlanJson>;
}
const metadata = metadataJson as unknown as MetadataShape;
if (metadata.version !== 4) {
  throw new Error(`libphonenumber-js metadata version ${metadata.version} is not the version 4 this validator reads`);
}

interface CompiledType {
  pattern: RegExp;
  possibleLengths: readonly number[];
}

/** One numbering plan (a country, or a non-geographic calling code) with its patterns compiled. */
interface Plan {
  callingCode: string;
  /** `^(?:idd)`: the plan's international prefix at the start (stripIddPrefix). */
  iddPrefix: RegExp;
  /** `^(?:pattern)$` (matchesEntirely). */
  nationalNumber: RegExp;
  possibleLengths: readonly number[];
  /** `^(?:national_prefix_for_parsing)`, falling back to the national prefix; null when neither. */
  nationalPrefixForParsing: RegExp | null;
  nationalPrefixTransformRule: string | undefined;
  /** `^(?:leading_digits)`: a match at position 0 of `search`. */
  leadingDigits: RegExp | null;
  hasTypes: boolean;
  /** The types with a non-empty pattern (an empty one means "same as fixed line", never a match). */
  types: CompiledType[];
}

const entirely = (pattern: string): RegExp => new RegExp(`^(?:${pattern})$`);
const atStart = (pattern: string): RegExp => new RegExp(`^(?:${pattern})`);
const textOrUndefined = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function compilePlan(json: PlanJson): Plan {
  const possibleLengths = json[PLAN_POSSIBLE_LENGTHS] as number[];
  const nationalPrefix = textOrUndefined(json[PLAN_NATIONAL_PREFIX]);
  const forParsing = textOrUndefined(json[PLAN_NATIONAL_PREFIX_FOR_PARSING]) ?? nationalPrefix;
  const leadingDigits = textOrUndefined(json[PLAN_LEADING_DIGITS]);
  const typesJson = json[PLAN_TYPES];
  const hasTypes = Array.isArray(typesJson) ? typesJson.length > 0 : Boolean(typesJson);
  const types: CompiledType[] = [];
  if (Array.isArray(typesJson)) {
    for (let index = 0; index < TYPE_COUNT; index += 1) {
      const type = typesJson[index] as [string, number[]?] | 0 | undefined;
      if (!type || !type[0]) continue;
      types.push({ pattern: entirely(type[0]), possibleLengths: type[1] || possibleLengths });
    }
  }
  return {
    callingCode: json[PLAN_CALLING_CODE] as string,
    iddPrefix: atStart(json[PLAN_IDD_PREFIX] as string),
    nationalNumber: entirely(json[PLAN_NATIONAL_NUMBER_PATTERN] as string),
    possibleLengths,
    nationalPrefixForParsing: forParsing === undefined ? null : atStart(forParsing),
    nationalPrefixTransformRule: textOrUndefined(json[PLAN_NATIONAL_PREFIX_TRANSFORM_RULE]),
    leadingDigits: leadingDigits === undefined ? null : atStart(leadingDigits),
    hasTypes,
    types,
  };
}

// Compiled on first use: a job touches a handful of plans, not all 245.
const countryPlans = new Map<string, Plan>();
const nonGeographicPlans = new Map<string, Plan>();

// The last plan asked for: a job's numbers mostly ask for the same one, several times a number.
let lastCountry = '';
let lastCountryPlan: Plan | null = null;

function countryPlan(country: string): Plan {
  if (country === lastCountry && lastCountryPlan !== null) return lastCountryPlan;
  let plan = countryPlans.get(country);
  if (plan === undefined) {
    plan = compilePlan(metadata.countries[country] as PlanJson);
    countryPlans.set(country, plan);
  }
  lastCountry = country;
  lastCountryPlan = plan;
  return plan;
}

let lastRegion = '';
let lastRegionSupported = false;

/** Whether a region code is one the metadata knows (isSupportedCountry). */
export function isSupportedPhoneRegion(country: string): boolean {
  if (country !== lastRegion) {
    lastRegionSupported = Object.prototype.hasOwnProperty.call(metadata.countries, country);
    lastRegion = country;
  }
  return lastRegionSupported;
}

// countriesOf by calling code, worked out once per code (null: none).
const countriesByCallingCode = new Map<string, readonly string[] | null>();

/** Countries sharing a calling code, main one first (getCountryCodesForCallingCode). */
function countriesOf(callingCode: string): readonly string[] | undefined {
  let countries = countriesByCallingCode.get(callingCode);
  if (countries === undefined) {
    const listed = Object.prototype.hasOwnProperty.call(metadata.country_calling_codes, callingCode)
      ? metadata.country_calling_codes[callingCode]
      : undefined;
    countries = listed === undefined || (listed.length === 1 && (listed[0] as string).length === 3) ? null : listed;
    countriesByCallingCode.set(callingCode, countries);
  }
  return countries ?? undefined;
}

function hasCallingCode(callingCode: string): boolean {
  return (
    countriesOf(callingCode) !== undefined || Object.prototype.hasOwnProperty.call(metadata.nonGeographic, callingCode)
  );
}

/** The plan selected by a calling code: its main country's, or the non-geographic one. */
function callingCodePlan(callingCode: string): Plan {
  const countries = countriesOf(callingCode);
  if (countries !== undefined) return countryPlan(countries[0] as string);
  let plan = nonGeographicPlans.get(callingCode);
  if (plan === undefined) {
    plan = compilePlan(metadata.nonGeographic[callingCode] as PlanJson);
    nonGeographicPlans.set(callingCode, plan);
  }
  return plan;
}

// The last matchesSomeType answer: a number's exact country is found by the same test isValid() then
// repeats on the same plan.
let lastTypedNumber = '';
let lastTypedPlan: Plan | null = null;
let lastTypedResult = false;

/** getNumberType(…) !== undefined: the national pattern, then any type whose lengths and pattern match. */
function matchesSomeType(nationalNumber: string, plan: Plan): boolean {
  if (plan === lastTypedPlan && nationalNumber === lastTypedNumber) return lastTypedResult;
  let result = false;
  if (plan.nationalNumber.test(nationalNumber)) {
    const length = nationalNumber.length;
    for (const type of plan.types) {
      if (type.possibleLengths.indexOf(length) >= 0 && type.pattern.test(nationalNumber)) {
        result = true;
        break;
      }
    }
  }
  lastTypedPlan = plan;
  lastTypedNumber = nationalNumber;
  lastTypedResult = result;
  return result;
}

/** getCountryByCallingCode: the exact country of a national number when countries share a calling code. */
function countryByCallingCode(callingCode: string, nationalNumber: string): string | undefined {
  const countries = countriesOf(callingCode);
  if (countries === undefined) return undefined;
  if (countries.length === 1) return countries[0];
  for (const country of countries) {
    const plan = countryPlan(country);
    if (plan.leadingDigits !== null) {
      if (nationalNumber !== '' && plan.leadingDigits.test(nationalNumber)) return country;
    } else if (matchesSomeType(nationalNumber, plan)) {
      return country;
    }
  }
  return undefined;
}

/** checkNumberLength(…) is neither TOO_SHORT nor INVALID_LENGTH. */
function isPossibleIncompleteLength(length: number, possibleLengths: readonly number[]): boolean {
  const minimum = possibleLengths[0] as number;
  if (minimum === length) return true;
  if (minimum > length) return false;
  if ((possibleLengths[possibleLengths.length - 1] as number) < length) return true; // TOO_LONG
  return possibleLengths.indexOf(length, 1) >= 0;
}

function isTooLong(length: number, possibleLengths: readonly number[]): boolean {
  return (possibleLengths[0] as number) < length && (possibleLengths[possibleLengths.length - 1] as number) < length;
}

/** extractNationalNumberFromPossiblyIncompleteNumber: strips a national prefix (and carrier code). */
function stripNationalPrefix(number: string, plan: Plan): string {
  if (number === '' || plan.nationalPrefixForParsing === null) return number;
  const match = plan.nationalPrefixForParsing.exec(number);
  if (match === null) return number;
  const groups = match.length - 1;
  const hasCapturedGroups = groups > 0 && Boolean(match[groups]);
  if (plan.nationalPrefixTransformRule !== undefined && hasCapturedGroups) {
    return number.replace(plan.nationalPrefixForParsing, plan.nationalPrefixTransformRule);
  }
  return number.slice(match[0].length);
}

/** extractNationalNumber: the national (significant) number, keeping a prefix whose removal makes no sense. */
function extractNationalNumber(number: string, plan: Plan): string {
  const nationalNumber = stripNationalPrefix(number, plan);
  if (nationalNumber === number) return number;
  if (plan.nationalNumber.test(number) && !plan.nationalNumber.test(nationalNumber)) return number;
  const country = countryByCallingCode(plan.callingCode, nationalNumber);
  const lengths = country === undefined ? plan.possibleLengths : countryPlan(country).possibleLengths;
  return isPossibleIncompleteLength(nationalNumber.length, lengths) ? nationalNumber : number;
}

/**
 * The E.164 form (`+` and digits) of a phone number, or null when libphonenumber-js/max's
 * `parsePhoneNumberFromString(input, { defaultCountry, extract: false })` would give no number or one
 * whose `isValid()` is false. `input` holds ASCII digits with at most a leading `+`;
 * `defaultCountry` is an ISO 3166 alpha-2 code (an unknown one is ignored, as the library does).
 */
export function validPhoneE164(input: string, defaultCountry: string | undefined): string | null {
  const digits = validPhoneDigits(input, defaultCountry);
  return digits === null ? null : `+${digits}`;
}

/** validPhoneE164 without the `+`: calling code and national number (the normalizer's default form). */
export function validPhoneDigits(input: string, defaultCountry: string | undefined): string | null {
  if (input.length === 0 || input.length > MAX_INPUT_STRING_LENGTH) return null;
  const international = input.charCodeAt(0) === 0x2b; // '+'
  // isViablePhoneNumber: two digits alone, or at least three digits.
  if (input.length < (international ? 4 : MIN_LENGTH_FOR_NSN)) return null;
  const region = defaultCountry !== undefined && isSupportedPhoneRegion(defaultCountry) ? defaultCountry : undefined;

  // extractCountryCallingCode
  let withPlus: string | null = international ? input : null;
  let callingCode: string | undefined;
  let number: string | undefined;
  let country: string | undefined;
  if (!international) {
    if (region === undefined) return null; // a national number needs a default country
    const regionPlan = countryPlan(region);
    const idd = regionPlan.iddPrefix.exec(input);
    const afterIdd = idd === null ? undefined : input.slice(idd[0].length);
    const stripped = afterIdd !== undefined && afterIdd.charCodeAt(0) !== 0x30 ? afterIdd : undefined;
    if (stripped !== undefined && stripped !== '' && stripped !== input) {
      withPlus = `+${stripped}`;
    } else {
      number = input;
      // extractCountryCallingCodeFromInternationalNumberWithoutPlusSign
      const code = regionPlan.callingCode;
      if (input.startsWith(code)) {
        const shorter = input.slice(code.length);
        const shorterNational = extractNationalNumber(shorter, regionPlan);
        const national = extractNationalNumber(input, regionPlan);
        if (
          (!regionPlan.nationalNumber.test(national) && regionPlan.nationalNumber.test(shorterNational)) ||
          isTooLong(national.length, regionPlan.possibleLengths)
        ) {
          callingCode = code;
          number = shorter;
        }
      }
      if (callingCode === undefined) {
        country = region;
        callingCode = code;
      }
    }
  }
  if (withPlus !== null) {
    if (withPlus.charCodeAt(1) === 0x30) return null; // no calling code starts with 0
    for (let end = 2; end - 1 <= MAX_LENGTH_COUNTRY_CODE && end <= withPlus.length; end += 1) {
      const candidate = withPlus.slice(1, end);
      if (hasCallingCode(candidate)) {
        callingCode = candidate;
        number = withPlus.slice(end);
        break;
      }
    }
    if (callingCode === undefined) return null;
  }
  const code = callingCode as string;
  if (!number) return null;

  // parse.js parsePhoneNumber: the plan is the default country's (national form) or the calling code's.
  const selected = country === undefined ? callingCodePlan(code) : countryPlan(country);
  const nationalNumber = extractNationalNumber(number, selected);
  const exactCountry = countryByCallingCode(code, nationalNumber);
  if (exactCountry !== undefined) country = exactCountry;
  if (nationalNumber.length < MIN_LENGTH_FOR_NSN || nationalNumber.length > MAX_LENGTH_FOR_NSN) return null;

  // PhoneNumber.isValid()
  const plan = country === undefined ? callingCodePlan(code) : countryPlan(country);
  const valid = plan.hasTypes ? matchesSomeType(nationalNumber, plan) : plan.nationalNumber.test(nationalNumber);
  return valid ? code + nationalNumber : null;
}
