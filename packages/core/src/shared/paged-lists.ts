import type { CohortStore, PortName } from '../store.js';
import type { CursorPart } from './page.js';

/** `port.method` for every method of every port: what a list may be named. */
type PortMethod = { [P in PortName]: `${P}.${Extract<keyof CohortStore[P], string>}` }[PortName];

/**
 * Every paged list of the ports, named `port.method`, with the kinds of its cursor's key parts (its sort order: the
 * time and id of the last item, a waitlist position…). Every adapter builds its cursors from this table with
 * `listScope`, so a cursor names the same list, with the same filter values, whichever store issued it: any store
 * accepts a cursor for the same list and filters (it continues after that key in its own data), and refuses any
 * other as VALIDATION. Record-set scans are not here: their order is each store's own, so their cursors name the
 * store kind too (`scanScope`).
 */
export const pagedLists = {
  'users.list': ['id'],
  'communities.list': ['text', 'id'],
  'contents.listPublished': ['time', 'id'],
  'enrollments.listByUser': ['time', 'id'],
  'events.listUpcoming': ['time', 'id'],
  'events.listRegistrations': ['int', 'id'],
  'memberships.listMembers': ['time', 'id'],
  'memberships.listByUser': ['time', 'id'],
  'posts.feed': ['time', 'id'],
  'posts.listComments': ['time', 'id'],
  'activity.listByActor': ['time', 'id'],
  'activity.listByObject': ['time', 'id'],
} as const satisfies Partial<Record<PortMethod, readonly CursorPart[]>>;

export type PagedList = keyof typeof pagedLists;

/** A filter value that shapes a list: absent ones are written as null, times as epoch ms. */
export type ListFilterValue = string | number | null | undefined;

/**
 * The scope a list's cursors carry: its name and the filter values that shape it, in the order the port method
 * takes them (JSON, so no value can run into the next), e.g. `posts.feed["<communityId>"]`.
 */
export function listScope(list: PagedList, ...filters: readonly ListFilterValue[]): string {
  return `${list}${JSON.stringify(filters.map((value) => value ?? null))}`;
}

/** The scope of a record set's scan cursors: the set and the kind of store that ordered it (`postgres`, …). */
export function scanScope(store: string, set: string): string {
  return `recordSets.${set}@${store}`;
}
