import { z } from 'zod';
import { CohortError } from './cohort-error.js';
import { isInstantTime } from './instant.js';
import { storableText } from './text.js';
import { parseInput } from './validation.js';

/** One page of a list; `nextCursor` is null on the last page. */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

/**
 * A cursor as a page request carries it: absent, `undefined` or `null` start at the first page; any string must be a
 * cursor the same list issued, and the empty string is not one (VALIDATION, not the first page), since a list never
 * issues it: `nextCursor` is null on the last page.
 */
export const cursorSchema = z.string().min(1, 'must be a cursor from nextCursor, or null for the first page').max(2048);

export const pageRequestSchema = z
  .object({
    cursor: cursorSchema.nullish(),
    limit: z.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
  })
  .strict();

/** Where a list starts (`cursor` from the previous page; absent or null for the first, never '') and how many items to return. */
export type PageRequest = z.input<typeof pageRequestSchema>;
export type ParsedPageRequest = z.output<typeof pageRequestSchema>;

export function parsePageRequest(page: PageRequest | undefined): ParsedPageRequest {
  return parseInput(pageRequestSchema, page ?? {}, 'page request');
}

/** The values of the sort key of the last item of a page: what a keyset query resumes after. */
export type CursorKey = readonly (string | number)[];

// btoa/atob and TextEncoder exist in every runtime core targets; Buffer would tie core to Node. Cursors are nearly
// always ASCII (ids, ISO times, numbers), where the UTF-8 round trip through bytes is the identity and can be skipped:
// every paged read encodes one cursor and every deep page decodes one.
const ASCII = /^[\x00-\x7f]*$/;

function toBase64Url(text: string): string {
  const binary = ASCII.test(text)
    ? text
    : Array.from(new TextEncoder().encode(text), (byte) => String.fromCharCode(byte)).join('');
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(body: string): string {
  const binary = atob(body.replace(/-/g, '+').replace(/_/g, '/'));
  if (ASCII.test(binary)) return binary;
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
}

// FNV-1a: not security (cursors carry no secrets), just enough to tell an edited cursor from a real one.
function checksum(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

/**
 * Makes an opaque keyset cursor. `scope` names the query and its filters (e.g. `posts.feed:<communityId>`), so a
 * cursor handed to another query is rejected instead of silently resuming somewhere else.
 */
export function encodeCursor(scope: string, key: CursorKey): string {
  const body = toBase64Url(JSON.stringify({ s: scope, k: key }));
  return `${body}.${checksum(body)}`;
}

/** The decoded body of a cursor: `{ s: scope, k: [string | number, …] }` (checked by hand: this runs on every page). */
function isCursorBody(value: unknown): value is { s: string; k: CursorKey } {
  if (typeof value !== 'object' || value === null) return false;
  const { s: scope, k: key } = value as { s?: unknown; k?: unknown };
  return (
    typeof scope === 'string' &&
    Array.isArray(key) &&
    key.every((part) => typeof part === 'string' || (typeof part === 'number' && Number.isFinite(part)))
  );
}

/**
 * What one value of a cursor key is, checked as it is decoded so that a forged cursor (a valid checksum over values
 * no list issued) is VALIDATION before any store sees it:
 * - `time`: an instant as epoch milliseconds, a whole number within MIN_INSTANT … MAX_INSTANT;
 * - `id`: a lower-case UUID;
 * - `int`: a whole number 0 … 2,147,483,647 (a waitlist position: what a 32-bit integer column holds);
 * - `text`: a non-empty string of at most 1,024 characters that every store can hold (a slug, a verb, a day).
 */
export type CursorPart = 'time' | 'id' | 'int' | 'text';

/** The decoded values of a cursor whose parts are `P`: numbers for `time` and `int`, strings for `id` and `text`. */
export type CursorValues<P extends readonly CursorPart[]> = {
  -readonly [I in keyof P]: P[I] extends 'time' | 'int' ? number : string;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_TEXT_PART = 1024;
const MAX_INT_PART = 2_147_483_647;

function isPart(part: CursorPart, value: string | number): boolean {
  switch (part) {
    case 'time':
      return typeof value === 'number' && isInstantTime(value);
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_INT_PART;
    case 'id':
      return typeof value === 'string' && UUID.test(value);
    case 'text':
      return (
        typeof value === 'string' &&
        value.length > 0 &&
        value.length <= MAX_TEXT_PART &&
        storableText().safeParse(value).success
      );
  }
}

const invalidCursor = (reason: string): CohortError =>
  CohortError.validation(`Invalid cursor: ${reason}`, [{ path: ['cursor'], message: reason }]);

/**
 * Reads the `arity` raw values of a cursor made by `encodeCursor` for the same scope (altered, another query's or
 * another shape's is VALIDATION). Lists and scans use `decodeCursor`, which also checks each value's kind and range;
 * this is for positions whose values are the store's own coordinates (a change feed's).
 */
export function decodeCursorKey(scope: string, cursor: string, arity: number): CursorKey {
  const [body, sum, extra] = cursor.split('.');
  if (body === undefined || sum === undefined || extra !== undefined || checksum(body) !== sum) {
    throw invalidCursor('it was not issued by this list or was altered');
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(fromBase64Url(body));
  } catch {
    throw invalidCursor('it was not issued by this list or was altered');
  }
  if (!isCursorBody(decoded) || decoded.k.length !== arity) {
    throw invalidCursor('it was not issued by this list or was altered');
  }
  if (decoded.s !== scope) throw invalidCursor('it belongs to a different query');
  return decoded.k;
}

/**
 * Reads a keyset cursor made by `encodeCursor` for the same scope, with one value of each kind in `parts` (the shape
 * of the list's key); anything else (altered, from another query, or holding values out of range, which only a
 * forged cursor can) is VALIDATION, so a store never sees a value its key could not hold.
 */
export function decodeCursor<const P extends readonly CursorPart[]>(
  scope: string,
  cursor: string,
  parts: P,
): CursorValues<P> {
  const key = decodeCursorKey(scope, cursor, parts.length);
  if (!parts.every((part, index) => isPart(part, key[index] as string | number))) {
    throw invalidCursor('it holds values this list never issues');
  }
  return key as unknown as CursorValues<P>;
}

/**
 * Turns `limit + 1` rows fetched in keyset order into a page: the extra row only proves that another page exists,
 * so a limit equal to the remaining rows ends with `nextCursor: null` and no empty page follows.
 */
export function toPage<T>(rows: readonly T[], limit: number, scope: string, keyOf: (item: T) => CursorKey): Page<T> {
  if (rows.length <= limit) return { items: [...rows], nextCursor: null };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1] as T;
  return { items, nextCursor: encodeCursor(scope, keyOf(last)) };
}
