/** The public surface of PQL: parse, check, compile and evaluate, convert to and from pql/json, format, classify. */
export type * from './ast.js';
export { children } from './ast.js';
export { PQL_ERROR_CODES, PqlError, type PqlErrorCode, type Span } from './errors.js';
export { parsePql } from './parser.js';
export { formatPql } from './format.js';
export { toPqlJson, type PqlJson } from './json-write.js';
export { fromPqlJson } from './json-read.js';
export { checkPql, type PqlCheckResult } from './checker.js';
export { compilePql, type CompiledPql, type PqlCompileOptions, type PqlContext } from './evaluate.js';
export { classifyPql, type PqlClassification, type PqlClassifyOptions, type PqlEventUse, type PqlMode, type SegmentKind } from './classify.js';
export { DEFAULT_LIMITS, type PqlLimits } from './limits.js';
export type { PqlSchemaInput } from './schema.js';
export { typeName, type PqlType } from './types.js';
export { addUnits, fixedUnitMs, startOf } from './time.js';
export { toMs } from './values.js';
