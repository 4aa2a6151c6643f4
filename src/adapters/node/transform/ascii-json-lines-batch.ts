import {
  acceptRange,
  NOT_SURE,
  normalizeAsciiDeviceId,
  normalizeAsciiEmail,
  normalizeAsciiPhone,
  valueRange,
} from '../../../core/identifiers/normalize-ascii-cell.ts';
import {
  CELL_EMPTY,
  CELL_FIRST_REASON,
  CELL_OK,
  CELL_PREHASHED,
  CELL_ZERO_DEVICE_ID,
  lastNormalized,
  normalizeCell,
} from '../../../core/identifiers/normalize-identifier.ts';
import type { NormalizeOptions } from '../../../core/identifiers/normalize-options.ts';
import type { IdentifierType } from '../../../core/identifiers/rules.ts';
import type { ColumnMapping } from '../../../core/plan.ts';
import type { JsonLineFieldScanner } from '../../../core/readers/json-line-fields.ts';
import { parseJsonLine } from '../../../core/readers/read-json-lines.ts';
import * as digestLines from '../../../core/transform/digest-lines.ts';
import {
  columnsPerType,
  talliesOf,
  TALLY_LENGTH,
  type BatchPlan,
  type BatchResult,
  type DigestWriter,
} from '../../../core/transform/normalize-batch.ts';
import { Sha256Batch } from './sha256-batch.ts';
import { DEVICE_ID_NOT_UUID, DEVICE_ID_ZERO, type WasmJsonLineScanner } from './wasm-json-line-scanner.ts';

// Module-local copies for the per-cell loop (an imported binding is re-checked on every read).
const DIGEST_BYTES = digestLines.DIGEST_BYTES;
const writeHexDigest = digestLines.writeHexDigest;

/** How each mapped column is read from bytes. */
const EMAIL = 0;
const PHONE = 1;
const DEVICE_ID = 2;
const kindOf = (type: IdentifierType): number => (type === 'EMAIL' ? EMAIL : type === 'PHONE' ? PHONE : DEVICE_ID);

/** One slice of a chunk: its records (blank lines are none), how its rows map to them, and its normalized part. */
export interface NormalizedSlice {
  records: number;
  /** Record index (in the slice) of each row; null when no record of the slice was malformed. */
  rowRecord: number[] | null;
  /** Indexes (in the slice) of the malformed records. */
  malformed: number[];
  part: BatchResult<Uint8Array>;
}

// One per thread, in staged mode: the chunk is loaded into its memory and hashed from there.
let staged: Sha256Batch | undefined;

/**
 * Normalizes and hashes an all-ASCII JSON Lines chunk (`text`: its Latin-1 string), `sliceRecords`
 * records a slice, all at once (the hashing module holds the chunk meanwhile, so no other chunk may
 * start): the same slices, verdicts, rejects and digests as readJsonLines, splitRecords and
 * normalizeBatch make of it, faster (tests/unit/adapters/node/ascii-json-lines.test.ts). A line the
 * scanner takes has its mapped values read from its bytes (normalize-ascii-cell.ts; what those are
 * not sure of goes to normalizeCell as a string), emails and device ids hashed as byte ranges of the
 * chunk; any other line is parsed by the reader's own parseJsonLine and its cells go to normalizeCell.
 */
