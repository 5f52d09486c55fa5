/** A parser for the block-YAML subset of Adobe's OpenAPI specs (no YAML package is installed); tests read the specs with it. */

interface Line {
  indent: number;
  body: string;
}

/** Parses the block-YAML subset the spec uses (maps, sequences, plain, quoted and folded scalars); no YAML package is installed. */
export function parseYaml(text: string): unknown {
  const lines: Line[] = text.split(/\r?\n/).map((raw) => ({ indent: raw.length - raw.trimStart().length, body: raw.trim() }));
  let i = 0;
  const blank = (n: number) => lines[n] !== undefined && (lines[n].body === '' || lines[n].body.startsWith('#'));
  const skipBlank = () => {
    while (blank(i)) i++;
  };
  const isItem = (line: Line | undefined) => line !== undefined && (line.body === '-' || line.body.startsWith('- '));
  const keyValue = (body: string): [string, string] | undefined => {
    const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^'"\s-][^]*?|-[^\s][^]*?)\s*:(?:\s+([^]*))?$/.exec(body);
    return m === null ? undefined : [String(scalar(m[1] ?? '')), stripComment(m[2] ?? '')];
  };
  const fold = (parts: string[]) => parts.reduce((acc, p) => (p === '' ? `${acc}\n` : acc === '' || acc.endsWith('\n') ? acc + p : `${acc} ${p}`), '');
  // A scalar continues on following lines indented deeper than its key or dash; `>`/`|` start block scalars.
  const value = (parent: number, first: string): unknown => {
    const block = /^[>|][-+]?$/.test(first);
    const parts = block ? [] : [first];
    while (i < lines.length) {
      let j = i;
      while (blank(j)) j++;
      if (lines[j] === undefined || lines[j].indent <= parent) break;
      for (; i < j; i++) parts.push('');
      parts.push(lines[i++].body);
    }
    if (!block) return scalar(fold(parts));
    const joined = (first.startsWith('|') ? parts.join('\n') : fold(parts)).replace(/\n+$/, '');
    return first.endsWith('-') ? joined : `${joined}\n`;
  };
  const node = (): unknown => {
    skipBlank();
    const line = lines[i];
    if (line === undefined) return null;
    return isItem(line) ? seq(line.indent) : map(line.indent);
  };
  const seq = (indent: number): unknown[] => {
    const out: unknown[] = [];
    for (skipBlank(); isItem(lines[i]) && lines[i].indent === indent; skipBlank()) {
      const rest = lines[i].body.slice(1).trimStart();
      if (rest === '') {
        i++;
        out.push(node());
      } else if (keyValue(rest) !== undefined) {
        lines[i] = { indent: indent + 2, body: rest };
        out.push(map(indent + 2));
      } else {
        i++;
        out.push(value(indent, rest));
      }
    }
    return out;
  };
  const map = (indent: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (skipBlank(); lines[i] !== undefined && lines[i].indent === indent && !isItem(lines[i]); skipBlank()) {
      const kv = keyValue(lines[i].body);
      if (kv === undefined) throw new Error(`YAML line ${i + 1} is outside the supported YAML subset`);
      i++;
      const [key, rest] = kv;
      if (rest !== '') {
        out[key] = value(indent, rest);
        continue;
      }
      skipBlank();
      const next = lines[i];
      const nested = next !== undefined && (next.indent > indent || (next.indent === indent && isItem(next)));
      // A plain scalar on the lines below its key (`key:` then the value, deeper) is the key's value.
      if (nested && next.indent > indent && !isItem(next) && keyValue(next.body) === undefined) out[key] = value(indent, lines[i++]!.body);
      else out[key] = nested ? node() : null;
    }
    return out;
  };
  return node();
}

function scalar(s: string): unknown {
  if (s.startsWith('"')) return JSON.parse(s.replace(/\n/g, ' '));
  if (s.startsWith("'")) return s.slice(1, -1).replace(/''/g, "'");
  if (s === '[]' || s === '{}' || (s.startsWith('{') && s.endsWith('}'))) return JSON.parse(s);
  if (s === 'true' || s === 'false') return s === 'true';
  if (s === 'null' || s === '~' || s === '') return null;
  if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(s)) return Number(s);
  return s;
}

function stripComment(s: string): string {
  const m = /(^|\s)#(?=(?:[^"']|"[^"]*"|'[^']*')*$)/.exec(s);
  return (m === null ? s : s.slice(0, m.index)).trim();
}

/**
 * The block under `path` (each key one indentation level deeper than the last), parsed alone: for specs whose other
 * parts are outside the subset. Undefined when the path is not there.
 */
export function yamlBlock(text: string, path: readonly string[]): unknown {
  const lines = text.split(/\r?\n/);
  let from = 0;
  let indent = -1;
  for (const key of path) {
    const at = lines.findIndex((l, n) => n >= from && l.trimStart().startsWith(`${key}:`) && l.length - l.trimStart().length > indent);
    if (at < 0) return undefined;
    indent = lines[at]!.length - lines[at]!.trimStart().length;
    from = at + 1;
  }
  let to = from;
  while (to < lines.length && (lines[to]!.trim() === '' || lines[to]!.length - lines[to]!.trimStart().length > indent)) to++;
  return parseYaml(lines.slice(from, to).map((l) => l.slice(indent + 2)).join('\n'));
}
