/** Reads the character-level parts of a Java pattern: escapes, \\p{...} properties and bracketed classes. */
import { CHAR_ESCAPES, CLASS_ESCAPES, POSIX, RegexSyntaxError, anyOf, not, range, unicodeProperty, type CharTest } from './charsets.js';

/** The cursor over a pattern and the readers for single characters and classes; the group parser extends it. */
export class ClassReader {
  pos = 0;

  constructor(protected readonly src: string) {}

  fail(reason: string): never {
    throw new RegexSyntaxError(reason);
  }

  protected peek(): string | undefined {
    return this.src[this.pos];
  }

  /** An escape that stands for one character or a class of them, inside or outside brackets. */
  protected escapeTest(): CharTest {
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

  protected charClass(): CharTest {
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
