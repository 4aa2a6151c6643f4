import { createHash } from 'node:crypto';
import { EmulatorApiError, TikTokCode, parameterError } from './emulator-api-error.ts';
import {
  type ApplyContext,
  type EmulatorState,
  MAX_FILE_PATHS,
  MAX_NAME_LENGTH,
  canonicalCalculateType,
  linePatternFor,
} from './emulator-state.ts';
import { simulatedMatchKey } from './simulated-match.ts';
import { IDS_PER_SLICE, yieldToEventLoop } from './yield-to-event-loop.ts';
import {
  type RequestParams,
  optionalInteger,
  optionalString,
  optionalStringList,
  requiredId,
  requiredString,
  requiredStringList,
} from './request-params.ts';

/** What every endpoint handler receives besides its parameters. */
export interface EndpointContext extends ApplyContext {
  state: EmulatorState;
  advertiserId: string;
  fileTtlMs: number;
  maxFileBytes: number;
}

export type EndpointData = Record<string, unknown>;
export type EndpointHandler = (context: EndpointContext, params: RequestParams) => Promise<EndpointData>;

function requiredName(params: RequestParams): string {
  const name = requiredString(params, 'custom_audience_name');
  if ([...name].length > MAX_NAME_LENGTH)
    throw parameterError(`custom_audience_name: at most ${MAX_NAME_LENGTH} characters, got ${[...name].length}`);
  return name;
}

function filePathsOf(params: RequestParams): string[] {
  return requiredStringList(params, 'file_paths', { min: 1, max: MAX_FILE_PATHS });
}

function retentionOf(params: RequestParams): number | undefined {
  return optionalInteger(params, 'retention_in_days', { min: 1, max: 365 });
}

/** The fields of `POST dmp/custom_audience/file/upload/` once the multipart body is parsed. */
export interface UploadedFileFields {
  calculateType: string | undefined;
  fileSignature: string | undefined;
  file: { name: string; bytes: Buffer } | undefined;
}

export async function uploadFile(context: EndpointContext, fields: UploadedFileFields): Promise<EndpointData> {
  if (!fields.calculateType) throw parameterError('calculate_type: required');
  const calculateType = canonicalCalculateType(fields.calculateType);
  if (!calculateType) {
    throw new EmulatorApiError(
      TikTokCode.calculateTypeUnsupported,
      `calculate_type ${fields.calculateType} is not supported (the emulator does not support MULTIPLE_TYPES)`,
    );
  }
  if (!fields.fileSignature) throw parameterError('file_signature: required (hex MD5 of the file)');
  if (!fields.file) throw parameterError('file: required (a multipart file part)');
  const { name, bytes } = fields.file;
  if (!/\.(csv|txt)$/i.test(name))
    throw new EmulatorApiError(TikTokCode.fileWrongType, `File type not supported: ${name} (use .csv or .txt)`);
  if (bytes.length > context.maxFileBytes)
    throw new EmulatorApiError(
      TikTokCode.fileTooLarge,
      `File too large: ${bytes.length} bytes, at most ${context.maxFileBytes}`,
    );
  if (bytes.length === 0) throw new EmulatorApiError(TikTokCode.fileEmpty, 'File is empty');
  const md5 = createHash('md5').update(bytes).digest('hex');
  if (fields.fileSignature.toLowerCase() !== md5) {
    throw new EmulatorApiError(
      TikTokCode.fileSignatureMismatch,
      'file_signature does not match the MD5 of the file received',
    );
  }
  const { ids, matchKeys } = await parseIdLines(bytes, calculateType);
  if (ids.length === 0) throw new EmulatorApiError(TikTokCode.fileEmpty, 'File holds no ids');
  const stored = context.state.addFile({
    advertiserId: context.advertiserId,
    calculateType,
    md5,
    fileName: name,
    bytes: bytes.length,
    rows: ids.length,
    uploadedAt: context.now,
    expiresAt: context.now + context.fileTtlMs,
    ids,
    matchKeys,
  });
  return { file_path: stored.filePath, size: bytes.length };
}

/**
 * One digest per line, no header; CRLF and one final newline are fine, any other blank line is not.
 * Each line becomes its own small string (not a slice pinning the whole file), with its match key.
 */
