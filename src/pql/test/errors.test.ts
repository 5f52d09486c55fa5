/** Every documented PQL error code: where it is raised, its position, its message and its caret excerpt. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PQL_ERROR_CODES, PqlError, checkPql, compilePql, formatPql, fromPqlJson, type PqlErrorCode } from '../index.js';
import { EVENTS, NOW, PROFILE } from './fixtures.js';

interface ErrorCase {
  readonly text: string;
  readonly code: PqlErrorCode;
  /** 1-based line and column of the error, when it points into the text. */
  readonly at?: readonly [number, number];
  readonly message?: string;
  readonly run?: (text: string) => unknown;
}

const compile = (text: string): unknown => compilePql(text);
const evaluate = (options: Parameters<typeof compilePql>[1]) => (text: string): unknown =>
  compilePql(text, options).evaluate({ profile: PROFILE, events: EVENTS, now: NOW });
const schema = {
  type: 'object',
  properties: {
    person: { type: 'object', properties: { name: { type: 'string' }, birthYear: { type: 'integer' } } },
    timestamp: { type: 'string', format: 'date-time' },
  },
};
const eventSchema = { type: 'object', properties: { eventType: { type: 'string' }, timestamp: { type: 'string', format: 'date-time' } } };
const check = (text: string): unknown => checkPql(text, { profile: schema, event: eventSchema });

const seven = Array.from({ length: 7 }, (_, i) => `S${i}: WHAT(eventType = "e${i}")`).join(', ');

