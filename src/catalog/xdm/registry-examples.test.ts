/** The example payloads of schema-registry.yaml (data type, field group, schema, descriptor) compose and validate records. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import {
  XdmError,
  compileValidator,
  composeSchema,
  composeUnion,
  extractIdentities,
  validateIdentityDescriptor,
  type IdentityDescriptor,
  type XdmLookup,
  type XdmResource,
} from './index.js';

const SPEC = resolve(process.cwd(), '../shared/specs/AdobeDocs--experience-platform-apis/static/swagger-specs/schema-registry.yaml');

interface Line {
  indent: number;
  body: string;
}

/** Parses the block-YAML subset the spec uses (maps, sequences, plain, quoted and folded scalars); no YAML package is installed. */
function parseYaml(text: string): unknown {
  const lines: Line[] = text.split(/\r?\n/).map((raw) => ({ indent: raw.length - raw.trimStart().length, body: raw.trim() }));
  let i = 0;
  const blank = (n: number) => lines[n] !== undefined && (lines[n].body === '' || lines[n].body.startsWith('#'));
  const skipBlank = () => {
    while (blank(i)) i++;
  };
  const isItem = (line: Line | undefined) => line !== undefined && (line.body === '-' || line.body.startsWith('- '));
  const keyValue = (body: string): [string, string] | undefined => {
    const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^'"\s-][^]*?|-[^\s][^]*?)\s*:(?:\s+([^]*))?$/.exec(body);
    return m === null ? undefined : [String(scalar(m[1] ?? '')), stripComment(m[2] ?? '')];
  };
  const fold = (parts: string[]) => parts.reduce((acc, p) => (p === '' ? `${acc}\n` : acc === '' || acc.endsWith('\n') ? acc + p : `${acc} ${p}`), '');
  // A scalar continues on following lines indented deeper than its key or dash; `>`/`|` start block scalars.
  const value = (parent: number, first: string): unknown => {
    const block = /^[>|][-+]?$/.test(first);
    const parts = block ? [] : [first];
    while (i < lines.length) {
      let j = i;
      while (blank(j)) j++;
      if (lines[j] === undefined || lines[j].indent <= parent) break;
      for (; i < j; i++) parts.push('');
      parts.push(lines[i++].body);
    }
    if (!block) return scalar(fold(parts));
    const joined = (first.startsWith('|') ? parts.join('\n') : fold(parts)).replace(/\n+$/, '');
    return first.endsWith('-') ? joined : `${joined}\n`;
  };
  const node = (): unknown => {
    skipBlank();
    const line = lines[i];
    if (line === undefined) return null;
    return isItem(line) ? seq(line.indent) : map(line.indent);
  };
  const seq = (indent: number): unknown[] => {
    const out: unknown[] = [];
    for (skipBlank(); isItem(lines[i]) && lines[i].indent === indent; skipBlank()) {
      const rest = lines[i].body.slice(1).trimStart();
      if (rest === '') {
        i++;
        out.push(node());
      } else if (keyValue(rest) !== undefined) {
        lines[i] = { indent: indent + 2, body: rest };
        out.push(map(indent + 2));
      } else {
        i++;
        out.push(value(indent, rest));
      }
    }
    return out;
  };
  const map = (indent: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (skipBlank(); lines[i] !== undefined && lines[i].indent === indent && !isItem(lines[i]); skipBlank()) {
      const kv = keyValue(lines[i].body);
      if (kv === undefined) throw new Error(`schema-registry.yaml line ${i + 1} is outside the supported YAML subset`);
      i++;
      const [key, rest] = kv;
      if (rest !== '') {
        out[key] = value(indent, rest);
        continue;
      }
      skipBlank();
      const next = lines[i];
      const nested = next !== undefined && (next.indent > indent || (next.indent === indent && isItem(next)));
      out[key] = nested ? node() : null;
    }
    return out;
  };
  return node();
}

function scalar(s: string): unknown {
  if (s.startsWith('"')) return JSON.parse(s.replace(/\n/g, ' '));
  if (s.startsWith("'")) return s.slice(1, -1).replace(/''/g, "'");
  if (s === '[]' || s === '{}' || (s.startsWith('{') && s.endsWith('}'))) return JSON.parse(s);
  if (s === 'true' || s === 'false') return s === 'true';
  if (s === 'null' || s === '~' || s === '') return null;
  if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(s)) return Number(s);
  return s;
}

function stripComment(s: string): string {
  const m = /(^|\s)#(?=(?:[^"']|"[^"]*"|'[^']*')*$)/.exec(s);
  return (m === null ? s : s.slice(0, m.index)).trim();
}

type Json = Record<string, any>;

/** The spec with `{TENANT_ID}` placeholders filled in, as a client of tenant `acme` would send the payloads. */
const spec = JSON.parse(
  JSON.stringify(parseYaml(readFileSync(SPEC, 'utf8'))).replace(/\{TENANT_ID\}|<XDM_TENANTID_PLACEHOLDER>/g, 'acme'),
) as Json;
const defs = spec.definitions as Json;

