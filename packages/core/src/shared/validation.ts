import type { z } from 'zod';
import { CohortError } from './cohort-error.js';

/**
 * Parses untrusted input at a port or service boundary. Anything zod rejects becomes one VALIDATION error that
 * names every offending field, so callers never see a ZodError and nothing is written.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
    message: issue.message,
  }));
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
