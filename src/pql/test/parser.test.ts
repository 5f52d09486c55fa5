/** The parser and formatter: tree shapes, precedence, keyword case, spans, freezing and canonical text. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatPql, fromPqlJson, parsePql, type Node } from '../index.js';

/** The tree without positions, for comparing shapes. */
function shape(n: unknown): unknown {
  if (Array.isArray(n)) return n.map(shape);
  if (n === null || typeof n !== 'object') return n;
  return Object.fromEntries(Object.entries(n).filter(([k]) => k !== 'span' && k !== 'source').map(([k, v]) => [k, shape(v)]));
}
const body = (text: string): unknown => shape(parsePql(text).body);
const field = (name: string, object: unknown = null): unknown => ({ kind: 'field', object, name });
const int = (value: number): unknown => ({ kind: 'literal', type: 'integer', value });

describe('tree shapes', () => {
  test('a path is nested field lookups on the implicit context', () => {
    assert.deepEqual(body('a.b.c'), field('c', field('b', field('a'))));
  });
  test('and/or are n-ary and a parenthesized group stays a child', () => {
    assert.deepEqual(body('a and b and c'), { kind: 'logical', op: 'and', operands: [field('a'), field('b'), field('c')] });
    assert.deepEqual(body('(a and b) and c'), { kind: 'logical', op: 'and', operands: [{ kind: 'logical', op: 'and', operands: [field('a'), field('b')] }, field('c')] });
  });
  test('precedence: or < and < not < comparison < + - < * / % < unary < postfix (ref §12 #11)', () => {
    assert.equal(formatPql(parsePql('not a = 1 or b and c')), 'not (a = 1) or b and c');
    assert.deepEqual(body('1 + 2 * 3'), { kind: 'binary', op: '+', left: int(1), right: { kind: 'binary', op: '*', left: int(2), right: int(3) } });
    assert.deepEqual(body('-a.b'), { kind: 'neg', operand: field('b', field('a')) });
    assert.deepEqual(body('-5'), int(-5));
  });
  test('occurs between … and binds its own and', () => {
    const b = body('t occurs between today and tomorrow and x') as { kind: string; operands: { kind: string }[] };
    assert.equal(b.kind, 'logical');
    assert.equal(b.operands[0]!.kind, 'occurs');
  });
  test('let ends its value at the first top-level in', () => {
    assert.deepEqual(body('let S = [1] in 1 in S'), {
      kind: 'let', name: 'S', value: { kind: 'list', items: [int(1)] }, body: { kind: 'binary', op: 'in', left: int(1), right: { kind: 'var', name: 'S' } },
    });
    assert.equal(formatPql(parsePql('let S = (1 in [1]) in S')), 'let S = (1 in [1]) in S');
  });
  test('bound names become variables, others stay fields', () => {
    assert.deepEqual(body('exists X from xEvent where X.a = b'), {
      kind: 'quant', quantifier: 'exists',
      vars: [{ name: 'X', from: { kind: 'xEvent' }, where: { kind: 'binary', op: '=', left: field('a', { kind: 'var', name: 'X' }), right: field('b') } }],
    });
  });
  test('an aggregate over binds its variable in the projection written before it', () => {
    const b = body('sum X.a over X from xEvent') as { projection: unknown };
    assert.deepEqual(b.projection, field('a', { kind: 'var', name: 'X' }));
  });
  test('^ and ^^ with and without a dot', () => {
    assert.deepEqual(body('^^.a'), field('a', { kind: 'up', levels: 2 }));
    assert.deepEqual(body('^a'), field('a', { kind: 'up', levels: 1 }));
  });
  test('prefixed JSON-LD steps need the colon to touch both words', () => {
    assert.deepEqual(body('o.xdm:tags'), field('xdm:tags', field('o')));
    assert.deepEqual(body('exists t from tags : t = 1'), body('exists t from tags where t = 1'));
  });
  test('an integer in brackets is an index; anything else a filter', () => {
    assert.deepEqual(body('a[0]'), { kind: 'filter', array: field('a'), predicate: int(0) });
  });
  test('chain clauses, with COUNT defaulting to >=', () => {
    const b = body('chain(xEvent, timestamp, [A: WHAT(x) WHEN(today) COUNT(5)])') as { steps: { count: unknown; when: unknown }[] };
    assert.deepEqual(b.steps[0]!.count, { op: '>=', n: 5 });
    assert.deepEqual(b.steps[0]!.when, { form: 'on', ref: { kind: 'timeWord', word: 'today' } });
  });
});

