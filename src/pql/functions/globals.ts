/** Global functions: if, inSegment, mapEntry, modelInstances and xdmObject, plus the method table lookup. */
import { ANY, BOOLEAN, OPEN_OBJECT, arrayOf, join, mapOf } from '../types.js';
import { PqlEntry, truthy } from '../values.js';
import { ARRAY_METHODS } from './arrays.js';
import { DATE_FUNCTIONS, DATE_METHODS } from './datetime.js';
import { MAP_METHODS } from './maps.js';
import type { FunctionSpec, MethodSpec } from './registry.js';
import { STRING_METHODS } from './strings.js';

const EVENT_MODEL = 'https://ns.adobe.com/xdm/context/experienceevent';
const PROFILE_MODEL = 'https://ns.adobe.com/xdm/context/profile';

const ifFn: FunctionSpec = {
  arity: [3, 3],
  type: ([, a, b]) => join(a!, b!),
  build: ([test, yes, no]) => {
    const [t, y, n] = [test!.fn, yes!.fn, no!.fn];
    return (env) => (truthy(t(env)) ? y(env) : n(env));
  },
};

const FUNCTIONS: Readonly<Record<string, FunctionSpec>> = {
  ...DATE_FUNCTIONS,
  if: ifFn,
  inSegment: {
    arity: [1, 1],
    type: () => BOOLEAN,
    build: ([id]) => {
      const f = id!.fn;
      return (env) => {
        const v = f(env);
        return typeof v === 'string' && env.inSegment(v);
      };
    },
  },
  mapEntry: {
    arity: [2, 2],
    type: ([, v]) => mapOf(v!),
    build: ([k, v]) => {
      const [kf, vf] = [k!.fn, v!.fn];
      return (env) => new PqlEntry(kf(env), vf(env));
    },
  },
  /** The instances of a model (Offer Decisioning's pql/json): events, the profile, or what the context supplies. */
  modelInstances: {
    arity: [1, 1],
    type: () => arrayOf(ANY),
    build: ([uri]) => {
      const f = uri!.fn;
      return (env) => {
        const u = f(env);
        if (u === EVENT_MODEL || u === `${EVENT_MODEL}__union`) return env.events;
        if (u === PROFILE_MODEL || u === `${PROFILE_MODEL}__union`) return env.profile === null ? [] : [env.profile];
        return typeof u === 'string' ? env.models(u) : [];
      };
    },
  },
  /** pql/json's `literal XDMObject "profile"`: the profile root. */
  xdmObject: {
    arity: [1, 1],
    type: () => OPEN_OBJECT,
    build: ([name]) => {
      const f = name!.fn;
      return (env) => (f(env) === 'profile' ? env.profile : null);
    },
  },
};

const METHODS: Readonly<Record<string, MethodSpec>> = { ...STRING_METHODS, ...ARRAY_METHODS, ...MAP_METHODS, ...DATE_METHODS };

/** The built-in global function called `name`, if any (names are matched exactly; the parser canonicalizes case). */
export function functionSpec(name: string): FunctionSpec | undefined {
  return Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
}

/** The built-in method called `name`, if any (method names are case-sensitive, ref §2.3). */
export function methodSpec(name: string): MethodSpec | undefined {
  return Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
}

export const FUNCTION_NAMES: readonly string[] = Object.keys(FUNCTIONS);
export const METHOD_NAMES: readonly string[] = Object.keys(METHODS);
