import { describe, expect, it } from 'vitest';
import {
  TikTokApiError,
  classifyHttpStatus,
  classifyTikTokCode,
  defaultBusyMessageMatcher,
  tikTokErrorToUserError,
} from '../../../../src/destinations/tiktok/tiktok-errors.ts';

describe('40002: busy or final', () => {
  it.each([
    ['Audience busy: the audience is being calculated or updated, try again later', true],
    ['The audience is calculating, please try again later', true],
    ['Custom audience is being processed', true],
    ['The update would leave the audience with fewer than 1,000 ids', false],
    ['Audience size cannot be less than 1000', false],
    ['calculate_type mismatch: file was uploaded as PHONE_SHA256', false],
    ['custom_audience_name: too long', false],
  ])('%s → busy %s', (message, busy) => {
    expect(defaultBusyMessageMatcher(message)).toBe(busy);
    expect(classifyTikTokCode(40002, message)).toBe(busy ? 'busy' : 'invalid');
  });
});

describe('classification outside the documented table', () => {
  it('treats undocumented server-side codes as transient and other unknown codes as final', () => {
    expect(classifyTikTokCode(51234, 'x')).toBe('retryable');
    expect(classifyTikTokCode(41234, 'x')).toBe('invalid');
    expect(classifyHttpStatus(503)).toBe('retryable');
    expect(classifyHttpStatus(403)).toBe('credentials');
  });
});

describe('tikTokErrorToUserError', () => {
  it("names the cause with TikTok's message, code and request_id, and keeps the fix", () => {
    const error = new TikTokApiError({
      kind: 'credentials',
      code: 40105,
      requestId: 'rid-42',
      tiktokMessage: 'Access token is invalid',
      endpoint: '/dmp/custom_audience/list/',
      attempts: 1,
    });
    const userError = tikTokErrorToUserError(error);
    expect(userError.code).toBe('tiktok_credentials');
    expect(userError.kind).toBe('failure');
    expect(userError.title).toBe('TikTok refused the access token');
    expect(userError.detail).toBe(
      '/dmp/custom_audience/list/: Access token is invalid; code 40105; request_id rid-42.',
    );
    expect(userError.resolution).toMatch(/new long-term token.*TIKTOK_ACCESS_TOKEN/);
    expect(userError.cause).toBe(error);
  });

  it('says how many attempts were made for transient failures', () => {
    const error = new TikTokApiError({
      kind: 'retryable',
      code: null,
      tiktokMessage: 'No answer within 60000 ms',
      endpoint: '/dmp/custom_audience/get/',
      outcomeUnknown: true,
    }).withAttempts(6);
    expect(tikTokErrorToUserError(error).detail).toBe(
      '/dmp/custom_audience/get/: No answer within 60000 ms; after 6 attempts.',
    );
    expect(error.transient).toBe(true);
  });
});
