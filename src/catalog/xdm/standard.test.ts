/** Checks the shipped standard resources against the adobe/xdm reference files, field by field. */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { findStandard, isFieldGroup, standardResources, type XdmResource, type XdmSchemaNode } from './index.js';
import { SHARED, needsShared, sharedPath } from '../../../test/support/shared-files.js';

const XDM_COMPONENTS = sharedPath(SHARED.xdmComponents);

type Doc = Record<string, unknown> & { $id: string; definitions?: Record<string, XdmSchemaNode>; allOf?: XdmSchemaNode[] };

/** Every adobe/xdm schema file by `$id`. */
function referenceIndex(): Map<string, Doc> {
  const index = new Map<string, Doc>();
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) visit(path);
      else if (name.endsWith('.schema.json')) {
        const doc = JSON.parse(readFileSync(path, 'utf8')) as Doc;
        if (typeof doc.$id === 'string') index.set(doc.$id, doc);
      }
    }
  };
  visit(XDM_COMPONENTS);
  return index;
}

const EXTENSIBLE = 'https://ns.adobe.com/xdm/common/extensible';

interface Flat {
  fields: Map<string, Record<string, unknown>>;
  required: Set<string>;
  externalRefs: Set<string>;
}

/** The JSON-LD name of a field: the reference uses it directly, ours carry it in `meta:xdmField` (namespace containers have none). */
interface Namer {
  field: (name: string, node: XdmSchemaNode) => string | undefined;
  /** Root `required` entries name fields the class inherits, so they carry no `meta:xdmField` to read. */
  root: (name: string) => string;
}
const referenceName: Namer = { field: (name) => name, root: (name) => name };
const shippedName: Namer = {
  field: (_name, node) => node['meta:xdmField'],
  root: (name) => (name === '_id' ? '@id' : `xdm:${name}`),
};

/** A field's comparable facts; `$ref` fields compare by target, not by the `type: object` the registry adds. */
function summarize(node: XdmSchemaNode): Record<string, unknown> {
  const ap = typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
  const facts: Record<string, unknown> = {
    type: node.$ref === undefined ? node.type : 'ref',
    ref: node.$ref,
    format: node.format,
    pattern: node.pattern,
    enum: Array.isArray(node.enum) ? [...node.enum].sort() : undefined,
    default: node.default,
    minimum: node.minimum,
    maximum: node.maximum,
    minLength: node.minLength,
    maxLength: node.maxLength,
    items: node.items === undefined ? undefined : node.items.$ref ?? node.items.type,
    map: ap === undefined ? undefined : `${String(ap.type)}:${String(ap.items?.$ref ?? ap.items?.type)}`,
  };
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined));
}

/** Flattens the fields a resource defines itself (its definitions, and fragments of resources we do not ship). */
function flatten(doc: Doc, index: Map<string, Doc>, name: Namer): Flat {
  const flat: Flat = { fields: new Map(), required: new Set(), externalRefs: new Set() };
  const walk = (def: XdmSchemaNode | undefined, owner: Doc, prefix: string) => {
    if (def === undefined) return;
    const names = new Map<string, string>();
    for (const [key, node] of Object.entries(def.properties ?? {})) {
      const own = name.field(key, node);
      const path = own === undefined ? prefix : prefix === '' ? own : `${prefix}/${own}`;
      names.set(key, path);
      if (own !== undefined) flat.fields.set(path, { ...summarize(node), title: node.title });
      walk(node, owner, path);
      const itemRef = node.items?.$ref;
      if (itemRef?.startsWith('#/definitions/')) walk(owner.definitions?.[itemRef.slice(14)], owner, `${path}[]`);
      else if (node.items?.properties !== undefined) walk(node.items, owner, `${path}[]`);
    }
    for (const key of def.required ?? []) flat.required.add(names.get(key) ?? key);
  };
  for (const entry of doc.allOf ?? []) {
    const ref = (entry.$ref ?? '').replace(/%23/g, '#');
    const [base = '', fragment] = ref.split('#');
    if (base === EXTENSIBLE) continue;
    const owner = base === '' ? doc : index.get(base);
    if (fragment === undefined) flat.externalRefs.add(base);
    else if (owner !== undefined && (base === '' || findStandard(base) === undefined)) {
      walk(owner.definitions?.[fragment.replace('/definitions/', '')], owner, '');
    }
  }
  for (const key of (doc.required as string[] | undefined) ?? []) flat.required.add(name.root(key));
  return flat;
}

