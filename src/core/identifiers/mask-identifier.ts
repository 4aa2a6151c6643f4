/**
 * Masks a raw value for display: keeps the first character of each part and the shape.
 * `jane.doe@example.com` → `j***@e***.com`, `+1 613 555 0123` → `+1*******23`.
 */
export function maskIdentifier(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value.trim() : String(value);
  if (text === '') return '';
  const at = text.indexOf('@');
  if (at > 0) {
    const domain = text.slice(at + 1);
    const lastDot = domain.lastIndexOf('.');
    const tld = lastDot >= 0 ? domain.slice(lastDot) : '';
    return `${text[0]}***@${domain[0] ?? ''}***${tld}`;
  }
  if (text.length <= 4) return '*'.repeat(text.length);
  return `${text.slice(0, 2)}${'*'.repeat(Math.min(text.length - 4, 12))}${text.slice(-2)}`;
}
