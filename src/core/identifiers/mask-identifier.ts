/**
 * Masks a raw value for display, revealing less of shorter values: an email keeps the first
 * character of its local part and of its domain (each only when it has at least 3 characters) and
 * the top-level domain — `jane.doe@example.com` → `j***@e***.com`, `ab@cd.io` → `***@***.io`;
 * anything else shows a quarter of its characters (at most 2 at each end, none up to 4 characters):
 * `12345` → `1****`, `+1 613 555 0123` → `+1************3`. Counted in code points.
 */
export function maskIdentifier(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value.trim() : String(value);
  if (text === '') return '';
  const characters = Array.from(text);
  const at = characters.indexOf('@');
  if (at > 0) {
    const domain = characters.slice(at + 1);
    const lastDot = domain.lastIndexOf('.');
    const name = lastDot >= 0 ? domain.slice(0, lastDot) : domain;
    const tld = lastDot >= 0 ? domain.slice(lastDot).join('') : '';
    return `${leadOf(characters.slice(0, at))}***@${leadOf(name)}***${tld}`;
  }
  const shown = characters.length <= 4 ? 0 : Math.min(4, Math.floor(characters.length / 4));
  const tail = Math.floor(shown / 2);
  const head = shown - tail;
  return `${characters.slice(0, head).join('')}${'*'.repeat(Math.min(characters.length - shown, 12))}${characters.slice(characters.length - tail).join('')}`;
}

function leadOf(part: string[]): string {
  return part.length >= 3 ? (part[0] as string) : '';
}