describe('standard XDM resources', () => {
  it('ship the classes and field groups the registry subset needs, under their standard $ids', () => {
    const ids = standardResources().map((r) => r.$id);
    for (const id of [
      'https://ns.adobe.com/xdm/context/profile',
      'https://ns.adobe.com/xdm/context/experienceevent',
      'https://ns.adobe.com/xdm/context/profile-person-details',
      'https://ns.adobe.com/xdm/context/profile-personal-details',
      'https://ns.adobe.com/xdm/context/identitymap',
      'https://ns.adobe.com/xdm/context/experienceevent-commerce',
      'https://ns.adobe.com/xdm/context/experienceevent-web',
      'https://ns.adobe.com/xdm/common/external-source-system-audit-details',
    ]) {
      assert.ok(ids.includes(id), `${id} is shipped`);
    }
    assert.equal(new Set(ids).size, ids.length, 'no $id is shipped twice');
  });

  it('are found by $id and by meta:altId, and unknown ids are not found', () => {
    const profile = findStandard('https://ns.adobe.com/xdm/context/profile');
    assert.equal(profile?.['meta:altId'], '_xdm.context.profile');
    assert.equal(findStandard('_xdm.context.experienceevent')?.$id, 'https://ns.adobe.com/xdm/context/experienceevent');
    assert.equal(findStandard('https%3A%2F%2Fns.adobe.com%2Fxdm%2Fcontext%2Fidentitymap')?.title, 'IdentityMap');
    assert.equal(findStandard('https://ns.adobe.com/xdm/context/nope'), undefined);
    assert.equal(findStandard('%E0%A4%A'), undefined);
  });

  it('carry the registry meta fields and cannot be modified by callers', () => {
    for (const resource of standardResources()) {
      assert.ok(resource['meta:altId']?.startsWith('_'), `${resource.$id} has an altId`);
      assert.ok(['classes', 'mixins', 'datatypes', 'behaviors'].includes(String(resource['meta:resourceType'])));
      assert.equal(resource.type, 'object');
      assert.equal(typeof resource.version, 'string');
      assert.ok(Array.isArray(resource.allOf) && resource.allOf.length > 0, `${resource.$id} has allOf`);
      if (resource['meta:resourceType'] === 'mixins') assert.ok(Array.isArray(resource['meta:intendedToExtend']));
      assert.ok(Object.isFrozen(resource) && Object.isFrozen(resource.allOf));
    }
  });

  it('spell field groups "mixins" as the registry does, and isFieldGroup accepts both spellings', () => {
    assert.equal(findStandard('https://ns.adobe.com/xdm/context/identitymap')?.['meta:resourceType'], 'mixins');
    assert.equal(isFieldGroup(findStandard('https://ns.adobe.com/xdm/context/identitymap') as XdmResource), true);
    assert.equal(isFieldGroup({ $id: 'https://ns.adobe.com/acme/x', title: 'x', type: 'object', 'meta:resourceType': 'fieldgroups' }), true);
    assert.equal(isFieldGroup({ $id: 'https://ns.adobe.com/acme/fieldgroups/x', title: 'x', type: 'object' }), true);
    assert.equal(isFieldGroup(findStandard('https://ns.adobe.com/xdm/context/profile') as XdmResource), false);
  });

  it('ship as a pure library: no Node built-ins and no imports from outside src/catalog/xdm', () => {
    const dir = resolve(process.cwd(), 'src/catalog/xdm');
    const sources = ['', 'standard'].flatMap((sub) =>
      readdirSync(join(dir, sub)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join(dir, sub, f)),
    );
    assert.ok(sources.length >= 10);
    for (const file of sources) {
      const imports = [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1] ?? '');
      for (const spec of imports) {
        const allowed = spec === 'ajv' || spec === 'ajv-formats' || (spec.startsWith('.') && resolve(join(file, '..'), spec).startsWith(dir));
        assert.ok(allowed, `${file} imports ${spec}`);
      }
    }
  });

  describe('against adobe/xdm', needsShared(SHARED.xdmComponents), () => {
    const index = referenceIndex();
    for (const resource of standardResources()) {
      it(`${resource.$id} matches adobe/xdm in field names, types and meta flags`, () => {
        const reference = index.get(resource.$id);
        assert.ok(reference !== undefined, `adobe/xdm defines ${resource.$id}`);
        assert.equal(resource.title, reference.title);
        for (const key of ['meta:extensible', 'meta:abstract'] as const) {
          assert.equal(resource[key], reference[key], `${key} of ${resource.$id}`);
        }
        assert.deepEqual(
          [...(resource['meta:intendedToExtend'] ?? [])].sort(),
          [...((reference['meta:intendedToExtend'] as string[] | undefined) ?? [])].sort(),
        );
        const ours = flatten(resource as XdmResource & Doc, index, shippedName);
        const theirs = flatten(reference, index, referenceName);
        assert.ok(ours.fields.size > 0, `${resource.$id} defines fields`);
        for (const [path, facts] of ours.fields) {
          const expected = theirs.fields.get(path);
          assert.ok(expected !== undefined, `${path} exists in adobe/xdm ${resource.$id}`);
          const { title, ...rest } = facts;
          const { title: expectedTitle, ...expectedRest } = expected;
          assert.deepEqual(rest, expectedRest, `${resource.$id} ${path}`);
          if (expectedTitle !== undefined) assert.equal(title, expectedTitle, `title of ${path}`);
        }
        for (const ref of ours.externalRefs) assert.ok(theirs.externalRefs.has(ref), `${resource.$id} allOf ${ref}`);
        for (const path of ours.required) assert.ok(theirs.required.has(path), `${path} is required in adobe/xdm too`);
        for (const path of theirs.required) {
          if (ours.fields.has(path)) assert.ok(ours.required.has(path), `${path} is required in ${resource.$id}`);
        }
      });
    }
  });
});
