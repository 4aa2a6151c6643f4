import type { NormalizeOptions } from '../core/identifiers/normalize-options.ts';
import { REJECT_REASONS, type IdentifierType, type RejectReason } from '../core/identifiers/rules.ts';
import type { ColumnMapping } from '../core/plan.ts';
import { displayColumnName } from '../core/readers/detect-header.ts';
import { DIGEST_BYTES } from '../core/transform/digest-lines.ts';
import {
  normalizeBatch,
  planBatches,
  TALLY_EMPTY,
  TALLY_FIRST_REASON,
  TALLY_PREHASHED,
  TALLY_VALID,
} from '../core/transform/normalize-batch.ts';
import { nodeDigestWriter } from '../adapters/node/transform/node-digest-writer.ts';
import { problem } from './problem.ts';

export interface PreviewCounts {
  valid: number;
  prehashed: number;
  empty: number;
  rejected: Partial<Record<RejectReason, number>>;
}

export interface PreviewResult {
  sampleRows: number;
  malformedRows: number;
  columns: Array<PreviewCounts & { column: string; type: IdentifierType }>;
  types: Partial<Record<IdentifierType, PreviewCounts & { unique: number }>>;
}

const emptyCounts = (): PreviewCounts => ({ valid: 0, prehashed: 0, empty: 0, rejected: {} });

/**
 * Runs the engine's batch normalizer (and SHA-256) over the sample for each mapped column and
 * answers counts only: per column, and per type with the distinct digests the job would send.
 */
export function previewSample(
  sample: { records: Array<Record<string, unknown>>; malformedRows: number },
  mapping: ColumnMapping[],
  options: NormalizeOptions,
): PreviewResult {
  const { records } = sample;
  const known = new Set<string>();
  for (const record of records) for (const name of Object.keys(record)) known.add(name);
  const missing = mapping.filter((entry) => !known.has(entry.column));
  if (missing.length > 0) {
    const names = [...known].map(displayColumnName);
    throw problem(400, {
      code: 'unknown_column',
      title: 'Column not in the file',
      detail: `${missing.length === 1 ? 'Column' : 'Columns'} ${missing.map((entry) => `"${displayColumnName(entry.column).slice(0, 100)}"`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in the sample of the file. Its columns are: ${names.length === 0 ? '(none: the sample is empty)' : names.map((name) => `"${name.slice(0, 100)}"`).join(', ')}.`,
      resolution: 'Map only columns the file has (GET /api/schema lists them).',
      field: 'mapping',
    });
  }
  const columns: PreviewResult['columns'] = [];
  const types: PreviewResult['types'] = {};
  const digestsByType = new Map<IdentifierType, Set<string>>();
  for (const entry of mapping) {
    // Own keys only: a column named `constructor` must not read Object.prototype.constructor.
    const values = records.map((record) => (Object.hasOwn(record, entry.column) ? record[entry.column] : undefined));
    const result = normalizeBatch([values], values.length, planBatches([entry]), options, nodeDigestWriter);
    const tally = result.tallies[0] ?? [];
    const counts: PreviewCounts = {
      valid: tally[TALLY_VALID] ?? 0,
      prehashed: tally[TALLY_PREHASHED] ?? 0,
      empty: tally[TALLY_EMPTY] ?? 0,
      rejected: {},
    };
    REJECT_REASONS.forEach((reason, index) => {
      const count = tally[TALLY_FIRST_REASON + index] ?? 0;
      if (count > 0) counts.rejected[reason] = count;
    });
    columns.push({ column: entry.column, type: entry.type, ...counts });
    const total = (types[entry.type] ??= { ...emptyCounts(), unique: 0 });
    total.valid += counts.valid;
    total.prehashed += counts.prehashed;
    total.empty += counts.empty;
    for (const [reason, count] of Object.entries(counts.rejected) as Array<[RejectReason, number]>)
      total.rejected[reason] = (total.rejected[reason] ?? 0) + count;
    const digests = digestsByType.get(entry.type) ?? new Set<string>();
    digestsByType.set(entry.type, digests);
    const packed = result.digests[0];
    if (packed)
      for (let index = 0; index < packed.count; index += 1)
        digests.add(packed.packed.toString('hex', index * DIGEST_BYTES, (index + 1) * DIGEST_BYTES));
  }
  for (const [type, digests] of digestsByType) {
    const total = types[type];
    if (total) total.unique = digests.size;
  }
  return { sampleRows: records.length, malformedRows: sample.malformedRows, columns, types };
}
