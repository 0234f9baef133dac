import { systemClock, type Clock, type CohortStore } from '@cohort/core';
import { MemoryActivityLog } from './memory-activity-log.js';
import { MemoryCommunityRepository } from './memory-community-repository.js';
import { MemoryContentRepository } from './memory-content-repository.js';
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
}

/**
 * A complete Cohort store in process memory: the reference implementation of every port, and the fake to wire into
 * unit tests. Each call returns a new, empty, independent store. Every operation is atomic, as in a database, and
 * nothing a caller passes in or gets back is shared with the store.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): CohortStore {
  const clock = options.clock ?? systemClock;
  const tables = createMemoryTables();
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
  };
}
