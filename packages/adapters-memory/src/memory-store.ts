import { CohortError, systemClock, type ChangeFeed, type Clock, type CohortStore } from '@cohort/core';
import { MemoryActivityLog } from './memory-activity-log.js';
import { MemoryChangeFeed } from './memory-change-feed.js';
import { MemoryChangeLog } from './memory-change-log.js';
import { MemoryCommunityRepository } from './memory-community-repository.js';
import { MemoryContentRepository } from './memory-content-repository.js';
import { MemoryControlRecords } from './memory-control-records.js';
import { MemoryEnrollmentRepository } from './memory-enrollment-repository.js';
import { MemoryEventRepository } from './memory-event-repository.js';
import { MemoryMembershipRepository } from './memory-membership-repository.js';
import { MemoryPostRepository } from './memory-post-repository.js';
import { createMemoryRecordSets } from './memory-record-sets.js';
import { createMemoryTables } from './memory-tables.js';
import { MemoryUserRepository } from './memory-user-repository.js';

export interface MemoryStoreOptions {
  /** Where the store reads the time for createdAt, updatedAt and the like; core's `systemClock` by default. */
  readonly clock?: Clock;
  /**
   * How long, by `clock`, the change feed keeps a change (every change by default). A subscription or position older
   * than that is POSITION_LOST, as past DynamoDB Streams' 24 h: tests use it to make a position lost.
   */
  readonly changeRetentionMs?: number;
}

/** A memory store always has its change feed. */
export type MemoryStore = CohortStore & { readonly changeFeed: ChangeFeed };

function parseRetention(ms: number | undefined): number {
  if (ms === undefined) return Number.POSITIVE_INFINITY;
  if (typeof ms !== 'number' || !(ms > 0)) {
    throw CohortError.validation('Invalid changeRetentionMs: must be a number of milliseconds above 0', [
      { path: ['changeRetentionMs'], message: 'must be a number above 0' },
    ]);
  }
  return ms;
}

/**
 * A complete Cohort store in process memory: the reference implementation of every port, and the fake to wire into
 * unit tests. Each call returns a new, empty, independent store. Every operation is atomic, as in a database, and
 * nothing a caller passes in or gets back is shared with the store. Its change feed sees every write of every record
 * set, and keeps changes from the feed's first use (a store whose feed is never used pays only a counter).
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const clock = options.clock ?? systemClock;
  const log = new MemoryChangeLog(clock, parseRetention(options.changeRetentionMs));
  const tables = createMemoryTables(log);
  return {
    users: new MemoryUserRepository(tables, clock),
    contents: new MemoryContentRepository(tables, clock),
    enrollments: new MemoryEnrollmentRepository(tables, clock),
    events: new MemoryEventRepository(tables, clock),
    communities: new MemoryCommunityRepository(tables, clock),
    memberships: new MemoryMembershipRepository(tables, clock),
    posts: new MemoryPostRepository(tables, clock),
    activity: new MemoryActivityLog(tables, clock),
    recordSets: createMemoryRecordSets(tables),
    control: new MemoryControlRecords(),
    changeFeed: new MemoryChangeFeed(log, clock),
  };
}
