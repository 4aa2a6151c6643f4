import { z } from 'zod';
import { UserError } from '../errors.ts';
import { maskIdentifier } from '../identifiers/mask-identifier.ts';
import { normalizeIdentifier } from '../identifiers/normalize-identifier.ts';
import { normalizeOptionsSchema } from '../identifiers/normalize-options.ts';
import type { IdentifierType, RejectReason } from '../identifiers/rules.ts';
import { columnMappingSchema } from '../plan.ts';
import type { ByteSource } from '../readers/byte-source.ts';
import { readRecords } from '../readers/read-records.ts';
import { displayColumnName, HEADER_MODES } from '../readers/detect-header.ts';

/** The plan pieces a preview needs, validated with the plan's own schemas. */
export const mappingPreviewRequestSchema = z.object({
  mapping: z.array(columnMappingSchema).min(1, 'Map at least one column to an identifier type'),
  options: normalizeOptionsSchema.default(normalizeOptionsSchema.parse({})),
  sampleRows: z.number().int().min(1).max(1000).default(200),
  /** CSV/TSV: whether the first row is a header, as in the job plan. */
  header: z.enum(HEADER_MODES).default('auto'),
});
export type MappingPreviewRequest = z.input<typeof mappingPreviewRequestSchema>;

export interface MappingPreviewCell {
  column: string;
  type: IdentifierType;
  /** The input value, masked (`j***@e***.com`). */
  input: string;
  status: 'ok' | 'prehashed' | 'empty' | 'rejected';
  reason?: RejectReason;
  /** The normalized value, masked: shows what normalization did without showing the value. */
  normalized?: string;
}

export interface MappingPreview {
  sampledRows: number;
  /** Per mapped column: outcome counts over the sample. */
  columns: Array<{
    column: string;
    type: IdentifierType;
    ok: number;
    prehashed: number;
    empty: number;
    rejected: Partial<Record<RejectReason, number>>;
  }>;
  /** The first rows' cells (at most 10 rows), masked. */
  rows: MappingPreviewCell[][];
}

const SHOWN_ROWS = 10;

/**
 * Normalizes the mapped columns of the first records (a bounded sample, never the whole file) as the
 * job would, and says per column how many values pass, are pre-hashed, empty or rejected and why.
 * Nothing raw leaves: inputs and results are masked. Runs in the browser too.
 */
export async function previewMapping(sources: ByteSource[], request: MappingPreviewRequest): Promise<MappingPreview> {
  const { mapping, options, sampleRows, header } = mappingPreviewRequestSchema.parse(request);
  const columns = mapping.map(({ column, type }) => ({
    column,
    shown: displayColumnName(column),
    type,
    ok: 0,
    prehashed: 0,
    empty: 0,
    rejected: {} as Partial<Record<RejectReason, number>>,
  }));
  const rows: MappingPreviewCell[][] = [];
  const seenColumns = new Set<string>();
  let sampled = 0;
  for (const source of sources) {
    if (sampled >= sampleRows) break;
    for await (const batch of readRecords(source, { limit: sampleRows - sampled, batchSize: 256, header })) {
      for (const record of batch.records) {
        if (record === null) continue;
        sampled += 1;
        for (const key of Object.keys(record)) seenColumns.add(key);
        const cells: MappingPreviewCell[] = [];
        for (const counts of columns) {
          // Own keys only: a record without `constructor` has no such cell, not Object.prototype's.
          const raw = Object.hasOwn(record, counts.column) ? record[counts.column] : undefined;
          const result = normalizeIdentifier(counts.type, raw, options);
          const cell: MappingPreviewCell = {
            column: counts.shown,
            type: counts.type,
            input: maskIdentifier(raw),
            status: result.status,
          };
          if (result.status === 'rejected') {
            counts.rejected[result.reason] = (counts.rejected[result.reason] ?? 0) + 1;
            cell.reason = result.reason;
          } else {
            counts[result.status] += 1;
            if (result.status !== 'empty') cell.normalized = maskIdentifier(result.normalized);
          }
          cells.push(cell);
        }
        if (rows.length < SHOWN_ROWS) rows.push(cells);
      }
      if (sampled >= sampleRows) break;
    }
  }
  const unknown = mapping.map((m) => m.column).filter((column) => sampled > 0 && !seenColumns.has(column));
  if (unknown.length > 0) {
    throw new UserError({
      code: 'unknown_column',
      title: 'Column not found',
      detail: `The sample has no column ${unknown.map((c) => `"${displayColumnName(c).slice(0, 80)}"`).join(', ')}; it has ${[
        ...seenColumns,
      ]
        .slice(0, 20)
        .map((c) => `"${displayColumnName(c).slice(0, 80)}"`)
        .join(', ')}.`,
      resolution: 'Map one of the columns the file has (see discoverSchema).',
      field: 'mapping',
    });
  }
  return {
    sampledRows: sampled,
    columns: columns.map(({ shown, ...counts }) => ({ ...counts, column: shown })),
    rows,
  };
}
