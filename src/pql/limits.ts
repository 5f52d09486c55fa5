/** The resource limits that keep a hostile or runaway definition from costing more than a bounded amount of work. */
import { children, type Node } from './ast.js';
import { PqlError } from './errors.js';

export interface PqlLimits {
  /** Longest accepted definition, in UTF-16 characters. */
  readonly maxSourceLength: number;
  /** Deepest accepted AST; every pass recurses over the tree, so this also bounds their stack use. */
  readonly maxDepth: number;
  /** Most evaluation steps (elements visited, regex and like steps, sort comparisons) one evaluation may take. */
  readonly maxSteps: number;
}

export const DEFAULT_LIMITS: PqlLimits = Object.freeze({ maxSourceLength: 65_536, maxDepth: 100, maxSteps: 1_000_000 });

/** Throws PQL_TOO_DEEP when the tree is deeper than `maxDepth`; iterative, so a degenerate tree cannot overflow it. */
export function checkDepth(root: Node, maxDepth: number, source?: string): void {
  const stack: [Node, number][] = [[root, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (depth > maxDepth) {
      throw new PqlError('PQL_TOO_DEEP', `expression nests deeper than ${maxDepth} levels`, node.span, source);
    }
    for (const child of children(node)) stack.push([child, depth + 1]);
  }
}
