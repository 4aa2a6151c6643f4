import { resolve } from 'node:path';
import { UserError } from '../../core/errors.ts';
import { IDENTIFIER_TYPES } from '../../core/identifiers/index.ts';
import { DEFAULT_MAX_FILE_BYTES, type Manifest } from '../../core/transform/manifest.ts';
import { openLocalInputs } from '../../adapters/node/local-inputs.ts';
import { runTransform, type TransformProgress } from '../../adapters/node/transform/run-transform.ts';
import {
  parseCommandArguments,
  parseMapping,
  parseHeaderMode,
  parseNormalizeOptions,
  HEADER_HELP,
  parseWholeNumber,
  TRANSFORM_OPTION_SPECS,
} from '../command-arguments.ts';

const HELP = `Usage: audience-uploader transform <input...> --map <column>=<TYPE> [--map ...] --out <dir> [options]

Normalizes and SHA-256-hashes the mapped columns of every record, de-duplicates per identifier type,
and writes <dir>/<type>_sha256/part-NNNNN.csv, <dir>/rejects.csv and <dir>/manifest.json.
Inputs: files or folders of part files (JSON Lines, JSON array, CSV/TSV, Parquet, any of them .gz).

  --map <column>=<TYPE>     map an input column to ${IDENTIFIER_TYPES.join(', ')} (repeatable;
                            several columns may map to one type)
  --out <dir>               output folder (created if missing)
  --phone-region <CC>       default country of phone numbers without + (default US)
  --phone-format <f>        digits (default) or e164 (keep the +)
  --email-dots <d>          keep (default), strip-gmail or strip-all
  --prehashed <p>           accept (default) 64-hex values as existing digests, or reject them
  --max-file-bytes <N>      largest partition file in bytes (default ${DEFAULT_MAX_FILE_BYTES}, 50 MiB)
${HEADER_HELP}
  --force                   replace an earlier transform in <dir>
  --json                    print the manifest as JSON instead of the summary
  --workers <N>             hashing threads (default: one per core)
  --memory-budget <bytes>   memory for de-duplication before it spills to disk (default 256 MiB)
`;

/** `transform`: parse arguments, run the engine with a progress bar, print the summary. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArguments('transform', args, {
    ...TRANSFORM_OPTION_SPECS,
    out: { type: 'string', short: 'o' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    workers: { type: 'string' },
    'memory-budget': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length === 0) {
    throw new UserError({
      code: 'missing_input',
      title: 'No input given',
      detail: 'transform needs at least one file or folder to read.',
      resolution: 'Run `audience-uploader transform <file-or-folder> --map <column>=<TYPE> --out <dir>`.',
      field: 'input',
    });
  }
  const mapping = parseMapping('transform', values.map ?? []);
  if (values.out === undefined) {
    throw new UserError({
      code: 'missing_out',
      title: 'No output folder',
      detail: 'transform needs --out <dir> to write the partitions, rejects.csv and manifest.json.',
      resolution: 'Add e.g. `--out ./out/my-audience`.',
      field: '--out',
    });
  }
  const options = parseNormalizeOptions('transform', values);
  const header = parseHeaderMode(values.header);
  const maxFileBytes = parseWholeNumber(values['max-file-bytes'], '--max-file-bytes', 65) ?? DEFAULT_MAX_FILE_BYTES;
  const workers = parseWholeNumber(values.workers, '--workers', 1);
  const memoryBudgetBytes = parseWholeNumber(values['memory-budget'], '--memory-budget', 64 * 1024);
  const inputs = await openLocalInputs(positionals);

  const abort = new AbortController();
  const onInterrupt = (): void => abort.abort();
  process.once('SIGINT', onInterrupt);
  const progress = process.stderr.isTTY ? new ProgressBar() : null;
  let manifest: Manifest;
  try {
    manifest = await runTransform({
      inputs,
      mapping,
      options,
      maxFileBytes,
      header,
      outDir: resolve(values.out),
      overwrite: values.force ?? false,
      signal: abort.signal,
      ...(workers === undefined ? {} : { workers }),
      ...(memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes }),
      ...(progress ? { onProgress: (update: TransformProgress) => progress.update(update) } : {}),
    });
  } catch (error) {
    if (abort.signal.aborted) {
      throw new UserError({
        code: 'cancelled',
        title: 'Transform cancelled',
        detail: 'Stopped before the end; no manifest.json was written.',
        resolution: 'Run the command again to transform the whole input.',
        kind: 'failure',
        cause: error,
      });
    }
    throw error;
  } finally {
    progress?.clear();
    process.removeListener('SIGINT', onInterrupt);
  }
  process.stdout.write(values.json ? `${JSON.stringify(manifest, null, 2)}\n` : renderSummary(manifest, values.out));
  return 0;
}

/** Per-type counts and files after a run; rejected cells are counted by reason. */
export function renderSummary(manifest: Manifest, outDir: string): string {
  const header = ['type', 'valid', 'prehashed', 'empty', 'rejected', 'duplicates', 'unique', 'files'];
  const rows = Object.entries(manifest.types).map(([type, counts]) => {
    const rejected = Object.values(counts.rejected).reduce((sum, count) => sum + count, 0);
    return [
      type,
      counts.valid,
      counts.prehashed,
      counts.empty,
      rejected,
      counts.duplicates,
      counts.unique,
      counts.files.length,
    ].map((cell) => (typeof cell === 'number' ? cell.toLocaleString('en-US') : cell));
  });
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => String(row[index]).length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, index) => (index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0)))
      .join('  ');
  const reasons = Object.entries(manifest.types).flatMap(([type, counts]) =>
    Object.entries(counts.rejected).map(([reason, count]) => `  ${type} ${reason}: ${count.toLocaleString('en-US')}`),
  );
  return [
    `Read ${manifest.recordsRead.toLocaleString('en-US')} records from ${manifest.inputs.length} file(s)${manifest.malformedRecords > 0 ? `; ${manifest.malformedRecords.toLocaleString('en-US')} malformed (skipped)` : ''}.`,
    '',
    line(header),
    ...rows.map((row) => line(row.map(String))),
    ...(reasons.length > 0 ? ['', 'Rejected by reason:', ...reasons] : []),
    '',
    `Wrote ${outDir}/manifest.json (rejects: ${manifest.rejects.rows.toLocaleString('en-US')} rows in rejects.csv).`,
    '',
  ].join('\n');
}

/** One self-rewriting line on stderr: records, MB/s and an ETA from the bytes read. */
class ProgressBar {
  private readonly started = Date.now();
  private lastDrawn = 0;
  private drawn = false;

  update(progress: TransformProgress): void {
    const now = Date.now();
    if (now - this.lastDrawn < 200) return;
    this.lastDrawn = now;
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const share = progress.totalBytes > 0 ? Math.min(progress.bytesRead / progress.totalBytes, 1) : 0;
    const width = 24;
    const filled = Math.round(share * width);
    const rate = progress.bytesRead / seconds;
    const eta = rate > 0 ? (progress.totalBytes - progress.bytesRead) / rate : 0;
    const text = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(share * 100)}%  ${progress.recordsRead.toLocaleString('en-US')} records  ${(rate / 1e6).toFixed(1)} MB/s  ETA ${Math.ceil(eta)}s`;
    process.stderr.write(`\r${text}\u001b[K`);
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) process.stderr.write('\r\u001b[K');
  }
}
