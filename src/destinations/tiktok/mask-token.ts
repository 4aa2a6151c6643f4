/** Shows at most the last 4 characters of a secret: `…abcd`. Short or empty tokens show nothing. */
export function maskToken(token: string | undefined | null): string {
  if (!token) return '(none)';
  if (token.length <= 8) return '…';
  return `…${token.slice(-4)}`;
}
