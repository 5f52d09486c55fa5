/**
 * Search over a sandbox's audiences by text, in a subset of the Lucene syntax the search API documents: terms and
 * `field:term` (name, description, id, namespace), quoted phrases, `*` and `?` wildcards, AND (the default), OR, NOT.
 * Pure.
 */
import { DomainError } from '../shared/errors.js';

/** What search sees of an audience. */
export interface Searchable {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly namespace: string;
}

const FIELDS = new Set(['name', 'description', 'id', 'namespace']);

type Clause = { readonly not: boolean; readonly field: string | null; readonly phrase: boolean; readonly pattern: string };

function invalid(message: string): DomainError {
  return new DomainError('SEARCH_QUERY_INVALID', message);
}

/**
 * Whether `text` matches a glob (`*` any run, `?` one character) whole: the greedy two-pointer match, linear in the
 * text for each backtrack to the last star, so no query can make it run away (a regex of many `.*` could).
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) p++, t++;
    else if (p < pattern.length && pattern[p] === '*') (star = p++), (mark = t);
    else if (star >= 0) (p = star + 1), (t = ++mark);
    else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Parses `s` into OR-groups of AND-ed clauses; SEARCH_QUERY_INVALID names what it cannot read. */
export function parseSearch(s: string): Clause[][] {
  const tokens = s.match(/-?(?:[A-Za-z]+:)?"[^"]*"|\S+/g) ?? [];
  if (tokens.length > 32) throw invalid(`s has ${tokens.length} terms; at most 32`);
  const groups: Clause[][] = [[]];
  let not = false;
  for (const token of tokens) {
    if (token === 'OR' || token === '||') {
      if (groups[groups.length - 1]!.length === 0) throw invalid('s: OR needs a term on each side');
      groups.push([]);
      continue;
    }
    if (token === 'AND' || token === '&&') continue;
    if (token === 'NOT' || token === '!') {
      not = true;
      continue;
    }
    let t = token;
    let negated = not;
    not = false;
    if (t.startsWith('-')) (negated = true), (t = t.slice(1));
    const m = /^([A-Za-z]+):(.*)$/.exec(t);
    const field = m ? m[1]! : null;
    if (field !== null && !FIELDS.has(field)) throw invalid(`s: field '${field.slice(0, 40)}' cannot be searched: use name, description, id or namespace`);
    let value = m ? m[2]! : t;
    const phrase = value.startsWith('"') && value.endsWith('"') && value.length >= 2;
    if (phrase) value = value.slice(1, -1);
    if (value === '') throw invalid(`s: '${token.slice(0, 40)}' has no term to search for`);
    groups[groups.length - 1]!.push({ not: negated, field, phrase, pattern: value.toLowerCase() });
  }
  if (groups[groups.length - 1]!.length === 0 && groups.length > 1) throw invalid('s: OR needs a term on each side');
  return groups.filter((g) => g.length > 0);
}

const tokensOf = (text: string) => text.split(/[^\p{L}\p{N}_]+/u).filter((t) => t !== '');

function matchesClause(a: Searchable, c: Clause): boolean {
  const fields = c.field === null ? ['name', 'description'] : [c.field];
  const hit = fields.some((f) => {
    const text = String(a[f as keyof Searchable]).toLowerCase();
    // A phrase is found anywhere in the text; a term matches a whole word, or the whole text (`name:gold*`).
    return c.phrase ? globMatch(`*${c.pattern}*`, text) : globMatch(c.pattern, text) || tokensOf(text).some((t) => globMatch(c.pattern, t));
  });
  return hit !== c.not;
}

/** Whether an audience matches a parsed query (an empty query matches everything). */
export function matchesSearch(a: Searchable, query: readonly Clause[][]): boolean {
  return query.length === 0 || query.some((group) => group.every((c) => matchesClause(a, c)));
}
