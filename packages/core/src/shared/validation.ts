import type { z } from 'zod';
import { CohortError } from './cohort-error.js';
import { timeOf } from './instant.js';

interface Issue {
  readonly path: (string | number)[];
  readonly message: string;
}

/** An object literal or `Object.create(null)`: not a Date, a Map, a class instance or an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** Whether the schema, under its default/optional/nullable/pipe wrappers, parses an object or a record. */
function expectsObject(schema: z.ZodType): boolean {
  const def = schema.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
  if (def.type === 'object' || def.type === 'record') return true;
  const inner = def.innerType ?? def.in;
  return inner ? expectsObject(inner) : false;
}

/** Deeper than any input a port takes (a batch of records with a map of counts is three levels). */
const MAX_DEPTH = 8;
/** More items than any port takes (batches stop at 1,000); a longer array, or an array-like that claims to be, is refused. */
const MAX_ITEMS = 100_000;
const UNREADABLE = 'could not be read: reading it threw';

/** What a non-plain object is, for its issue; never lets the caller's code throw out of it. */
function describeExotic(prototype: unknown): string {
  if (prototype === Date.prototype) return 'must be a genuine Date (a Proxy of a Date or a Date look-alike is not one)';
  let kind = 'object';
  try {
    const name = (prototype as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string' && name !== '') kind = name;
  } catch {
    // A prototype whose constructor cannot be read is still just "an object".
  }
  return `expected plain data, received a ${kind}`;
}

/**
 * Reads untrusted input once, into a copy made of plain objects, arrays, primitives and fresh Dates, which is what
 * zod then parses. Inputs are data: zod's objects and records take any non-array object, so a Date or a Map given as
 * a patch or filter would parse as `{}` (an empty patch that still bumps the version); and the caller's objects may
 * run code while they are read (getters, Proxy traps, a revoked Proxy), which must end as VALIDATION naming the field,
 * never as whatever they threw. A value is a Date only if `Date.prototype.getTime` reads a time value from it (a
 * genuine Date, whatever its own methods say); it is copied into a new Date, so its methods are never called. A Date
 * where the schema wants an object is refused too.
 */
function readInput(input: unknown, rootIsObject: boolean): { value: unknown; issues: Issue[] } {
  const issues: Issue[] = [];
  const refuse = (path: (string | number)[], message: string): undefined => {
    issues.push({ path, message });
    return undefined;
  };
  const copy = (value: unknown, path: (string | number)[], depth: number): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    if (depth > MAX_DEPTH) return refuse(path, 'is nested too deeply');
    const time = timeOf(value);
    if (time !== undefined) {
      return path.length === 0 && rootIsObject ? refuse(path, 'expected plain data, received a Date') : new Date(time);
    }
    try {
      if (Array.isArray(value)) {
        const length = value.length;
        if (!Number.isSafeInteger(length) || length > MAX_ITEMS)
          return refuse(path, `must hold at most ${MAX_ITEMS} items`);
        const items: unknown[] = [];
        for (let index = 0; index < length; index += 1) items.push(copyItem(value, index, path, depth));
        return items;
      }
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (prototype !== Object.prototype && prototype !== null) return refuse(path, describeExotic(prototype));
      const record: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        // defineProperty keeps an own `__proto__` key a key (as JSON.parse makes it) instead of setting the prototype.
        Object.defineProperty(record, key, {
          value: copyItem(value, key, path, depth),
          enumerable: true,
          configurable: true,
          writable: true,
        });
      }
      return record;
    } catch {
      return refuse(path, UNREADABLE);
    }
  };
  const copyItem = (container: object, key: string | number, path: (string | number)[], depth: number): unknown => {
    let item: unknown;
    try {
      item = (container as Record<string | number, unknown>)[key];
    } catch {
      return refuse([...path, key], UNREADABLE);
    }
    return copy(item, [...path, key], depth + 1);
  };
  const value = copy(input, [], 0);
  return { value, issues };
}

const joinIssues = (issues: readonly Issue[]): string =>
  issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');

/**
 * Parses untrusted input at a port or service boundary. Anything zod rejects becomes one VALIDATION error that
 * names every offending field, so callers never see a ZodError and nothing is written.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const read = readInput(input, expectsObject(schema));
  if (read.issues.length > 0) throw CohortError.validation(`Invalid ${what}: ${joinIssues(read.issues)}`, read.issues);
  const result = schema.safeParse(read.value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
    message: issue.message,
  }));
  throw CohortError.validation(`Invalid ${what}: ${joinIssues(issues)}`, issues);
}

/**
 * Parses one named argument (an id, a version, a kind), so its issues carry the argument's name as their path. It is
 * read as `parseInput` reads input: what the value throws while being read is VALIDATION too.
 */
export function parseField<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> {
  const read = readInput(value, expectsObject(schema));
  let problems: readonly { path: PropertyKey[]; message: string }[] = read.issues;
  if (problems.length === 0) {
    const result = schema.safeParse(read.value);
    if (result.success) return result.data;
    problems = result.error.issues;
  }
  const issues = problems.map((issue) => ({
    path: [field, ...issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment))],
    message: issue.message,
  }));
  throw CohortError.validation(`Invalid ${field}: ${issues.map((issue) => issue.message).join('; ')}`, issues);
}
