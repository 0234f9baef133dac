import { CohortError } from '@cohort/core';
import { type CursorKey } from '@cohort/core/adapter';
import type { Item } from './dynamo-ops.js';

/** Version of the stored item layout, written as `_v` on every item so a later layout can migrate in place. */
export const ITEM_VERSION = 1;

/**
 * When the adapter wrote the item, in epoch ms by the store's clock: set on every put and update by the shared write
 * helpers (dynamo-ops), so the change feed can give each change a millisecond commit time (DynamoDB Streams'
 * ApproximateCreationDateTime is rounded to the second on AWS, to the minute on DynamoDB Local).
 */
export const COMMITTED_AT = '_committedAt';

/** Attributes that belong to the table, not to the domain: keys, index keys, entity type, layout version, TTL. */
const TABLE_ATTRIBUTES = [
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'scanPk',
  'scanSk',
  '_type',
  '_v',
  'expiresAt',
  COMMITTED_AT,
] as const;

/** Removes table attributes (and the named hidden ones) so only domain fields remain. */
export function stripTableAttributes(item: Item, hidden: readonly string[] = []): Item {
  const domain: Item = { ...item };
  for (const attribute of TABLE_ATTRIBUTES) delete domain[attribute];
  for (const attribute of hidden) delete domain[attribute];
  return domain;
}

/** Dates are stored as epoch milliseconds: exact to the millisecond whatever the process time zone. */
export function millis(date: Date): number {
  return date.getTime();
}

/** Converts the named epoch-ms attributes back to Dates (null stays null). */
export function withDates(item: Item, fields: readonly string[]): Item {
  const converted: Item = { ...item };
  for (const field of fields) {
    const value = converted[field];
    if (typeof value === 'number') converted[field] = new Date(value);
  }
  return converted;
}

/** The part of a zod schema `parseStored` needs (so this package does not depend on zod itself). */
export interface StoredSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: Error };
}

/** Parses a stored item with the core schema; a stored item that fails it is corrupt, never the caller's fault. */
export function parseStored<T>(schema: StoredSchema<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw CohortError.unavailable(`A stored ${what} is not valid: ${result.error.message}`, result.error);
}

function invalidCursor(): CohortError {
  return CohortError.validation('Invalid cursor: it was not issued by this list or was altered', [
    { path: ['cursor'], message: 'it was not issued by this list or was altered' },
  ]);
}

/** The cursor value at `index` as a safe integer (epoch ms, positions), or VALIDATION. */
export function cursorNumber(key: CursorKey, index: number): number {
  const value = key[index];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalidCursor();
  return value;
}

/** The cursor value at `index` as a non-empty string, or VALIDATION. */
export function cursorString(key: CursorKey, index: number): string {
  const value = key[index];
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024) throw invalidCursor();
  return value;
}

/** The cursor value at `index` as one of `allowed` (a verb, a reaction kind), or VALIDATION. */
export function cursorOneOf<T extends string>(key: CursorKey, index: number, allowed: readonly T[]): T {
  const value = key[index];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw invalidCursor();
  return value as T;
}
