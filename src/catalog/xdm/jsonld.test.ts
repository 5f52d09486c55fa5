/** The JSON-LD to XED field-name rules of ref/xdm.md §1. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { jsonLdToXed } from './index.js';

describe('jsonLdToXed', () => {
  it('applies each naming rule and merges fields that share a prefix container', () => {
    const xed = jsonLdToXed({
      '@id': 'urn:1',
      'xdm:person': { 'xdm:name': { 'xdm:firstName': 'Jane' } },
      'repo:createDate': '2020-01-01T00:00:00Z',
      'repo:modifyDate': '2020-01-02T00:00:00Z',
      'xdm:homeAddress': { 'schema:latitude': 1, 'schema:longitude': 2 },
      'https://ns.adobe.com/xdm/channels/application': 'app',
      'https://ns.adobe.com/vendora/product/stockNumber': 'S1',
      'xdm:productListItems': [{ 'xdm:SKU': 'A' }],
    });
    assert.deepEqual(xed, {
      _id: 'urn:1',
      person: { name: { firstName: 'Jane' } },
      _repo: { createDate: '2020-01-01T00:00:00Z', modifyDate: '2020-01-02T00:00:00Z' },
      homeAddress: { _schema: { latitude: 1, longitude: 2 } },
      _channels: { application: 'app' },
      _vendora: { product: { stockNumber: 'S1' } },
      productListItems: [{ SKU: 'A' }],
    });
  });

  it('keeps identityMap keys, which are namespaces and not field names', () => {
    const xed = jsonLdToXed({ 'xdm:identityMap': { 'https://data.adobe.io/entities/namespace/4': [{ 'xdm:id': '1' }], ECID: [] } });
    assert.deepEqual(xed, { identityMap: { 'https://data.adobe.io/entities/namespace/4': [{ id: '1' }], ECID: [] } });
  });

  it('lets the caller name other maps', () => {
    const xed = jsonLdToXed({ 'xdm:optInOut': { 'https://ns.adobe.com/xdm/channels/email': 'in' } }, { isMap: (path) => path.at(-1) === 'optInOut' });
    assert.deepEqual(xed, { optInOut: { 'https://ns.adobe.com/xdm/channels/email': 'in' } });
  });
});
