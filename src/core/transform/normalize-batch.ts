import {
  CELL_EMPTY,
  CELL_FIRST_REASON,
  CELL_OK,
  CELL_PREHASHED,
  lastNormalized,
  normalizeCell,
} from '../identifiers/normalize-identifier.ts';
import type { NormalizeOptions } from '../identifiers/normalize-options.ts';
import { REJECT_REASONS, type IdentifierType } from '../identifiers/rules.ts';
import * as digestLines from './digest-lines.ts';

// A module-local copy for the per-cell loop (see sort-unique-digests.ts: an imported binding is
// re-checked on every read).
const DIGEST_BYTES = digestLines.DIGEST_BYTES;
const writeHexDigest = digestLines.writeHexDigest;

/** Which identifier type each mapped column feeds; `types` lists each type once, in output order. */
export interface BatchPlan {
  types: IdentifierType[];
  /** Per mapping entry (in mapping order): index into `types`. */
  mappingTypeIndex: number[];
}

/**
 * Per-type counters, laid out as [valid, prehashed, empty, …rejected by REJECT_REASONS index]: the
 * same numbers as normalizeCell's verdicts, so a verdict is its own counter's index.
 */
export const TALLY_VALID = CELL_OK;
export const TALLY_PREHASHED = CELL_PREHASHED;
export const TALLY_EMPTY = CELL_EMPTY;
export const TALLY_FIRST_REASON = CELL_FIRST_REASON;
export const TALLY_LENGTH = TALLY_FIRST_REASON + REJECT_REASONS.length;

export interface BatchResult<T extends Uint8Array> {
  /** Per type: packed 32-byte digests (not yet de-duplicated) and how many. */
  digests: Array<{ packed: T; count: number }>;
  /** Per type: TALLY_LENGTH counters. */
  tallies: number[][];
  /** Rejected cells as triples (row within the batch, mapping index, REJECT_REASONS index), in row then mapping order. */
  rejects: number[];
}

/** How digests are made and stored: injected so the core stays free of a particular crypto module. */
export interface DigestWriter<T extends Uint8Array> {
  allocate(bytes: number): T;
  /** Writes SHA-256 of the UTF-8 bytes of `text` at `offset`, at once or (a batching writer) by `flush`. */
  hashInto(text: string, target: T, offset: number): void;
  /** Writes every digest still queued; normalizeBatch calls it before it returns. */
  flush?(): void;
}

/**
 * Normalizes and hashes one batch. `columns[m][row]` is the cell of mapping entry `m` in a readable
 * record; malformed records are not in the batch (the caller accounts for them).
 */
export function normalizeBatch<T extends Uint8Array>(
  columns: unknown[][],
  rowCount: number,
  plan: BatchPlan,
  options: NormalizeOptions,
  writer: DigestWriter<T>,
): BatchResult<T> {
  const typeCount = plan.types.length;
  const mappingCount = columns.length;
  const packedByType = columnsPerType(plan).map((columnCount) =>
    writer.allocate(rowCount * columnCount * DIGEST_BYTES),
  );
  // Hot-loop state in flat typed arrays: byte offset of each type's next digest, counters per type.
  const nextOffset = new Int32Array(typeCount);
  const counts = new Float64Array(typeCount * TALLY_LENGTH);
  const rejects: number[] = [];
  const mappingTypes = plan.mappingTypeIndex.map((typeIndex) => plan.types[typeIndex] as IdentifierType);

  // Flushed even when a cell throws, so no queued value outlives its batch in the writer.
  try {
    for (let row = 0; row < rowCount; row += 1) {
      for (let mapping = 0; mapping < mappingCount; mapping += 1) {
        const typeIndex = plan.mappingTypeIndex[mapping] as number;
        const verdict = normalizeCell(
          mappingTypes[mapping] as IdentifierType,
          (columns[mapping] as unknown[])[row],
          options,
        );
        const slot = typeIndex * TALLY_LENGTH + verdict;
        counts[slot] = (counts[slot] as number) + 1;
        if (verdict === CELL_OK) {
          const offset = nextOffset[typeIndex] as number;
          writer.hashInto(lastNormalized(), packedByType[typeIndex] as T, offset);
          nextOffset[typeIndex] = offset + DIGEST_BYTES;
        } else if (verdict === CELL_PREHASHED) {
          const offset = nextOffset[typeIndex] as number;
          writeHexDigest(lastNormalized(), packedByType[typeIndex] as T, offset);
          nextOffset[typeIndex] = offset + DIGEST_BYTES;
        } else if (verdict !== CELL_EMPTY) {
          rejects.push(row, mapping, verdict - CELL_FIRST_REASON);
        }
      }
    }
  } finally {
    writer.flush?.();
  }
  const digests = packedByType.map((packed, typeIndex) => ({
    packed,
    count: (nextOffset[typeIndex] as number) / DIGEST_BYTES,
  }));
  return { digests, tallies: talliesOf(plan, counts), rejects };
}

/** How many mapped columns feed each type of the plan (each needs that many digests a row at most). */
export function columnsPerType(plan: BatchPlan): number[] {
  return plan.types.map((_type, typeIndex) => plan.mappingTypeIndex.filter((index) => index === typeIndex).length);
}

/** The per-type tallies of a batch from its flat counters (TALLY_LENGTH per type, in type order). */
export function talliesOf(plan: BatchPlan, counts: Float64Array): number[][] {
  return plan.types.map((_type, typeIndex) =>
    Array.from(counts.subarray(typeIndex * TALLY_LENGTH, (typeIndex + 1) * TALLY_LENGTH)),
  );
}

/** Builds the plan for a mapping: types in first-mapped order. */
export function planBatches(mapping: ReadonlyArray<{ column: string; type: IdentifierType }>): BatchPlan {
  const types: IdentifierType[] = [];
  const mappingTypeIndex = mapping.map(({ type }) => {
    let index = types.indexOf(type);
    if (index < 0) index = types.push(type) - 1;
    return index;
  });
  return { types, mappingTypeIndex };
}
