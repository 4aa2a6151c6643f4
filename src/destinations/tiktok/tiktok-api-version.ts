/** The TikTok Marketing API version: every URL is built from this one constant. */
export const TIKTOK_API_VERSION = 'v1.3';

/** Production base URL (no trailing slash). TikTok's sandbox does not serve audience endpoints. */
export const TIKTOK_PRODUCTION_BASE_URL = `https://business-api.tiktok.com/open_api/${TIKTOK_API_VERSION}`;

/** Endpoint paths, relative to the base URL. TikTok requires the trailing slash. */
export const TIKTOK_PATHS = {
  fileUpload: '/dmp/custom_audience/file/upload/',
  create: '/dmp/custom_audience/create/',
  update: '/dmp/custom_audience/update/',
  get: '/dmp/custom_audience/get/',
  list: '/dmp/custom_audience/list/',
  delete: '/dmp/custom_audience/delete/',
} as const;

export type TikTokPath = (typeof TIKTOK_PATHS)[keyof typeof TIKTOK_PATHS];

/** Limits from docs/tiktok-api.md, enforced before calling TikTok. */
export const TIKTOK_LIMITS = {
  maxFileBytes: 50 * 1024 * 1024,
  maxFilePathsPerCall: 500,
  recommendedFilePathsPerCall: 50,
  maxAudienceIdsPerGet: 100,
  maxPageSize: 100,
  maxAudienceNameLength: 128,
  minAudienceSize: 1000,
} as const;
