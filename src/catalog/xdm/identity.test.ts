/** Identity extraction and the identity and size guardrails, case by case. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import {
  XdmError,
  assertSinglePrimaryDescriptor,
  checkRecordSize,
  composeSchema,
  extractIdentities,
  jsonLdToXed,
  recordByteLength,
  validateIdentityDescriptor,
  type IdentityDescriptor,
  type IdentityExtraction,
} from './index.js';
import { SHARED, needsShared, sharedPath } from '../../../test/support/shared-files.js';

const ECID = '83238819066235616291057085344313877718';
const ECID2 = '55019962992006103186215643814973128178';
const REF_XDM = sharedPath(SHARED.refXdm);

const loyaltyDescriptor: IdentityDescriptor = {
  '@type': 'xdm:descriptorIdentity',
  'xdm:sourceSchema': 'https://ns.adobe.com/acme/schemas/s1',
  'xdm:sourceVersion': 1,
  'xdm:sourceProperty': '/_acme/loyaltyId',
  'xdm:namespace': 'CRMID',
  'xdm:property': 'xdm:code',
  'xdm:isPrimary': true,
};
const emailDescriptor: IdentityDescriptor = {
  'xdm:sourceProperty': '/personalEmail/address',
  'xdm:namespace': 'Email',
  'xdm:property': 'xdm:code',
  'xdm:isPrimary': false,
};

const codes = (result: IdentityExtraction) => result.errors.map((e) => e.code);
const many = (n: number) => ({ identityMap: { CRMID: Array.from({ length: n }, (_, i) => ({ id: `crm-${i}`, primary: i === 0 })) } });

describe('extractIdentities', () => {
  it('reads identityMap items with their namespace, state and primary flag', () => {
    const result = extractIdentities({
      identityMap: {
        ECID: [{ id: ECID, authenticatedState: 'ambiguous', primary: true }],
        Email: [{ id: 'jane@example.com', authenticatedState: 'authenticated' }],
      },
    });
    assert.equal(result.ok, true);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.identities, [
      { namespace: 'ECID', id: ECID, primary: true, authenticatedState: 'ambiguous', source: 'identityMap', path: '/identityMap/ECID/0/id' },
      { namespace: 'Email', id: 'jane@example.com', primary: false, authenticatedState: 'authenticated', source: 'identityMap', path: '/identityMap/Email/0/id' },
    ]);
    assert.equal(result.primary?.id, ECID);
    assert.equal(result.primarySource, 'identityMap');
  });

  it('reads identity-descriptor fields, the primary descriptor keying the record', () => {
    const record = { _acme: { loyaltyId: 'L-1001' }, personalEmail: { address: 'jane@example.com' } };
    const result = extractIdentities(record, [emailDescriptor, loyaltyDescriptor]);
    assert.equal(result.ok, true);
    assert.deepEqual(
      result.identities.map((i) => [i.namespace, i.id, i.primary, i.source, i.path]),
      [
        ['Email', 'jane@example.com', false, 'descriptor', '/personalEmail/address'],
        ['CRMID', 'L-1001', true, 'descriptor', '/_acme/loyaltyId'],
      ],
    );
    assert.equal(result.primarySource, 'descriptor');
  });

  it('with both sources, lets the primary descriptor win over an identityMap primary flag', () => {
    const result = extractIdentities(
      { _acme: { loyaltyId: 'L-1001' }, identityMap: { ECID: [{ id: ECID, primary: true }] } },
      [loyaltyDescriptor],
    );
    assert.equal(result.ok, true);
    assert.equal(result.primary?.namespace, 'CRMID');
    assert.equal(result.identities.find((i) => i.namespace === 'ECID')?.primary, false);
    assert.equal(result.identities.filter((i) => i.primary).length, 1);
  });

  it('falls back to the identityMap primary when the primary descriptor field is empty', () => {
    const result = extractIdentities({ identityMap: { ECID: [{ id: ECID, primary: true }] } }, [loyaltyDescriptor]);
    assert.equal(result.ok, true);
    assert.equal(result.primary?.namespace, 'ECID');
  });

  it('counts one identity seen in both identityMap and a descriptor field once, comparing namespaces case-insensitively', () => {
    const result = extractIdentities(
      { personalEmail: { address: 'jane@example.com' }, identityMap: { email: [{ id: 'jane@example.com', primary: true }] } },
      [emailDescriptor],
    );
    assert.equal(result.identities.length, 1);
    assert.equal(result.identities[0]?.namespace, 'email');
    assert.equal(result.primary?.path, '/identityMap/email/0/id');
  });

  it('uses the only identity of a record as primary when none is marked', () => {
    const result = extractIdentities({ identityMap: { ECID: [{ id: ECID }] } });
    assert.equal(result.ok, true);
    assert.equal(result.primary?.id, ECID);
    assert.equal(result.primarySource, 'sole-identity');
  });

  it('refuses several identities with none marked primary', () => {
    const result = extractIdentities({ identityMap: { ECID: [{ id: ECID }, { id: ECID2 }] } });
    assert.equal(result.ok, false);
    assert.deepEqual(codes(result), ['IDENTITY_NO_PRIMARY']);
    assert.equal(result.primary, undefined);
    assert.match(result.errors[0]?.message ?? '', /2 identities but none is primary/);
  });

  it('refuses a record without any identity', () => {
    assert.deepEqual(codes(extractIdentities({ person: { name: { firstName: 'J' } } })), ['IDENTITY_NONE']);
  });

  it('refuses two primary identities and names both', () => {
    const result = extractIdentities({ identityMap: { ECID: [{ id: ECID, primary: true }], Email: [{ id: 'a@b.c', primary: true }] } });
    assert.deepEqual(codes(result), ['IDENTITY_MULTIPLE_PRIMARY']);
    assert.equal(result.errors[0]?.path, '/identityMap/Email/0/id');
    assert.match(result.errors[0]?.message ?? '', /\/identityMap\/ECID\/0\/id, \/identityMap\/Email\/0\/id/);
    assert.equal(result.primary, undefined);
  });

  it('refuses ECIDs that are not exactly 38 digits, including those of the adobe/xdm profile example', needsShared(SHARED.refXdm), () => {
    const example = jsonLdToXed(JSON.parse(readFileSync(resolve(REF_XDM, 'profile.example.1.json'), 'utf8')));
    const result = extractIdentities(example);
    assert.deepEqual(codes(result), ['IDENTITY_INVALID_ECID', 'IDENTITY_NO_PRIMARY']);
    assert.equal(result.errors[0]?.path, '/identityMap/ECID/0/id');
    assert.match(result.errors[0]?.message ?? '', /exactly 38 digits, got "92312748749128"/);
    for (const bad of [`${ECID}1`, `${ECID.slice(0, 37)}x`]) {
      assert.deepEqual(codes(extractIdentities({ identityMap: { ECID: [{ id: bad, primary: true }] } })), ['IDENTITY_INVALID_ECID']);
    }
  });

  it('recognises ECID keyed by its namespace URI and reports the escaped path', () => {
    const result = extractIdentities({ identityMap: { 'https://data.adobe.io/entities/namespace/4': [{ id: '123', primary: true }] } });
    assert.equal(result.identities[0]?.namespace, 'ECID');
    assert.deepEqual(result.errors.map((e) => [e.code, e.path]), [
      ['IDENTITY_INVALID_ECID', '/identityMap/https:~1~1data.adobe.io~1entities~1namespace~14/0/id'],
    ]);
  });

  it('allows 20 identities per record and refuses 21', () => {
    assert.equal(extractIdentities(many(20)).ok, true);
    const result = extractIdentities(many(21));
    assert.deepEqual(codes(result), ['IDENTITY_TOO_MANY']);
    assert.equal(result.errors[0]?.path, '/identityMap');
    assert.match(result.errors[0]?.message ?? '', /21 identities; at most 20/);
  });

  it('allows identity values of 1024 characters and refuses longer ones', () => {
    const at = (id: string) => extractIdentities({ identityMap: { CRMID: [{ id, primary: true }] } });
    assert.equal(at('x'.repeat(1024)).ok, true);
    assert.equal(at('é'.repeat(1024)).ok, true, 'characters, not bytes');
    const result = at('x'.repeat(1025));
    assert.deepEqual(codes(result), ['IDENTITY_VALUE_TOO_LONG']);
    assert.equal(result.errors[0]?.path, '/identityMap/CRMID/0/id');
  });

  it('refuses empty identity values and non-string identity fields', () => {
    assert.deepEqual(codes(extractIdentities({ identityMap: { Email: [{ id: '', primary: true }] } })), [
      'IDENTITY_EMPTY_VALUE',
      'IDENTITY_NONE',
    ]);
    const result = extractIdentities({ _acme: { loyaltyId: 1001 } }, [loyaltyDescriptor]);
    assert.deepEqual(result.errors.map((e) => [e.code, e.path]), [
      ['IDENTITY_NOT_A_STRING', '/_acme/loyaltyId'],
      ['IDENTITY_NONE', ''],
    ]);
  });

  it('maps numeric namespace ids of descriptors to standard codes', () => {
    const descriptor: IdentityDescriptor = { 'xdm:sourceProperty': '/personalEmail/address', 'xdm:namespace': '6', 'xdm:property': 'xdm:id' };
    assert.equal(extractIdentities({ personalEmail: { address: 'a@b.c' } }, [descriptor]).primary?.namespace, 'Email');
  });
});

describe('identity descriptors', () => {
  const profile = composeSchema(
    {
      $id: 'https://ns.adobe.com/acme/schemas/s1',
      title: 'S1',
      type: 'object',
      allOf: [
        { $ref: 'https://ns.adobe.com/xdm/context/profile' },
        { $ref: 'https://ns.adobe.com/xdm/context/profile-personal-details' },
        { properties: { _acme: { type: 'object', properties: { loyaltyId: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } } } } },
      ],
    },
    () => undefined,
  );

  it('accepts descriptors on string fields of the schema', () => {
    assert.equal(validateIdentityDescriptor(loyaltyDescriptor, profile)['xdm:namespace'], 'CRMID');
    assert.equal(validateIdentityDescriptor({ ...emailDescriptor, 'xdm:property': undefined }, profile)['xdm:property'], 'xdm:code');
  });

  it('checks the adobe/xdm descriptor example: well formed, but its field is not in a profile schema', needsShared(SHARED.refXdm), () => {
    const example: unknown = JSON.parse(readFileSync(resolve(REF_XDM, 'descriptorIdentity.example.2.json'), 'utf8'));
    assert.equal(validateIdentityDescriptor(example)['xdm:isPrimary'], true);
    assert.throws(() => validateIdentityDescriptor(example, profile), (e: unknown) => e instanceof XdmError && e.code === 'XDM_DESCRIPTOR_PATH_NOT_FOUND' && /\/orgUnitId does not exist/.test(e.message));
  });

  const bad: Array<[string, unknown, string, RegExp]> = [
    ['a path without a leading slash', { ...emailDescriptor, 'xdm:sourceProperty': 'personalEmail/address' }, 'XDM_INVALID_DESCRIPTOR', /starts with "\/"/],
    ['a path with a properties segment', { ...emailDescriptor, 'xdm:sourceProperty': '/properties/personalEmail' }, 'XDM_INVALID_DESCRIPTOR', /"properties"/],
    ['no namespace', { ...emailDescriptor, 'xdm:namespace': ' ' }, 'XDM_INVALID_DESCRIPTOR', /xdm:namespace/],
    ['a non-numeric namespace id', { ...emailDescriptor, 'xdm:property': 'xdm:id' }, 'XDM_INVALID_DESCRIPTOR', /not a numeric namespace id/],
    ['another descriptor type', { ...emailDescriptor, '@type': 'xdm:descriptorOneToOne' }, 'XDM_INVALID_DESCRIPTOR', /descriptorIdentity/],
    ['an object field', { ...emailDescriptor, 'xdm:sourceProperty': '/personalEmail' }, 'XDM_DESCRIPTOR_PATH_NOT_FOUND', /is object, not string/],
    ['a field inside an array', { ...emailDescriptor, 'xdm:sourceProperty': '/_acme/tags' }, 'XDM_DESCRIPTOR_PATH_NOT_FOUND', /is array, not string/],
  ];
  for (const [name, descriptor, code, message] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(() => validateIdentityDescriptor(descriptor, profile), (e: unknown) => e instanceof XdmError && e.code === code && message.test(e.message));
    });
  }

  it('refuses a second primary identity descriptor for one schema', () => {
    assert.doesNotThrow(() => assertSinglePrimaryDescriptor([loyaltyDescriptor, emailDescriptor]));
    assert.throws(
      () => assertSinglePrimaryDescriptor([loyaltyDescriptor, { ...emailDescriptor, 'xdm:isPrimary': true }]),
      (e: unknown) => e instanceof XdmError && e.code === 'XDM_MULTIPLE_PRIMARY_DESCRIPTORS' && e.target === '/personalEmail/address',
    );
  });
});

describe('record size guardrail', () => {
  it('refuses events over 10 KB and records over 100 KB', () => {
    assert.equal(checkRecordSize(10 * 1024, 'time-series'), undefined);
    assert.equal(checkRecordSize(10 * 1024 + 1, 'time-series')?.code, 'RECORD_TOO_LARGE');
    assert.match(checkRecordSize(10 * 1024 + 1, 'time-series')?.message ?? '', /event is 10241 bytes; ExperienceEvents over 10 KB/);
    assert.equal(checkRecordSize(100 * 1024, 'record'), undefined);
    assert.equal(checkRecordSize(10 * 1024 + 1, 'record'), undefined);
    assert.match(checkRecordSize(100 * 1024 + 1, 'record')?.message ?? '', /record is 102401 bytes; profile records over 100 KB/);
  });

  it('measures records in UTF-8 bytes of their JSON', () => {
    assert.equal(recordByteLength({ a: 'é' }), '{"a":"é"}'.length + 1);
  });
});
