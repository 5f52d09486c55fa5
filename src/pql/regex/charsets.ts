/** Character sets for the Java-regex translator: POSIX and predefined classes, Unicode properties, case folding. */
/** A predicate on one code point. */
export type CharTest = (cp: number) => boolean;

/** A regex the translator cannot accept; the caller turns it into PQL_BAD_REGEX. */
export class RegexSyntaxError extends Error {}

export interface CaseFlags {
  readonly i: boolean;
  readonly u: boolean;
}

const LINE_TERMINATORS = [0x0a, 0x0d, 0x85, 0x2028, 0x2029];
export const range = (lo: number, hi: number): CharTest => (cp) => cp >= lo && cp <= hi;
export const anyOf = (...tests: CharTest[]): CharTest => (cp) => tests.some((t) => t(cp));
export const not = (t: CharTest): CharTest => (cp) => !t(cp);
export const chars = (s: string): CharTest => {
  const set = new Set([...s].map((c) => c.codePointAt(0)!));
  return (cp) => set.has(cp);
};
const DIGIT = range(0x30, 0x39);
const LOWER = range(0x61, 0x7a);
const UPPER = range(0x41, 0x5a);
const ALPHA = anyOf(LOWER, UPPER);
const ALNUM = anyOf(ALPHA, DIGIT);
const WORD = anyOf(ALNUM, chars('_'));
const SPACE = chars(' \t\n\x0B\f\r');
const PUNCT = chars('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
export const POSIX: Readonly<Record<string, CharTest>> = {
  Lower: LOWER, Upper: UPPER, ASCII: range(0, 0x7f), Alpha: ALPHA, Digit: DIGIT, Alnum: ALNUM, Punct: PUNCT,
  Graph: anyOf(ALNUM, PUNCT), Print: anyOf(ALNUM, PUNCT, chars(' ')), Blank: chars(' \t'),
  Cntrl: anyOf(range(0, 0x1f), chars('\x7f')), XDigit: anyOf(DIGIT, range(0x41, 0x46), range(0x61, 0x66)), Space: SPACE,
};
export const CLASS_ESCAPES: Readonly<Record<string, CharTest>> = {
  d: DIGIT, w: WORD, s: SPACE,
  h: anyOf(chars(' \t\xA0\u1680\u180e\u202f\u205f\u3000'), range(0x2000, 0x200a)),
  v: chars('\n\x0B\f\r\x85\u2028\u2029'),
};
export const CHAR_ESCAPES: Readonly<Record<string, number>> = { t: 9, n: 10, r: 13, f: 12, a: 7, e: 27 };

/** Whether a code point ends a line for `.`, `^` and `$` (with UNIX_LINES only `\n` does). */
export function isLineTerminator(cp: number, unixLines: boolean): boolean {
  return unixLines ? cp === 0x0a : LINE_TERMINATORS.includes(cp);
}

const propertyCache = new Map<string, CharTest | null>();

/** A Unicode property by its Java name (`L`, `Lu`, `IsLatin`, `IsAlphabetic`), tested with JavaScript's `\\p{}`. */
export function unicodeProperty(name: string): CharTest | undefined {
  if (!propertyCache.has(name)) {
    const base = name.startsWith('Is') ? name.slice(2) : name;
    const candidates = name.startsWith('In') ? [] : [base, `Script=${base}`, base.replace(/^general_category=/i, 'gc=').replace(/^script=/i, 'sc=')];
    let found: CharTest | null = null;
    for (const candidate of candidates) {
      if (!/^[A-Za-z_=]+$/.test(candidate)) continue;
      try {
        const re = new RegExp(`^\\p{${candidate}}$`, 'u');
        found = (cp) => re.test(String.fromCodePoint(cp));
        break;
      } catch {
        // not a property JavaScript knows under this spelling; try the next
      }
    }
    propertyCache.set(name, found);
  }
  return propertyCache.get(name) ?? undefined;
}

/** Case-insensitive matching as Java does it: ASCII only, unless UNICODE_CASE (?u) is on. */
export function fold(test: CharTest, flags: CaseFlags): CharTest {
  if (!flags.i) return test;
  if (!flags.u) {
    return (cp) => test(cp) || (cp >= 0x41 && cp <= 0x5a && test(cp + 32)) || (cp >= 0x61 && cp <= 0x7a && test(cp - 32));
  }
  return (cp) => {
    if (test(cp)) return true;
    const s = String.fromCodePoint(cp);
    const lo = s.toLowerCase();
    const up = s.toUpperCase();
    return (lo.length <= 2 && test(lo.codePointAt(0)!)) || (up.length <= 2 && test(up.codePointAt(0)!));
  };
}
