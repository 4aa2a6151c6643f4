import type { ColumnMapping } from '../../../core/plan.ts';
import type { SourceRecord } from '../../../core/readers/reader-context.ts';

export interface SplitRecords {
  /** columns[m][row]: the cell of mapping entry m in each readable record. */
  columns: unknown[][];
  rowCount: number;
  /** Record index of each row; null when no record was malformed (row = record index). */
  rowRecord: number[] | null;
  /** Indexes of the malformed records (`null`). */
  malformed: number[];
}

/** The mapped cells of a batch's readable records, column by column (what normalizeBatch reads). */
export function splitRecords(records: readonly SourceRecord[], mapping: readonly ColumnMapping[]): SplitRecords {
  const columns: unknown[][] = mapping.map(() => []);
  // Only a column named like an Object.prototype member (`constructor`, `__proto__`) needs the own-key check.
  const ownOnly = mapping.map(({ column }) => column in Object.prototype);
  const guarded = ownOnly.includes(true);
  const malformed: number[] = [];
  let rowRecord: number[] | null = null;
  for (let index = 0; index < records.length; index += 1) {
    const record = records[index];
    if (record === null || record === undefined) {
      if (rowRecord === null) rowRecord = Array.from({ length: index }, (_unused, earlier) => earlier);
      malformed.push(index);
      continue;
    }
    rowRecord?.push(index);
    for (let entry = 0; entry < mapping.length; entry += 1) {
      const column = (mapping[entry] as ColumnMapping).column;
      (columns[entry] as unknown[]).push(
        guarded && ownOnly[entry] && !Object.hasOwn(record, column) ? undefined : record[column],
      );
    }
  }
  return { columns, rowCount: records.length - malformed.length, rowRecord, malformed };
}
