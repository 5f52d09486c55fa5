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

type Clause = { readonly not: boolean; readonly field: string | null; readonly phrase: boolean; readonly pattern: RegExp };

function invalid(message: string): DomainError {
  return new DomainError('SEARCH_QUERY_INVALID', message);
}

/** A term as a whole-token pattern (`*` any run, `?` one character), or a phrase as a substring. */
function patternOf(text: string, phrase: boolean): RegExp {
  const escaped = text.toLowerCase().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(phrase ? escaped : `^${escaped}$`);
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
    groups[groups.length - 1]!.push({ not: negated, field, phrase, pattern: patternOf(value, phrase) });
  }
  if (groups[groups.length - 1]!.length === 0 && groups.length > 1) throw invalid('s: OR needs a term on each side');
  return groups.filter((g) => g.length > 0);
}

const tokensOf = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}_]+/u).filter((t) => t !== '');

function matchesClause(a: Searchable, c: Clause): boolean {
  const fields = c.field === null ? ['name', 'description'] : [c.field];
  const hit = fields.some((f) => {
    const text = String(a[f as keyof Searchable]);
    return c.phrase ? c.pattern.test(text.toLowerCase()) : c.pattern.test(text.toLowerCase()) || tokensOf(text).some((t) => c.pattern.test(t));
  });
  return hit !== c.not;
}

/** Whether an audience matches a parsed query (an empty query matches everything). */
export function matchesSearch(a: Searchable, query: readonly Clause[][]): boolean {
  return query.length === 0 || query.some((group) => group.every((c) => matchesClause(a, c)));
}