const CASES: readonly ErrorCase[] = [
  { text: 'xEvent.sum(price from xEvent)', code: 'PQL_SYNTAX', at: [1, 18], message: "expected ')' after arguments of sum, found 'from'" },
  { text: 'a = ', code: 'PQL_SYNTAX', at: [1, 5], message: 'expected an expression, found end of input' },
  { text: 'a = = b', code: 'PQL_SYNTAX', at: [1, 5] },
  { text: '(a = 1', code: 'PQL_SYNTAX', message: "expected ')' to close the parenthesis opened at 1:1" },
  { text: '[1, 2', code: 'PQL_SYNTAX', message: 'to close the list opened at 1:1' },
  { text: '{"a" 1}', code: 'PQL_SYNTAX', message: "expected ':' after the key \"a\"" },
  { text: '{a: 1}', code: 'PQL_SYNTAX', message: 'expected a quoted key' },
  { text: 'xEvent[a', code: 'PQL_SYNTAX', message: "expected ']' to close the filter" },
  { text: 'a.', code: 'PQL_SYNTAX', message: "expected a field or method name after '.'" },
  { text: 'person.__proto__.polluted = 1', code: 'PQL_FORBIDDEN_FIELD', at: [1, 8], message: "the field name '__proto__' is not allowed" },
  { text: 'constructor.name = "x"', code: 'PQL_FORBIDDEN_FIELD', at: [1, 1] },
  { text: 'xEvent.constructor', code: 'PQL_FORBIDDEN_FIELD', at: [1, 8] },
  { text: '{"__proto__": 1}.__proto__', code: 'PQL_FORBIDDEN_FIELD', at: [1, 18] },
  { text: 'x.prototype', code: 'PQL_FORBIDDEN_FIELD', at: [1, 3] },
  { text: 'not', code: 'PQL_SYNTAX', message: 'expected an expression' },
  { text: 'a and', code: 'PQL_SYNTAX' },
  { text: 'a b', code: 'PQL_SYNTAX', at: [1, 3], message: 'expected an operator or the end' },
  { text: 'a < b < c', code: 'PQL_SYNTAX', at: [1, 7], message: 'comparisons cannot be chained' },
  { text: 'a = 1 and\n  b = ', code: 'PQL_SYNTAX', at: [2, 7] },
  { text: 't occurs < 7 before now', code: 'PQL_SYNTAX', at: [1, 14], message: 'expected a time unit' },
  { text: 't occurs < 7 days now', code: 'PQL_SYNTAX', message: "expected 'before', 'after' or 'from'" },
  { text: 't occurs < x days before now', code: 'PQL_SYNTAX', message: 'expected a whole number' },
  { text: 't occurs between today or tomorrow', code: 'PQL_SYNTAX', message: "expected 'and'" },
  { text: 'let = 1 in x', code: 'PQL_SYNTAX', message: "expected a name after 'let'" },
  { text: 'let x = 1 x', code: 'PQL_SYNTAX', message: "expected 'in'" },
  { text: 'exists from xEvent', code: 'PQL_SYNTAX', message: 'expected a name' },
  { text: 'exists X in xEvent', code: 'PQL_SYNTAX', message: "expected 'from'" },
  { text: 'sum X.a over from xEvent', code: 'PQL_SYNTAX', message: "expected a name after 'over'" },
  { text: 'chain(xEvent, timestamp, [A: WHEN(today)])', code: 'PQL_SYNTAX', message: 'expected WHAT(...) in step A' },
  { text: 'chain(xEvent, timestamp, [A WHAT(a)])', code: 'PQL_SYNTAX', message: "expected ':' after the step label" },
  { text: 'chain(xEvent, timestamp, [A: WHAT(a) COUNT(x)])', code: 'PQL_SYNTAX', message: 'expected a whole number in COUNT' },
  { text: 'chain(xEvent, [A: WHAT(a)])', code: 'PQL_SYNTAX', message: 'naming the timestamp field' },
  { text: '"abc', code: 'PQL_UNTERMINATED_STRING', at: [1, 1] },
  { text: 'a = "x\ny', code: 'PQL_UNTERMINATED_STRING', at: [1, 5] },
  { text: String.raw`"a\qb"`, code: 'PQL_BAD_ESCAPE', at: [1, 3] },
  { text: String.raw`"\u12"`, code: 'PQL_BAD_ESCAPE' },
  { text: "'abc'", code: 'PQL_BAD_CHARACTER', at: [1, 1], message: 'strings use double quotes' },
  { text: 'a # b', code: 'PQL_BAD_CHARACTER', at: [1, 3] },
  { text: 'a = @', code: 'PQL_BAD_CHARACTER', at: [1, 5] },
  { text: '$', code: 'PQL_BAD_CHARACTER' },
  { text: '99999999999999999999', code: 'PQL_BAD_NUMBER', at: [1, 1] },
  { text: 't occurs < 7days before now', code: 'PQL_BAD_NUMBER', at: [1, 12] },
  { text: '$0', code: 'PQL_BAD_NUMBER' },
  { text: '{"a": 1, "a": 2}', code: 'PQL_DUPLICATE', at: [1, 10] },
  { text: 'exists X from xEvent where a, X from b', code: 'PQL_DUPLICATE' },
  { text: 'chain(xEvent, timestamp, [A: WHAT(a) WHAT(b)])', code: 'PQL_DUPLICATE' },
  { text: 'chain(xEvent, timestamp, [A: WHAT(a), A: WHAT(b)])', code: 'PQL_DUPLICATE' },
  { text: '(a, a) => a', code: 'PQL_DUPLICATE' },
  { text: `chain(xEvent, timestamp, [${seven}])`, code: 'PQL_CHAIN_TOO_LONG', message: 'at most 6' },
  { text: `${'('.repeat(150)}1${')'.repeat(150)}`, code: 'PQL_TOO_DEEP' },
  { text: `a${'.b'.repeat(150)}`, code: 'PQL_TOO_DEEP' },
  { text: 'a = "x"', code: 'PQL_SOURCE_TOO_LONG', run: (t) => compilePql(t, { maxSourceLength: 4 }) },
  { text: 'foo(1)', code: 'PQL_UNKNOWN_FUNCTION', at: [1, 1], message: "unknown function 'foo'", run: compile },
  { text: 'a.startWith("x")', code: 'PQL_UNKNOWN_FUNCTION', message: "did you mean 'startsWith'?", run: compile },
  { text: 'a.date()', code: 'PQL_UNKNOWN_FUNCTION', message: 'date is a function', run: compile },
  { text: 'a.count(1, 2)', code: 'PQL_ARITY', message: 'count takes 0 to 1 arguments, got 2', run: compile },
  { text: 'if(1, 2)', code: 'PQL_ARITY', run: compile },
  { text: 'date(2020, 1)', code: 'PQL_ARITY', run: compile },
  { text: 'a.equals()', code: 'PQL_ARITY', message: 'at least 1', run: compile },
  { text: '[1].map((a, b, c) => a)', code: 'PQL_ARITY', run: compile },
  { text: 'date(2020, 2, 30)', code: 'PQL_BAD_ARGUMENT', at: [1, 1], run: compile },
  { text: 'date(2020, 13, 1)', code: 'PQL_BAD_ARGUMENT', run: compile },
  {
    text: '{"nodeType": "fnApply", "fnName": "period", "params": [{"nodeType": "literal", "literalType": "String", "value": "last"}, {"nodeType": "literal", "literalType": "String", "value": "month"}]}',
    code: 'PQL_BAD_ARGUMENT', message: 'only valid after', run: (t) => compilePql(fromPqlJson(t)),
  },
  { text: 'a.filter((x) => x)', code: 'PQL_BAD_ARGUMENT', message: 'only allowed as the argument of map', run: compile },
  { text: 'a = (x) => x', code: 'PQL_BAD_ARGUMENT' },
  { text: 'a.regexGroup("(a)", -1)', code: 'PQL_BAD_ARGUMENT', run: compile },
  { text: 'chain(xEvent, timestamp, [A: WHAT(a) COUNT(< 2), B: WHAT(b)])', code: 'PQL_BAD_ARGUMENT', run: compile },
  { text: 'true', code: 'PQL_BAD_ARGUMENT', message: "'now' must be", run: (t) => compilePql(t).evaluate({ now: 'yesterday-ish' }) },
  { text: 'a.matches("(")', code: 'PQL_BAD_REGEX', at: [1, 11], message: 'unclosed group', run: compile },
  { text: 'a.matches("a++")', code: 'PQL_BAD_REGEX', message: 'possessive', run: compile },
  { text: 'a.matches("(?=x)")', code: 'PQL_BAD_REGEX', message: 'lookahead', run: compile },
  { text: String.raw`a.matches("(a)\\1")`, code: 'PQL_BAD_REGEX', message: 'backreferences', run: compile },
  { text: 'a.matches("[a&&b]")', code: 'PQL_BAD_REGEX', run: compile },
  { text: 'a.regexGroup("x{2,1}")', code: 'PQL_BAD_REGEX', run: compile },
  { text: '^a', code: 'PQL_UNBOUND', at: [1, 1], run: compile },
  { text: 'xEvent[^^^x]', code: 'PQL_UNBOUND', at: [1, 8], run: compile },
  { text: 'person.nmae', code: 'PQL_UNKNOWN_FIELD', at: [1, 1], message: "did you mean 'name'?", run: check },
  { text: 'xEvent[eventTyp = "x"]', code: 'PQL_UNKNOWN_FIELD', run: check },
  { text: 'chain(xEvent, timestamp, [X: WHAT(var1._experience.analytics.endUser.firstWeb.webPageDetails.isHomePage = "true")])', code: 'PQL_UNKNOWN_FIELD', message: "unknown field 'var1'", run: check },
  { text: '"a" + 1', code: 'PQL_TYPE', at: [1, 1], run: check },
  { text: 'person.birthYear.startsWith("1")', code: 'PQL_TYPE', run: check },
  { text: 'true occurs today', code: 'PQL_TYPE', run: check },
  { text: 'person.name.startsWith("a") occurs today', code: 'PQL_TYPE', run: check },
  { text: 'person.name.nested', code: 'PQL_TYPE', run: check },
  { text: '{"nodeType": "bogus"}', code: 'PQL_JSON', message: 'unknown node type', run: fromPqlJson },
  { text: '{"nodeType": "literal", "literalType": "Integer", "value": 1.5}', code: 'PQL_JSON', run: fromPqlJson },
  { text: '{"nodeType": "fnApply", "fnName": "=", "params": []}', code: 'PQL_JSON', run: fromPqlJson },
  { text: '{"format": "pql/xml", "value": "x"}', code: 'PQL_JSON', run: fromPqlJson },
  { text: '{"nodeType": "varRef", "varName": "q"}', code: 'PQL_UNBOUND', run: (t) => compilePql(fromPqlJson(t)) },
  { text: '{"nodeType": "fieldLookup", "fieldName": "a b"}', code: 'PQL_NOT_REPRESENTABLE', run: (t) => formatPql(fromPqlJson(t)) },
  { text: 'xEvent[xEvent[xEvent[true].count() > 0].count() > 0].count()', code: 'PQL_STEP_LIMIT', run: evaluate({ maxSteps: 100 }) },
  { text: '"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".matches("(a|aa)*b")', code: 'PQL_STEP_LIMIT', run: evaluate({ maxSteps: 200 }) },
];

