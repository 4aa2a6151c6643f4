import type { ByteSource } from '../readers/byte-source.ts';
import type { DetectedFormat } from '../readers/input-record.ts';
import { cleanCell, normalizeIdentifier } from '../identifiers/normalize-identifier.ts';
import { DEFAULT_NORMALIZE_OPTIONS } from '../identifiers/normalize-options.ts';
import { maskIdentifier } from '../identifiers/mask-identifier.ts';
import type { IdentifierType } from '../identifiers/rules.ts';
import { identifierTypeFromName } from './suggest-identifier-type.ts';
import { displayColumnName, type HeaderMode } from '../readers/detect-header.ts';
import { readSample } from './read-sample.ts';

export type ValueKind = 'string' | 'integer' | 'float' | 'boolean' | 'null' | 'object';

export interface DiscoveredColumn {
  /** The column's name; masked (`a***@e***.com`) when the name is itself an identifier, see `maskedName`. */
  name: string;
  /** The name is an identifier (a header row that was really data?): shown masked, never suggested for mapping. */
  maskedName?: true;
  /** How many sampled rows hold each kind of value (a missing key counts as `null`). */
  kinds: Record<ValueKind, number>;
  /** Share of sampled rows with a non-empty value (not null, not blank text). */
  fillRate: number;
  /** Up to three distinct sample values, masked (`j***@e***.com`); never raw. */
  examples: string[];
  suggestedType: IdentifierType | null;
  /** Share of the column's non-empty sample values that normalize (ok or pre-hashed) as `suggestedType`. */
  confidence: number;
}

export interface DiscoveredSchema {
  format: DetectedFormat;
  sampledRows: number;
  /** Sampled records that were malformed (bad JSON line, CSV row with the wrong number of fields). */
  malformedRows: number;
  columns: DiscoveredColumn[];
  suggestedMapping: Array<{ column: string; type: IdentifierType }>;
}

export interface DiscoverSchemaOptions {
  /** Rows to sample (default 1000). */
  sampleRows?: number;
  /**
   * Bytes of the sources to stream at most (default 4 MiB). Parquet is read by range instead: the
   * footer and the first pages of each column (the first row group if it has no offset index).
   */
  maxSampleBytes?: number;
  /** CSV/TSV: whether the first row is a header (default `auto`). */
  header?: HeaderMode;
  /** Mask column names that are identifiers (default true; false only for checks that never show them). */
  maskNames?: boolean;
}

export { DEFAULT_MAX_SAMPLE_BYTES, DEFAULT_SAMPLE_ROWS } from './read-sample.ts';

/** A name hint is trusted when at least this share of the values agree with it. */
const NAME_AGREEMENT = 0.3;
/** Without a name hint, values alone must agree this much. */
const VALUE_AGREEMENT = 0.8;
/** Value checks per candidate: IDFA and GAID normalize the same way, so values can only say MAID. */
const VALUE_CANDIDATES: IdentifierType[] = ['EMAIL', 'MAID', 'PHONE'];

/**
 * Reads a bounded sample (the first rows of the first source(s), never whole files) and describes
 * each column: value kinds, fill rate, masked examples, and a suggested identifier type from its
 * name and from how many sample values normalize as that type. Runs in the browser too.
 */
export async function discoverSchema(
  sources: ByteSource[],
  options: DiscoverSchemaOptions = {},
): Promise<DiscoveredSchema> {
  const { records, malformedRows, format } = await readSample(sources, {
    ...(options.sampleRows === undefined ? {} : { sampleRows: options.sampleRows }),
    ...(options.maxSampleBytes === undefined ? {} : { maxSampleBytes: options.maxSampleBytes }),
    ...(options.header === undefined ? {} : { header: options.header }),
  });
  const columns = describeColumns(records, options.maskNames ?? true);
  return {
    format: format ?? { format: 'jsonl', compression: 'none' },
    sampledRows: records.length,
    malformedRows,
    columns,
    suggestedMapping: columns.flatMap((column) =>
      column.suggestedType && !column.maskedName ? [{ column: column.name, type: column.suggestedType }] : [],
    ),
  };
}

function kindOf(value: unknown): ValueKind {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'float';
    case 'bigint':
      return 'integer';
    case 'boolean':
      return 'boolean';
    default:
      return 'object';
  }
}

