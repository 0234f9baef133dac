import { CohortError, systemClock, type Clock, type CohortStore } from '@cohort/core';
import type { DataSource } from 'typeorm';
import { ActivityPartitions } from './activity/activity-partitions.js';
import { PostgresActivityLog } from './activity/postgres-activity-log.js';
import { PostgresCommunityRepository } from './community/postgres-community-repository.js';
import { PostgresMembershipRepository } from './community/postgres-membership-repository.js';
import { PostgresPostRepository } from './community/postgres-post-repository.js';
import { PostgresContentRepository } from './content/postgres-content-repository.js';
import { PostgresEnrollmentRepository } from './content/postgres-enrollment-repository.js';
import { PostgresControlRecords } from './control/postgres-control-records.js';
import { PostgresEventRepository } from './events/postgres-event-repository.js';
import { PostgresChangeFeed } from './feed/postgres-change-feed.js';
import { createPostgresRecordSets } from './record-sets/postgres-record-sets.js';
import { timeoutOf } from './data-source.js';
import { withDeadlines } from './shared/deadline.js';
import { PostgresClient } from './shared/postgres-client.js';
import { PostgresUserRepository } from './users/postgres-user-repository.js';

export interface PostgresStoreOptions {
  /** A DataSource from `createPostgresDataSource`, initialized and migrated (`runPostgresMigrations`). */
  readonly dataSource: DataSource;
  /** Where the store reads the time (default: the system clock). */
  readonly clock?: Clock;
  /**
   * The longest a port call waits for PostgreSQL, retries included, before UNAVAILABLE (ms). Default: the
   * DataSource's `timeoutMs` (see `createPostgresDataSource`), 10,000 if it has none.
   */
  readonly timeoutMs?: number;
}

/**
 * Every port of core on PostgreSQL. The store borrows the DataSource and never closes it: its lifetime belongs to
 * the composition root. Stores over the same DataSource share its pool.
 */
export function createPostgresStore(options: PostgresStoreOptions): CohortStore {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? timeoutOf(options.dataSource);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw CohortError.validation('timeoutMs must be a positive integer', [
      { path: ['timeoutMs'], message: 'must be a positive integer' },
    ]);
  }
  const db = new PostgresClient(options.dataSource, timeoutMs);
  const partitions = new ActivityPartitions(db);
  return underDeadlines(
    {
      users: new PostgresUserRepository(db, clock),
      contents: new PostgresContentRepository(db, clock),
      enrollments: new PostgresEnrollmentRepository(db, clock),
      events: new PostgresEventRepository(db, clock),
      communities: new PostgresCommunityRepository(db, clock),
      memberships: new PostgresMembershipRepository(db, clock),
      posts: new PostgresPostRepository(db, clock),
      activity: new PostgresActivityLog(db, partitions, clock),
      recordSets: createPostgresRecordSets(db, partitions),
      control: new PostgresControlRecords(db),
      changeFeed: new PostgresChangeFeed(db, options.dataSource, timeoutMs),
    },
    timeoutMs,
  );
}

/** Every port and record set of `store`, each method call under a deadline of `timeoutMs` named after it. */
function underDeadlines(store: CohortStore, timeoutMs: number): CohortStore {
  const { recordSets, ...ports } = store;
  const wrap = <T extends object>(port: T, name: string): T => withDeadlines(port, name, timeoutMs);
  return {
    ...(Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, wrap(port, name)])) as Omit<
      CohortStore,
      'recordSets'
    >),
    recordSets: Object.fromEntries(
      Object.entries(recordSets).map(([name, set]) => [name, wrap(set, `recordSets.${name}`)]),
    ) as CohortStore['recordSets'],
  };
}
