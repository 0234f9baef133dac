import { z } from 'zod';
import { CohortError } from './cohort-error.js';
import { parseInput } from './validation.js';

/** One page of a list; `nextCursor` is null on the last page. */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

export const pageRequestSchema = z
  .object({
    cursor: z.string().max(2048).nullish(),
    limit: z.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
  })
  .strict();

/** Where a list starts (`cursor` from the previous page, absent for the first) and how many items to return. */
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

/** Reads a cursor made by `encodeCursor` for the same scope; anything else is VALIDATION. */
export function decodeCursor(scope: string, cursor: string, arity: number): CursorKey {
  const invalid = (reason: string): CohortError =>
    CohortError.validation(`Invalid cursor: ${reason}`, [{ path: ['cursor'], message: reason }]);
  const [body, sum, extra] = cursor.split('.');
  if (body === undefined || sum === undefined || extra !== undefined || checksum(body) !== sum) {
    throw invalid('it was not issued by this list or was altered');
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(fromBase64Url(body));
  } catch {
    throw invalid('it was not issued by this list or was altered');
  }
  if (!isCursorBody(decoded) || decoded.k.length !== arity)
    throw invalid('it was not issued by this list or was altered');
  if (decoded.s !== scope) throw invalid('it belongs to a different query');
  return decoded.k;
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
