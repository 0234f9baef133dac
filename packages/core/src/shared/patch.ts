import { z } from 'zod';
import { parseField } from './validation.js';

/** Drops keys whose value is undefined, so a patch never erases a field by omission. */
export function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** Validates the version an update expects to find (a positive integer). */
export function parseExpectedVersion(expectedVersion: unknown): number {
  return parseField(z.number().int().min(1), expectedVersion, 'expectedVersion');
}
