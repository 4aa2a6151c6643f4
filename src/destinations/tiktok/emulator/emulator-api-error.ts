/**
 * TikTok's in-body result codes that the emulator answers with (see docs/tiktok-api.md).
 * Only the codes the emulator produces are listed.
 */
export const TikTokCode = {
  ok: 0,
  invalidParameters: 40000,
  noPermission: 40001,
  /** Parameter error; also "audience busy" and "would fall below 1,000". */
  parameterError: 40002,
  notFound: 40007,
  throttled: 40100,
  tokenEmpty: 40104,
  tokenInvalid: 40105,
  advertiserNotFound: 40300,
  fileSignatureMismatch: 40900,
  fileNotFound: 40905,
  fileEmpty: 40906,
  fileTooLarge: 40907,
  fileWrongType: 40908,
  calculateTypeUnsupported: 40909,
  fileExpired: 40910,
  fileNotToSpec: 40915,
  serverError: 50000,
} as const;

/** Fixed message prefixes a client may rely on to tell the different 40002 cases apart. */
export const BUSY_MESSAGE = 'Audience busy: the audience is being calculated or updated, try again later';
export const FLOOR_MESSAGE = 'The update would leave the audience with fewer than 1,000 ids';

/** A TikTok-style failure: answered as `{ code, message }` in an HTTP 200 envelope. */
export class EmulatorApiError extends Error {
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.name = 'EmulatorApiError';
    this.code = code;
  }
}

export function parameterError(message: string): EmulatorApiError {
  return new EmulatorApiError(TikTokCode.parameterError, message);
}
