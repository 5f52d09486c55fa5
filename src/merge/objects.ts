/** Field-by-field merge of ranked JSON objects, and the copies that keep the result free of input objects. */
import type { FieldMerger, JsonObject, MergeContext } from './types.js';

/** True for the values that merge key by key: JSON objects (XDM objects and maps alike). */
export function isPlainObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Assigns an own property; a plain `out['__proto__'] = v` would set the prototype instead of a field. */
export function setOwn(out: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
  else out[key] = value;
}

/** Extends a JSON Pointer (RFC 6901), so that keys holding `/` or `.` stay unambiguous. */
export function pointer(path: string, key: string): string {
  if (key.includes('~') || key.includes('/')) key = key.replace(/~/g, '~0').replace(/\//g, '~1');
  return `${path}/${key}`;
}

/** Deep copy of a JSON value exactly as it is, nulls included: arrays are atomic, so they are copied verbatim. */
export function copyJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyJson(value[i]);
    return out;
  }
  const out: JsonObject = {};
  const o = value as JsonObject;
  for (const key in o) setOwn(out, key, copyJson(o[key]));
  return out;
}

function record(ctx: MergeContext, path: string, key: string, rank: number): void {
  ctx.provenance![pointer(path, key)] = ctx.sources[rank]!;
}

/** Copies an object only one fragment has at this path, dropping nulls as the merge would. */
function copyObject(o: JsonObject, rank: number, ctx: MergeContext, path: string): JsonObject {
  const out: JsonObject = {};
  const tracking = ctx.provenance !== null;
  for (const key in o) {
    const v = o[key];
    if (v === null || v === undefined) continue;
    if (isPlainObject(v)) {
      setOwn(out, key, copyObject(v, rank, ctx, tracking ? pointer(path, key) : ''));
      continue;
    }
    setOwn(out, key, typeof v === 'object' ? copyJson(v) : v);
    if (tracking) record(ctx, path, key, rank);
  }
  return out;
}

/**
 * Merges objects given best first (`ranks[i]` is the rank of `objects[i]`'s fragment). For each key
 * the first non-null value wins and fixes the kind: an object merges on with the lower-ranked objects
 * at that key (other kinds there are ignored); a scalar or array is taken whole. `strategies` is the
 * plan's top-level table (a listed field whose winner is an object goes to its strategy); nested levels pass null.
 */
export function mergeObjects(
  objects: readonly JsonObject[],
  ranks: readonly number[],
  ctx: MergeContext,
  path: string,
  strategies: ReadonlyMap<string, FieldMerger> | null,
): JsonObject {
  const n = objects.length;
  if (n === 1 && strategies === null) return copyObject(objects[0]!, ranks[0]!, ctx, path);
  const out: JsonObject = {};
  const tracking = ctx.provenance !== null;
  for (let i = 0; i < n; i++) {
    const o = objects[i]!;
    for (const key in o) {
      const v = o[key];
      if (v === null || v === undefined) continue; // null never wins: in XDM it means "absent"
      // Decided by a higher-ranked fragment? (Nothing is decided while reading the best one; the own
      // check is for keys like `constructor` that every object inherits.)
      if (i !== 0 && out[key] !== undefined && Object.hasOwn(out, key)) continue;
      if (!isPlainObject(v)) {
        setOwn(out, key, typeof v === 'object' ? copyJson(v) : v);
        if (tracking) record(ctx, path, key, ranks[i]!);
        continue;
      }
      let subObjects: JsonObject[] | null = null;
      let subRanks: number[] | null = null;
      for (let j = i + 1; j < n; j++) {
        const oj = objects[j]!;
        const w = oj[key];
        // `oj['__proto__']` reads Object.prototype when oj has no such field, hence the own check.
        if (isPlainObject(w) && (key !== '__proto__' || Object.hasOwn(oj, key))) {
          if (subObjects === null) {
            subObjects = [v];
            subRanks = [ranks[i]!];
          }
          subObjects.push(w);
          subRanks!.push(ranks[j]!);
        }
      }
      const childPath = tracking ? pointer(path, key) : '';
      const strategy = strategies === null ? undefined : strategies.get(key);
      if (strategy !== undefined) {
        setOwn(out, key, strategy(subObjects ?? [v], subRanks ?? [ranks[i]!], ctx, childPath));
      } else if (subObjects === null) {
        setOwn(out, key, copyObject(v, ranks[i]!, ctx, childPath));
      } else {
        setOwn(out, key, mergeObjects(subObjects, subRanks!, ctx, childPath, null));
      }
    }
  }
  return out;
}
