/** The example payloads of schema-registry.yaml (data type, field group, schema, descriptor) compose and validate records. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
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
import { parseYaml } from '../../../test/support/yaml.js';
import { SHARED, needsShared, sharedPath } from '../../../test/support/shared-files.js';

type Json = Record<string, any>;

/** What the registry service adds when it stores a created payload. */
function stored(payload: Json, $id: string, resourceType: string): XdmResource {
  return { ...payload, $id, 'meta:resourceType': resourceType, 'meta:containerId': 'tenant', 'meta:tenantNamespace': '_acme' } as XdmResource;
}

describe('schema-registry.yaml example payloads', needsShared(SHARED.registryYaml), () => {
  /** The spec with `{TENANT_ID}` placeholders filled in, as a client of tenant `acme` would send the payloads. */
  const spec = JSON.parse(
    JSON.stringify(parseYaml(readFileSync(sharedPath(SHARED.registryYaml), 'utf8'))).replace(/\{TENANT_ID\}|<XDM_TENANTID_PLACEHOLDER>/g, 'acme'),
  ) as Json;
  const defs = spec.definitions as Json;

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
