/** Reads Java `java.util.regex.Pattern` syntax into a small tree; unsupported constructs fail with a clear reason. */

export type AssertKind = 'bol' | 'eol' | 'mbol' | 'meol' | 'word' | 'nonword' | 'start' | 'end' | 'endZ';
export type RNode =
  | { readonly t: 'char'; readonly test: CharTest }
  | { readonly t: 'seq'; readonly items: readonly RNode[] }
  | { readonly t: 'alt'; readonly options: readonly RNode[] }
  | { readonly t: 'rep'; readonly node: RNode; readonly min: number; readonly max: number; readonly greedy: boolean }
  | { readonly t: 'group'; readonly index: number; readonly node: RNode }
  | { readonly t: 'assert'; readonly kind: AssertKind };

import { ClassReader } from './classes.js';
import { RegexSyntaxError, chars, fold, isLineTerminator, type CharTest } from './charsets.js';

export { RegexSyntaxError, type CharTest };


interface Flags { i: boolean; s: boolean; m: boolean; x: boolean; u: boolean; d: boolean }

export { isLineTerminator };

const MAX_REPEAT = 1000;
/** Parses a Java pattern; returns the tree, the number of capture groups and whether UNIX_LINES is on. */
export function parseJavaRegex(pattern: string): { node: RNode; groups: number; unixLines: boolean } {
  const p = new RegexParser(pattern);
  const node = p.alternation({ i: false, s: false, m: false, x: false, u: false, d: false });
  if (p.pos < pattern.length) p.fail(`unmatched ')' at index ${p.pos}`);
  return { node, groups: p.groups, unixLines: p.unixLines };
}

class RegexParser extends ClassReader {
  groups = 0;
  unixLines = false;

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
}
