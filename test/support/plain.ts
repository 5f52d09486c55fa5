/** Parquet rows as JSON has them, for comparing an exported file with the API's answers. */

/** A value with nulls (fields a row lacks) dropped and INT64 (bigint) back to numbers. */
export function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}
