/** Map and object methods (ref §5.7, §5.8): get/keys/values over data maps and groupBy results, isNull/isNotNull. */
import { ANY, BOOLEAN, STRING, arrayOf, type PqlType } from '../types.js';
import { isPlainObject, lookup } from '../values.js';
import { valueMethod, type MethodSpec } from './registry.js';

function valuesType(recv: PqlType): PqlType {
  if (recv.kind === 'map') return recv.values;
  return ANY;
}

/** Whether a value counts as null for isNull: null, and by default an empty array (Segment Builder's "does not exist"). */
function isNullish(v: unknown, emptyArrayIsNull: boolean): boolean {
  return v === null || v === undefined || (emptyArrayIsNull && Array.isArray(v) && v.length === 0);
}

export const MAP_METHODS: Readonly<Record<string, MethodSpec>> = {
  get: valueMethod([1, 1], valuesType, (_env, recv, [key]) => {
    if (recv instanceof Map) return recv.get(key) ?? (typeof key === 'string' || typeof key === 'number' ? recv.get(String(key)) ?? null : null);
    if (typeof key !== 'string' && typeof key !== 'number') return null;
    return lookup(recv, String(key));
  }, 'map'),
  keys: valueMethod([0, 0], () => arrayOf(STRING), (_env, recv) => {
    if (recv instanceof Map) return [...recv.keys()];
    return isPlainObject(recv) ? Object.keys(recv) : null;
  }, 'map'),
  values: valueMethod([0, 0], (recv) => arrayOf(valuesType(recv)), (_env, recv) => {
    if (recv instanceof Map) return [...recv.values()];
    return isPlainObject(recv) ? Object.values(recv) : null;
  }, 'map'),
  isNull: valueMethod([0, 0], () => BOOLEAN, (env, recv) => isNullish(recv, env.emptyArrayIsNull)),
  isNotNull: valueMethod([0, 0], () => BOOLEAN, (env, recv) => !isNullish(recv, env.emptyArrayIsNull)),
};
