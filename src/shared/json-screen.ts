/** Screens parsed JSON from outside before anything walks, stores or serialises it: prototype keys, depth, NUL. */

/** Nesting levels of objects and arrays a request body or a record may have (docs/errors.md). */
export const MAX_JSON_DEPTH = 100;

/** Keys that reach an object's prototype chain when used as a plain property name. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The codes a screen can answer with (each in the error catalogue). */
export type JsonProblemCode = 'JSON_FORBIDDEN_KEY' | 'JSON_TOO_DEEP' | 'JSON_NUL_CHARACTER';

/** The first problem found, with a JSON Pointer to where it is. */
export interface JsonProblem {
  readonly code: JsonProblemCode;
  /** JSON Pointer (RFC 6901) of the offending value or key, '' for the root. */
  path: string;
  readonly reason: string;
}

/** True for a key that must never be used as a property name of something we build. */
export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

/** A human sentence for a problem: "JSON key '__proto__' is not allowed at /a/b" (a long pointer is cut short). */
export function describeJsonProblem(p: JsonProblem): string {
  const at = p.path.length > 120 ? `${p.path.slice(0, 120)}…` : p.path;
  return `${p.reason}${at === '' ? '' : ` at ${at}`}`;
}

/**
 * The first problem in `value`, or undefined. Recursion is safe: it never goes deeper than `maxDepth`. Objects
 * whose prototype is not Object's (a `__proto__` setter ran while the value was built) count as forbidden keys.
 * `wrapperLevels` are levels around the part that counts (a streaming envelope's `body.xdmEntity` holds the record).
 */
export function screenJson(value: unknown, maxDepth = MAX_JSON_DEPTH, wrapperLevels = 0): JsonProblem | undefined {
  return walk(value, 1 - wrapperLevels, maxDepth);
}

function walk(v: unknown, depth: number, maxDepth: number): JsonProblem | undefined {
  if (typeof v === 'string') {
    return v.includes('\u0000') ? { code: 'JSON_NUL_CHARACTER', path: '', reason: 'A string holds a NUL character (\\u0000), which is not allowed' } : undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  if (depth > maxDepth) return { code: 'JSON_TOO_DEEP', path: '', reason: `JSON nests deeper than ${maxDepth} levels` };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = walk(v[i], depth + 1, maxDepth);
      if (p) return prefixed(p, String(i));
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return { code: 'JSON_FORBIDDEN_KEY', path: '', reason: "JSON key '__proto__' is not allowed" };
  for (const key of Object.keys(v)) {
    if (FORBIDDEN_KEYS.has(key)) return prefixed({ code: 'JSON_FORBIDDEN_KEY', path: '', reason: `JSON key '${key}' is not allowed` }, key);
    if (key.includes('\u0000')) return { code: 'JSON_NUL_CHARACTER', path: '', reason: 'A key holds a NUL character (\\u0000), which is not allowed' };
    const p = walk((v as Record<string, unknown>)[key], depth + 1, maxDepth);
    if (p) return prefixed(p, key);
  }
  return undefined;
}

function prefixed(p: JsonProblem, key: string): JsonProblem {
  p.path = `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}${p.path}`;
  return p;
}

/** The first segment of a dot or pointer path that is a forbidden key, for `fields`, `property` and patch paths. */
export function forbiddenSegment(segments: readonly string[]): string | undefined {
  return segments.find((s) => FORBIDDEN_KEYS.has(s));
}

/** True when `value` holds more than `max` values (objects, arrays and leaves); stops counting at `max`. */
export function exceedsNodes(value: unknown, max: number): boolean {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    if (++count > max) return true;
    const v = stack.pop();
    if (typeof v === 'object' && v !== null) for (const child of Object.values(v)) stack.push(child);
  }
  return false;
}
