/** Reads example payloads out of schema-registry.yaml (no YAML package is installed: a parser for the subset its definitions use). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const SPEC = resolve(process.cwd(), '../shared/specs/AdobeDocs--experience-platform-apis/static/swagger-specs/schema-registry.yaml');

type Line = { indent: number; text: string };

/** The parsed `definitions.<name>` of the spec, with `{TENANT_ID}` replaced by the tenant a client would use. */
export function specDefinition(name: string, tenant: string): any {
  const lines = readFileSync(SPEC, 'utf8').split(/\r?\n/);
  const start = lines.indexOf('definitions:');
  const at = lines.findIndex((l, i) => i > start && new RegExp(`^  ${name}:\\s*$`).test(l));
  if (at === -1) throw new Error(`schema-registry.yaml has no definition ${name}`);
  const body: Line[] = [];
  for (const raw of lines.slice(at + 1)) {
    const indent = raw.length - raw.trimStart().length;
    if (raw.trim() !== '' && indent <= 2) break;
    if (raw.trim() !== '' && !raw.trim().startsWith('#')) body.push({ indent, text: raw.trim() });
  }
  const parsed = new Reader(body).node(body[0]?.indent ?? 0);
  return JSON.parse(JSON.stringify(parsed).replace(/\{TENANT_ID\}/g, tenant));
}

class Reader {
  private i = 0;
  constructor(private readonly lines: Line[]) {}

  node(indent: number): unknown {
    const line = this.lines[this.i];
    if (line === undefined || line.indent < indent) return null;
    return line.text === '-' || line.text.startsWith('- ') ? this.seq(line.indent) : this.map(line.indent);
  }

  private seq(indent: number): unknown[] {
    const out: unknown[] = [];
    for (let line = this.lines[this.i]; line && line.indent === indent && line.text.startsWith('-'); line = this.lines[this.i]) {
      const rest = line.text.slice(1).trim();
      if (rest === '') {
        this.i++;
        out.push(this.node(indent + 1));
      } else if (splitKey(rest) !== undefined) {
        this.lines[this.i] = { indent: indent + 2, text: rest };
        out.push(this.map(indent + 2));
      } else {
        this.i++;
        out.push(this.scalar(rest, indent));
      }
    }
    return out;
  }

  private map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let line = this.lines[this.i]; line && line.indent === indent && !line.text.startsWith('- '); line = this.lines[this.i]) {
      const kv = splitKey(line.text);
      if (kv === undefined) throw new Error(`unsupported YAML line: ${line.text}`);
      this.i++;
      const [key, rest] = kv;
      if (rest !== '') out[key] = this.scalar(rest, indent);
      else {
        const next = this.lines[this.i];
        out[key] = next && (next.indent > indent || (next.indent === indent && next.text.startsWith('- '))) ? this.node(next.indent) : null;
      }
    }
    return out;
  }

  /** A scalar, folding the deeper-indented lines that continue it (plain or `>`/`|` block scalars). */
  private scalar(first: string, indent: number): unknown {
    const more: string[] = [];
    while (this.lines[this.i] && this.lines[this.i]!.indent > indent) more.push(this.lines[this.i++]!.text);
    if (/^[>|]-?$/.test(first)) return more.join(first.startsWith('|') ? '\n' : ' ');
    const text = [first, ...more].join(' ');
    if (text.startsWith('"')) return JSON.parse(text);
    if (text.startsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
    if (text === '[]' || text === '{}') return JSON.parse(text);
    if (text === 'true' || text === 'false') return text === 'true';
    if (text === 'null' || text === '~') return null;
    return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  }
}

/** Splits `key: value` (keys may be quoted or contain colons, as `meta:altId` does); undefined for a plain scalar. */
function splitKey(text: string): [string, string] | undefined {
  const m = /^("[^"]*"|'[^']*'|[^\s"'][^]*?)\s*:(?:\s+([^]*))?$/.exec(text);
  if (m === null || /^https?$/.test(m[1]!)) return undefined;
  const key = m[1]!.startsWith('"') || m[1]!.startsWith("'") ? m[1]!.slice(1, -1) : m[1]!;
  return [key, (m[2] ?? '').trim()];
}

/** The registry base path. */
export const REGISTRY = '/data/foundation/schemaregistry';
export const PROFILE = 'https://ns.adobe.com/xdm/context/profile';
export const EVENT = 'https://ns.adobe.com/xdm/context/experienceevent';
export const PERSONAL_DETAILS = 'https://ns.adobe.com/xdm/context/profile-personal-details';
export const XED = 'application/vnd.adobe.xed+json; version=1';
export const XED_FULL = 'application/vnd.adobe.xed-full+json; version=1';
export const XED_ID = 'application/vnd.adobe.xed-id+json';

/** A registry response: status, parsed JSON body (undefined for 204). */
export interface Answer {
  status: number;
  body: any;
}

/** Something that can inject a request, as the test app can. */
interface Injector {
  inject(options: { method: any; url: string; headers: Record<string, string>; payload?: any }): Promise<{ statusCode: number; body: string }>;
}

/** A client bound to one org and sandbox's headers. */
export function registryClient(app: Injector, headers: Record<string, string>) {
  return async (method: string, path: string, payload?: unknown, accept?: string): Promise<Answer> => {
    const h: Record<string, string> = { ...headers, ...(accept === undefined ? {} : { accept }) };
    if (payload !== undefined) h['content-type'] = 'application/json';
    const res = await app.inject({ method, url: REGISTRY + path, headers: h, payload: payload === undefined ? undefined : JSON.stringify(payload) });
    return { status: res.statusCode, body: res.body === '' ? undefined : JSON.parse(res.body) };
  };
}

/** The path segment of a resource id, URL-encoded as AEP clients send a `$id`. */
export function enc(id: string): string {
  return encodeURIComponent(id);
}

/** Creates the spec's data type, field group ("Property Details") and schema ("New Schema") for `tenant`; returns them. */
export async function createSpecSchema(call: ReturnType<typeof registryClient>, tenant: string) {
  const dataType = await call('POST', '/tenant/datatypes', specDefinition('createDataType', tenant).example);
  const fg = specDefinition('createFieldGroup', tenant).properties;
  const specTypeId = `https://ns.adobe.com/${tenant}/datatypes/24c643f618647344606222c494bd0102`;
  const definitions = JSON.parse(JSON.stringify(fg.definitions.example).replaceAll(specTypeId, dataType.body.$id));
  const fieldGroup = await call('POST', '/tenant/fieldgroups', {
    type: fg.type.example,
    title: fg.title.example,
    description: fg.description.example,
    'meta:intendedToExtend': [PROFILE],
    definitions,
    allOf: [{ $ref: fg.allOf.items.properties.$ref.example }],
  });
  const sc = specDefinition('createSchema', tenant).properties;
  const schema = await call('POST', '/tenant/schemas', {
    type: sc.type.example,
    title: sc.title.example,
    description: sc.description.example,
    allOf: [{ '$ref ': sc.allOf.items.properties['$ref '].example }, { $ref: fieldGroup.body.$id }, { $ref: PERSONAL_DETAILS }],
  });
  return { dataType, fieldGroup, schema };
}
