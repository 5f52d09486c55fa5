/** Reads Java `java.util.regex.Pattern` syntax into a small tree; unsupported constructs fail with a clear reason. */

export type CharTest = (cp: number) => boolean;
export type AssertKind = 'bol' | 'eol' | 'mbol' | 'meol' | 'word' | 'nonword' | 'start' | 'end' | 'endZ';
export type RNode =
  | { readonly t: 'char'; readonly test: CharTest }
  | { readonly t: 'seq'; readonly items: readonly RNode[] }
  | { readonly t: 'alt'; readonly options: readonly RNode[] }
  | { readonly t: 'rep'; readonly node: RNode; readonly min: number; readonly max: number; readonly greedy: boolean }
  | { readonly t: 'group'; readonly index: number; readonly node: RNode }
  | { readonly t: 'assert'; readonly kind: AssertKind };

/** A regex the translator cannot accept; the caller turns it into PQL_BAD_REGEX. */
export class RegexSyntaxError extends Error {}

interface Flags { i: boolean; s: boolean; m: boolean; x: boolean; u: boolean; d: boolean }

const MAX_REPEAT = 1000;
const LINE_TERMINATORS = [0x0a, 0x0d, 0x85, 0x2028, 0x2029];
const range = (lo: number, hi: number): CharTest => (cp) => cp >= lo && cp <= hi;
const anyOf = (...tests: CharTest[]): CharTest => (cp) => tests.some((t) => t(cp));
const not = (t: CharTest): CharTest => (cp) => !t(cp);
const chars = (s: string): CharTest => {
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
const POSIX: Readonly<Record<string, CharTest>> = {
  Lower: LOWER, Upper: UPPER, ASCII: range(0, 0x7f), Alpha: ALPHA, Digit: DIGIT, Alnum: ALNUM, Punct: PUNCT,
  Graph: anyOf(ALNUM, PUNCT), Print: anyOf(ALNUM, PUNCT, chars(' ')), Blank: chars(' \t'),
  Cntrl: anyOf(range(0, 0x1f), chars('\x7f')), XDigit: anyOf(DIGIT, range(0x41, 0x46), range(0x61, 0x66)), Space: SPACE,
};
const CLASS_ESCAPES: Readonly<Record<string, CharTest>> = {
  d: DIGIT, w: WORD, s: SPACE,
  h: anyOf(chars(' \t\xA0\u1680\u180e\u202f\u205f\u3000'), range(0x2000, 0x200a)),
  v: chars('\n\x0B\f\r\x85\u2028\u2029'),
};
const CHAR_ESCAPES: Readonly<Record<string, number>> = { t: 9, n: 10, r: 13, f: 12, a: 7, e: 27 };

/** Whether a code point ends a line for `.`, `^` and `$` (with UNIX_LINES only `\n` does). */
export function isLineTerminator(cp: number, unixLines: boolean): boolean {
  return unixLines ? cp === 0x0a : LINE_TERMINATORS.includes(cp);
}

/** Parses a Java pattern; returns the tree, the number of capture groups and whether UNIX_LINES is on. */
export function parseJavaRegex(pattern: string): { node: RNode; groups: number; unixLines: boolean } {
  const p = new RegexParser(pattern);
  const node = p.alternation({ i: false, s: false, m: false, x: false, u: false, d: false });
  if (p.pos < pattern.length) p.fail(`unmatched ')' at index ${p.pos}`);
  return { node, groups: p.groups, unixLines: p.unixLines };
}

class RegexParser {
  pos = 0;
  groups = 0;
  unixLines = false;

  constructor(private readonly src: string) {}

  fail(reason: string): never {
    throw new RegexSyntaxError(reason);
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  alternation(flags: Flags): RNode {
    const options = [this.sequence(flags)];
    while (this.peek() === '|') {
      this.pos++;
      options.push(this.sequence(flags));
    }
    return options.length === 1 ? options[0]! : { t: 'alt', options };
  }

  private sequence(flags: Flags): RNode {
    const items: RNode[] = [];
    for (;;) {
      if (flags.x) this.skipComments();
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') break;
      if (c === '(' && this.src.startsWith('(?', this.pos) && this.inlineFlags(flags)) continue;
      const atom = this.atom(flags);
      if (atom) items.push(this.quantified(atom, flags));
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  private skipComments(): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\x0B') this.pos++;
      else if (c === '#') while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      else return;
    }
  }

  /** `(?i)`-style flags that apply to the rest of the enclosing group; returns false for any other `(?`. */
  private inlineFlags(flags: Flags): boolean {
    const m = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?\)/.exec(this.src.slice(this.pos, this.pos + 20));
    if (!m) return false;
    this.setFlags(flags, m[1] ?? '', m[2] ?? '');
    this.pos += m[0].length;
    return true;
  }

  private setFlags(flags: Flags, on: string, off: string): void {
    for (const [letters, value] of [[on, true], [off, false]] as const) {
      for (const f of letters) {
        if (f === 'i' || f === 's' || f === 'm' || f === 'x' || f === 'u' || f === 'd') flags[f] = value;
        else if (f === 'U') this.fail('the UNICODE_CHARACTER_CLASS flag (?U) is not supported');
        else this.fail(`unknown inline flag '${f}'`);
        if (f === 'd' && value) this.unixLines = true;
      }
    }
  }

  private quantified(atom: RNode, flags: Flags): RNode {
    let node = atom;
    for (;;) {
      if (flags.x) this.skipComments();
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, Infinity];
      else if (c === '+') [min, max] = [1, Infinity];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos, this.pos + 24));
        if (!m) this.fail(`illegal repetition at index ${this.pos}`);
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] ? Number(m[3]) : Infinity;
        if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) this.fail(`repetition counts above ${MAX_REPEAT} are not supported`);
        if (max < min) this.fail(`illegal repetition range {${m[1]},${m[3]}}`);
        this.pos += m[0].length - 1;
      } else return node;
      this.pos++;
      let greedy = true;
      if (this.peek() === '?') {
        greedy = false;
        this.pos++;
      } else if (this.peek() === '+') {
        this.fail('possessive quantifiers (*+, ++, ?+) are not supported');
      }
      if (node.t === 'assert') this.fail('a quantifier cannot follow an anchor');
      node = { t: 'rep', node, min, max, greedy };
    }
  }

  private atom(flags: Flags): RNode | null {
    const c = this.src[this.pos++]!;
    switch (c) {
      case '(': return this.group(flags);
      case '[': return { t: 'char', test: fold(this.charClass(), flags) };
      case '.': {
        const unix = this.unixLines;
        return { t: 'char', test: flags.s ? () => true : (cp) => !isLineTerminator(cp, unix) };
      }
      case '^': return { t: 'assert', kind: flags.m ? 'mbol' : 'bol' };
      case '$': return { t: 'assert', kind: flags.m ? 'meol' : 'eol' };
      case '\\': return this.escape(flags);
      case '*': case '+': case '?': return this.fail(`dangling meta character '${c}' at index ${this.pos - 1}`);
      case '{': return this.fail(`illegal repetition at index ${this.pos - 1}`);
      default: {
        const cp = this.src.codePointAt(this.pos - 1)!;
        if (cp > 0xffff) this.pos++;
        return { t: 'char', test: fold((x) => x === cp, flags) };
      }
    }
  }

  private group(outer: Flags): RNode {
    const flags = { ...outer };
    let index = 0;
    if (this.peek() === '?') {
      const rest = this.src.slice(this.pos, this.pos + 4);
      const m = /^\?([a-zA-Z]*)(?:-([a-zA-Z]*))?:/.exec(this.src.slice(this.pos, this.pos + 20));
      if (m) {
        this.setFlags(flags, m[1] ?? '', m[2] ?? '');
        this.pos += m[0].length;
      } else if (rest.startsWith('?<') && /^\?<[a-zA-Z]/.test(rest)) {
        const name = /^\?<([a-zA-Z][a-zA-Z0-9]*)>/.exec(this.src.slice(this.pos, this.pos + 40));
        if (!name) this.fail('a named group needs a name of letters and digits');
        this.pos += name[0].length;
        index = ++this.groups;
      } else if (/^\?(=|!|<=|<!)/.test(rest)) {
        this.fail('lookahead and lookbehind are not supported');
      } else if (rest.startsWith('?>')) {
        this.fail('atomic groups (?>...) are not supported');
      } else {
        this.fail(`unknown group construct at index ${this.pos - 1}`);
      }
    } else {
      index = ++this.groups;
    }
    const node = this.alternation(flags);
    if (this.peek() !== ')') this.fail('unclosed group');
    this.pos++;
    return index ? { t: 'group', index, node } : node;
  }

  private escape(flags: Flags): RNode | null {
    const c = this.src[this.pos];
    if (c === undefined) this.fail('a pattern cannot end with a backslash');
    switch (c) {
      case 'b': this.pos++; return { t: 'assert', kind: 'word' };
      case 'B': this.pos++; return { t: 'assert', kind: 'nonword' };
      case 'A': this.pos++; return { t: 'assert', kind: 'start' };
      case 'z': this.pos++; return { t: 'assert', kind: 'end' };
      case 'Z': this.pos++; return { t: 'assert', kind: 'endZ' };
      case 'Q': {
        const end = this.src.indexOf('\\E', this.pos + 1);
        const text = this.src.slice(this.pos + 1, end < 0 ? undefined : end);
        this.pos = end < 0 ? this.src.length : end + 2;
        const items: RNode[] = [...text].map((ch) => {
          const cp = ch.codePointAt(0)!;
          return { t: 'char', test: fold((x) => x === cp, flags) };
        });
        return items.length ? { t: 'seq', items } : null;
      }
      case 'R':
        this.pos++;
        return {
          t: 'alt',
          options: [
            { t: 'seq', items: [{ t: 'char', test: (x) => x === 13 }, { t: 'char', test: (x) => x === 10 }] },
            { t: 'char', test: chars('\n\x0B\f\r\x85\u2028\u2029') },
          ],
        };
    }
    return { t: 'char', test: fold(this.escapeTest(), flags) };
  }

  /** An escape that stands for one character or a class of them, inside or outside brackets. */
  private escapeTest(): CharTest {
    const c = this.src[this.pos++]!;
    const lower = c.toLowerCase();
    if (Object.hasOwn(CLASS_ESCAPES, lower)) {
      const t = CLASS_ESCAPES[lower]!;
      return c === lower ? t : not(t);
    }
    if (c === 'p' || c === 'P') {
      const t = this.property();
      return c === 'p' ? t : not(t);
    }
    const cp = this.escapedChar(c);
    return (x) => x === cp;
  }

  private escapedChar(c: string): number {
    if (Object.hasOwn(CHAR_ESCAPES, c)) return CHAR_ESCAPES[c]!;
    const hex = (re: RegExp): number => {
      const m = re.exec(this.src.slice(this.pos, this.pos + 10));
      if (!m) this.fail(`malformed \\${c} escape`);
      this.pos += m[0].length;
      const v = parseInt(m[1]!, 16);
      if (v > 0x10ffff) this.fail('code point out of range');
      return v;
    };
    switch (c) {
      case 'x': return this.peek() === '{' ? hex(/^\{([0-9a-fA-F]{1,6})\}/) : hex(/^([0-9a-fA-F]{2})/);
      case 'u': return hex(/^([0-9a-fA-F]{4})/);
      case '0': {
        const m = /^[0-7]{1,3}/.exec(this.src.slice(this.pos, this.pos + 3));
        if (!m) this.fail('malformed octal escape \\0');
        let digits = m[0];
        if (digits.length === 3 && digits[0]! > '3') digits = digits.slice(0, 2);
        this.pos += digits.length;
        return parseInt(digits, 8);
      }
      case 'c': {
        const ch = this.src.charCodeAt(this.pos++);
        if (Number.isNaN(ch)) this.fail('malformed control escape \\c');
        return ch ^ 64;
      }
    }
    if (/[1-9k]/.test(c)) this.fail('backreferences are not supported');
    if (/[a-zA-Z0-9]/.test(c)) this.fail(`unknown escape \\${c}`);
    return c.codePointAt(0)!;
  }

  private property(): CharTest {
    let name: string;
    if (this.peek() === '{') {
      const end = this.src.indexOf('}', this.pos);
      if (end < 0) this.fail('unclosed \\p{...}');
      name = this.src.slice(this.pos + 1, end);
      this.pos = end + 1;
    } else {
      name = this.src[this.pos++] ?? '';
    }
    if (Object.hasOwn(POSIX, name)) return POSIX[name]!;
    return unicodeProperty(name) ?? this.fail(`unknown or unsupported character property \\p{${name}}`);
  }

  private charClass(): CharTest {
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.pos++;
    }
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('unclosed character class');
      if (c === ']' && !first) break;
      if (c === '[' || this.src.startsWith('&&', this.pos)) this.fail('nested classes and class intersections (&&) are not supported');
      first = false;
      const lo = this.classAtom();
      if (this.peek() === '-' && this.src[this.pos + 1] !== ']' && this.src[this.pos + 1] !== undefined) {
        this.pos++;
        const hi = this.classAtom();
        if (typeof lo !== 'number' || typeof hi !== 'number') this.fail('a range cannot use a character class as an end');
        if (hi < lo) this.fail('illegal character range');
        tests.push(range(lo, hi));
      } else {
        tests.push(typeof lo === 'number' ? (x) => x === lo : lo);
      }
    }
    this.pos++;
    const union = anyOf(...tests);
    return negate ? not(union) : union;
  }

  private classAtom(): number | CharTest {
    const c = this.src[this.pos];
    if (c === '\\') {
      this.pos++;
      const e = this.src[this.pos];
      if (e === undefined) this.fail('a pattern cannot end with a backslash');
      if (Object.hasOwn(CLASS_ESCAPES, e.toLowerCase()) || e === 'p' || e === 'P') return this.escapeTest();
      if (e === 'b' || e === 'Q') this.fail(`\\${e} is not supported inside a character class`);
      this.pos++;
      return this.escapedChar(e);
    }
    const cp = this.src.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }
}

const propertyCache = new Map<string, CharTest | null>();

function unicodeProperty(name: string): CharTest | undefined {
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
function fold(test: CharTest, flags: Flags): CharTest {
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