/** What the registry service adds when it stores a created payload. */
function stored(payload: Json, $id: string, resourceType: string): XdmResource {
  return { ...payload, $id, 'meta:resourceType': resourceType, 'meta:containerId': 'tenant', 'meta:tenantNamespace': '_acme' } as XdmResource;
}

const dataType = stored(defs.createDataType.example, 'https://ns.adobe.com/acme/datatypes/24c643f618647344606222c494bd0102', 'datatypes');
const fieldGroup = stored(
  {
    type: 'object',
    title: defs.createFieldGroup.properties.title.example,
    description: defs.createFieldGroup.properties.description.example,
    'meta:intendedToExtend': defs.createFieldGroupResponse.example['meta:intendedToExtend'],
    definitions: defs.createFieldGroup.properties.definitions.example,
    allOf: [{ $ref: defs.createFieldGroup.properties.allOf.items.properties.$ref.example }],
  },
  defs.createFieldGroupResponse.example.$id,
  'mixins',
);
const schemaPayload = defs.createSchemaResponse.example as Json;
const hotels: XdmResource = {
  ...schemaPayload,
  allOf: [...schemaPayload.allOf, { $ref: fieldGroup.$id }, { $ref: 'https://ns.adobe.com/xdm/context/profile-personal-details' }],
  'meta:immutableTags': defs.patchSchemaResponse.allOf[1].properties['meta:immutableTags'].example,
} as XdmResource;
const lookup: XdmLookup = (id) => [dataType, fieldGroup].find((r) => r.$id === id);

describe('schema-registry.yaml example payloads', () => {
  it('parse from the spec with their placeholders filled', () => {
    assert.equal(fieldGroup.title, 'Property Details');
    assert.equal(hotels.$id, 'https://ns.adobe.com/acme/schemas/e417987b8b861d373ef4d0fe8ad61fa4c15fa0274332c8af');
    assert.equal(hotels['meta:class'], 'https://ns.adobe.com/xdm/context/profile');
    assert.deepEqual(hotels['meta:immutableTags'], ['union']);
  });

  it('compose into a Profile-enabled schema with the tenant fields and the tenant data type inlined', () => {
    const composed = composeSchema(hotels, lookup);
    assert.equal(composed.classId, 'https://ns.adobe.com/xdm/context/profile');
    assert.equal(composed.profileEnabled, true);
    const byPath = new Map(composed.fields.map((f) => [f.path, f]));
    assert.equal(byPath.get('_acme.propertyName')?.type, 'string');
    assert.equal(byPath.get('_acme.propertyConstruction.yearBuilt')?.xdmType, 'int');
    assert.equal(byPath.get('personalEmail.address')?.format, 'email');
    const validate = compileValidator(composed.jsonSchema);
    const record = {
      _id: 'hotel-guest-1',
      personalEmail: { address: 'guest@example.com' },
      _acme: { propertyName: 'Lakeside', propertyType: 'yoga', propertyConstruction: { yearBuilt: 1999, propertyType: 'mall' } },
    };
    assert.deepEqual(validate(record), { ok: true });
    const bad = validate({ _acme: { propertyType: 'spa', propertyConstruction: { yearBuilt: '1999' } } });
    assert.deepEqual(bad.ok ? [] : bad.errors.map((e) => e.path).sort(), ['/_acme/propertyConstruction/yearBuilt', '/_acme/propertyType']);
  });

  it('take the identity descriptor example, and extract the identity it marks', () => {
    const composed = composeSchema(hotels, lookup);
    const descriptor: IdentityDescriptor = validateIdentityDescriptor(defs.identityDescriptorResponse.example, composed);
    assert.equal(descriptor['xdm:isPrimary'], true);
    const identities = extractIdentities({ personalEmail: { address: 'guest@example.com' } }, [descriptor]);
    assert.deepEqual(identities.primary && [identities.primary.namespace, identities.primary.id], ['Email', 'guest@example.com']);
  });

  it('compose the import/export example pair (field group and schema)', () => {
    const [group, schema] = defs.importExportPayload.example as XdmResource[];
    assert.ok(group !== undefined && schema !== undefined);
    const composed = composeSchema(schema, (id) => (id === group.$id ? group : undefined));
    assert.ok(composed.fields.some((f) => f.path === '_acme.customerId'));
    assert.equal(composed.profileEnabled, false);
  });

  it('build the profile union from the enabled schema', () => {
    const union = composeUnion('https://ns.adobe.com/xdm/context/profile', [hotels], lookup);
    assert.deepEqual(union.schemaIds, [hotels.$id]);
    assert.ok(union.fields.some((f) => f.path === '_acme.propertyCity'));
  });

  it('refuse the create-field-group response example, whose allOf names a definition it does not have', () => {
    const response = defs.createFieldGroupResponse.example as XdmResource;
    const schema = { ...hotels, allOf: [{ $ref: 'https://ns.adobe.com/xdm/context/profile' }, { $ref: response.$id }] };
    assert.throws(
      () => composeSchema(schema, (id) => (id === response.$id ? response : lookup(id))),
      (e: unknown) => e instanceof XdmError && e.code === 'XDM_UNKNOWN_REF' && /#\/definitions\/customFields/.test(e.message),
    );
  });
});
