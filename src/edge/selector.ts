/** The edge-projection selector (`emails,person(firstName)`): a linear, non-recursive parser and a pure projector. */
import { isForbiddenKey } from '../shared/json-screen.js';
import { edgeError } from './edge.js';

/*
 * Grammar (AEP Profile API, edge projections, "Selectors"; loosely Google "fields"-style):
 *
 *   list := item (',' item)*
 *   item := name ('.' name)* ('(' list ')')?
 *
 * `addresses(type,city.country)` is `addresses.type,addresses.city.country`; groups nest (`a(b(c,d),e)`). No
 * whitespace anywhere. A name is one or more of the ASCII letters, digits and `_ - @ : $` (XDM field names, plus
 * map keys such as the identity namespace `Email_LC_SHA256` or a segment id, a UUID). A map is just an object here:
 * `identityMap.ECID` keeps that one key. Names that reach a prototype (`__proto__`, `constructor`, `prototype`) are
 * refused. Limits: at most 4,096 characters and 32 levels of fields (dots and parentheses together). The parser is a
 * single left-to-right scan with an explicit stack of open groups, so no input can exhaust the call stack.
 *
 * Overlaps: a whole field wins over any part of it (`person,person.name` selects `person`), in either order.
 *
 * Projection (projectSelection):
 * - A field selected whole is kept as it is, whatever its value: `{}`, `[]` and `null` included.
 * - A field selected in part keeps its selected children only. An object left with none of them is omitted from
 *   its parent, and so is anything that is not an object (a scalar or `null` has no sub-fields).
 * - Arrays along a path are projected element by element, nested arrays included. Elements left with nothing
 *   (an object without any selected child, a scalar) are dropped, and an array left empty is omitted. Dropping
 *   rather than keeping `{}` means an edge never receives placeholders that carry no data, and keeps the result
 *   stable: projecting a projection changes nothing.
 * - Only own properties are read, and result objects are built with defineProperty, so no key can reach a prototype.
 * - The input is never mutated. Objects and arrays along partly selected paths are new; a value selected whole is
 *   shared with the input, not copied (callers serialise the result; treat it as read-only).
 */

/** A parsed selector: a tree of field names; a node with no children selects the whole field. */
export interface Selection {
  readonly fields: ReadonlyMap<string, Selection | true>;
}

const MAX_LENGTH = 4096;
const MAX_DEPTH = 32;
const NAME_CHAR = /^[A-Za-z0-9_\-@:$]$/;

interface Node {
  readonly fields: Map<string, Node | true>;
}

interface Group {
  readonly node: Node;
  /** Position of the '(' that opened the group; -1 for the top level. */
  readonly openAt: number;
  /** Depth of the names directly inside the group, less one. */
  readonly depth: number;
}

