/** `rtprofile pql check|eval|convert`: for people writing segment and computed-attribute definitions. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import {
  PqlError, checkPql, children, classifyPql, compilePql, formatPql, fromPqlJson, parsePql, toPqlJson,
  type Node, type PqlQuery, type PqlSchemaInput,
} from '../pql/index.js';

/** Exit code for a definition that does not parse, check or evaluate. */
export const PQL_ERROR_EXIT = 2;

interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** The root program's output configuration, so tests that configure it capture everything. */
function ioOf(cmd: Command): Io {
  let root = cmd;
  while (root.parent) root = root.parent;
  const config = root.configureOutput() as { writeOut?: (s: string) => void; writeErr?: (s: string) => void };
  return {
    out: (s) => (config.writeOut ?? ((x: string) => process.stdout.write(x)))(s),
    err: (s) => (config.writeErr ?? ((x: string) => process.stderr.write(x)))(s),
  };
}

/** Runs a subcommand body; a PqlError prints with its caret and exits 2, unreadable input files exit 1. */
function guarded(cmd: Command, body: (io: Io) => void): void {
  const io = ioOf(cmd);
  try {
    body(io);
  } catch (e) {
    if (e instanceof PqlError) {
      io.err(`${e.format()}\n  (${e.code})\n`);
      throw new CommanderError(PQL_ERROR_EXIT, 'rtprofile.pql', e.message);
    }
    if (e instanceof InputError) {
      io.err(`rtprofile pql: ${e.message}\n`);
      throw new CommanderError(1, 'rtprofile.pql.input', e.message);
    }
    throw e;
  }
}

class InputError extends Error {}

function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read the ${what} file ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`the ${what} file ${path} is not JSON: ${(e as Error).message}`);
  }
}

/** Events as NDJSON (one event a line) or as one JSON array. */
function readEvents(path: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read the events file ${path}: ${(e as Error).message}`);
  }
  if (text.trimStart().startsWith('[')) {
    const all = readJsonFile(path, 'events');
    if (!Array.isArray(all)) throw new InputError(`the events file ${path} must hold an array or NDJSON`);
    return all;
  }
  return text.split('\n').flatMap((line, i) => {
    if (!line.trim()) return [];
    try {
      return [JSON.parse(line)];
    } catch (e) {
      throw new InputError(`${path}:${i + 1} is not a JSON event: ${(e as Error).message}`);
    }
  });
}

/** pql/text, or pql/json when the argument is a JSON object. */
function readDefinition(input: string): PqlQuery {
  return input.trimStart().startsWith('{') ? fromPqlJson(input) : parsePql(input);
}

/** One line about the tree: root kind, size, depth and the functions it calls. */
function summary(query: PqlQuery): { root: string; nodes: number; depth: number; functions: string[] } {
  const functions = new Set<string>();
  let nodes = 0;
  let depth = 0;
  const stack: [Node, number][] = [[query.body, 1]];
  while (stack.length) {
    const [n, d] = stack.pop()!;
    nodes++;
    depth = Math.max(depth, d);
    if (n.kind === 'call' || n.kind === 'method') functions.add(n.name);
    if (n.kind === 'chain') functions.add('chain');
    for (const c of children(n)) stack.push([c, d + 1]);
  }
  const b = query.body;
  const root = b.kind === 'logical' || b.kind === 'binary' ? `${b.kind} ${b.op}` : b.kind === 'call' || b.kind === 'method' ? `${b.kind} ${b.name}` : b.kind;
  return { root, nodes, depth, functions: [...functions].sort() };
}

/** Registers `pql` and its subcommands on the program. */
export function registerPqlCommand(program: Command): Command {
  const pql = program.command('pql').description('check, evaluate and convert Profile Query Language definitions');

  pql
    .command('check')
    .description('parse and check a definition; print its AST summary, return type and evaluation mode')
    .argument('<expr>', 'pql/text, or pql/json as a JSON object')
    .option('--schema <file>', 'a JSON schema for the profile, or {"profile": ..., "event": ...}')
    .option('--json', 'print the report as JSON')
    .showHelpAfterError(false)
    .action((expr: string, options: { schema?: string; json?: boolean }, cmd: Command) =>
      guarded(cmd, (io) => {
        const schema = options.schema ? (readJsonFile(options.schema, 'schema') as PqlSchemaInput) : undefined;
        const query = readDefinition(expr);
        const checked = checkPql(query, schema);
        const mode = classifyPql(query);
        const report = {
          expression: formatPql(query),
          ast: summary(query),
          returnType: checked.returnType,
          type: checked.typeName,
          mode: mode.mode,
          reasons: mode.reasons,
          warnings: mode.warnings,
          reads: checked.paths,
        };
        if (options.json) return io.out(`${JSON.stringify(report, null, 2)}\n`);
        const a = report.ast;
        const lines = [
          `ok: ${report.expression}`,
          `ast:     ${a.root}; ${a.nodes} nodes, depth ${a.depth}${a.functions.length ? `; calls ${a.functions.join(', ')}` : ''}`,
          `returns: ${report.returnType} (${report.type})`,
          `mode:    ${report.mode}: ${report.reasons.join('; ')}`,
          ...report.warnings.map((w) => `warning: ${w}`),
          `reads:   profile ${report.reads.profile.join(', ') || '-'}; event ${report.reads.event.join(', ') || '-'}`,
        ];
        io.out(`${lines.join('\n')}\n`);
      }),
    );

  pql
    .command('eval')
    .description('evaluate a definition against a profile and its events; print the result as JSON')
    .argument('<expr>', 'pql/text, or pql/json as a JSON object')
    .requiredOption('--profile <file>', 'the merged profile, as JSON')
    .option('--events <file>', 'the experience events, as NDJSON or a JSON array')
    .option('--now <iso>', 'the evaluation time (default: the system clock), e.g. 2024-05-15T12:00:00Z')
    .option('--segments <ids>', 'comma-separated segment ids the profile belongs to, for inSegment(...)')
    .option('--stats', 'print {"value", "steps"} instead of the bare value')
    .showHelpAfterError(false)
    .action((expr: string, options: { profile: string; events?: string; now?: string; segments?: string; stats?: boolean }, cmd: Command) =>
      guarded(cmd, (io) => {
        const profile = readJsonFile(options.profile, 'profile');
        const events = options.events ? readEvents(options.events) : [];
        const compiled = compilePql(readDefinition(expr));
        const result = compiled.evaluateWithStats({
          profile,
          events,
          ...(options.now !== undefined ? { now: options.now } : {}),
          ...(options.segments !== undefined ? { segments: options.segments.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
        });
        io.out(`${JSON.stringify(options.stats ? result : result.value)}\n`);
      }),
    );

  pql
    .command('convert')
    .description('turn pql/text into pql/json and back')
    .argument('<definition>', 'pql/text or pql/json')
    .option('--to <format>', 'json or text (default: the other one)')
    .showHelpAfterError(false)
    .action((definition: string, options: { to?: string }, cmd: Command) =>
      guarded(cmd, (io) => {
        const isJson = definition.trimStart().startsWith('{');
        const to = options.to ?? (isJson ? 'text' : 'json');
        if (to !== 'json' && to !== 'text') throw new InputError(`--to must be json or text, not ${to}`);
        const query = readDefinition(definition);
        io.out(to === 'json' ? `${JSON.stringify(toPqlJson(query), null, 2)}\n` : `${formatPql(query)}\n`);
      }),
    );
  return pql;
}
