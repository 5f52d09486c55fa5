/** The binary operators that are not comparisons: arithmetic (numbers and per-key on maps) and `in`. */
import { tick, type Env } from '../env.js';
import { equals, toList, type PqlMap } from '../values.js';

/** `+ - * / %`: numbers only; null in, division or modulo by zero, or overflow give null; map ⊕ map is per key. */
export function arith(op: '+' | '-' | '*' | '/' | '%', a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') {
    let v: number;
    switch (op) {
      case '+': v = a + b; break;
      case '-': v = a - b; break;
      case '*': v = a * b; break;
      case '/': if (b === 0) return null; v = a / b; break;
      case '%': if (b === 0) return null; v = a % b; break;
    }
    return Number.isFinite(v) ? v : null;
  }
  if (a instanceof Map && b instanceof Map) {
    const out: PqlMap = new Map();
    for (const [k, x] of a) if (b.has(k)) {
      const v = arith(op, x, b.get(k));
      if (v !== null) out.set(k, v);
    }
    return out;
  }
  return null;
}

/** `v in list`: either side null is false; a list on the left is in when any of its elements is (ref §5.5). */
export function inList(env: Env, v: unknown, list: unknown): boolean {
  if (v === null || v === undefined || list === null || list === undefined) return false;
  const items = toList(list);
  if (Array.isArray(v)) {
    tick(env, v.length * items.length);
    return v.some((x) => x !== null && items.some((y) => equals(x, y)));
  }
  tick(env, items.length);
  return items.some((y) => equals(v, y));
}
