import { CohortError, type Page } from '@cohort/core';
import {
  decodeCursor,
  listScope,
  pagedLists,
  toPage,
  type CursorKey,
  type ListFilterValue,
  type PagedList,
  type ParsedPageRequest,
} from '@cohort/core/adapter';
import { compareText, copyOf } from './memory-tables.js';

export type Direction = 'asc' | 'desc';

/**
 * How a list is sorted: the key of a row (dates as epoch ms, then tie-breakers) and each key part's direction. The
 * parts' kinds (what core checks a cursor's values against) are the list's, from core's `pagedLists`.
 */
export interface KeyOrder<T> {
  readonly keyOf: (row: T) => CursorKey;
  readonly directions: readonly Direction[];
}

/** Newest first by a date, ties by an id descending (feeds, activity, published content). */
export const newestFirst = <T>(date: (row: T) => Date, tieBreaker: (row: T) => string): KeyOrder<T> => ({
  keyOf: (row) => [date(row).getTime(), tieBreaker(row)],
  directions: ['desc', 'desc'],
});

/** Oldest first by a date, ties by an id ascending (comments, members, upcoming events). */
export const oldestFirst = <T>(date: (row: T) => Date, tieBreaker: (row: T) => string): KeyOrder<T> => ({
  keyOf: (row) => [date(row).getTime(), tieBreaker(row)],
  directions: ['asc', 'asc'],
});

/** Ascending by one text key (users by id, communities by slug). */
export const byText = <T>(key: (row: T) => string): KeyOrder<T> => ({
  keyOf: (row) => [key(row)],
  directions: ['asc'],
});

function compareKeys(a: CursorKey, b: CursorKey, directions: readonly Direction[]): number {
  for (const [index, direction] of directions.entries()) {
    const left = a[index];
    const right = b[index];
    if (typeof left !== typeof right) {
      // Only a forged cursor (valid checksum, wrong shape) gets here: the keys of real rows always agree.
      throw CohortError.validation('Invalid cursor: it was not issued by this list or was altered', [
        { path: ['cursor'], message: 'it was not issued by this list or was altered' },
      ]);
    }
    const order = typeof left === 'number' ? left - (right as number) : compareText(left as string, right as string);
    if (order !== 0) return direction === 'asc' ? order : -order;
  }
  return 0;
}

/**
 * One page of `rows` in keyset order: the rows after the cursor's key, `limit + 1` of them handed to core's
 * `toPage`, and copies of the page's items. The cursors name `list` and its `filters` (core's `listScope`), so a
 * cursor from another list, or the same list with other filters, is VALIDATION. `page` comes from core's
 * `parsePageRequest`.
 */
export function pageOf<T>(
  rows: Iterable<T>,
  order: KeyOrder<T>,
  list: PagedList,
  filters: readonly ListFilterValue[],
  page: ParsedPageRequest,
): Page<T> {
  const scope = listScope(list, ...filters);
  const after = page.cursor ? decodeCursor(scope, page.cursor, pagedLists[list]) : null;
  const keyed = [...rows].map((row) => ({ row, key: order.keyOf(row) }));
  const remaining = after ? keyed.filter(({ key }) => compareKeys(key, after, order.directions) > 0) : keyed;
  const window = remaining
    .sort((a, b) => compareKeys(a.key, b.key, order.directions))
    .slice(0, page.limit + 1)
    .map(({ row }) => row);
  const result = toPage(window, page.limit, scope, order.keyOf);
  return { items: result.items.map(copyOf), nextCursor: result.nextCursor };
}
