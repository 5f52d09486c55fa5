/** Unit tests of fragment time: the strict RFC 3339 reader behind custom timestamps. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fragmentTime, parseDateTime } from './index.js';

test('parseDateTime reads RFC 3339 date-times and the ISO 8601 variants it documents', () => {
  const cases: Array<[string, string]> = [
    ['2024-05-01T10:20:30Z', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T10:20:30.1Z', '2024-05-01T10:20:30.100Z'],
    ['2024-05-01T10:20:30.123456789Z', '2024-05-01T10:20:30.123Z'],
    ['2024-05-01T10:20:30.999999999999999999999Z', '2024-05-01T10:20:30.999Z'],
    ['2024-05-01T10:20:30+02:00', '2024-05-01T08:20:30.000Z'],
    ['2024-05-01T10:20:30-0530', '2024-05-01T15:50:30.000Z'],
    ['2024-05-01t10:20:30z', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01 10:20Z', '2024-05-01T10:20:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['0050-01-01T00:00:00Z', '0050-01-01T00:00:00.000Z'],
  ];
  for (const [input, iso] of cases) assert.equal(parseDateTime(input), Date.parse(iso), input);
});

test('parseDateTime rejects what is not an unambiguous instant', () => {
  const invalid = [
    '', '2024-05-01', '2024-05-01T10:20:30', '2024-05-01T10:20:30.Z', '2024-13-01T00:00:00Z', '2024-04-31T00:00:00Z',
    '2023-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2024-05-01T24:00:00Z', '2024-05-01T10:60:00Z', '2024-05-01T10:20:60Z',
    '2024-05-01T10:20:30+24:00', '2024-05-01T10:20:30Z ', '2024-05-01X10:20:30Z', '2024-5-01T10:20:30Z', 'May 1, 2024 10:20 UTC',
  ];
  for (const input of invalid) assert.ok(Number.isNaN(parseDateTime(input)), input);
});

test('fragmentTime prefers a valid custom timestamp and otherwise counts ingestion, never NaN', () => {
  const base = { datasetId: 'A', fragmentId: 'A:1', primaryIdentity: { namespace: 'ECID', id: '1' } };
  const at = (data: Record<string, unknown>, ingestedAt = 42) => fragmentTime({ ...base, data, ingestedAt });
  assert.equal(at({ extSourceSystemAudit: { lastUpdatedDate: '1970-01-01T00:00:01Z' } }), 1000);
  assert.equal(at({ extSourceSystemAudit: { lastUpdatedDate: 'soon' } }), 42);
  assert.equal(at({ extSourceSystemAudit: 'x' }), 42);
  assert.equal(at({ lastUpdatedDate: '1970-01-01T00:00:01Z' }), 42, 'only the audit field group counts');
  assert.equal(at({}, Number.NaN), 0);
});
