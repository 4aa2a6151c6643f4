import { normalizeIdentifier } from '../identifiers/normalize-identifier.ts';
import type { NormalizeOptions } from '../identifiers/normalize-options.ts';
import { REJECT_REASONS, type IdentifierType, type RejectReason } from '../identifiers/rules.ts';
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

/** Per-type counters, laid out as [valid, prehashed, empty, …rejected by REJECT_REASONS index]. */
export const TALLY_VALID = 0;
export const TALLY_PREHASHED = 1;
export const TALLY_EMPTY = 2;
export const TALLY_FIRST_REASON = 3;
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

const REASON_INDEX = new Map<RejectReason, number>(REJECT_REASONS.map((reason, index) => [reason, index]));

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
  const columnsPerType = plan.types.map(
    (_type, typeIndex) => plan.mappingTypeIndex.filter((index) => index === typeIndex).length,
  );
  const digests = columnsPerType.map((columnCount) => ({
    packed: writer.allocate(rowCount * columnCount * DIGEST_BYTES),
    count: 0,
  }));
  const tallies = plan.types.map(() => new Array<number>(TALLY_LENGTH).fill(0));
  const rejects: number[] = [];
  const mappingTypes = plan.mappingTypeIndex.map((typeIndex) => plan.types[typeIndex] as IdentifierType);

  for (let row = 0; row < rowCount; row += 1) {
    for (let mapping = 0; mapping < columns.length; mapping += 1) {
      const typeIndex = plan.mappingTypeIndex[mapping] as number;
      const tally = tallies[typeIndex] as number[];
      const result = normalizeIdentifier(
        mappingTypes[mapping] as IdentifierType,
        (columns[mapping] as unknown[])[row],
        options,
      );
      if (result.status === 'ok' || result.status === 'prehashed') {
        const target = digests[typeIndex] as { packed: T; count: number };
        const offset = target.count * DIGEST_BYTES;
        if (result.status === 'ok') {
          writer.hashInto(result.normalized, target.packed, offset);
          tally[TALLY_VALID] = (tally[TALLY_VALID] as number) + 1;
        } else {
          writeHexDigest(result.normalized, target.packed, offset);
          tally[TALLY_PREHASHED] = (tally[TALLY_PREHASHED] as number) + 1;
        }
        target.count += 1;
      } else if (result.status === 'empty') {
        tally[TALLY_EMPTY] = (tally[TALLY_EMPTY] as number) + 1;
      } else {
        const reasonIndex = REASON_INDEX.get(result.reason) as number;
        tally[TALLY_FIRST_REASON + reasonIndex] = (tally[TALLY_FIRST_REASON + reasonIndex] as number) + 1;
        rejects.push(row, mapping, reasonIndex);
      }
    }
  }
  writer.flush?.();
  return { digests, tallies, rejects };
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
