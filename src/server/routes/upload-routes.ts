import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, lstat, realpath, rename, stat, unlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Hono } from 'hono';
import { resolveDataPath } from '../../local/data-folder.ts';
import type { AppEnv } from '../http-app.ts';
import { HttpProblem, problem } from '../problem.ts';
import type { ServerContext } from '../server-context.ts';

export const DEFAULT_UPLOAD_MAX_BYTES = 5 * 1024 ** 3;
export const UPLOAD_EXTENSIONS = ['.jsonl', '.json', '.ndjson', '.csv', '.tsv', '.txt', '.parquet'];

const EXTENSION = new RegExp(`(${UPLOAD_EXTENSIONS.map((e) => e.replace('.', '\\.')).join('|')})(\\.gz)?$`, 'i');
// C0/C1 controls and the bidirectional overrides that make a name display as something else.
const UNSAFE_CHARACTER = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;

/** Why `name` is not a safe file name for the data folder, or undefined when it is. */
export function unsafeNameReason(name: string): string | undefined {
  if (name === '') return 'The file name is empty.';
  if (name.length > 200) return `The file name is ${name.length} characters long; at most 200 are allowed.`;
  if (name.includes('/') || name.includes('\\')) return 'The file name contains a path separator ("/" or "\\").';
  if (UNSAFE_CHARACTER.test(name)) return 'The file name contains a control character.';
  if (name.startsWith('.')) return 'The file name starts with "." (hidden files are not used).';
  if (!EXTENSION.test(name))
    return `The file name does not end in a supported extension (${UPLOAD_EXTENSIONS.join(', ')}, optionally followed by .gz).`;
  return undefined;
}

const tooLarge = (maxBytes: number) =>
  problem(
    413,
    {
      code: 'upload_too_large',
      title: 'File too large',
      detail: `The file is larger than the upload limit of ${maxBytes} bytes.`,
      resolution:
        'Copy the file into the data folder directly, or raise UPLOAD_MAX_BYTES when starting the server (npm start).',
    },
    { connection: 'close' },
  );

/** Counts bytes as they pass and fails the pipeline once there are more than `maxBytes`. */
function byteCounter(maxBytes: number): Transform & { bytes: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counter.bytes += chunk.length;
      if (counter.bytes > maxBytes) done(tooLarge(maxBytes));
      else done(null, chunk);
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}

export function addUploadRoutes(app: Hono<AppEnv>, context: ServerContext, options: { maxBytes: number }): void {
  app.post('/api/uploads', async (c) => {
    const incoming = c.env.incoming;
    const name = c.req.query('name') ?? '';
    const reason = unsafeNameReason(name);
    if (reason !== undefined) {
      throw problem(400, {
        code: 'unsafe_file_name',
        title: 'File name not allowed',
        detail: reason,
        resolution:
          'Rename the file to a plain name such as "customers.csv" (letters, digits, spaces, "-", "_"), keeping its extension.',
        field: 'name',
      });
    }
    const overwriteParameter = c.req.query('overwrite');
    if (overwriteParameter !== undefined && overwriteParameter !== 'true' && overwriteParameter !== 'false')
      throw problem(400, {
        code: 'invalid_overwrite',
        title: 'Invalid overwrite',
        detail: 'overwrite must be "true" or "false".',
        resolution: 'Send overwrite=true to replace an existing file, or leave it out.',
        field: 'overwrite',
      });
    const overwrite = overwriteParameter === 'true';
    const folder = await resolveDataPath(context.dataDir, c.req.query('folder') ?? '', 'folder');
    if (!(await stat(folder)).isDirectory()) {
      throw problem(422, {
        code: 'not_a_folder',
        title: 'Not a folder',
        detail: 'The upload folder names a file.',
        resolution: 'Give a folder of the data folder (GET /api/files lists them), or leave folder empty.',
        field: 'folder',
      });
    }
    const root = await realpath(context.dataDir);
    const target = join(folder, name);
    const relativePath = relative(root, target).split(sep).join('/');
    const exists = async () =>
      lstat(target).then(
        (info) => info,
        () => undefined,
      );
    const conflict = () =>
      problem(409, {
        code: 'file_exists',
        title: 'A file of that name exists',
        detail: `"${relativePath}" is already in the data folder.`,
        resolution: 'Choose another name, or confirm that the existing file should be replaced (overwrite=true).',
        field: 'name',
      });
    const existing = await exists();
    if (existing?.isDirectory())
      throw problem(409, {
        code: 'folder_exists',
        title: 'A folder of that name exists',
        detail: `"${relativePath}" is a folder.`,
        resolution: 'Choose another name.',
        field: 'name',
      });
    if (existing && !overwrite) throw conflict();
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > options.maxBytes) throw tooLarge(options.maxBytes);

    // Hidden (never listed, never an input) until complete; renamed in the same folder, so atomically.
    const temp = join(folder, `.upload-${randomUUID()}.part`);
    const counter = byteCounter(options.maxBytes);
    try {
      // Not pipeline(incoming, …): on the size limit that would destroy the request's socket before
      // the 413 could be sent. The request is piped in, and unpiped (paused) when the sink fails.
      const written = pipeline(counter, createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
      const onClose = () => {
        if (!incoming.complete) counter.destroy(new Error('The upload connection closed early.'));
      };
      incoming.once('close', onClose);
      incoming.pipe(counter);
      try {
        await written;
      } finally {
        incoming.off('close', onClose);
        incoming.unpipe(counter);
      }
      if (counter.bytes === 0) {
        throw problem(400, {
          code: 'empty_body',
          title: 'Empty file',
          detail: 'The request carried no bytes.',
          resolution: 'Send the file itself as the request body.',
          field: '(body)',
        });
      }
      if (overwrite) await rename(temp, target);
      else {
        // link() fails if the name appeared meanwhile: never replaces a file silently.
        try {
          await link(temp, target);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw conflict();
          throw error;
        }
        await unlink(temp);
      }
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      if (error instanceof HttpProblem) throw error;
      if (!incoming.complete)
        throw problem(400, {
          code: 'upload_interrupted',
          title: 'Upload interrupted',
          detail: 'The connection closed before the whole file arrived; nothing was kept.',
          resolution: 'Upload the file again.',
        });
      throw error;
    }
    return c.json({ path: relativePath, size: counter.bytes }, 201);
  });
}