function raised(k: ErrorCase): PqlError {
  try {
    (k.run ?? ((t: string) => compilePql(t)))(k.text);
  } catch (e) {
    assert.ok(e instanceof PqlError, `expected a PqlError, got ${String(e)}`);
    return e;
  }
  return assert.fail(`expected ${k.code} for ${k.text}`);
}

describe('error table', () => {
  for (const k of CASES) {
    test(`${k.code}: ${k.text.replace(/\n/g, '\\n').slice(0, 90)}`, () => {
      const e = raised(k);
      assert.equal(e.code, k.code, e.message);
      if (k.message) assert.ok(e.detail.includes(k.message), `"${e.detail}" should contain "${k.message}"`);
      if (k.at) {
        assert.deepEqual([e.line, e.column], k.at, e.message);
        assert.ok(e.message.startsWith(`PQL ${k.at[0]}:${k.at[1]}: `), e.message);
        const lines = e.excerpt.split('\n');
        const caretLine = lines[1] ?? '';
        assert.equal(caretLine.indexOf('^') - 2, k.at[1] - 1, `caret under column ${k.at[1]}:\n${e.excerpt}`);
      }
    });
  }

  test('every documented code is raised by some case', () => {
    const covered = new Set(CASES.map((k) => k.code));
    assert.deepEqual(PQL_ERROR_CODES.filter((c) => !covered.has(c)), []);
  });

  test('the issue example prints a caret excerpt under the unexpected token', () => {
    const e = raised(CASES[0]!);
    assert.equal(e.format(), [
      "PQL 1:18: expected ')' after arguments of sum, found 'from'",
      '  xEvent.sum(price from xEvent)',
      '                   ^^^^',
    ].join('\n'));
  });
});
