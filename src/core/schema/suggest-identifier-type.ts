import { IDENTIFIER_TYPES, rules, type IdentifierType } from '../identifiers/rules.ts';

/** Splits a column name into lowercase words: `e-mail` → [e, mail], `phoneNumber` → [phone, number]. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/gu, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/u)
    .filter((word) => word !== '');
}

function containsRun(words: string[], run: string[]): boolean {
  for (let start = 0; start + run.length <= words.length; start++) {
    if (run.every((word, offset) => words[start + offset] === word)) return true;
  }
  return false;
}

/**
 * The identifier type a column's name points to, from rules.json `columnNameHints`: a hint matches
 * when its words appear in order in the name (`e_mail` in `customer_e_mail`), or, for a one-word
 * hint of four letters or more, when a word of the name starts with it (`emails`, `phonenumber`).
 * The longest matching hint wins, so `mobile_advertiser_id` is MAID, not something shorter.
 */
export function identifierTypeFromName(name: string): IdentifierType | null {
  const words = nameWords(name);
  let best: { type: IdentifierType; length: number } | null = null;
  for (const type of IDENTIFIER_TYPES) {
    for (const hint of rules.columnNameHints[type]) {
      const run = nameWords(hint);
      const [only] = run;
      const matches =
        containsRun(words, run) ||
        (run.length === 1 && only !== undefined && only.length >= 4 && words.some((word) => word.startsWith(only)));
      if (matches && (best === null || hint.length > best.length)) best = { type, length: hint.length };
    }
  }
  return best?.type ?? null;
}
