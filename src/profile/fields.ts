/** The `fields` projection of the entities API: keep only the listed dot paths (`person.name,workEmail`). Pure. */

/** Parses `a.b,c` (GET) or `["a.b","c"]` (POST) into paths; empty means every field. */
export function parseFields(fields: string | readonly string[] | undefined): string[][] {
  const list = typeof fields === 'string' ? fields.split(',') : (fields ?? []);
  return list.map((f) => f.trim()).filter((f) => f !== '').map((f) => f.split('.'));
}

/** A copy of `entity` holding only the given paths (arrays along a path are projected item by item). */
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
    to[head] = value;
    return;
  }
  if (Array.isArray(value)) {
    const existing = Array.isArray(to[head]) ? (to[head] as Record<string, unknown>[]) : value.map(() => ({}));
    value.forEach((item, i) => copyPath(item, existing[i]!, rest));
    to[head] = existing;
    return;
  }
  const target = typeof to[head] === 'object' && to[head] !== null ? (to[head] as Record<string, unknown>) : {};
  copyPath(value, target, rest);
  if (Object.keys(target).length > 0) to[head] = target;
}

/** Reads a dot path of an object (arrays yield every item's value), for event property filters. */
export function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return [value];
  if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, path));
  if (typeof value !== 'object' || value === null) return [];
  const [head, ...rest] = path as [string, ...string[]];
  return Object.prototype.hasOwnProperty.call(value, head) ? valuesAt((value as Record<string, unknown>)[head], rest) : [];
}
