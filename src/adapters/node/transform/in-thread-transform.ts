import type { NormalizeOptions } from '../../../core/identifiers/normalize-options.ts';
import type { ColumnMapping } from '../../../core/plan.ts';
import { JsonLineFieldScanner } from '../../../core/readers/json-line-fields.ts';
import { readJsonLines } from '../../../core/readers/read-json-lines.ts';
import { MAX_RECORD_CHARS } from '../../../core/readers/reader-context.ts';
import { DIGEST_BYTES } from '../../../core/transform/digest-lines.ts';
import {
  normalizeBatch,
  TALLY_LENGTH,
  type BatchPlan,
  type BatchResult,
  type DigestWriter,
} from '../../../core/transform/normalize-batch.ts';
import { scatterByLeadingByte } from '../../../core/transform/sort-unique-digests.ts';
import { decodeAscii } from './decode-ascii.ts';
import { sortUniqueDigestLinesFast } from './digest-sort.ts';
import { nodeDigestWriter } from './node-digest-writer.ts';
import { normalizeAsciiJsonLines, type NormalizedSlice } from './ascii-json-lines-batch.ts';
import { splitRecords } from './split-records.ts';
import type { WorkerBatch, WorkerResult, WorkerSortRequest, WorkerSortResult } from './worker-messages.ts';

const WORDS = DIGEST_BYTES / 4;

/** A result made in this thread: its rejects are still a plain list (a worker transfers them as an Int32Array). */
type LocalResult = WorkerResult & { rejects: number[] };

/** One slice's normalizeBatch result: its digests are views into a DigestArena. */
type Part = BatchResult<Uint8Array>;

/** Bytes of each block of digest space (a JSON Lines chunk's slices need ≈ 0.9 MB for three types). */
const ARENA_BLOCK_BYTES = 1 << 20;
/** Blocks no batch is using, kept for the next one. */
const freeBlocks: Uint8Array[] = [];

/**
 * Where one batch's slices write their digests before the batch's result is assembled: views into
 * blocks reused from batch to batch, rather than a new buffer per slice and type.
 */
class DigestArena implements DigestWriter<Uint8Array> {
  private readonly blocks: Uint8Array[] = [];
  private used = 0;

  allocate(bytes: number): Uint8Array {
    let block = this.blocks.at(-1);
    if (block === undefined || block.byteLength - this.used < bytes) {
      block =
        bytes <= ARENA_BLOCK_BYTES ? (freeBlocks.pop() ?? new Uint8Array(ARENA_BLOCK_BYTES)) : new Uint8Array(bytes);
      this.blocks.push(block);
      this.used = 0;
    }
    const view = block.subarray(this.used, this.used + bytes);
    this.used += bytes;
    return view;
  }

  // The shared writer's own functions, so the per-cell call is no deeper than without an arena.
  readonly hashInto = nodeDigestWriter.hashInto as DigestWriter<Uint8Array>['hashInto'];
  readonly flush = nodeDigestWriter.flush;

  /** The batch's result is assembled: its blocks go back for the next batch. */
  release(): void {
    for (const block of this.blocks) if (block.byteLength === ARENA_BLOCK_BYTES) freeBlocks.push(block);
    this.blocks.length = 0;
  }
}

/**
 * JSON Lines records are parsed, split and normalized this many at a time: only their objects are
 * alive at once, so the young-generation GC has little to copy (when a whole chunk's records were
 * parsed first, they survived every scavenge: about half of the workers' GC time).
 */
const JSON_LINES_SLICE_RECORDS = 512;

/**
 * Normalizes and hashes one batch: what a worker does with a message, usable in any thread. A JSON
 * Lines chunk is parsed first, by the readers' own JSON Lines reader (the same records, byte for byte).
 * `groupByLeadingByte`: each type's digests come back ordered by leading byte, with `starts` (what a
 * worker sends, so the main thread's store splits them with a few range copies).
 */
export async function processBatch(
  batch: WorkerBatch,
  plan: BatchPlan,
  mapping: readonly ColumnMapping[],
  options: NormalizeOptions,
  groupByLeadingByte = false,
): Promise<LocalResult> {
  const arena = new DigestArena();
  try {
    if (batch.kind === 'cells') {
      const part = normalizeBatch(batch.columns, batch.rowCount, plan, options, arena);
      return mergeParts([part], plan, groupByLeadingByte);
    }
    const parts: Part[] = [];
    const malformed: number[] = [];
    // Row (readable record) → record index in the chunk; null while every record so far was readable.
    let rowRecord: number[] | null = null;
    let records = 0;
    let rows = 0;
    for await (const slice of normalizedSlices(batch.bytes, plan, mapping, options, arena)) {
      if (slice.rowRecord !== null && rowRecord === null)
        rowRecord = Array.from({ length: rows }, (_unused, row) => row);
      for (const index of slice.malformed) malformed.push(records + index);
      const sliceRows = slice.records - slice.malformed.length;
      if (rowRecord !== null) {
        for (let row = 0; row < sliceRows; row += 1) {
          rowRecord.push(records + (slice.rowRecord ? (slice.rowRecord[row] as number) : row));
        }
      }
      const part = slice.part;
      for (let at = 0; at < part.rejects.length; at += 3) part.rejects[at] = (part.rejects[at] as number) + rows;
      parts.push(part);
      records += slice.records;
      rows += sliceRows;
    }
    return { ...mergeParts(parts, plan, groupByLeadingByte), records: { count: records, malformed, rowRecord } };
  } finally {
    arena.release();
  }
}

