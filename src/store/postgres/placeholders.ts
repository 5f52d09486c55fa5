/** Rewrites the portable `?` placeholders to PostgreSQL's `$1, $2, …`, once per distinct statement. */

const cache = new Map<string, string>();

/** `?` outside quoted strings and identifiers becomes `$n`; the result is cached by statement text. */
export function toPositional(sql: string): string {
  const hit = cache.get(sql);
  if (hit !== undefined) return hit;
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  if (cache.size < 10_000) cache.set(sql, out);
  return out;
}
