import type {
  ActivityEvent,
  Comment,
  Community,
  Content,
  DailyCount,
  Enrollment,
  Event,
  Membership,
  Post,
  Reaction,
  RecordOf,
  RecordSetName,
  Registration,
  User,
} from '@cohort/core';
import type { MemoryChangeLog } from './memory-change-log.js';

/** A deep copy that keeps Dates: what goes into a table and what comes out of a port is never shared with callers. */
export function copyOf<T>(value: T): T {
  return structuredClone(value);
}

/**
 * Lets other callers run before this one goes on, as the round trip to a real store would. Every port method awaits
 * it once, first, and then does its checks and writes without another `await`: that synchronous stretch is the
 * memory store's transaction, so interleaved callers can never slip between a check and the write that depends on it.
 */
export async function roundTrip(): Promise<void> {
  await Promise.resolve();
}

/** Hears every row a table sets (with the stored record) or deletes (with null), inside the write that does it. */
export type RowListener<V> = (key: string, record: V | null) => void;

/**
 * One record set held in memory, keyed by its record key. The table keeps its own copy of every record it is
 * given; records inside are replaced, never mutated, so a copy handed out can never drift from, or change, the store.
 * Every write goes through `set` and `delete`, which tell the listener: that is how the change feed sees them all.
 */
export class Table<V> {
  private readonly rows = new Map<string, V>();
  // The migration face scans in key order; adding or removing a key invalidates the sorted list, replacing does not.
  private sortedCache: string[] | null = null;

  constructor(private readonly listener?: RowListener<V>) {}

  get size(): number {
    return this.rows.size;
  }

  get(key: string): V | undefined {
    return this.rows.get(key);
  }

  has(key: string): boolean {
    return this.rows.has(key);
  }

  /** Stores a copy of `value` under `key`, replacing what was there. */
  set(key: string, value: V): void {
    if (!this.rows.has(key)) this.sortedCache = null;
    const stored = copyOf(value);
    this.rows.set(key, stored);
    this.listener?.(key, stored);
  }

  delete(key: string): boolean {
    const deleted = this.rows.delete(key);
    if (deleted) {
      this.sortedCache = null;
      this.listener?.(key, null);
    }
    return deleted;
  }

  /** The stored records themselves: for reading inside the store only, never to hand out. */
  values(): IterableIterator<V> {
    return this.rows.values();
  }

  /** Every key in code-unit order (the order PostgreSQL's "C" collation and DynamoDB's byte order agree on). */
  sortedKeys(): readonly string[] {
    this.sortedCache ??= [...this.rows.keys()].sort(compareText);
    return this.sortedCache;
  }
}

/** Code-unit order, independent of locale: `localeCompare` would sort `a-b` and `ab` differently per machine. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Composite keys in the format of core's `recordKeys`, so the ports and the migration face address the same rows.
export const enrollmentKey = (userId: string, contentId: string): string => `${userId}/${contentId}`;
export const registrationKey = (eventId: string, userId: string): string => `${eventId}/${userId}`;
export const membershipKey = (communityId: string, userId: string): string => `${communityId}/${userId}`;
export const reactionKey = (postId: string, userId: string, kind: string): string => `${postId}/${userId}/${kind}`;
export const dailyCountKey = (day: string, verb: string): string => `${day}/${verb}`;

/** Everything one memory store holds. Repositories that must change several record sets in one step share it. */
export interface MemoryTables {
  readonly users: Table<User>;
  /** Unique index: lower-cased email -> user id (the schemas lower-case emails, so equality is case-insensitive). */
  readonly userIdsByEmail: Map<string, string>;
  readonly contents: Table<Content>;
  readonly enrollments: Table<Enrollment>;
  readonly events: Table<Event>;
  readonly registrations: Table<Registration>;
  /** Hidden per-event sequence: the highest registration position handed out or received so far. */
  readonly lastPositions: Map<string, number>;
  readonly communities: Table<Community>;
  /** Unique index: lower-cased slug -> community id. */
  readonly communityIdsBySlug: Map<string, string>;
  readonly memberships: Table<Membership>;
  readonly posts: Table<Post>;
  readonly comments: Table<Comment>;
  readonly reactions: Table<Reaction>;
  readonly activity: Table<ActivityEvent>;
  /** The daily counters behind `dailyCounts`, keyed `day/verb`. */
  readonly activityCounts: Table<DailyCount>;
}

/**
 * The tables of a new, empty store. Every record-set table reports its writes to `log` (when given); the indexes and
 * the hidden sequences are not record sets, so nothing of them reaches the change feed.
 */
export function createMemoryTables(log?: MemoryChangeLog): MemoryTables {
  const table = <N extends RecordSetName>(name: N): Table<RecordOf<N>> =>
    new Table<RecordOf<N>>(log ? (key, record) => log.record(name, key, record) : undefined);
  return {
    users: table('users'),
    userIdsByEmail: new Map(),
    contents: table('contents'),
    enrollments: table('enrollments'),
    events: table('events'),
    registrations: table('registrations'),
    lastPositions: new Map(),
    communities: table('communities'),
    communityIdsBySlug: new Map(),
    memberships: table('memberships'),
    posts: table('posts'),
    comments: table('comments'),
    reactions: table('reactions'),
    activity: table('activity'),
    activityCounts: table('activityCounts'),
  };
}
