import { z } from 'zod';
import { CohortError } from './cohort-error.js';
import { parseField } from './validation.js';

/** Drops keys whose value is undefined, so a patch never erases a field by omission. */
export function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** Validates the version an update expects to find (a positive integer). */
export function parseExpectedVersion(expectedVersion: unknown): number {
  return parseField(z.number().int().min(1), expectedVersion, 'expectedVersion');
}

/**
 * The record an update starts from: NOT_FOUND when there is none, CONCURRENCY when it is no longer at the version the
 * caller read. Every store checks this before it works out the change (and its write checks the version again).
 */
export function atExpectedVersion<T extends { readonly version: number }>(
  current: T | null | undefined,
  what: string,
  id: string,
  expectedVersion: number,
): T {
  if (!current) throw CohortError.notFound(what, id);
  if (current.version !== expectedVersion) throw CohortError.concurrency(what, id, expectedVersion);
  return current;
}
