import { closeSync, fsync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { UserError } from '../../../core/errors.ts';
import { outputFolderOf, REJECT_REASONS, rules, type NormalizeOptions } from '../../../core/identifiers/index.ts';
import type { ByteSource } from '../../../core/readers/byte-source.ts';
import { detectFormat } from '../../../core/readers/detect-format.ts';
import { displayColumnName, type HeaderMode } from '../../../core/readers/detect-header.ts';
import type { DetectedFormat } from '../../../core/readers/input-record.ts';
import { readRecords } from '../../../core/readers/read-records.ts';
import { discoverSchema } from '../../../core/schema/discover-schema.ts';
import {
  DEFAULT_MAX_FILE_BYTES,
  MANIFEST_FILE,
  REJECTS_FILE,
  type Manifest,
} from '../../../core/transform/manifest.ts';
import type { ColumnMapping } from '../../../core/plan.ts';
import { planBatches } from '../../../core/transform/normalize-batch.ts';
import { linesPerPartition } from '../../../core/transform/partition-names.ts';
import { formatRejectRow, REJECTS_HEADER } from '../../../core/transform/rejects-csv.ts';
import { TransformTally } from '../../../core/transform/transform-tally.ts';
import { DIGEST_BYTES, DIGEST_LINE_BYTES } from '../../../core/transform/digest-lines.ts';
import { DigestSpillStore } from './digest-spill-store.ts';
import { fsyncDirectory, prepareOutputFolder, SPILL_FOLDER_PREFIX, writeFileAtomic } from './output-folder.ts';
import { jsonLinesChunks } from './json-lines-chunks.ts';
import { inThreadMd5, PartitionWriter, writeAll } from './partition-writer.ts';
import { splitRecords } from './split-records.ts';
import { InThreadTransform } from './in-thread-transform.ts';
import { defaultWorkerCount, TransformWorkerPool } from './transform-workers.ts';
import type { WorkerResult, WorkerSortResult } from './worker-messages.ts';

/** Memory for de-duplication buffers across all types, unless the request says otherwise. */
export const DEFAULT_MEMORY_BUDGET_BYTES = 256 * 1024 * 1024;
const BATCH_SIZE = 8192;
const SCHEMA_SAMPLE_ROWS = 1000;
const REJECTS_FLUSH_CHARS = 256 * 1024;
/**
 * Inputs up to this size (gzip counted at 4× its compressed size) are transformed in the calling
 * thread: worker start-up (≈ 0.3–1.8 s, each loading the TypeScript normalizer) would cost more than
 * the work itself, which is ≈ 1–2 s of one core at this size.
 */
export const DEFAULT_IN_THREAD_MAX_BYTES = 8 * 1024 * 1024;
const GZIP_SIZE_FACTOR = 4;

export interface TransformProgress {
  recordsRead: number;
  bytesRead: number;
  totalBytes: number;
}

export interface TransformRequest {
  inputs: ByteSource[];
  mapping: ColumnMapping[];
  options: NormalizeOptions;
  maxFileBytes?: number;
  outDir: string;
  /** Where de-duplication spills (default: a hidden folder inside outDir, removed afterwards). */
  tempDir?: string;
  signal?: AbortSignal;
  onProgress?: (progress: TransformProgress) => void;
  /** Replace an earlier run's output in outDir (default: refuse when it holds a manifest). */
  overwrite?: boolean;
  /** Bytes for the de-duplication buffers of all types together (default 256 MiB); beyond it, digests spill to disk. */
  memoryBudgetBytes?: number;
  /** Worker threads that normalize and hash (default: see defaultWorkerCount); none for a small input. */
  workers?: number;
  /** CSV/TSV: whether the first row is a header (default `auto`: decided per file from its first rows). */
  header?: HeaderMode;
  /** Inputs up to this many bytes are transformed without worker threads (default DEFAULT_IN_THREAD_MAX_BYTES; 0: always use workers). */
  inThreadMaxBytes?: number;
  /** Called with each batch (or JSON Lines chunk) before it is processed (tests use it to make a run fail midway). */
  onBatch?: (batch: { source: string }) => void;
  /** Called with the worker pool once it exists (tests kill one of its threads mid-run). */
  onWorkerPool?: (pool: TransformWorkerPool) => void;
  /** Called after each slice of partition writes in the final phase (tests use it to make that phase slow). */
  onFinalSlice?: () => void;
  /** Digests per slice of the final phase (default 65,536; tests make it small). */
  finalSliceDigests?: number;
}

/** Digests written between checks for a turn of the event loop in the final phase. */
const FINAL_SLICE_DIGESTS = 64 * 1024;
/** Longest the final phase holds the event loop between yields. */
const FINAL_PHASE_YIELD_MS = 20;

class FinalPhaseYielder {
  private last = performance.now();

  constructor(private readonly signal: AbortSignal | undefined) {}

  async maybeYield(): Promise<void> {
    if (performance.now() - this.last < FINAL_PHASE_YIELD_MS) return;
    await setImmediatePromise();
    this.last = performance.now();
    this.signal?.throwIfAborted();
  }
}

interface PendingBatch {
  source: string;
  firstRecordNumber: number;
  recordCount: number;
  /** Record index in the batch of each row sent to the workers; null when no record was malformed. */
  rowRecord: ArrayLike<number> | null;
  malformed: number[];
  result: Promise<WorkerResult> | null;
  /** A JSON Lines chunk parsed by a worker: numbered from its source's counter once the earlier chunks are in. */
  recordCounter?: { next: number };
}

/**
 * Streams every record of the inputs, normalizes and hashes each mapped cell (in worker threads),
 * de-duplicates per type in bounded memory and writes the partitions, rejects.csv and, last and
 * atomically, manifest.json. Same input and options → same bytes.
 */
export async function runTransform(request: TransformRequest): Promise<Manifest> {
  const maxFileBytes = request.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  validateRequest(request, maxFileBytes);
  const plan = planBatches(request.mapping);
  let pool: TransformWorkerPool | InThreadTransform | null = null;
  let spillDir: string | null = null;
  let rejects: RejectsFile | null = null;
  let writers: PartitionWriter[] = [];
  let stores: DigestSpillStore[] = [];
  try {
    const formats: DetectedFormat[] = [];
    const sizes: number[] = [];
    for (const source of request.inputs) {
      formats.push(await detectFormat(source, { header: request.header ?? 'auto' }));
      sizes.push(await source.size());
    }
    const inputBytes = formats.reduce(
      (sum, format, index) => sum + (sizes[index] as number) * (format.compression === 'gzip' ? GZIP_SIZE_FACTOR : 1),
      0,
    );
    // Workers start before the column checks, so their start-up (loading the normalizer) overlaps them.
    const workersParse = formats.every((format) => format.format === 'jsonl');
    pool =
      inputBytes <= (request.inThreadMaxBytes ?? DEFAULT_IN_THREAD_MAX_BYTES)
        ? new InThreadTransform(plan, request.mapping, request.options)
        : new TransformWorkerPool(
            plan,
            request.mapping,
            request.options,
            request.workers ?? defaultWorkerCount(plan, workersParse),
          );
    if (pool instanceof TransformWorkerPool) request.onWorkerPool?.(pool);
    await checkColumns(request);
    prepareOutputFolder(request.outDir, request.overwrite ?? false);

    spillDir = mkdtempSync(join(request.tempDir ?? request.outDir, SPILL_FOLDER_PREFIX));
    const budget = request.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
    // A full buffer is copied once more when it spills (gathered by leading byte), the final phase
    // copies out a group at a time, and a bucket read back is sorted with keys, indexes and its hex
    // lines beside it.
    stores = plan.types.map(
      (type) =>
        new DigestSpillStore(join(spillDir as string, outputFolderOf(type)), budget / (2.5 * plan.types.length)),
    );
    const tally = new TransformTally(plan);
    rejects = new RejectsFile(join(request.outDir, REJECTS_FILE));
    const totalBytes = sizes.reduce((sum, size) => sum + size, 0);
    let bytesBefore = 0;
    const pending: PendingBatch[] = [];
    const settleOldest = async (): Promise<void> => {
      const oldest = pending.shift() as PendingBatch;
      const result = oldest.result ? await oldest.result : null;
      if (oldest.recordCounter && result?.records) {
        // Record numbers of a worker-parsed chunk, assigned in read order.
        oldest.firstRecordNumber = oldest.recordCounter.next;
        oldest.recordCount = result.records.count;
        oldest.malformed = result.records.malformed;
        oldest.rowRecord = result.records.rowRecord;
        oldest.recordCounter.next += result.records.count;
        tally.recordsRead += result.records.count;
        tally.malformedRecords += result.records.malformed.length;
      }
      absorb(oldest, result, request.mapping, tally, stores, rejects as RejectsFile);
    };
    const settleAll = async (): Promise<void> => {
      while (pending.length > 0) await settleOldest();
    };
    for (const [index, source] of request.inputs.entries()) {
      const format = formats[index] as DetectedFormat;
      if (pool.parsesJsonLines && format.format === 'jsonl') {
        // The workers parse: the main thread only cuts the bytes into chunks of whole lines.
        const recordCounter = { next: 1 };
        const progress = { bytesRead: 0 };
        // A line too long to be a record: the error names its number, known once the chunks before it are in.
        const nextRecordNumber = async (): Promise<number> => {
          await settleAll();
          return recordCounter.next;
        };
        const chunks = jsonLinesChunks(source, format, progress, nextRecordNumber, request.signal);
        let first = true;
        for await (const bytes of chunks) {
          request.signal?.throwIfAborted();
          request.onBatch?.({ source: source.name });
          const result = pool.submit({ kind: 'jsonl', bytes, first });
          result.catch(() => undefined);
          first = false;
          pending.push({
            source: source.name,
            firstRecordNumber: 0,
            recordCount: 0,
            rowRecord: null,
            malformed: [],
            result,
            recordCounter,
          });
          while (pending.length >= pool.capacity) await settleOldest();
          request.onProgress?.({
            recordsRead: tally.recordsRead,
            bytesRead: bytesBefore + progress.bytesRead,
            totalBytes,
          });
        }
        bytesBefore += sizes[index] as number;
        continue;
      }
      const batches = readRecords(source, {
        format,
        batchSize: BATCH_SIZE,
        ...(request.signal ? { signal: request.signal } : {}),
      });
      for await (const batch of batches) {
        request.signal?.throwIfAborted();
        request.onBatch?.(batch);
        tally.recordsRead += batch.records.length;
        const split = splitRecords(batch.records, request.mapping);
        tally.malformedRecords += split.malformed.length;
        const entry: PendingBatch = {
          source: batch.source,
          firstRecordNumber: batch.firstRecordNumber,
          recordCount: batch.records.length,
          rowRecord: split.rowRecord,
          malformed: split.malformed,
          result: null,
        };
        if (split.rowCount > 0) {
          const result = pool.submit({ kind: 'cells', rowCount: split.rowCount, columns: split.columns });
          // Awaited in order later; a worker failure must not surface as an unhandled rejection first.
          result.catch(() => undefined);
          entry.result = result;
        }
        pending.push(entry);
        while (pending.length >= pool.capacity) await settleOldest();
        request.onProgress?.({ recordsRead: tally.recordsRead, bytesRead: bytesBefore + batch.bytesRead, totalBytes });
      }
      bytesBefore += sizes[index] as number;
    }
    while (pending.length > 0) await settleOldest();
    // Its fsync runs in the background while the final phase starts; awaited before the manifest.
    const rejectsClosed = rejects.close();
    rejectsClosed.catch(() => undefined);

    const types: Manifest['types'] = {};
    const lines = linesPerPartition(maxFileBytes);
    // The final phase (sort, partition writes, fsync) can take longer than a job's lease: it yields
    // to the event loop between slices so the lease heartbeat (and a cancel) still get their turn.
    const yielder = new FinalPhaseYielder(request.signal);
    const slice = Math.max(1, request.finalSliceDigests ?? FINAL_SLICE_DIGESTS);
    // Each type's digests come out of its store in groups by leading byte; the workers sort and encode
    // several groups at once while this thread writes the finished ones in order (the part files'
    // MD5s are computed in the workers too: see partHasher). Groups in flight are bounded in bytes
    // too (a group being sorted needs a few times its size).
    const hasher = pool instanceof TransformWorkerPool ? pool.partHasher() : inThreadMd5;
    writers = plan.types.map(
      (type) => new PartitionWriter(request.outDir, outputFolderOf(type), lines, fsyncDirectory, hasher),
    );
    const unique = plan.types.map(() => 0);
    const maxSortingBytes = budget / 5;
    const sorting: Array<{ typeIndex: number; bytes: number; result: Promise<WorkerSortResult> }> = [];
    let sortingBytes = 0;
    const writeOldest = async (): Promise<void> => {
      const { typeIndex, bytes, result } = sorting.shift() as (typeof sorting)[number];
      sortingBytes -= bytes;
      const sorted = await result;
      const writer = writers[typeIndex] as PartitionWriter;
      for (let first = 0; first < sorted.count; first += slice) {
        const count = Math.min(slice, sorted.count - first);
        await writer.writeLines(
          sorted.lines.subarray(first * DIGEST_LINE_BYTES, (first + count) * DIGEST_LINE_BYTES),
          count,
        );
        request.onFinalSlice?.();
        await yielder.maybeYield();
      }
      // The group's lines are all written: the MD5s can take them.
      hasher.release();
      unique[typeIndex] = (unique[typeIndex] as number) + sorted.count;
    };
    for (const [typeIndex, store] of stores.entries()) {
      for (const group of store.groups()) {
        // Transferred to a worker: a group that is not its buffer's only view is copied first, so
        // the transfer detaches nothing else.
        const bytes = group.count * DIGEST_BYTES;
        const packed =
          group.packed.byteOffset === 0 && group.packed.byteLength === bytes && group.packed.buffer.byteLength === bytes
            ? group.packed
            : new Uint8Array(group.packed.subarray(0, bytes));
        const result = pool.sortDigests({
          kind: 'sort',
          packed,
          count: group.count,
          commonPrefixBytes: group.commonPrefixBytes,
        });
        result.catch(() => undefined);
        sorting.push({ typeIndex, bytes: packed.byteLength, result });
        sortingBytes += packed.byteLength;
        while (sorting.length >= pool.capacity || sortingBytes > maxSortingBytes) await writeOldest();
      }
    }
    while (sorting.length > 0) await writeOldest();
    for (const [typeIndex, type] of plan.types.entries()) {
      const columns = request.mapping
        .filter((entry) => entry.type === type)
        .map((entry) => displayColumnName(entry.column));
      const files = await (writers[typeIndex] as PartitionWriter).finish();
      types[type] = tally.countsOf(typeIndex, columns, unique[typeIndex] as number, files);
      await yielder.maybeYield();
    }
    // (After the part files' MD5s, which the workers may compute.)
    await pool.close();
    await rejectsClosed;

    const manifest: Manifest = {
      manifestVersion: 1,
      rules: { profile: rules.profile, version: rules.version },
      inputs: request.inputs.map((source, index) => {
        const format = formats[index] as DetectedFormat;
        return {
          path: source.name,
          format: format.format,
          compression: format.compression,
          bytes: sizes[index] as number,
        };
      }),
      // Spelled out so the key order (and so the bytes) does not depend on the caller's object.
      options: {
        phoneRegion: request.options.phoneRegion,
        phoneFormat: request.options.phoneFormat,
        emailDots: request.options.emailDots,
        prehashed: request.options.prehashed,
        maxFileBytes,
      },
      mapping: request.mapping.map(({ column, type }) => ({ column: displayColumnName(column), type })),
      recordsRead: tally.recordsRead,
      malformedRecords: tally.malformedRecords,
      types,
      rejects: { path: REJECTS_FILE, rows: rejects.rows },
    };
    writeFileAtomic(join(request.outDir, MANIFEST_FILE), request.outDir, `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    await pool?.close();
    rejects?.abandon();
    await Promise.all(writers.map((writer) => writer.abandon()));
    await Promise.all(stores.map((store) => store.removed()));
    if (spillDir !== null) rmSync(spillDir, { recursive: true, force: true });
  }
}

/** Folds one batch's result in, in read order so rejects.csv comes out in record order. */
function absorb(
  batch: PendingBatch,
  result: WorkerResult | null,
  mapping: ColumnMapping[],
  tally: TransformTally,
  stores: DigestSpillStore[],
  rejects: RejectsFile,
): void {
  if (result) {
    tally.add(result.tallies);
    result.digests.forEach(({ buffer, count, starts }, typeIndex) =>
      (stores[typeIndex] as DigestSpillStore).add(new Uint8Array(buffer), count, starts),
    );
  }
  const cellRejects = result?.rejects ?? [];
  let malformedAt = 0;
  const writeMalformedBefore = (recordIndex: number): void => {
    while (malformedAt < batch.malformed.length && (batch.malformed[malformedAt] as number) < recordIndex) {
      rejects.add(
        batch.firstRecordNumber + (batch.malformed[malformedAt] as number),
        batch.source,
        '',
        '',
        'malformed_record',
      );
      malformedAt += 1;
    }
  };
  for (let at = 0; at < cellRejects.length; at += 3) {
    const row = cellRejects[at] as number;
    const recordIndex = batch.rowRecord ? (batch.rowRecord[row] as number) : row;
    writeMalformedBefore(recordIndex);
    const entry = mapping[cellRejects[at + 1] as number] as ColumnMapping;
    rejects.add(
      batch.firstRecordNumber + recordIndex,
      batch.source,
      entry.column,
      entry.type,
      REJECT_REASONS[cellRejects[at + 2] as number] as string,
    );
  }
  writeMalformedBefore(Number.POSITIVE_INFINITY);
}

/** rejects.csv, written as the run goes (it can be large) and fsynced before the manifest. */
class RejectsFile {
  rows = 0;
  private descriptor: number | null;
  private text = REJECTS_HEADER;

  constructor(path: string) {
    this.descriptor = openSync(path, 'w');
  }

  add(recordNumber: number, source: string, column: string, identifierType: string, reason: string): void {
    this.text += formatRejectRow({ recordNumber, source, column, identifierType, reason });
    this.rows += 1;
    if (this.text.length >= REJECTS_FLUSH_CHARS) this.flush();
  }

  /** Writes what is left; resolves once the file is fsynced and closed. */
  async close(): Promise<void> {
    this.flush();
    const descriptor = this.descriptor as number;
    this.descriptor = null;
    try {
      await promisify(fsync)(descriptor);
    } finally {
      closeSync(descriptor);
    }
  }

  /** On failure: just release the file. */
  abandon(): void {
    if (this.descriptor !== null) closeSync(this.descriptor);
    this.descriptor = null;
  }

  private flush(): void {
    if (this.text === '' || this.descriptor === null) return;
    writeAll(this.descriptor, Buffer.from(this.text, 'utf8'));
    this.text = '';
  }
}

function validateRequest(request: TransformRequest, maxFileBytes: number): void {
  if (request.inputs.length === 0) {
    throw new UserError({
      code: 'missing_input',
      title: 'No input files',
      detail: 'The transform was given no input file.',
      resolution: 'Name at least one input file or folder.',
      field: 'input',
    });
  }
  if (request.mapping.length === 0) {
    throw new UserError({
      code: 'missing_mapping',
      title: 'No column mapped',
      detail: 'At least one column must be mapped to an identifier type.',
      resolution: 'Add --map <column>=<TYPE>, e.g. --map email=EMAIL.',
      field: 'map',
    });
  }
  const seen = new Set<string>();
  for (const { column, type } of request.mapping) {
    const key = `${column}\u0000${type}`;
    if (seen.has(key)) {
      throw new UserError({
        code: 'duplicate_mapping',
        title: 'Column mapped twice',
        detail: `Column "${column}" is mapped to ${type} more than once.`,
        resolution: 'Map each column to a type only once.',
        field: 'map',
      });
    }
    seen.add(key);
  }
  if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes < 65) {
    throw new UserError({
      code: 'invalid_max_file_bytes',
      title: 'Partition size too small',
      detail: `maxFileBytes must be a whole number of at least 65 (one digest line); got ${maxFileBytes}.`,
      resolution: 'Pass a larger --max-file-bytes, or leave it out for 50 MiB.',
      field: 'max-file-bytes',
    });
  }
}

/** A mapped column that is in no record of the sample is a mistake: say which columns exist. */
async function checkColumns(request: TransformRequest): Promise<void> {
  const schema = await discoverSchema(request.inputs, {
    sampleRows: SCHEMA_SAMPLE_ROWS,
    header: request.header ?? 'auto',
    maskNames: false,
  });
  const present = schema.columns.map((column) => column.name);
  if (present.length === 0) return; // nothing to read: every mapped cell counts as empty
  const missing = [
    ...new Set(request.mapping.map((entry) => entry.column).filter((column) => !present.includes(column))),
  ];
  if (missing.length === 0) return;
  throw new UserError({
    code: 'unknown_column',
    title: missing.length === 1 ? 'Mapped column not found' : 'Mapped columns not found',
    detail: `${missing.map((column) => `"${displayColumnName(column)}"`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in the input. Its columns are: ${present.map((column) => `"${displayColumnName(column)}"`).join(', ')}.`,
    resolution: missing.some((column) => displayColumnName(column) !== column)
      ? 'A column named like an identifier means the first row is data: map column_1, column_2… (as `inspect` lists them), or pass --header present if the first row really is the header.'
      : "Fix --map to use one of the input's column names (they are case-sensitive).",
    field: 'map',
  });
}
