/** Converts XDM data from the JSON-LD spelling of the adobe/xdm repository to the XED spelling Platform APIs use. */
import { isPlainObject } from './types.js';

/** Options of `jsonLdToXed`. */
export interface JsonLdOptions {
  /** Says which objects are maps, whose keys are data (namespaces, channels) and must stay as written. */
  isMap?: (xedPath: ReadonlyArray<string>) => boolean;
}

const defaultIsMap = (path: ReadonlyArray<string>) => path[path.length - 1] === 'identityMap';

/**
 * Rewrites field names: `xdm:foo` → `foo`, `@id` → `_id`, `repo:createDate` → `_repo.createDate`,
 * `https://ns.adobe.com/xdm/channels/email` → `_channels.email`, `https://ns.adobe.com/acme/a/b` → `_acme.a.b`.
 */
export function jsonLdToXed(value: unknown, options: JsonLdOptions = {}): unknown {
  return convert(value, [], options.isMap ?? defaultIsMap);
}

function convert(value: unknown, path: string[], isMap: (path: ReadonlyArray<string>) => boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => convert(item, path, isMap));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  const keepKeys = isMap(path);
  for (const [key, child] of Object.entries(value)) {
    const segments = keepKeys ? [key] : xedSegments(key);
    let target = out;
    for (const container of segments.slice(0, -1)) {
      const existing = target[container];
      const next = isPlainObject(existing) ? existing : {};
      target[container] = next;
      target = next;
    }
    const leaf = segments[segments.length - 1] ?? key;
    const converted = convert(child, [...path, ...segments], isMap);
    const existing = target[leaf];
    target[leaf] = isPlainObject(existing) && isPlainObject(converted) ? { ...existing, ...converted } : converted;
  }
  return out;
}

/** The XED path segments one JSON-LD key expands to. */
function xedSegments(key: string): string[] {
  if (key.startsWith('@')) return [`_${key.slice(1)}`];
  const uri = /^https?:\/\/([^/]+)\/(.+)$/.exec(key);
  if (uri !== null) {
    const [, host = '', rest = ''] = uri;
    const parts = rest.split('/').filter((p) => p !== '');
    if (host === 'ns.adobe.com') {
      const [vendor, ...tail] = parts[0] === 'xdm' ? parts.slice(1) : parts;
      return [`_${vendor ?? ''}`, ...tail];
    }
    return [`_${host}`, ...parts];
  }
  const colon = key.indexOf(':');
  if (colon <= 0) return [key];
  const prefix = key.slice(0, colon);
  const name = key.slice(colon + 1);
  return prefix === 'xdm' ? [name] : [`_${prefix}`, name];
}
