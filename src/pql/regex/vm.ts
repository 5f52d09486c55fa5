/** A Pike VM for translated Java regexes: linear in input × pattern, so no pattern can backtrack exponentially. */
import { isLineTerminator, parseJavaRegex, RegexSyntaxError, type AssertKind, type CharTest, type RNode } from './parse.js';

const CHAR = 0;
const SPLIT = 1;
const JMP = 2;
const SAVE = 3;
const ASSERT = 4;
const MATCH = 5;

interface Inst {
  op: number;
  x: number;
  y: number;
  test: CharTest | null;
  kind: AssertKind | null;
}

// Counted repetition multiplies the program; past this size a pattern is refused rather than compiled.
const MAX_PROGRAM = 20_000;
const MAX_NESTING = 100;

/** A compiled pattern. `tick(n)` is charged with the work done and may throw to stop a long match. */
export interface JavaRegex {
  readonly groups: number;
  /** Whether the pattern is found anywhere in `input` (Matcher.find semantics). */
  test(input: string, tick: (work: number) => void): boolean;
  /** The UTF-16 start/end of the whole match and each group (−1 when unset), or null without a match. */
  exec(input: string, tick: (work: number) => void): number[] | null;
}

/** Translates and compiles a Java pattern; throws RegexSyntaxError for syntax Java rejects or this engine lacks. */
export function compileJavaRegex(pattern: string): JavaRegex {
  const { node, groups, unixLines } = parseJavaRegex(pattern);
  const prog: Inst[] = [];
  const push = (op: number, fields: Partial<Inst> = {}): Inst => {
    if (prog.length >= MAX_PROGRAM) throw new RegexSyntaxError('the pattern is too large once its repetitions are expanded');
    const inst = { op, x: 0, y: 0, test: null, kind: null, ...fields };
    prog.push(inst);
    return inst;
  };
  push(SAVE, { x: 0 });
  emit(node, 0);
  push(SAVE, { x: 1 });
  push(MATCH);
  const slots = 2 * (groups + 1);
  return {
    groups,
    test: (input, tick) => run(prog, input, slots, false, unixLines, tick) !== null,
    exec: (input, tick) => run(prog, input, slots, true, unixLines, tick),
  };

  function emit(n: RNode, depth: number): void {
    if (depth > MAX_NESTING) throw new RegexSyntaxError('the pattern nests too deeply');
    switch (n.t) {
      case 'char': push(CHAR, { test: n.test }); return;
      case 'assert': push(ASSERT, { kind: n.kind }); return;
      case 'seq': for (const item of n.items) emit(item, depth + 1); return;
      case 'group':
        push(SAVE, { x: 2 * n.index });
        emit(n.node, depth + 1);
        push(SAVE, { x: 2 * n.index + 1 });
        return;
      case 'alt': {
        const jumps: Inst[] = [];
        n.options.forEach((option, i) => {
          if (i === n.options.length - 1) return emit(option, depth + 1);
          const split = push(SPLIT, { x: prog.length + 1 });
          emit(option, depth + 1);
          jumps.push(push(JMP));
          split.y = prog.length;
        });
        for (const j of jumps) j.x = prog.length;
        return;
      }
      case 'rep': {
        for (let k = 0; k < n.min; k++) emit(n.node, depth + 1);
        if (n.max === Infinity) {
          const loop = prog.length;
          const split = push(SPLIT);
          const body = prog.length;
          emit(n.node, depth + 1);
          push(JMP, { x: loop });
          [split.x, split.y] = n.greedy ? [body, prog.length] : [prog.length, body];
          return;
        }
        const exits: { split: Inst; body: number }[] = [];
        for (let k = n.min; k < n.max; k++) {
          const split = push(SPLIT);
          exits.push({ split, body: prog.length });
          emit(n.node, depth + 1);
        }
        for (const { split, body } of exits) [split.x, split.y] = n.greedy ? [body, prog.length] : [prog.length, body];
      }
    }
  }
}

const WORD_RE = /^[\p{L}\p{Nd}_]$/u;
function isWord(input: string, i: number): boolean {
  if (i < 0 || i >= input.length) return false;
  const c = input.charCodeAt(i);
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  return WORD_RE.test(input[i]!);
}

function assertHolds(kind: AssertKind, s: string, pos: number, unix: boolean): boolean {
  const len = s.length;
  const cur = pos < len ? s.charCodeAt(pos) : -1;
  const prev = pos > 0 ? s.charCodeAt(pos - 1) : -1;
  const crlfMiddle = prev === 13 && cur === 10;
  switch (kind) {
    case 'bol': case 'start': return pos === 0;
    case 'end': return pos === len;
    case 'eol': case 'endZ':
      return pos === len || (len - pos === 1 && isLineTerminator(cur, unix)) || (!unix && len - pos === 2 && cur === 13 && s.charCodeAt(pos + 1) === 10);
    case 'mbol': return pos === 0 || (pos < len && isLineTerminator(prev, unix) && !crlfMiddle);
    case 'meol': return pos === len || (isLineTerminator(cur, unix) && !crlfMiddle);
    case 'word': return isWord(s, pos - 1) !== isWord(s, pos);
    case 'nonword': return isWord(s, pos - 1) === isWord(s, pos);
  }
}

function run(prog: readonly Inst[], input: string, slots: number, wantCaps: boolean, unix: boolean, tick: (n: number) => void): number[] | null {
  const mark = new Int32Array(prog.length);
  let gen = 1;
  let work = 0;
  let clist: { pc: number; caps: number[] }[] = [];
  let matched: number[] | null = null;
  const stack: { pc: number; caps: number[] }[] = [];
  const none: number[] = new Array<number>(slots).fill(-1);

  const add = (list: typeof clist, pc0: number, caps0: number[], pos: number): void => {
    stack.push({ pc: pc0, caps: caps0 });
    while (stack.length) {
      const { pc, caps } = stack.pop()!;
      if (mark[pc] === gen) continue;
      mark[pc] = gen;
      work++;
      const inst = prog[pc]!;
      switch (inst.op) {
        case JMP: stack.push({ pc: inst.x, caps }); break;
        case SPLIT:
          stack.push({ pc: inst.y, caps });
          stack.push({ pc: inst.x, caps });
          break;
        case SAVE: {
          let next = caps;
          if (wantCaps) {
            next = caps.slice();
            next[inst.x] = pos;
          }
          stack.push({ pc: pc + 1, caps: next });
          break;
        }
        case ASSERT:
          if (assertHolds(inst.kind!, input, pos, unix)) stack.push({ pc: pc + 1, caps });
          break;
        default:
          list.push({ pc, caps });
      }
    }
  };

  for (let pos = 0; ; ) {
    if (matched === null) add(clist, 0, none, pos);
    // No live thread: done once matched or at the end; otherwise a later start position may still match.
    if (clist.length === 0 && (matched !== null || pos >= input.length)) break;
    const cp = pos < input.length ? input.codePointAt(pos)! : -1;
    const next = pos + (cp > 0xffff ? 2 : 1);
    gen++;
    const nlist: typeof clist = [];
    for (const { pc, caps } of clist) {
      const inst = prog[pc]!;
      work++;
      if (inst.op === MATCH) {
        matched = caps;
        if (!wantCaps) {
          tick(work);
          return caps;
        }
        break;
      }
      if (cp >= 0 && inst.test!(cp)) add(nlist, pc + 1, caps, next);
    }
    tick(work);
    work = 0;
    clist = nlist;
    if (cp < 0) break;
    pos = next;
  }
  return matched;
}
