/** The Java-regex translator and Pike VM: Java syntax and flags, leftmost-first captures, rejections, linear cost. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RegexSyntaxError } from '../regex/parse.js';
import { compileJavaRegex } from '../regex/vm.js';

const free = (): void => {};
const find = (pattern: string, input: string): boolean => compileJavaRegex(pattern).test(input, free);
const groups = (pattern: string, input: string): (string | null)[] | null => {
  const caps = compileJavaRegex(pattern).exec(input, free);
  if (!caps) return null;
  const out: (string | null)[] = [];
  for (let i = 0; i < caps.length; i += 2) out.push(caps[i]! >= 0 ? input.slice(caps[i], caps[i + 1]) : null);
  return out;
};

describe('matching (find semantics)', () => {
  const rows: [string, string, boolean][] = [
    ['(?i)^john', 'JOHN smith', true],
    ['^john', 'JOHN', false],
    ['(?i)straße', 'STRASSE', false],
    ['(?iu)é', 'É', true],
    ['(?i)é', 'É', false],
    ['colou?r', 'my color', true],
    ['^\\d{3}-\\d{4}$', '555-1234', true],
    ['^\\d{3}-\\d{4}$', '555-12345', false],
    ['[a-c]+x', 'zzbcax', true],
    ['[^a-c]', 'abc', false],
    ['[\\w.]+@', 'a.b@c', true],
    ['\\p{Alpha}+\\p{Digit}', 'abc1', true],
    ['\\p{Punct}', 'a-b', true],
    ['\\p{IsLatin}', 'ж', false],
    ['\\p{IsCyrillic}', 'ж', true],
    ['\\p{Lu}', 'abc', false],
    ['\\pL', '1a', true],
    ['\\P{L}', 'abc', false],
    ['a.c', 'a\nc', false],
    ['(?s)a.c', 'a\nc', true],
    ['^b', 'a\nb', false],
    ['(?m)^b', 'a\nb', true],
    ['a$', 'a\n', true],
    ['a\\z', 'a\n', false],
    ['a\\Z', 'a\n', true],
    ['\\Aa', 'ba', false],
    ['\\bcat\\b', 'concat', false],
    ['\\Bcat\\b', 'concat', true],
    ['\\Qa+b\\E', 'a+b', true],
    ['\\x41\\u0042\\x{43}', 'ABC', true],
    ['\\t', 'a\tb', true],
    ['\\0101', 'A', true],
    ['\\cA', '\u0001', true],
    ['a\\Rb', 'a\r\nb', true],
    ['(?x) a b  # comment', 'ab', true],
    ['\\h', 'a b', true],
    ['\\s', 'ab', false],
    ['\\S+', '  x ', true],
    ['(a|b)*c', 'ababc', true],
    ['x{0}y', 'y', true],
    ['x{2,}', 'xx', true],
    ['x{2,}', 'x', false],
    ['😀+', 'a😀😀', true],
    ['^.$', '😀', true],
    ['', 'anything', true],
  ];
  for (const [pattern, input, expected] of rows) {
    test(`${JSON.stringify(pattern)} in ${JSON.stringify(input)} → ${expected}`, () => assert.equal(find(pattern, input), expected));
  }
});

describe('captures are leftmost-first, as in Java', () => {
  test('alternation prefers the first option', () => assert.deepEqual(groups('(a|ab)(c|bcd)(d*)', 'abcd'), ['abcd', 'a', 'bcd', '']));
  test('greedy and lazy quantifiers', () => {
    assert.deepEqual(groups('<(.+)>', '<a><b>'), ['<a><b>', 'a><b']);
    assert.deepEqual(groups('<(.+?)>', '<a><b>'), ['<a>', 'a']);
    assert.deepEqual(groups('x{2,3}?', 'xxxx'), ['xx']);
  });
  test('the leftmost match wins over a longer later one', () => assert.deepEqual(groups('b+|a', 'abbb'), ['a']));
  test('an unset optional group is null', () => assert.deepEqual(groups('(x)?y', 'y'), ['y', null]));
  test('named groups count like numbered ones', () => assert.deepEqual(groups('(?<user>\\w+)@(\\w+)', 'jo@ex'), ['jo@ex', 'jo', 'ex']));
  test('the last iteration of a repeated group is kept', () => assert.deepEqual(groups('(?:(\\d),)+', '1,2,3,'), ['1,2,3,', '3']));
});

describe('what Java rejects or this engine does not support', () => {
  const rejected: [string, RegExp][] = [
    ['(', /unclosed group/],
    ['a)', /unmatched/],
    ['*a', /dangling/],
    ['a{', /illegal repetition/],
    ['x{3,1}', /illegal repetition range/],
    ['[a', /unclosed character class/],
    ['[z-a]', /illegal character range/],
    ['\\', /backslash/],
    ['\\y', /unknown escape/],
    ['a++', /possessive/],
    ['(?>a)', /atomic/],
    ['(?=a)', /lookahead/],
    ['(?<!a)b', /lookahead and lookbehind/],
    ['(a)\\1', /backreferences/],
    ['\\k<n>', /backreferences/],
    ['[a[b]]', /nested classes/],
    ['[a&&b]', /intersections/],
    ['\\p{InGreek}', /unsupported character property/],
    ['(?U)\\w', /UNICODE_CHARACTER_CLASS/],
    ['(?q)a', /unknown inline flag/],
    ['a{1001}', /above 1000/],
    ['(a{1000}){1000}', /too large/],
    [`${'('.repeat(120)}a${')'.repeat(120)}`, /nests too deeply/],
  ];
  for (const [pattern, reason] of rejected) {
    test(`${JSON.stringify(pattern.slice(0, 40))} is refused`, () => {
      assert.throws(() => compileJavaRegex(pattern), (e: unknown) => e instanceof RegexSyntaxError && reason.test(e.message));
    });
  }
});

describe('cost is linear in the input', () => {
  for (const pattern of ['(a+)+b', '(a|aa)*b', '(a*)*b', '(.*a){12}', 'a*a*a*a*a*a*b']) {
    test(`${pattern} on 20,000 a's stays within input × program size`, () => {
      let work = 0;
      const input = 'a'.repeat(20_000);
      const re = compileJavaRegex(pattern);
      assert.equal(re.test(input, (n) => (work += n)), pattern === '(.*a){12}');
      assert.ok(work < input.length * 200, `work ${work}`);
    });
  }
  test('the meter can stop a long match', () => {
    const re = compileJavaRegex('(a|b)*c');
    let work = 0;
    assert.throws(() => re.test('ab'.repeat(10_000), (n) => {
      work += n;
      if (work > 1000) throw new Error('budget');
    }), /budget/);
  });
});