async function parseIdLines(bytes: Buffer, calculateType: string): Promise<{ ids: string[]; matchKeys: Uint32Array }> {
  const pattern = linePatternFor(calculateType);
  const ids: string[] = [];
  const keys: number[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(10, start);
    const next = end === -1 ? bytes.length : end + 1;
    if (end === -1) end = bytes.length;
    if (end > start && bytes[end - 1] === 13) end -= 1;
    const line = bytes.toString('latin1', start, end);
    if (!pattern.test(line)) {
      // Never echo the line: it could be a raw identifier.
      throw new EmulatorApiError(
        TikTokCode.fileNotToSpec,
        `File not to spec: line ${ids.length + 1} is not a lowercase hex ${calculateType.endsWith('_MD5') ? 'MD5' : 'SHA-256'} digest`,
      );
    }
    ids.push(line);
    keys.push(simulatedMatchKey(line));
    if (ids.length % IDS_PER_SLICE === 0) await yieldToEventLoop();
    start = next;
  }
  return { ids, matchKeys: Uint32Array.from(keys) };
}

export async function createAudience(context: EndpointContext, params: RequestParams): Promise<EndpointData> {
  const name = requiredName(params);
  const rawType = requiredString(params, 'calculate_type');
  const calculateType = canonicalCalculateType(rawType);
  if (!calculateType) throw parameterError(`calculate_type ${rawType} is not supported`);
  const filePaths = filePathsOf(params);
  const retentionInDays = retentionOf(params);
  const audienceId = await context.state.create(
    {
      advertiserId: context.advertiserId,
      name,
      calculateType,
      filePaths,
      ...(retentionInDays === undefined ? {} : { retentionInDays }),
    },
    context,
  );
  return { custom_audience_id: audienceId };
}

export async function updateAudience(context: EndpointContext, params: RequestParams): Promise<EndpointData> {
  const audienceId = requiredId(params, 'custom_audience_id');
  const name = params.custom_audience_name === undefined ? undefined : requiredName(params);
  const filePaths = params.file_paths === undefined ? undefined : filePathsOf(params);
  const rawAction = optionalString(params, 'action');
  const action = rawAction ?? 'REPLACE'; // TikTok's default when `action` is absent.
  if (action !== 'APPEND' && action !== 'REMOVE' && action !== 'REPLACE')
    throw parameterError(`action: expected APPEND, REMOVE or REPLACE, got ${action}`);
  const rawType = optionalString(params, 'calculate_type');
  const calculateType = rawType === undefined ? undefined : canonicalCalculateType(rawType);
  if (rawType !== undefined && calculateType === undefined)
    throw parameterError(`calculate_type ${rawType} is not supported`);
  const retentionInDays = retentionOf(params);
  if (name === undefined && filePaths === undefined && retentionInDays === undefined) {
    throw parameterError('Nothing to update: give custom_audience_name, or file_paths with action');
  }
  if (rawAction !== undefined && filePaths === undefined) throw parameterError('action needs file_paths');
  if (filePaths !== undefined) {
    await context.state.updateFiles(
      {
        advertiserId: context.advertiserId,
        audienceId,
        filePaths,
        action,
        ...(calculateType === undefined ? {} : { calculateType }),
      },
      context,
    );
  }
  // A rename in the same request as a file update rides on that update's busy check.
  if (name !== undefined)
    context.state.rename({ advertiserId: context.advertiserId, audienceId, name }, context, filePaths === undefined);
  if (retentionInDays !== undefined)
    context.state.retain({ advertiserId: context.advertiserId, audienceId, retentionInDays }, context.now);
  return {};
}

export async function getAudiences(context: EndpointContext, params: RequestParams): Promise<EndpointData> {
  const audienceIds = requiredStringList(params, 'custom_audience_ids', { min: 1, max: 100 });
  const historySize = optionalInteger(params, 'history_size', { min: 1, max: 100 }) ?? 10;
  return { list: context.state.get({ advertiserId: context.advertiserId, audienceIds, historySize }, context.now) };
}

export async function listAudiences(context: EndpointContext, params: RequestParams): Promise<EndpointData> {
  const page = optionalInteger(params, 'page', { min: 1, max: Number.MAX_SAFE_INTEGER }) ?? 1;
  const pageSize = optionalInteger(params, 'page_size', { min: 1, max: 100 }) ?? 10;
  const audienceIds = optionalStringList(params, 'custom_audience_ids', { min: 1, max: 100 });
  const all = context.state.listFor(context.advertiserId, audienceIds);
  const items = all
    .slice((page - 1) * pageSize, page * pageSize)
    .map((audience) => context.state.describe(audience, context.now));
  return {
    list: items,
    page_info: { page, page_size: pageSize, total_number: all.length, total_page: Math.ceil(all.length / pageSize) },
  };
}

export async function deleteAudiences(context: EndpointContext, params: RequestParams): Promise<EndpointData> {
  const audienceIds = requiredStringList(params, 'custom_audience_ids', { min: 1, max: 100 });
  context.state.delete({ advertiserId: context.advertiserId, audienceIds }, context);
  return {};
}
