/** Static PQL types, as the checker infers them and as XDM JSON schemas describe fields. */

export type PqlType =
  | { readonly kind: 'any' }
  | { readonly kind: 'null' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'number'; readonly integer: boolean }
  | { readonly kind: 'string' }
  | { readonly kind: 'date' }
  | { readonly kind: 'date-time' }
  | { readonly kind: 'array'; readonly items: PqlType }
  | { readonly kind: 'map'; readonly values: PqlType }
  | { readonly kind: 'object'; readonly fields: ReadonlyMap<string, PqlType> | null; readonly where?: string };

export const ANY: PqlType = { kind: 'any' };
export const NULL: PqlType = { kind: 'null' };
export const BOOLEAN: PqlType = { kind: 'boolean' };
export const INTEGER: PqlType = { kind: 'number', integer: true };
export const NUMBER: PqlType = { kind: 'number', integer: false };
export const STRING: PqlType = { kind: 'string' };
export const DATE: PqlType = { kind: 'date' };
export const DATE_TIME: PqlType = { kind: 'date-time' };
export const OPEN_OBJECT: PqlType = { kind: 'object', fields: null };
export const arrayOf = (items: PqlType): PqlType => ({ kind: 'array', items });
export const mapOf = (values: PqlType): PqlType => ({ kind: 'map', values });

/** The element type when a value is used as a list (ref §3: a scalar is a one-item list). */
export function elementOf(t: PqlType): PqlType {
  if (t.kind === 'array') return t.items;
  if (t.kind === 'map') return t.values;
  return t;
}

/** The least type covering both; `any` when they differ beyond number widening or null. */
export function join(a: PqlType, b: PqlType): PqlType {
  if (a.kind === 'null') return b;
  if (b.kind === 'null') return a;
  if (a.kind === 'number' && b.kind === 'number') return a.integer && b.integer ? INTEGER : NUMBER;
  if (a.kind === 'array' && b.kind === 'array') return arrayOf(join(a.items, b.items));
  if (a.kind === 'map' && b.kind === 'map') return mapOf(join(a.values, b.values));
  if (a.kind === b.kind && (a.kind !== 'object' || a === b)) return a;
  if (a.kind === 'object' && b.kind === 'object') return OPEN_OBJECT;
  return ANY;
}

/** A short name for messages and the CLI: `number`, `array<string>`, `map<number>`, `object`. */
export function typeName(t: PqlType): string {
  switch (t.kind) {
    case 'number': return t.integer ? 'integer' : 'number';
    case 'array': return `array<${typeName(t.items)}>`;
    case 'map': return `map<${typeName(t.values)}>`;
    default: return t.kind;
  }
}

/** The coarse return type the issue names: boolean, number, string, date-time, array, map, object (or any/null). */
export function returnKind(t: PqlType): string {
  return t.kind === 'date' ? 'date-time' : t.kind;
}

/** Whether a value of this type can be read as a time: a date, a date-time, an epoch number, a string or unknown. */
export function isTemporalLike(t: PqlType): boolean {
  const e = elementOf(t);
  return ['any', 'null', 'date', 'date-time', 'string', 'number'].includes(e.kind);
}
