/** Shared bounds for integer query parameters (page sizes, offsets, ids, timestamps), so every store can bind them. */
import { Type } from 'typebox';

/**
 * The largest integer that JavaScript, SQLite and PostgreSQL int8 all hold exactly (2^53 − 1). Unbounded integers
 * reached the stores as doubles such as 1e20, which SQLite refuses as a LIMIT/OFFSET and PostgreSQL as an int8.
 */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A page size from 1 to `max`. */
export function limitParam(max: number, fallback: number) {
  return Type.Integer({ minimum: 1, maximum: max, default: fallback });
}

/** A 0-based offset into a listing. */
export function offsetParam() {
  return Type.Integer({ minimum: 0, maximum: MAX_SAFE, default: 0 });
}

/** Any other non-negative integer a store compares with (namespace ids, versions, epoch-ms times). */
export function safeInteger() {
  return Type.Integer({ minimum: 0, maximum: MAX_SAFE });
}

/** The `limit` + `start` pair of Catalog and batch listings. */
export function catalogPage(maxLimit: number, fallback: number) {
  return { limit: limitParam(maxLimit, fallback), start: offsetParam() };
}