/** Per thread: the field scanner of the last mapping seen (a worker has one mapping). */
let scannerOf: { mapping: readonly ColumnMapping[]; columns: string[]; scanner: JsonLineFieldScanner } | undefined;

/**
 * A JSON Lines chunk normalized slice by slice. An all-ASCII chunk (the usual case) is read by
 * normalizeAsciiJsonLines, which leaves JSON.parse only the lines its scanner does not take; any
 * other by the readers' own JSON Lines reader (the same records, byte for byte) and normalizeBatch.
 */
function normalizedSlices(
  bytes: Uint8Array,
  plan: BatchPlan,
  mapping: readonly ColumnMapping[],
  options: NormalizeOptions,
  arena: DigestArena,
): NormalizedSlice[] | AsyncGenerator<NormalizedSlice> {
  const text = decodeAscii(bytes);
  // The tail after the last line feed is held to the record limit by the reader (the main thread's
  // chunks keep lines within it: only the reader's own error would differ).
  if (text !== undefined && bytes.length - bytes.lastIndexOf(0x0a) - 1 <= MAX_RECORD_CHARS) {
    if (scannerOf?.mapping !== mapping) {
      // Each column once: one column may feed several entries (e.g. device_id as IDFA and as GAID).
      const columns = [...new Set(mapping.map(({ column }) => column))];
      scannerOf = { mapping, columns, scanner: new JsonLineFieldScanner(columns) };
    }
    return normalizeAsciiJsonLines(
      bytes,
      text,
      mapping,
      plan,
      options,
      scannerOf.columns,
      scannerOf.scanner,
      arena,
      JSON_LINES_SLICE_RECORDS,
    );
  }
  return parsedSlices(bytes, plan, mapping, options, arena);
}

/** normalizedSlices for any chunk: the readers' JSON Lines reader, splitRecords and normalizeBatch. */
async function* parsedSlices(
  bytes: Uint8Array,
  plan: BatchPlan,
  mapping: readonly ColumnMapping[],
  options: NormalizeOptions,
  arena: DigestArena,
): AsyncGenerator<NormalizedSlice> {
  // (The main thread never starts a later chunk with a byte-order mark, which the reader's decoder
  // would drop: in one stream only the file's first one is dropped.)
  const chunks = (async function* () {
    yield bytes;
  })();
  const context = { source: '', batchSize: JSON_LINES_SLICE_RECORDS, progress: { bytesRead: 0 }, decodeAscii };
  for await (const parsed of readJsonLines(chunks, context)) {
    const split = splitRecords(parsed.records, mapping);
    const part = normalizeBatch(split.columns, split.rowCount, plan, options, arena);
    yield { records: parsed.records.length, rowRecord: split.rowRecord, malformed: split.malformed, part };
  }
}

/**
 * One result from consecutive parts of a batch (their reject rows already counted from the batch's
 * start), each type's digests copied once into a buffer of their own (transferable): in part order,
 * or ordered by leading byte (a counting sort, stable).
 */
function mergeParts(parts: Part[], plan: BatchPlan, groupByLeadingByte: boolean): LocalResult {
  const digests = plan.types.map((_type, typeIndex) => {
    const views = parts.map((part) => part.digests[typeIndex] as { packed: Uint8Array; count: number });
    const count = views.reduce((sum, view) => sum + view.count, 0);
    const out = Buffer.allocUnsafeSlow(count * DIGEST_BYTES);
    if (!groupByLeadingByte) {
      let at = 0;
      for (const { packed, count: viewCount } of views) {
        out.set(packed.subarray(0, viewCount * DIGEST_BYTES), at);
        at += viewCount * DIGEST_BYTES;
      }
      return { buffer: out.buffer as ArrayBuffer, count };
    }
    const starts = scatterByLeadingByte(views, new Uint32Array(out.buffer, 0, count * WORDS));
    return { buffer: out.buffer as ArrayBuffer, count, starts };
  });
  const tallies = plan.types.map((_type, typeIndex) => {
    const sums = new Array<number>(TALLY_LENGTH).fill(0);
    for (const part of parts) {
      (part.tallies[typeIndex] as number[]).forEach((count, slot) => {
        sums[slot] = (sums[slot] as number) + count;
      });
    }
    return sums;
  });
  return {
    digests,
    tallies,
    rejects: parts.length === 1 ? (parts[0] as Part).rejects : parts.flatMap((part) => part.rejects),
  };
}

/** Sorts and de-duplicates one group of digests and encodes it as hex lines (the final phase's work). */
export function sortGroup(request: WorkerSortRequest): WorkerSortResult {
  return sortUniqueDigestLinesFast(request.packed, request.count, request.commonPrefixBytes);
}

/**
 * The worker pool's interface, done in the calling thread. For small inputs: starting worker threads
 * (each loading the TypeScript normalizer) costs more than the whole transform.
 */
export class InThreadTransform {
  readonly capacity = 1;
  readonly parsesJsonLines = false;

  constructor(
    private readonly plan: BatchPlan,
    private readonly mapping: readonly ColumnMapping[],
    private readonly options: NormalizeOptions,
  ) {}

  submit(batch: WorkerBatch): Promise<WorkerResult> {
    return processBatch(batch, this.plan, this.mapping, this.options);
  }

  sortDigests(request: WorkerSortRequest): Promise<WorkerSortResult> {
    return Promise.resolve(sortGroup(request));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
