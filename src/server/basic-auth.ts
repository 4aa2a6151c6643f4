import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The optional local password: accepted as HTTP Basic (any user name) or as a Bearer token.
 * Compared through SHA-256 digests so the comparison time does not depend on the password.
 * (Hono's bearerAuth accepts only RFC 6750 token characters, so a password with a space could not
 * be sent as Bearer; one check for both schemes keeps the documented contract.)
 */
export function isAuthorized(header: string | undefined, password: string): boolean {
  const value = header ?? '';
  let given: string | undefined;
  const space = value.indexOf(' ');
  const scheme = (space === -1 ? value : value.slice(0, space)).toLowerCase();
  const credentials = space === -1 ? '' : value.slice(space + 1).trim();
  if (scheme === 'bearer') given = credentials;
  else if (scheme === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    given = colon === -1 ? decoded : decoded.slice(colon + 1);
  }
  if (given === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(password));
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}
