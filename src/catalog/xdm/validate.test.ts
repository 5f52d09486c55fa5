/** Record validation: invalid records are refused with the field path and a plain reason for each problem. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { compileValidator, composeSchema, type ValidationIssue, type XdmResource } from './index.js';

const XDM = 'https://ns.adobe.com/xdm/context';

function schemaOf(...refs: string[]): XdmResource {
  return { $id: 'https://ns.adobe.com/acme/schemas/v', title: 'V', type: 'object', allOf: refs.map(($ref) => ({ $ref })) };
}

const profile = compileValidator(
  composeSchema(
    schemaOf(`${XDM}/profile`, `${XDM}/identitymap`, `${XDM}/profile-person-details`, `${XDM}/profile-personal-details`),
    () => undefined,
  ).jsonSchema,
);
const event = compileValidator(
  composeSchema(schemaOf(`${XDM}/experienceevent`, `${XDM}/experienceevent-commerce`), () => undefined).jsonSchema,
);

function issues(result: ReturnType<typeof profile>): ValidationIssue[] {
  assert.equal(result.ok, false, 'the record is refused');
  return result.ok ? [] : result.errors;
}

describe('compileValidator', () => {
  it('accepts a well-formed profile record', () => {
    const record = {
      _id: 'profile-1',
      identityMap: { Email: [{ id: 'jane@example.com', primary: true, authenticatedState: 'authenticated' }] },
      person: { name: { firstName: 'Jane', lastName: 'Doe' }, birthDate: '1980-02-29', gender: 'female' },
      personalEmail: { address: 'jane@example.com', primary: true },
      homeAddress: { city: 'Paris', countryCode: 'FR', _schema: { latitude: 48.85, longitude: 2.35 } },
      _repo: { createDate: '2024-01-01T00:00:00Z' },
    };
    assert.deepEqual(profile(record), { ok: true });
  });

  it('says which field has the wrong type', () => {
    assert.deepEqual(issues(profile({ person: { name: { firstName: 42 } } })), [
      { path: '/person/name/firstName', message: '/person/name/firstName must be string', keyword: 'type' },
    ]);
  });

  it('names missing required fields by their own path', () => {
    const errors = issues(event({ _id: 'e1', productListItems: [{ name: 'no sku' }], commerce: { purchases: {} } }));
    assert.deepEqual(
      errors.map((e) => [e.path, e.message]).sort(),
      [
        ['/commerce/purchases/value', '/commerce/purchases/value is required'],
        ['/productListItems/0/SKU', '/productListItems/0/SKU is required'],
        ['/timestamp', '/timestamp is required'],
      ],
    );
    assert.ok(errors.every((e) => e.keyword === 'required'));
  });

  it('refuses fields the schema does not define, at the top level and nested', () => {
    const errors = issues(profile({ nickname: 'JD', person: { name: { nick: 'J' } } }));
    assert.deepEqual(errors.map((e) => e.path).sort(), ['/nickname', '/person/name/nick']);
    assert.ok(errors.every((e) => e.keyword === 'additionalProperties' && e.message.endsWith('is not defined in the schema')));
  });

  it('reports enum, format, pattern and range violations in plain words', () => {
    const errors = issues(
      profile({
        person: { gender: 'm', birthDate: '1980-13-01', birthYear: 0, nationality: 'fr' },
        personalEmail: { address: 'not-an-email' },
      }),
    );
    const byPath = new Map(errors.map((e) => [e.path, e]));
    assert.equal(byPath.get('/person/gender')?.message, '/person/gender must be one of: male, female, not_specified, non_specific');
    assert.equal(byPath.get('/person/birthDate')?.message, '/person/birthDate must be a valid date');
    assert.equal(byPath.get('/person/birthYear')?.keyword, 'minimum');
    assert.match(byPath.get('/person/birthYear')?.message ?? '', /^\/person\/birthYear must be >= 1$/);
    assert.equal(byPath.get('/person/nationality')?.message, '/person/nationality must match the pattern ^[A-Z]{2}$');
    assert.equal(byPath.get('/personalEmail/address')?.message, '/personalEmail/address must be a valid email');
    assert.equal(errors.length, 5);
  });

  it('checks event timestamps as RFC 3339 date-times', () => {
    const errors = issues(event({ _id: 'e1', timestamp: '26/09/2017 15:52' }));
    assert.deepEqual(errors, [{ path: '/timestamp', message: '/timestamp must be a valid date-time', keyword: 'format' }]);
    assert.deepEqual(event({ _id: 'e1', timestamp: '2017-09-26T15:52:25+02:00' }), { ok: true });
  });

  it('validates map values and escapes map keys in paths', () => {
    const errors = issues(
      profile({
        identityMap: {
          ECID: [{ id: '1', authenticatedState: 'maybe' }],
          'https://data.adobe.io/entities/namespace/4': [{ id: '2', primary: 'yes' }],
        },
      }),
    );
    assert.deepEqual(errors.map((e) => e.path).sort(), [
      '/identityMap/ECID/0/authenticatedState',
      '/identityMap/https:~1~1data.adobe.io~1entities~1namespace~14/0/primary',
    ]);
  });

  it('refuses a record that is not an object', () => {
    assert.deepEqual(issues(profile([1, 2])), [{ path: '', message: 'The record must be object', keyword: 'type' }]);
  });

  it('compiles once per schema object', () => {
    const { jsonSchema } = composeSchema(schemaOf(`${XDM}/profile`), () => undefined);
    assert.equal(compileValidator(jsonSchema), compileValidator(jsonSchema));
  });
});
