import { systemClock, type Clock, type CohortStore } from '@cohort/core';
import type { DataSource } from 'typeorm';
import { ActivityPartitions } from './activity/activity-partitions.js';
import { PostgresActivityLog } from './activity/postgres-activity-log.js';
import { PostgresCommunityRepository } from './community/postgres-community-repository.js';
import { PostgresMembershipRepository } from './community/postgres-membership-repository.js';
import { PostgresPostRepository } from './community/postgres-post-repository.js';
import { PostgresContentRepository } from './content/postgres-content-repository.js';
import { PostgresEnrollmentRepository } from './content/postgres-enrollment-repository.js';
import { PostgresEventRepository } from './events/postgres-event-repository.js';
import { createPostgresRecordSets } from './migration/postgres-record-sets.js';
import { PostgresClient } from './shared/postgres-client.js';
import { PostgresUserRepository } from './users/postgres-user-repository.js';

export interface PostgresStoreOptions {
  /** A DataSource from `createPostgresDataSource`, initialized and migrated (`runPostgresMigrations`). */
  readonly dataSource: DataSource;
  /** Where the store reads the time (default: the system clock). */
  readonly clock?: Clock;
}

/**
 * Every port of core on PostgreSQL. The store borrows the DataSource and never closes it: its lifetime belongs to
 * the composition root. Stores over the same DataSource share its pool.
 */
export function createPostgresStore(options: PostgresStoreOptions): CohortStore {
  const clock = options.clock ?? systemClock;
  const db = new PostgresClient(options.dataSource);
  const partitions = new ActivityPartitions(db);
  return {
    users: new PostgresUserRepository(db, clock),
    contents: new PostgresContentRepository(db, clock),
    enrollments: new PostgresEnrollmentRepository(db, clock),
    events: new PostgresEventRepository(db, clock),
    communities: new PostgresCommunityRepository(db, clock),
    memberships: new PostgresMembershipRepository(db, clock),
    posts: new PostgresPostRepository(db, clock),
    activity: new PostgresActivityLog(db, partitions, clock),
    recordSets: createPostgresRecordSets(db, partitions),
  };
}
