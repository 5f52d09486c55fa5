/** Reads example payloads out of schema-registry.yaml (no YAML package is installed: a parser for the subset its definitions use). */
import { readFileSync } from 'node:fs';
import { parseYaml } from './support/yaml.js';
import { SHARED, needsShared, sharedPath } from './support/shared-files.js';

const SPEC = sharedPath(SHARED.registryYaml);

/** Test options for a test that reads the spec's payloads: skipped, with the reason, when the spec is absent. */
export const withSpec = (): { skip?: string } => needsShared(SHARED.registryYaml);

let definitions: Record<string, unknown> | undefined;

/** The parsed `definitions.<name>` of the spec, with `{TENANT_ID}` replaced by the tenant a client would use. */
export function specDefinition(name: string, tenant: string): any {
  definitions ??= (parseYaml(readFileSync(SPEC, 'utf8')) as { definitions: Record<string, unknown> }).definitions;
  const found = definitions[name];
  if (found === undefined) throw new Error(`schema-registry.yaml has no definition ${name}`);
  return JSON.parse(JSON.stringify(found).replace(/\{TENANT_ID\}/g, tenant));
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
