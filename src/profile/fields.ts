/** The `fields` projection of the entities API: keep only the listed dot paths (`person.name,workEmail`). Pure. */
import { DomainError } from '../shared/errors.js';
import { forbiddenSegment } from '../shared/json-screen.js';

/** Refuses a path with a segment that reaches a prototype (`a.__proto__.b`); `what` names the parameter. */
export function assertSafePath(path: readonly string[], what: string): void {
  const bad = forbiddenSegment(path);
  if (bad !== undefined) throw new DomainError('JSON_FORBIDDEN_KEY', `${what} '${path.join('.')}' uses the key '${bad}', which is not allowed`);
}

/** Parses `a.b,c` (GET) or `["a.b","c"]` (POST) into paths; empty means every field. */
export function parseFields(fields: string | readonly string[] | undefined): string[][] {
  const list = typeof fields === 'string' ? fields.split(',') : (fields ?? []);
  const paths = list.map((f) => f.trim()).filter((f) => f !== '').map((f) => f.split('.'));
  for (const path of paths) assertSafePath(path, 'fields path');
  return paths;
}

/**
 * A copy of `entity` holding only the given paths (arrays along a path are projected item by item). The copy only
 * ever reads and writes its own properties, so no key, stored or asked for, can reach a prototype.
 */
export function project(entity: Record<string, unknown>, paths: readonly string[][]): Record<string, unknown> {
  if (paths.length === 0) return entity;
  const out: Record<string, unknown> = {};
  for (const path of paths) copyPath(entity, out, path);
  return out;
}

function copyPath(from: unknown, to: Record<string, unknown>, path: readonly string[]): void {
  if (typeof from !== 'object' || from === null || Array.isArray(from)) return;
  const [head, ...rest] = path as [string, ...string[]];
  if (!Object.prototype.hasOwnProperty.call(from, head)) return;
  const value = (from as Record<string, unknown>)[head];
  if (rest.length === 0) {
    setOwn(to, head, value);
    return;
  }
  const current = Object.hasOwn(to, head) ? to[head] : undefined;
  if (Array.isArray(value)) {
    const existing = Array.isArray(current) ? (current as Record<string, unknown>[]) : value.map(() => ({}));
    value.forEach((item, i) => copyPath(item, existing[i]!, rest));
    setOwn(to, head, existing);
    return;
  }
  const target = typeof current === 'object' && current !== null ? (current as Record<string, unknown>) : {};
  copyPath(value, target, rest);
  if (Object.keys(target).length > 0) setOwn(to, head, target);
}

function setOwn(to: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(to, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Reads a dot path of an object (arrays yield every item's value), for event property filters. */
export function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return [value];
  if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, path));
  if (typeof value !== 'object' || value === null) return [];
  const [head, ...rest] = path as [string, ...string[]];
  return Object.prototype.hasOwnProperty.call(value, head) ? valuesAt((value as Record<string, unknown>)[head], rest) : [];
}
