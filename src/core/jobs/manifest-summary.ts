import type { Manifest } from '../transform/manifest.ts';

export interface ManifestTypeSummary {
  calculateType: string;
  columns: string[];
  valid: number;
  prehashed: number;
  empty: number;
  rejected: Record<string, number>;
  duplicates: number;
  unique: number;
  /** Number of partitions. */
  files: number;
}

export interface ManifestSummary {
  recordsRead: number;
  malformedRecords: number;
  rejects: number;
  types: Record<string, ManifestTypeSummary>;
}

/** Counts from the manifest for the job record (no digests, no values, no file names). */
export function summarizeManifest(manifest: Manifest): ManifestSummary {
  const types: Record<string, ManifestTypeSummary> = {};
  for (const [type, counts] of Object.entries(manifest.types)) {
    if (!counts) continue;
    types[type] = {
      calculateType: counts.calculateType,
      columns: counts.columns,
      valid: counts.valid,
      prehashed: counts.prehashed,
      empty: counts.empty,
      rejected: { ...counts.rejected } as Record<string, number>,
      duplicates: counts.duplicates,
      unique: counts.unique,
      files: counts.files.length,
    };
  }
  return {
    recordsRead: manifest.recordsRead,
    malformedRecords: manifest.malformedRecords,
    rejects: manifest.rejects.rows,
    types,
  };
}

/** Unique identifiers the upload will send (all types). */
export function totalUnique(manifest: Manifest): number {
  return Object.values(manifest.types).reduce((sum, counts) => sum + (counts?.unique ?? 0), 0);
}
