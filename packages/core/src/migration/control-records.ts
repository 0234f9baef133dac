import { z } from 'zod';
import { CohortError } from '../shared/cohort-error.js';
import { storableText } from '../shared/text.js';
import { parseField } from '../shared/validation.js';

/** The longest key, in characters (DynamoDB sort keys hold 1,024 bytes). */
export const MAX_CONTROL_KEY = 256;
/** The largest value, as JSON text in UTF-16 code units. */
export const MAX_CONTROL_VALUE = 65_536;
/** The most records one `list` returns. */
export const MAX_CONTROL_LIST = 1_000;

/** One control record: a JSON value under a key, with the version its last write gave it. */
export interface ControlRecord {
  readonly key: string;
  /** Plain JSON data (objects, arrays, strings, finite numbers, booleans, null), a fresh copy on every read. */
  readonly value: unknown;
  /** 1 when created, one more on every write. */
  readonly version: number;
}

/**
 * Small versioned JSON records by key, with compare-and-set, in a store every service instance reaches: where a
 * fleet keeps what it must agree on (the phase of a move, an epoch, instance leases). Every operation is atomic and
 * linearizable (a read after a write sees it, from any instance); writes are never lost to a race: of writers that
 * expect the same version, exactly one succeeds. Not a data port: control records belong to no record set, are never
 * copied by a migration and never appear in the change feed.
 */
export interface ControlRecords {
  /** The record under `key`, or null. */
  read(key: string): Promise<ControlRecord | null>;
  /**
   * Replaces the value under `key` if the record is at `expectedVersion` (null: only if no record exists), and returns
   * the record as written (version one more). CONCURRENCY when the record is not at that version (or exists, for null).
   */
  write(key: string, value: unknown, expectedVersion: number | null): Promise<ControlRecord>;
  /** The records whose key starts with `prefix` (empty: every record), in key order (by code point, as UTF-8 bytes sort), at most 1,000. */
  list(prefix: string): Promise<readonly ControlRecord[]>;
  /**
   * Deletes the record under `key`; false when there was none. With `expectedVersion`, only if the record is at that
   * version, else CONCURRENCY.
   */
  delete(key: string, expectedVersion?: number): Promise<boolean>;
}

const keySchema = z.string().min(1).max(MAX_CONTROL_KEY).pipe(storableText());
const prefixSchema = z.string().max(MAX_CONTROL_KEY).pipe(storableText());
const versionSchema = z.number().int().min(1).max(2_147_483_647);

/** A valid key, or VALIDATION. */
export function parseControlKey(key: unknown): string {
  return parseField(keySchema, key, 'key');
}

/** A valid list prefix (may be empty), or VALIDATION. */
export function parseControlPrefix(prefix: unknown): string {
  return parseField(prefixSchema, prefix, 'prefix');
}

/** null or a version (an integer from 1), or VALIDATION. */
export function parseControlVersion(version: unknown): number | null {
  return version === null ? null : parseField(versionSchema, version, 'expectedVersion');
}

const storable = storableText();
const isStorable = (text: string): boolean => storable.safeParse(text).success;

// Strings are checked one by one: JSON.stringify escapes a NUL or a lone surrogate, which PostgreSQL's jsonb refuses.
const isJsonData = (value: unknown, depth: number): boolean => {
  if (depth > 64) return false;
  if (typeof value === 'string') return isStorable(value);
  if (value === null || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonData(item, depth + 1));
  if (typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.entries(value as Record<string, unknown>).every(
    ([name, item]) => isStorable(name) && isJsonData(item, depth + 1),
  );
};

/**
 * A value as the JSON text every store keeps, or VALIDATION: plain data only (no undefined, functions, BigInts,
 * Dates, class instances, non-finite numbers; at most 64 levels deep), storable text, at most 64 KiB of JSON.
 */
export function encodeControlValue(value: unknown): string {
  let json: string | undefined;
  try {
    json = isJsonData(value, 0) ? JSON.stringify(value) : undefined;
  } catch {
    json = undefined;
  }
  if (json === undefined) {
    throw CohortError.validation('Invalid value: must be plain JSON data', [
      {
        path: ['value'],
        message: 'must be plain JSON data (objects, arrays, storable strings, finite numbers, booleans, null)',
      },
    ]);
  }
  if (json.length > MAX_CONTROL_VALUE) {
    throw CohortError.validation(`Invalid value: its JSON exceeds ${MAX_CONTROL_VALUE} characters`, [
      { path: ['value'], message: `at most ${MAX_CONTROL_VALUE} characters of JSON` },
    ]);
  }
  return json;
}

/** The CONCURRENCY error of a compare-and-set that found the record elsewhere than expected. */
export function controlVersionMismatch(key: string, expectedVersion: number | null): CohortError {
  return expectedVersion === null
    ? new CohortError('CONCURRENCY', `control record ${key} already exists; read it again`)
    : CohortError.concurrency('control record', key, expectedVersion);
}