describe('keywords are case-insensitive, names are not (ref §12 #12)', () => {
  test('AND / FROM / WHERE / CHAIN / NOT / TRUE read as keywords', () => {
    assert.deepEqual(body('NOT (a AND TRUE)'), body('not (a and true)'));
    assert.deepEqual(body('SOME x FROM xEvent WHERE x.a = 1'), body('exists x from xEvent where x.a = 1'));
    assert.deepEqual(body('CHAIN(XEVENT, timestamp, [A: what(a)])'), body('chain(xEvent, timestamp, [A: WHAT(a)])'));
  });
  test('global functions match any case; methods and fields keep theirs', () => {
    assert.deepEqual(body('IF(a, 1, 2)'), body('if(a, 1, 2)'));
    assert.notDeepEqual(body('a.StartsWith("x")'), body('a.startsWith("x")'));
    assert.notDeepEqual(body('Name'), body('name'));
  });
});

describe('spans and immutability', () => {
  test('every node records where it starts', () => {
    const q = parsePql('a = 1 and\n  b.c = "x"');
    const b = q.body as Node & { operands: Node[] };
    assert.deepEqual([b.operands[1]!.span?.line, b.operands[1]!.span?.column], [2, 3]);
    assert.equal(q.source, 'a = 1 and\n  b.c = "x"');
  });
  test('the tree is frozen all the way down', () => {
    const q = parsePql('xEvent[a = 1].count() > 2');
    assert.ok(Object.isFrozen(q) && Object.isFrozen(q.body));
    assert.throws(() => {
      (q.body as { op: string }).op = '<';
    }, TypeError);
  });
});

describe('canonical text', () => {
  const rows: [string, string][] = [
    ['a=1 AND b!=2', 'a = 1 and b != 2'],
    ['!(a)', 'not a'],
    ['some x FROM xEvent WHERE x.a = 1', 'exists x from xEvent where x.a = 1'],
    ['all x from xEvent : x.a = 1', 'forall x from xEvent where x.a = 1'],
    ['t occurs on today', 't occurs today'],
    ['t occurs on date(2019,12,31)', 't occurs on date(2019, 12, 31)'],
    ['t occurs < 1 days before now', 't occurs < 1 day before now'],
    ['t occurs = 3 hour before now', 't occurs = 3 hours before now'],
    ['chain(xEvent, timestamp, [A: COUNT(>= 2) WHAT(a)])', 'chain(xEvent, timestamp, [A: WHAT(a) COUNT(2)])'],
    ['a - (b - c)', 'a - (b - c)'],
    ['(a - b) - c', 'a - b - c'],
    ['(a = 1) = true', '(a = 1) = true'],
    ['(not a) = b', '(not a) = b'],
    ['- -x', '- -x'],
    ['(-5).count()', '(-5).count()'],
    ['10.0 + 1e21', '10.0 + 1e+21'],
    [String.raw`"a\"b\u00e9"`, '"a\\"bé"'],
    ['(exists x from a where x = 1) and b', '(exists x from a where x = 1) and b'],
    ['let a = 1 in let b = 2 in a + b', 'let a = 1 in let b = 2 in a + b'],
  ];
  for (const [input, expected] of rows) {
    test(`${input} → ${expected}`, () => {
      assert.equal(formatPql(parsePql(input)), expected);
      assert.equal(formatPql(parsePql(expected)), expected);
    });
  }
  test('a bare field that would read back as a keyword or variable is written through this', () => {
    const q = fromPqlJson({
      nodeType: 'quantification', quantifier: 'some', variables: [{
        nodeType: 'varDecl', varName: 'x', from: { nodeType: 'varRef', varName: 'xEvent' },
        where: { nodeType: 'fnApply', fnName: 'and', params: [{ nodeType: 'fieldLookup', fieldName: 'x' }, { nodeType: 'fieldLookup', fieldName: 'from' }] },
      }],
    });
    assert.equal(formatPql(q), 'exists x from xEvent where this.x and this.from');
  });
});
