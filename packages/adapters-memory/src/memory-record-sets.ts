import {
  CohortError,
  recordKeys,
  type Page,
  type RecordOf,
  type RecordSet,
  type RecordSetName,
  type RecordSets,
  type ScanRequest,
} from '@cohort/core';
import { decodeCursor, parseRecordKeys, parseRecords, parseScanRequest, scanScope, toPage } from '@cohort/core/adapter';
import { compareText, copyOf, roundTrip, type MemoryTables, type Table } from './memory-tables.js';

/** Writes a validated batch; runs without `await`, so the batch lands at once, as one transaction would. */
type Write<T> = (records: readonly T[]) => void;

/** Deletes validated keys (each present or not), at once, as one transaction would. */
type Remove = (keys: readonly string[]) => void;

/** The migration face of every record set: scans in record-key order, exact upserts, counts. */
export function createMemoryRecordSets(tables: MemoryTables): RecordSets {
  return {
    users: recordSet(
      'users',
      tables.users,
      (records) => upsertUnique(records, tables.users, tables.userIdsByEmail, (user) => user.email, 'Email'),
      (keys) => removeUnique(keys, tables.users, tables.userIdsByEmail, (user) => user.email),
    ),
    contents: recordSet('contents', tables.contents),
    enrollments: recordSet('enrollments', tables.enrollments),
    events: recordSet('events', tables.events),
    registrations: recordSet('registrations', tables.registrations, (records) => {
      upsert('registrations', tables.registrations, records);
      // The next registration must take a position after every one received, or it would repeat a number.
      for (const { eventId, position } of records) {
        tables.lastPositions.set(eventId, Math.max(tables.lastPositions.get(eventId) ?? 0, position));
      }
    }),
    communities: recordSet(
      'communities',
      tables.communities,
      (records) =>
        upsertUnique(records, tables.communities, tables.communityIdsBySlug, (community) => community.slug, 'Slug'),
      (keys) => removeUnique(keys, tables.communities, tables.communityIdsBySlug, (community) => community.slug),
    ),
    memberships: recordSet('memberships', tables.memberships),
    posts: recordSet('posts', tables.posts),
    comments: recordSet('comments', tables.comments),
    reactions: recordSet('reactions', tables.reactions),
    // Exactly the events given: counters travel separately, as the activityCounts record set.
    activity: recordSet('activity', tables.activity),
    // Replaces counters as given (purged events leave their counts behind, so counts are not derivable).
    activityCounts: recordSet('activityCounts', tables.activityCounts),
  };
}

function recordSet<N extends RecordSetName>(
  name: N,
  table: Table<RecordOf<N>>,
  write: Write<RecordOf<N>> = (records) => upsert(name, table, records),
  remove: Remove = (keys) => keys.forEach((key) => table.delete(key)),
): RecordSet<RecordOf<N>> {
  const scope = scanScope('memory', name);
  return {
    async scan(page?: ScanRequest): Promise<Page<RecordOf<N>>> {
      await roundTrip();
      const request = parseScanRequest(page);
      const keys = table.sortedKeys();
      const start = request.cursor ? firstIndexAfter(keys, cursorKey(scope, request.cursor)) : 0;
      const rows = keys.slice(start, start + request.limit + 1).map((key) => table.get(key) as RecordOf<N>);
      const result = toPage(rows, request.limit, scope, (record) => [recordKeys[name](record)]);
      return { items: result.items.map(copyOf), nextCursor: result.nextCursor };
    },
    async putMany(records: readonly RecordOf<N>[]): Promise<void> {
      await roundTrip();
      write(parseRecords(name, records));
    },
    async deleteMany(keys: readonly string[]): Promise<void> {
      await roundTrip();
      // No foreign keys here: children stay where they are, as the port asks (no cascade).
      remove(parseRecordKeys(name, keys).map((parsed) => parsed.key));
    },
    async count(): Promise<number> {
      await roundTrip();
      return table.size;
    },
  };
}

/** Replaces or inserts each record under its record key; the last of several with one key wins. */
function upsert<N extends RecordSetName>(name: N, table: Table<RecordOf<N>>, records: readonly RecordOf<N>[]): void {
  for (const record of records) table.set(recordKeys[name](record), record);
}

/**
 * Upserts records that carry a unique value (a user's email, a community's slug) and moves the unique index with
 * them. CONFLICT, before anything is written, when the value belongs to a record outside the batch or to two records
 * of the batch; values may be swapped within one batch.
 */
function upsertUnique<T extends { id: string }>(
  records: readonly T[],
  table: Table<T>,
  index: Map<string, string>,
  uniqueOf: (record: T) => string,
  what: string,
): void {
  const incoming = new Map(records.map((record) => [record.id, record]));
  const claimed = new Map<string, string>();
  for (const record of incoming.values()) {
    const value = uniqueOf(record);
    const holder = claimed.get(value) ?? index.get(value);
    const heldElsewhere = holder !== undefined && holder !== record.id && (claimed.has(value) || !incoming.has(holder));
    if (heldElsewhere) throw CohortError.conflict(`${what} ${value} is already taken`);
    claimed.set(value, record.id);
  }
  for (const id of incoming.keys()) {
    const previous = table.get(id);
    if (previous && index.get(uniqueOf(previous)) === id) index.delete(uniqueOf(previous));
  }
  for (const record of incoming.values()) {
    table.set(record.id, record);
    index.set(uniqueOf(record), record.id);
  }
}

/** Deletes records that carry a unique value and frees the value, so another record can take it. */
function removeUnique<T extends { id: string }>(
  keys: readonly string[],
  table: Table<T>,
  index: Map<string, string>,
  uniqueOf: (record: T) => string,
): void {
  for (const id of keys) {
    const previous = table.get(id);
    if (previous === undefined) continue;
    if (index.get(uniqueOf(previous)) === id) index.delete(uniqueOf(previous));
    table.delete(id);
  }
}

function cursorKey(scope: string, cursor: string): string {
  return decodeCursor(scope, cursor, ['text'])[0];
}

/** Binary search: the index of the first key after `after` in sorted `keys`. */
function firstIndexAfter(keys: readonly string[], after: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareText(keys[middle] as string, after) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
