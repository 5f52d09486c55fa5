/** Runtime values and the cross-cutting rules of ref §3 and §7: lookups through arrays, truthiness, null and coercion. */
import type { CmpOp } from './ast.js';
import { parseTemporal } from './time.js';

/**
 * A point in time (epoch milliseconds, UTC); `dateOnly` marks a `date(y, m, d)` or `YYYY-MM-DD` value.
 * State lives in private fields so that field lookups (own properties only) can never see it.
 */
export class PqlInstant {
  readonly #ms: number;
  readonly #dateOnly: boolean;

  constructor(ms: number, dateOnly: boolean) {
    this.#ms = ms;
    this.#dateOnly = dateOnly;
    Object.freeze(this);
  }

  get ms(): number {
    return this.#ms;
  }

  get dateOnly(): boolean {
    return this.#dateOnly;
  }

  toJSON(): string {
    const iso = new Date(this.#ms).toISOString();
    return this.#dateOnly ? iso.slice(0, 10) : iso;
  }
}

/** What `mapEntry(k, v)` builds; `.map` folds a list of entries back into a map. */
export class PqlEntry {
  readonly #key: unknown;
  readonly #value: unknown;

  constructor(key: unknown, value: unknown) {
    this.#key = key;
    this.#value = value;
    Object.freeze(this);
  }

  get key(): unknown {
    return this.#key;
  }

