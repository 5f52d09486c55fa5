/** Registry listing queries: `property` filters, `orderby` sorting, `start`/`limit` paging, and the `xed-id` summary. */
import { DomainError } from '../../shared/errors.js';
import type { XdmResource } from '../xdm/index.js';

/** The listing query parameters the registry understands. */
export interface ListQuery {
  property?: string;
  orderby?: string;
  start?: string;
  limit?: number;
}

/** One page of a listing; `next` is the `start` value of the following page, or null on the last. */
export interface ListPage<T> {
  items: T[];
  orderby: string;
  next: string | null;
}

/** The `application/vnd.adobe.xed-id+json` form of a resource. */
export function summaryOf(r: XdmResource): Record<string, unknown> {
  return { $id: r.$id, 'meta:altId': r['meta:altId'], version: r.version, title: r.title };
}

const DEFAULT_LIMIT = 300;

/** Sort keys: resource members, plus `created`/`updated` from the registry metadata. */
function sortValue(r: XdmResource, key: string): string | number {
  const meta = (r['meta:registryMetadata'] ?? {}) as Record<string, unknown>;
  if (key === 'created') return Number(meta['repo:createdDate'] ?? 0);
  if (key === 'updated') return Number(meta['repo:lastModifiedDate'] ?? 0);
  const value = r[key];
  return typeof value === 'number' ? value : typeof value === 'string' ? value : JSON.stringify(value ?? '');
}

function compare(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** One `property` condition: `name==value`, `name!=value`, `name` (present) or `!name` (absent). */
function matcher(condition: string): (r: XdmResource) => boolean {
  const m = /^(!?)([^=!~<>]+?)(?:(==|!=)(.*))?$/.exec(condition.trim());
  if (m === null || m[2]!.trim() === '' || (m[1] === '!' && m[3] !== undefined)) {
    throw new DomainError('REGISTRY_QUERY_INVALID', `property filter "${condition}" is not understood: use name==value, name!=value, name or !name`);
  }
  const name = m[2]!.trim();
  const has = (r: XdmResource) => r[name] !== undefined;
  if (m[3] === undefined) return m[1] === '!' ? (r) => !has(r) : has;
  const wanted = m[4]!;
  const equals = (r: XdmResource) => {
    const value = r[name];
    return Array.isArray(value) ? value.map(String).includes(wanted) : value !== undefined && String(value) === wanted;
  };
  return m[3] === '==' ? equals : (r) => !equals(r);
}

/** Filters, sorts and pages resources as the registry's listing endpoints do. */
export function listPage(resources: readonly XdmResource[], query: ListQuery): ListPage<XdmResource> {
  const conditions = (query.property ?? '').split(',').filter((c) => c.trim() !== '').map(matcher);
  const keys = (query.orderby ?? 'title').split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (keys.length === 0 || keys.some((k) => !/^[+-]?[\w:$@.-]+$/.test(k))) {
    throw new DomainError('REGISTRY_QUERY_INVALID', `orderby "${query.orderby}" is not a comma-separated list of property names`);
  }
  const order = keys.map((k) => ({ key: k.replace(/^[+-]/, ''), desc: k.startsWith('-') }));
  const sorted = resources
    .filter((r) => conditions.every((c) => c(r)))
    .sort((a, b) => {
      for (const { key, desc } of order) {
        const c = compare(sortValue(a, key), sortValue(b, key));
        if (c !== 0) return desc ? -c : c;
      }
      return compare(a.$id, b.$id);
    });
  const primary = order[0]!;
  const startAt =
    query.start === undefined
      ? sorted
      : sorted.filter((r) => {
          const v = sortValue(r, primary.key);
          const s = typeof v === 'number' ? Number(query.start) : query.start!;
          const c = compare(v, s);
          return primary.desc ? c < 0 : c > 0;
        });
  const limit = query.limit ?? DEFAULT_LIMIT;
  const items = startAt.slice(0, limit);
  const last = items[items.length - 1];
  const next = startAt.length > items.length && last !== undefined ? String(sortValue(last, primary.key)) : null;
  return { items, orderby: keys.join(','), next };
}