function describeColumns(records: Array<Record<string, unknown>>, maskNames: boolean): DiscoveredColumn[] {
  const names: string[] = [];
  const known = new Set<string>();
  for (const record of records) {
    for (const name of Object.keys(record)) {
      if (!known.has(name)) {
        known.add(name);
        names.push(name);
      }
    }
  }
  return names.map((name) => {
    // Own keys only: a record without `constructor` must not yield Object.prototype.constructor.
    const column = describeColumn(
      name,
      records.map((record) => (Object.hasOwn(record, name) ? record[name] : undefined)),
    );
    const shown = maskNames ? displayColumnName(name) : name;
    return shown === name ? column : { ...column, name: shown, maskedName: true as const };
  });
}

function describeColumn(name: string, values: unknown[]): DiscoveredColumn {
  const kinds: Record<ValueKind, number> = { string: 0, integer: 0, float: 0, boolean: 0, null: 0, object: 0 };
  const filled: unknown[] = [];
  const examples: string[] = [];
  const seen = new Set<string>();
  for (const value of values) {
    kinds[kindOf(value)]++;
    const cleaned = cleanCell(value);
    if (typeof cleaned !== 'string' && cleaned.status === 'empty') continue;
    filled.push(value);
    const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
    if (examples.length < 3 && !seen.has(text)) {
      seen.add(text);
      examples.push(maskIdentifier(text));
    }
  }
  const { suggestedType, confidence } = suggest(name, filled, valueEvidence(filled));
  return {
    name,
    kinds,
    fillRate: values.length === 0 ? 0 : filled.length / values.length,
    examples,
    suggestedType,
    confidence,
  };
}

/** For each type: share of the values that normalize ok or pre-hashed, and whether any is a plain (not hashed) identifier. */
type ValueEvidence = (type: IdentifierType) => { share: number; anyPlain: boolean };

/** Normalizes every value once per rule family (IDFA, GAID and MAID share one) and remembers the tally. */
function valueEvidence(filled: unknown[]): ValueEvidence {
  const tallies = new Map<IdentifierType, { share: number; anyPlain: boolean }>();
  return (type) => {
    const family: IdentifierType = type === 'IDFA' || type === 'GAID' ? 'MAID' : type;
    let tally = tallies.get(family);
    if (tally === undefined) {
      let valid = 0;
      let plain = 0;
      for (const value of filled) {
        const { status } = normalizeIdentifier(family, value, DEFAULT_NORMALIZE_OPTIONS);
        if (status === 'ok') plain++;
        if (status === 'ok' || status === 'prehashed') valid++;
      }
      tally = { share: filled.length === 0 ? 0 : valid / filled.length, anyPlain: plain > 0 };
      tallies.set(family, tally);
    }
    return tally;
  };
}

function suggest(
  name: string,
  filled: unknown[],
  evidence: ValueEvidence,
): { suggestedType: IdentifierType | null; confidence: number } {
  const fromName = identifierTypeFromName(name);
  if (fromName !== null) {
    const { share } = evidence(fromName);
    // Phones from another country fail the default region yet are still phones: the low confidence tells the person to set the region.
    const agreement = fromName === 'PHONE' ? Math.max(share, phoneLikeShare(filled)) : share;
    if (filled.length === 0 || agreement >= NAME_AGREEMENT) return { suggestedType: fromName, confidence: share };
  }
  if (filled.length === 0) return { suggestedType: null, confidence: 0 };
  // Pre-hashed digests pass as every type, so values alone must include some plain identifiers.
  let best: { type: IdentifierType; share: number } | null = null;
  for (const type of VALUE_CANDIDATES) {
    const { share, anyPlain } = evidence(type);
    if (share >= VALUE_AGREEMENT && anyPlain && (best === null || share > best.share)) best = { type, share };
  }
  return best ? { suggestedType: best.type, confidence: best.share } : { suggestedType: null, confidence: 0 };
}

const PHONE_LIKE = /^[\d\s()+\-./]+$/u;

/** Share of values shaped like a phone number in some country: phone characters and 7–15 digits. */
function phoneLikeShare(filled: unknown[]): number {
  let phoneLike = 0;
  for (const value of filled) {
    const text =
      typeof value === 'string'
        ? value.trim()
        : typeof value === 'number' || typeof value === 'bigint'
          ? String(value)
          : '';
    const digits = text.replace(/\D/gu, '').length;
    if (PHONE_LIKE.test(text) && digits >= 7 && digits <= 15) phoneLike++;
  }
  return filled.length === 0 ? 0 : phoneLike / filled.length;
}