export function normalizeAsciiJsonLines(
  bytes: Uint8Array,
  text: string,
  mapping: readonly ColumnMapping[],
  plan: BatchPlan,
  options: NormalizeOptions,
  /** The mapped columns, each once (the scanners' fields). */
  columns: readonly string[],
  fallbackScanner: JsonLineFieldScanner,
  digests: Pick<DigestWriter<Uint8Array>, 'allocate'>,
  sliceRecords: number,
): NormalizedSlice[] {
  staged ??= new Sha256Batch();
  const sha = staged;
  // The chunk is read from its copy in the hashing module's memory, whose byte ranges are then hashed
  // in place (offsets are the same as in `text`).
  sha.flush();
  bytes = sha.loadChunk(bytes);
  const wasmScanner = sha.lineScanner(columns);
  const scanner = wasmScanner ?? fallbackScanner;
  const typeCount = plan.types.length;
  const mappingCount = mapping.length;
  const mappingType = Int32Array.from(plan.mappingTypeIndex);
  const mappingKind = Int32Array.from(mapping, ({ type }) => kindOf(type));
  const mappingTypes = mapping.map(({ type }) => type);
  // The scanner's field of each entry (`columns` names each mapped column once).
  const mappingField = Int32Array.from(mapping, ({ column }) => columns.indexOf(column));
  const ownOnly = mapping.map(({ column }) => column in Object.prototype);
  const columnCounts = columnsPerType(plan);
  const { valueStart, valueEnd } = scanner;

  // The slice being filled.
  let packed: Uint8Array[] = [];
  let nextOffset = new Int32Array(typeCount);
  let counts = new Float64Array(typeCount * TALLY_LENGTH);
  let rejects: number[] = [];
  let malformed: number[] = [];
  let rowRecord: number[] | null = null;
  let records = 0;
  let rows = 0;
  const open = (): void => {
    packed = columnCounts.map((columnCount) => digests.allocate(sliceRecords * columnCount * DIGEST_BYTES));
    nextOffset = new Int32Array(typeCount);
    counts = new Float64Array(typeCount * TALLY_LENGTH);
    rejects = [];
    malformed = [];
    rowRecord = null;
    records = 0;
    rows = 0;
  };
  const take = (): NormalizedSlice => {
    sha.flush();
    const part: BatchResult<Uint8Array> = {
      digests: packed.map((view, typeIndex) => ({
        packed: view,
        count: (nextOffset[typeIndex] as number) / DIGEST_BYTES,
      })),
      tallies: talliesOf(plan, counts),
      rejects,
    };
    return { records, rowRecord, malformed, part };
  };
  /** Counts a cell's verdict; an ok or pre-hashed value is hashed or written (normalizeBatch's loop). */
  const settle = (verdict: number, mappingIndex: number, typeIndex: number): void => {
    const slot = typeIndex * TALLY_LENGTH + verdict;
    counts[slot] = (counts[slot] as number) + 1;
    if (verdict === CELL_OK) {
      const offset = nextOffset[typeIndex] as number;
      sha.stageText(lastNormalized(), packed[typeIndex] as Uint8Array, offset);
      nextOffset[typeIndex] = offset + DIGEST_BYTES;
    } else if (verdict === CELL_PREHASHED) {
      const offset = nextOffset[typeIndex] as number;
      writeHexDigest(lastNormalized(), packed[typeIndex] as Uint8Array, offset);
      nextOffset[typeIndex] = offset + DIGEST_BYTES;
    } else if (verdict !== CELL_EMPTY) {
      rejects.push(rows, mappingIndex, verdict - CELL_FIRST_REASON);
    }
  };

  const slices: NormalizedSlice[] = [];
  open();
  try {
    let start = 0;
    while (start <= bytes.length) {
      let end = scanner.scanLine(bytes, start);
      if (end >= 0) {
        rowRecord?.push(records);
        for (let entry = 0; entry < mappingCount; entry += 1) {
          const typeIndex = mappingType[entry] as number;
          const field = mappingField[entry] as number;
          const from = valueStart[field] as number;
          if (from < 0) {
            // FIELD_MISSING or FIELD_NULL: empty, normalizeCell's verdict for undefined and null.
            const slot = typeIndex * TALLY_LENGTH + CELL_EMPTY;
            counts[slot] = (counts[slot] as number) + 1;
            continue;
          }
          const to = valueEnd[field] as number;
          const kind = mappingKind[entry] as number;
          let verdict: number;
          if (kind === PHONE) {
            verdict = normalizeAsciiPhone(text, bytes, from, to, options);
          } else {
            verdict =
              kind === EMAIL
                ? normalizeAsciiEmail(bytes, from, to, options)
                : wasmScanner === null
                  ? normalizeAsciiDeviceId(bytes, from, to)
                  : wasmDeviceId(wasmScanner, from, to);
            if (verdict === CELL_OK) {
              // A byte range of the chunk, hashed with A–Z folded to a–z: no string made.
              const slot = typeIndex * TALLY_LENGTH + CELL_OK;
              counts[slot] = (counts[slot] as number) + 1;
              const offset = nextOffset[typeIndex] as number;
              const { start: valueFrom, localEnd, at, end: valueTo } = valueRange;
              sha.commitRange(valueFrom, localEnd, at, valueTo, packed[typeIndex] as Uint8Array, offset);
              nextOffset[typeIndex] = offset + DIGEST_BYTES;
              continue;
            }
          }
          if (verdict === NOT_SURE) {
            verdict = normalizeCell(mappingTypes[entry] as IdentifierType, text.slice(from, to), options);
          }
          settle(verdict, entry, typeIndex);
        }
        records += 1;
        rows += 1;
      } else {
        end = bytes.indexOf(0x0a, start);
        if (end < 0) end = bytes.length;
        const record = parseJsonLine(text.slice(start, end));
        if (record === null) {
          rowRecord ??= Array.from({ length: rows }, (_unused, row) => row);
          malformed.push(records);
          records += 1;
        } else if (record !== undefined) {
          rowRecord?.push(records);
          for (let entry = 0; entry < mappingCount; entry += 1) {
            const column = (mapping[entry] as ColumnMapping).column;
            const cell = ownOnly[entry] && !Object.hasOwn(record, column) ? undefined : record[column];
            settle(
              normalizeCell(mappingTypes[entry] as IdentifierType, cell, options),
              entry,
              mappingType[entry] as number,
            );
          }
          records += 1;
          rows += 1;
        }
      }
      if (records === sliceRecords) {
        slices.push(take());
        open();
      }
      start = end + 1;
    }
    if (records > 0) slices.push(take());
    return slices;
  } finally {
    // Nothing queued outlives the chunk (a cell that throws leaves its slice unfinished).
    sha.flush();
  }
}

/** normalizeAsciiDeviceId by the WebAssembly scanner's SIMD check (same verdicts, same valueRange). */
function wasmDeviceId(scanner: WasmJsonLineScanner, start: number, end: number): number {
  if (end - start !== 36) return NOT_SURE;
  const kind = scanner.deviceIdKind(start);
  if (kind === DEVICE_ID_NOT_UUID) return NOT_SURE;
  if (kind === DEVICE_ID_ZERO) return CELL_ZERO_DEVICE_ID;
  return acceptRange(start, end, end, end);
}