/** Parses a selector into a Selection; throws EDGE_SELECTOR_INVALID, naming the 0-based position, when it is bad. */
export function parseSelector(text: string): Selection {
  const fail = (position: number, what: string): never => {
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    throw edgeError('EDGE_SELECTOR_INVALID', `selector '${shown}' is invalid at position ${position}: ${what}`, { position });
  };
  if (text.length > MAX_LENGTH) fail(MAX_LENGTH, `a selector may have at most ${MAX_LENGTH} characters, it has ${text.length}`);

  const root: Node = { fields: new Map() };
  const groups: Group[] = [{ node: root, openAt: -1, depth: 0 }];
  let group = groups[0] as Group;
  // The item being read: where its next name attaches, and that name's depth.
  let cursor: Node = root;
  let depth = 0;
  let nameStart = -1; // start of the name being read, -1 when none is
  let afterGroup = false; // just read ')': only ',' or ')' or the end may follow

  /** Ends the name that started at nameStart and ends before `end`; returns it, checked. */
  const takeName = (end: number): string => {
    const name = text.slice(nameStart, end);
    if (isForbiddenKey(name)) fail(nameStart, `the field name '${name}' is not allowed`);
    depth += 1;
    if (depth > MAX_DEPTH) fail(nameStart, `fields nest deeper than ${MAX_DEPTH} levels`);
    nameStart = -1;
    return name;
  };
  /** Steps into the field `name` (a '.' or '(' follows it); a field already selected whole swallows the rest. */
  const descend = (name: string): void => {
    const child = cursor.fields.get(name);
    if (child === true) cursor = { fields: new Map() }; // detached: `a,a.b` is `a`, but `a.b` is still checked
    else if (child !== undefined) cursor = child;
    else {
      const created: Node = { fields: new Map() };
      cursor.fields.set(name, created);
      cursor = created;
    }
  };
  /** Selects `name` whole (it ends an item); this replaces any part of it selected before. */
  const selectWhole = (name: string): void => {
    cursor.fields.set(name, true);
  };
  const startItem = (): void => {
    cursor = group.node;
    depth = group.depth;
  };
  const expectedName = (i: number, found: string): never => fail(i, `expected a field name, found ${found}`);

  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (NAME_CHAR.test(c)) {
      if (afterGroup) fail(i, `expected ',' or ')' or the end after ')', found ${describe(text, i)}`);
      if (nameStart < 0) nameStart = i;
      continue;
    }
    if (/\s/.test(c)) fail(i, `whitespace is not allowed in a selector, found ${describe(text, i)}`);
    if (c !== '.' && c !== ',' && c !== '(' && c !== ')') fail(i, `${describe(text, i)} is not allowed in a field name`);
    if (afterGroup) {
      if (c === ',') {
        afterGroup = false;
        startItem();
      } else if (c === ')') closeGroup(i);
      else fail(i, `expected ',' or ')' or the end after ')', found '${c}'`);
      continue;
    }
    if (nameStart < 0) {
      if (c === ')' && i > 0 && text.charAt(i - 1) === '(') fail(i, "expected a field name, found ')' (empty parentheses)");
      expectedName(i, `'${c}'`);
    }
    const name = takeName(i);
    if (c === '.') descend(name);
    else if (c === '(') {
      descend(name);
      group = { node: cursor, openAt: i, depth };
      groups.push(group);
    } else if (c === ',') {
      selectWhole(name);
      startItem();
    } else {
      selectWhole(name);
      closeGroup(i);
    }
  }
  if (!afterGroup) {
    if (nameStart < 0) expectedName(text.length, 'the end of the selector');
    selectWhole(takeName(text.length));
  }
  if (groups.length > 1) fail(group.openAt, "'(' is never closed");
  return root;

  function closeGroup(i: number): void {
    if (groups.length === 1) fail(i, "')' has no matching '('");
    groups.pop();
    group = groups[groups.length - 1] as Group;
    afterGroup = true;
  }
}

/** `'x'` for a printable ASCII character at text[i], `U+XXXX` for anything else. */
function describe(text: string, i: number): string {
  const code = text.codePointAt(i) ?? 0;
  if (code > 0x20 && code < 0x7f) return `'${String.fromCharCode(code)}'`;
  if (code === 0x20) return "' '";
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A new object holding only the selected parts of `value` (rules at the top of this file); never mutates `value`. */
export function projectSelection(value: Record<string, unknown>, selection: Selection): Record<string, unknown> {
  return projectObject(value, selection) ?? {};
}

/** The top-level field names the selection touches, in the order they first appear. */
export function selectorRoots(selection: Selection): string[] {
  return [...selection.fields.keys()];
}

/** The selected own fields of `from`, or undefined when it has none of them. Recursion is bounded by the selection's depth (≤ 32). */
function projectObject(from: object, selection: Selection): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const [key, sub] of selection.fields) {
    if (!Object.hasOwn(from, key)) continue;
    const v: unknown = (from as Record<string, unknown>)[key];
    const kept = sub === true ? v : projectPart(v, sub);
    if (kept === undefined) continue;
    out ??= {};
    Object.defineProperty(out, key, { value: kept, writable: true, enumerable: true, configurable: true });
  }
  return out;
}

/** The selected part of a partly selected value: an object reduced, an array reduced element by element, else nothing. */
function projectPart(v: unknown, selection: Selection): unknown {
  if (Array.isArray(v)) return projectArray(v, selection);
  return isObject(v) ? projectObject(v, selection) : undefined;
}

/** Projects every element of `top` (arrays nested in it too) with one selection, looping rather than recursing into nested arrays. */
function projectArray(top: readonly unknown[], selection: Selection): unknown[] | undefined {
  interface Frame {
    readonly src: readonly unknown[];
    i: number;
    readonly out: unknown[];
  }
  const stack: Frame[] = [{ src: top, i: 0, out: [] }];
  for (;;) {
    const frame = stack[stack.length - 1] as Frame;
    if (frame.i < frame.src.length) {
      const item = frame.src[frame.i++];
      if (Array.isArray(item)) stack.push({ src: item, i: 0, out: [] });
      else if (isObject(item)) {
        const kept = projectObject(item, selection);
        if (kept !== undefined) frame.out.push(kept);
      }
      continue;
    }
    stack.pop();
    const done = frame.out.length > 0 ? frame.out : undefined;
    const parent = stack[stack.length - 1];
    if (parent === undefined) return done;
    if (done !== undefined) parent.out.push(done);
  }
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
