import type { IdentifierType, RejectReason } from '../identifiers/rules.ts';
import type { NormalizeOptions } from '../identifiers/normalize-options.ts';
import type { InputCompression, InputFormat } from '../readers/input-record.ts';

/** One hashed partition: `<type>_sha256/part-00000.csv`, one lowercase hex digest per line. */
export interface ManifestFile {
  /** Relative to the output folder, with `/` separators. */
  path: string;
  rows: number;
  bytes: number;
  /** Hex MD5 of the file's bytes (TikTok's file_signature). */
  md5: string;
}

export interface IdentifierTypeCounts {
  calculateType: string;
  /** Input columns mapped to this type. */
  columns: string[];
  /** Cells that normalized to a valid identifier (hashed here). */
  valid: number;
  /** Cells that already were SHA-256 digests (written lowercased, not hashed again). */
  prehashed: number;
  /** Missing cells: null, absent, empty or white space only. */
  empty: number;
  /** Rejected cells by reason (only reasons that occurred). */
  rejected: Partial<Record<RejectReason, number>>;
  /** valid + prehashed − unique. */
  duplicates: number;
  /** Distinct digests written. */
  unique: number;
  files: ManifestFile[];
}

/**
 * manifest.json, written last and atomically. Deterministic: no timestamps, so the same input and
 * options give the same bytes. Invariant per type:
 * valid + prehashed + empty + Σ rejected = (recordsRead − malformedRecords) × columns.length.
 */
export interface Manifest {
  manifestVersion: 1;
  rules: { profile: string; version: number };
  inputs: Array<{ path: string; format: InputFormat; compression: InputCompression; bytes: number }>;
  options: NormalizeOptions & { maxFileBytes: number };
  mapping: Array<{ column: string; type: IdentifierType }>;
  recordsRead: number;
  malformedRecords: number;
  types: Partial<Record<IdentifierType, IdentifierTypeCounts>>;
  rejects: { path: 'rejects.csv'; rows: number };
}

export const MANIFEST_FILE = 'manifest.json';
export const REJECTS_FILE = 'rejects.csv';
export const DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024;