  get value(): unknown {
    return this.#value;
  }
}

/** Ordered map from key to value, as groupBy builds it (ref §5.5). */
export type PqlMap = Map<unknown, unknown>;

// Objects PQL built itself (object literals); only these can hold instants or maps that need converting on output.
const built = new WeakSet<object>();

/** A plain object from an object literal, built without ever touching a prototype (`__proto__` is just a key). */
export function makeObject(entries: [string, unknown][]): Record<string, unknown> {
  const obj = Object.fromEntries(entries) as Record<string, unknown>;
  built.add(obj);
  return obj;
}

/** A data object or object literal: not an array, map, instant or entry. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof PqlInstant) && !(v instanceof PqlEntry);
}

/** Field lookup: own properties only, so `__proto__` and `constructor` never reach host objects; arrays map and flatten. */
export function lookup(obj: unknown, name: string, depth = 0): unknown {
  if (obj === null || typeof obj !== 'object') return null;
  if (Array.isArray(obj)) {
    const out: unknown[] = [];
    for (const item of obj) {
      // Arrays of arrays (identityMap.values()) are walked through; absurdly deep nesting just yields nothing.
      const v = Array.isArray(item) ? (depth < MAX_EQUAL_DEPTH ? lookup(item, name, depth + 1) : null) : lookup1(item, name);
      if (v === null) continue;
      if (Array.isArray(v)) for (const x of v) out.push(x);
      else out.push(v);
    }
    return out;
  }
  return lookup1(obj, name);
}

// The hot path of every evaluation: one own-property test, then the read. PQL's own value classes hold no own
// properties, and Maps (groupBy results) have none either, so only they need a second look on a miss.
/** Field lookup on one value that is known not to be an array (see lookup). */
export function lookup1(obj: unknown, name: string): unknown {
  if (obj === null || typeof obj !== 'object') return null;
  if (Object.hasOwn(obj, name)) {
    if (Array.isArray(obj)) return null;
    const v = (obj as Record<string, unknown>)[name];
    return v === undefined || typeof v === 'function' ? null : v;
  }
  return obj instanceof Map && obj.has(name) ? (obj.get(name) ?? null) : null;
}

/** Boolean context (ref §3): true, a non-empty array or map, or an object; null, false, [] and scalars are false. */
export function truthy(v: unknown): boolean {
  if (v === true) return true;
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return !(v instanceof PqlInstant);
}

/** A value seen as a list: null is empty, an array is itself, a map is its values, anything else a one-item list. */
export function toList(v: unknown): readonly unknown[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v;
  if (v instanceof Map) return [...v.values()];
  return [v];
}

const FAIL = Symbol('coercion failed');

/** Coerces `b` to the type of `a` (ref §7.2); FAIL when it cannot be. */
function coerce(a: unknown, b: unknown): unknown {
  switch (typeof a) {
    case 'number':
      if (typeof b === 'number') return b;
      if (typeof b === 'string') return parseNumber(b);
      if (b instanceof PqlInstant) return b.ms;
      return FAIL;
    case 'string':
      if (typeof b === 'string') return b;
      if (typeof b === 'number') return String(b);
      if (typeof b === 'boolean') return String(b);
      return FAIL;
    case 'boolean':
      if (typeof b === 'boolean') return b;
      if (typeof b === 'string') {
        const lower = b.toLowerCase();
        return lower === 'true' ? true : lower === 'false' ? false : FAIL;
      }
      return FAIL;
    default:
      if (a instanceof PqlInstant) return toMs(b) ?? FAIL;
      return b;
  }
}

function parseNumber(s: string): unknown {
  const t = s.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return FAIL;
  return Number(t);
}

/** Epoch milliseconds of an instant, an ISO-8601 string or a number; undefined for anything else. */
export function toMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (v instanceof PqlInstant) return v.ms;
  if (typeof v === 'string') {
    const ms = parseTemporal(v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** `a OP b` for two scalars or objects (no arrays): null on either side, or a failed coercion, is false. */
function compareScalar(op: CmpOp, a: unknown, b: unknown): boolean {
  if (a === null || b === null || a === undefined || b === undefined) return false;
  let x: unknown = a;
  let y: unknown;
  // A date-time stored as a string compares as a time when the other side is one (ref §7.2 and §7.4).
  if (typeof a === 'string' && b instanceof PqlInstant) {
    x = toMs(a);
    if (x === undefined) return false;
    y = b.ms;
  } else {
    y = coerce(a, b);
    if (y === FAIL) return false;
    if (a instanceof PqlInstant) x = a.ms;
  }
  if (typeof x === 'object') {
    if (op === '=') return deepEqual(x, y, 0);
    if (op === '!=') return !deepEqual(x, y, 0);
    return false;
  }
  switch (op) {
    case '=': return x === y;
    case '!=': return x !== y;
    case '<': return (x as number) < (y as number);
    case '<=': return (x as number) <= (y as number);
    case '>': return (x as number) > (y as number);
    case '>=': return (x as number) >= (y as number);
  }
}

/** A comparison with the array rules: list OP scalar (either side) is existential, list = list is ordered equality. */
export function compare(op: CmpOp, a: unknown, b: unknown): boolean {
  const la = Array.isArray(a);
  const lb = Array.isArray(b);
  if (la && lb) {
    if (op !== '=' && op !== '!=') return false;
    const same = a.length === b.length && a.every((x, i) => compareScalar('=', x, b[i]));
    return op === '=' ? same : !same;
  }
  if (la) return a.some((x) => !Array.isArray(x) && compareScalar(op, x, b));
  if (lb) return b.some((y) => !Array.isArray(y) && compareScalar(op, a, y));
  return compareScalar(op, a, b);
}

/** Equality as `in`, `includes` and the set functions use it: `b` coerced to the type of `a`. */
export function equals(a: unknown, b: unknown): boolean {
  return compareScalar('=', a, b);
}

// Data can nest arbitrarily deep; past this depth two objects are simply not equal rather than a stack overflow.
const MAX_EQUAL_DEPTH = 64;

function deepEqual(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  if (depth > MAX_EQUAL_DEPTH || typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof PqlInstant || b instanceof PqlInstant) return a instanceof PqlInstant && b instanceof PqlInstant && a.ms === b.ms;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i], depth + 1));
  }
  const ea = entriesOf(a);
  const eb = entriesOf(b);
  if (ea.length !== eb.length) return false;
  const mb = new Map(eb);
  return ea.every(([k, v]) => mb.has(k) && deepEqual(v, mb.get(k), depth + 1));
}

function entriesOf(o: object): [unknown, unknown][] {
  return o instanceof Map ? [...o.entries()] : Object.entries(o);
}

/** A key that makes equal primitives and instants collide, for distinct, groupBy and the set functions. */
export function identityKey(v: unknown): unknown {
  if (v instanceof PqlInstant) return `\u0000instant:${v.ms}`;
  return v;
}

/** Converts a result to plain JSON-ready data: instants to ISO strings, maps to objects, entries to {key, value}. */
export function toOutput(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth > MAX_EQUAL_DEPTH) return v ?? null;
  if (v instanceof PqlInstant) return v.toJSON();
  if (v instanceof PqlEntry) return makeOutputObject([['key', v.key], ['value', v.value]], depth);
  if (v instanceof Map) return makeOutputObject([...v.entries()].map(([k, x]) => [String(k), x]), depth);
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const x = toOutput(v[i], depth + 1);
      if (x !== v[i] && !out) out = v.slice(0, i);
      if (out) out.push(x);
    }
    return out ?? v;
  }
  return built.has(v) ? makeOutputObject(Object.entries(v), depth) : v;
}

function makeOutputObject(entries: [unknown, unknown][], depth: number): Record<string, unknown> {
  return Object.fromEntries(entries.map(([k, x]) => [String(k), toOutput(x, depth + 1)]));
}
