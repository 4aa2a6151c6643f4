import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The optional local password: accepted as HTTP Basic (any user name) or as a Bearer token.
 * Compared through SHA-256 digests so the comparison time does not depend on the password.
 */
export function isAuthorized(request: IncomingMessage, password: string): boolean {
  const header = request.headers.authorization ?? '';
  let given: string | undefined;
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  const value = space === -1 ? '' : header.slice(space + 1);
  if (scheme.toLowerCase() === 'bearer') given = value.trim();
  else if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
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
