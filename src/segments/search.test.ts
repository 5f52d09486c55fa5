/** The search query subset: fields, wildcards, phrases, AND / OR / NOT, and what it refuses. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesSearch, parseSearch } from './search.js';

const gold = { id: 'a1', name: 'Gold members', description: 'Loyalty tier gold, any country', namespace: 'AEPSegments' };
const buyers = { id: 'b2', name: 'Buyers today', description: 'Two purchases in 24 hours', namespace: 'AEPSegments' };
const upload = { id: 'c3', name: 'CRM upload', description: 'Uploaded from the CRM', namespace: 'CustomerAudienceUpload' };
const all = [gold, buyers, upload];
const find = (s: string) => all.filter((a) => matchesSearch(a, parseSearch(s))).map((a) => a.id);

describe('audience search', () => {
  it('matches words of the name or description, any case, with wildcards', () => {
    assert.deepEqual(find(''), ['a1', 'b2', 'c3']);
    assert.deepEqual(find('gold'), ['a1']);
    assert.deepEqual(find('name:buy*'), ['b2']);
    assert.deepEqual(find('description:purchase?'), ['b2']);
    assert.deepEqual(find('name:test'), []);
    assert.deepEqual(find('namespace:CustomerAudienceUpload'), ['c3']);
    assert.deepEqual(find('id:b2'), ['b2']);
  });

  it('reads phrases, AND (the default), OR and NOT', () => {
    assert.deepEqual(find('description:"in 24 hours"'), ['b2']);
    assert.deepEqual(find('crm upload'), ['c3']);
    assert.deepEqual(find('gold OR buyers'), ['a1', 'b2']);
    assert.deepEqual(find('namespace:AEPSegments AND NOT gold'), ['b2']);
    assert.deepEqual(find('namespace:AEPSegments -buyers'), ['a1']);
  });

  it('matches terms of many wildcards against long text (a backtracking matcher would not finish)', () => {
    const long = { id: 'd4', name: 'x', description: 'a'.repeat(4000), namespace: 'AEPSegments' };
    assert.equal(matchesSearch(long, parseSearch('description:*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b')), false);
    assert.equal(matchesSearch(long, parseSearch('description:*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a')), true);
  });

  it('refuses unknown fields, empty terms and a dangling OR', () => {
    for (const s of ['owner:me', 'name:', 'gold OR', 'OR gold']) assert.throws(() => parseSearch(s), (e: Error & { code?: string }) => e.code === 'SEARCH_QUERY_INVALID', s);
  });
});
