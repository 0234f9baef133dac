import type { z } from 'zod';
import { CohortError } from './cohort-error.js';

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

/**
 * zod's objects and records take any non-array object, so a Date or a Map passed as a patch or filter would parse
 * as `{}` (an empty patch that still bumps the version). Inputs are data: plain objects, arrays, primitives and
 * Dates (for instants), and no Date either where the schema wants an object.
 */
function exoticObjects(input: unknown, rootIsObject: boolean): Issue[] {
  const issues: Issue[] = [];
  const visit = (value: unknown, path: (string | number)[], depth: number): void => {
    if (typeof value !== 'object' || value === null || depth > 8) return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, [...path, index], depth + 1));
    } else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key], depth + 1);
    } else if (!(value instanceof Date) || (path.length === 0 && rootIsObject)) {
      const kind = (value.constructor as { name?: string } | undefined)?.name ?? 'object';
      issues.push({ path, message: `expected plain data, received a ${kind}` });
    }
  };
  visit(input, [], 0);
  return issues;
}

/**
 * Parses untrusted input at a port or service boundary. Anything zod rejects becomes one VALIDATION error that
 * names every offending field, so callers never see a ZodError and nothing is written.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const exotic = exoticObjects(input, expectsObject(schema));
  const result = exotic.length === 0 ? schema.safeParse(input) : undefined;
  if (result?.success) return result.data;
  const issues: Issue[] =
    result?.error.issues.map((issue) => ({
      path: issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
      message: issue.message,
    })) ?? exotic;
  const detail = issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
  throw CohortError.validation(`Invalid ${what}: ${detail}`, issues);
}

/** Parses one named argument (an id, a version, a kind), so its issues carry the argument's name as their path. */
export function parseField<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: [field, ...issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment))],
    message: issue.message,
  }));
  throw CohortError.validation(`Invalid ${field}: ${issues.map((issue) => issue.message).join('; ')}`, issues);
}
