/** Junk identity values that must never link two people: placeholders that real data is full of. */

/** The defaults; `RTPROFILE_IDENTITY_BLOCKLIST` adds more (compared trimmed and case-insensitively). */
export const DEFAULT_BLOCKLIST: readonly string[] = Object.freeze([
  '',
  'null',
  'undefined',
  'nil',
  'none',
  'nan',
  'anonymous',
  'invalid',
  'unknown',
  'n/a',
  'na',
  'not available',
  '[object object]',
  '{}',
  '[]',
  '0',
  '-1',
  'false',
  'true',
  'test',
  'test@test.com',
  'test@example.com',
  'email@example.com',
  'noemail@noemail.com',
  'no@email.com',
  '00000000-0000-0000-0000-000000000000',
  '00000000000000000000000000000000000000',
  '0000000000',
]);

/** A compiled blocklist. */
export interface Blocklist {
  /** True when the value is junk: on the list, or a single character repeated (`xxxxxxxx`, `9999999999`). */
  blocks(value: string): boolean;
}

/** Builds the blocklist from the defaults and the configured extras. */
export function createBlocklist(extra: readonly string[] = []): Blocklist {
  const values = new Set([...DEFAULT_BLOCKLIST, ...extra].map((v) => v.trim().toLowerCase()));
  return {
    blocks(value) {
      const v = value.trim().toLowerCase();
      return values.has(v) || (v.length >= 4 && /^(.)\1+$/.test(v));
    },
  };
}
