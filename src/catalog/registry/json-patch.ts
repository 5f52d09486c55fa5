/** A small RFC 6902 JSON Patch applier (add, remove, replace, move, copy, test) over plain JSON values. */
import { isDeepStrictEqual } from 'node:util';
import { DomainError } from '../../shared/errors.js';
import { describeJsonProblem, exceedsNodes, screenJson } from '../../shared/json-screen.js';

/** One operation of a patch document. */
export interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

type Json = unknown;
type Container = Record<string, Json> | Json[];

/** Values a patched document may hold: `copy` doubles a document per operation, so a short patch could fill memory. */
const MAX_PATCHED_NODES = 200_000;
const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);
/** Keys that would reach Object.prototype if assigned; the JSON body parser refuses them too. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** Checks the shape of a patch document; throws REGISTRY_PATCH_INVALID naming the first bad operation. */
export function parsePatch(input: unknown): PatchOperation[] {
  if (!Array.isArray(input)) throw invalid('A JSON Patch document must be an array of operations');
  if (input.length === 0) throw invalid('The JSON Patch document has no operations');
  return input.map((raw, i) => {
    const at = `operation ${i}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(`${at} is not an object`);
    const op = (raw as Record<string, unknown>).op;
    const path = (raw as Record<string, unknown>).path;
    if (typeof op !== 'string' || !OPS.has(op)) throw invalid(`${at} has op ${JSON.stringify(op)}; use add, remove, replace, move, copy or test`);
    if (typeof path !== 'string') throw invalid(`${at} (${op}) needs a string path`);
    pointer(path, at);
    const out: PatchOperation = { op: op as PatchOperation['op'], path };
    if (op === 'add' || op === 'replace' || op === 'test') {
      if (!('value' in raw)) throw invalid(`${at} (${op} ${path}) needs a value`);
      out.value = (raw as Record<string, unknown>).value;
    }
    if (op === 'move' || op === 'copy') {
      const from = (raw as Record<string, unknown>).from;
      if (typeof from !== 'string') throw invalid(`${at} (${op} ${path}) needs a string from`);
      pointer(from, at);
      if (op === 'move' && (path === from || path.startsWith(`${from}/`))) throw invalid(`${at} moves ${from} into itself`);
      out.from = from;
    }
    return out;
  });
}

/** Applies operations to a deep copy of `doc`, atomically: any failing operation leaves nothing applied. */
export function applyPatch<T>(doc: T, ops: readonly PatchOperation[]): T {
  let root: Json = structuredClone(doc);
  ops.forEach((op, i) => {
    const at = `operation ${i} (${op.op} ${op.path})`;
    switch (op.op) {
      case 'add':
        root = put(root, pointer(op.path, at), structuredClone(op.value), at, false);
        break;
      case 'remove':
        root = take(root, pointer(op.path, at), at).root;
        break;
      case 'replace':
        get(root, pointer(op.path, at), at);
        root = put(root, pointer(op.path, at), structuredClone(op.value), at, true);
        break;
      case 'move': {
        const taken = take(root, pointer(op.from!, at), at);
        root = put(taken.root, pointer(op.path, at), taken.value, at, false);
        break;
      }
      case 'copy':
        root = put(root, pointer(op.path, at), structuredClone(get(root, pointer(op.from!, at), at)), at, false);
        if (exceedsNodes(root, MAX_PATCHED_NODES)) throw invalid(`${at}: the patched document would hold more than ${MAX_PATCHED_NODES} values`);
        break;
      case 'test':
        if (!isDeepStrictEqual(get(root, pointer(op.path, at), at), op.value)) {
          throw new DomainError('REGISTRY_PATCH_TEST_FAILED', `JSON Patch ${at} failed: the value differs from the one tested`);
        }
    }
  });
  const problem = screenJson(root);
  if (problem) throw invalid(`the patched document is refused: ${describeJsonProblem(problem)}`);
  return root as T;
}

function invalid(message: string): DomainError {
  return new DomainError('REGISTRY_PATCH_INVALID', message);
}

/** Parses an RFC 6901 pointer into unescaped tokens. */
function pointer(path: string, at: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw invalid(`${at}: path "${path}" is not a JSON pointer (it must start with "/")`);
  return path
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) throw invalid(`${at}: path "${path}" has a bad ~ escape`);
      const name = token.replace(/~1/g, '/').replace(/~0/g, '~');
      if (FORBIDDEN.has(name)) throw invalid(`${at}: path "${path}" names the reserved key "${name}"`);
      return name;
    });
}

function isContainer(value: Json): value is Container {
  return typeof value === 'object' && value !== null;
}

function index(arr: Json[], token: string, at: string, allowEnd: boolean): number {
  if (allowEnd && token === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw invalid(`${at}: "${token}" is not an array index`);
  const i = Number(token);
  if (i > arr.length - (allowEnd ? 0 : 1)) throw invalid(`${at}: index ${i} is out of bounds (length ${arr.length})`);
  return i;
}

function parentOf(root: Json, tokens: string[], at: string): Container {
  let node = root;
  for (const token of tokens.slice(0, -1)) {
    if (!isContainer(node)) throw invalid(`${at}: the path goes through a value that is not an object or array`);
    const next: Json = Array.isArray(node) ? node[index(node, token, at, false)] : Object.hasOwn(node, token) ? node[token] : undefined;
    if (next === undefined) throw invalid(`${at}: the path does not exist`);
    node = next;
  }
  if (!isContainer(node)) throw invalid(`${at}: the parent of the target is not an object or array`);
  return node;
}

function get(root: Json, tokens: string[], at: string): Json {
  if (tokens.length === 0) return root;
  const parent = parentOf(root, tokens, at);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) return parent[index(parent, last, at, false)];
  if (!Object.hasOwn(parent, last)) throw invalid(`${at}: the path does not exist`);
  return parent[last];
}

function put(root: Json, tokens: string[], value: Json, at: string, replace: boolean): Json {
  if (tokens.length === 0) return value;
  const parent = parentOf(root, tokens, at);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = index(parent, last, at, !replace);
    parent.splice(i, replace ? 1 : 0, value);
  } else {
    parent[last] = value;
  }
  return root;
}

function take(root: Json, tokens: string[], at: string): { root: Json; value: Json } {
  if (tokens.length === 0) return { root: undefined, value: root };
  const value = get(root, tokens, at);
  const parent = parentOf(root, tokens, at);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(index(parent, last, at, false), 1);
  else delete parent[last];
  return { root, value };
}
