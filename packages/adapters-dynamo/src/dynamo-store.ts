import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CohortError, systemClock, type Clock, type CohortStore } from '@cohort/core';
import { DynamoActivityLog } from './activity/dynamo-activity-log.js';
import { DynamoActivityCountRecordSet, DynamoActivityRecordSet } from './activity/dynamo-activity-record-sets.js';
import {
  DynamoCommunityRecordSet,
  commentRecordSet,
  membershipRecordSet,
  postRecordSet,
  reactionRecordSet,
} from './community/dynamo-community-record-sets.js';
import { DynamoCommunityRepository } from './community/dynamo-community-repository.js';
import { DynamoMembershipRepository } from './community/dynamo-membership-repository.js';
import { DynamoPostRepository } from './community/dynamo-post-repository.js';
import { DynamoContentRecordSet, DynamoEnrollmentRecordSet } from './content/dynamo-content-record-sets.js';
import { DynamoContentRepository } from './content/dynamo-content-repository.js';
import { DynamoEnrollmentRepository } from './content/dynamo-enrollment-repository.js';
import { DynamoControlRecords } from './control/dynamo-control-records.js';
import { DynamoEventRecordSet, DynamoRegistrationRecordSet } from './events/dynamo-event-record-sets.js';
import { DynamoEventRepository } from './events/dynamo-event-repository.js';
import { DEFAULT_FEED_LEASE_MS, DEFAULT_FEED_POLL_MS, DynamoChangeFeed } from './feed/dynamo-change-feed.js';
import { streamsClientFor } from './feed/streams-client.js';
import type { DynamoContext } from './shared/dynamo-context.js';
import { DEFAULT_TIMEOUT_MS, withDeadlines } from './shared/deadline.js';
import { DynamoUserRecordSet } from './users/dynamo-user-record-set.js';
import { DynamoUserRepository } from './users/dynamo-user-repository.js';

/** Activity events live this many days (TTL) unless `activityRetentionDays` says otherwise. */
export const DEFAULT_ACTIVITY_RETENTION_DAYS = 400;

export interface DynamoStoreOptions {
  /** A ready document client; the store never creates or destroys it. */
  readonly client: DynamoDBDocumentClient;
  /** The single table (see `tableDefinition`). */
  readonly tableName: string;
  /** Where every timestamp comes from. Default: the system clock. */
  readonly clock?: Clock;
  /** Days after occurredAt when DynamoDB's TTL may delete an activity event. Default 400. */
  readonly activityRetentionDays?: number;
  /**
   * The longest a port call waits for DynamoDB to answer, in ms: waiting for a seat, every request and every retry
   * included; past it the call fails with UNAVAILABLE and its request in flight is aborted. Each answer renews it, so
   * a bulk call goes on while DynamoDB answers. Default 10,000. Give the client a request timeout no longer than this
   * (`createDynamoClient` does) so that a hung connection is dropped, not just abandoned.
   */
  readonly timeoutMs?: number;
  /** The change feed (`store.changeFeed`), read from the table's stream. */
  readonly changeFeed?: DynamoChangeFeedOptions;
}

export interface DynamoChangeFeedOptions {
  /** A ready DynamoDB Streams client; default: one on the table client's endpoint, credentials and HTTP handler. */
  readonly streamsClient?: DynamoDBStreamsClient;
  /** How long a reading session holds its subscription unless renewed (a crashed reader's expires after it). Default 30,000 ms. */
  readonly leaseMs?: number;
  /**
   * How long a read that waits (`waitMs`) sleeps between two looks at the stream. Default 250 ms: DynamoDB Streams
   * throttles GetRecords past a few calls a second per shard, shared by every reader; DynamoDB Local has no such limit.
   */
  readonly pollMs?: number;
}

/** Every Cohort port on one DynamoDB table. */
export function createDynamoStore(options: DynamoStoreOptions): CohortStore {
  const retention = options.activityRetentionDays ?? DEFAULT_ACTIVITY_RETENTION_DAYS;
  if (!Number.isInteger(retention) || retention < 1) {
    throw CohortError.validation('activityRetentionDays must be a positive integer', [
      { path: ['activityRetentionDays'], message: 'must be a positive integer' },
    ]);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw CohortError.validation('timeoutMs must be a positive integer', [
      { path: ['timeoutMs'], message: 'must be a positive integer' },
    ]);
  }
  if (options.tableName.length === 0) {
    throw CohortError.validation('tableName must not be empty', [{ path: ['tableName'], message: 'required' }]);
  }
  const context: DynamoContext = {
    client: options.client,
    tableName: options.tableName,
    clock: options.clock ?? systemClock,
    activityRetentionDays: retention,
    timeoutMs,
  };
  const store: CohortStore = {
    users: new DynamoUserRepository(context),
    contents: new DynamoContentRepository(context),
    enrollments: new DynamoEnrollmentRepository(context),
    events: new DynamoEventRepository(context),
    communities: new DynamoCommunityRepository(context),
    memberships: new DynamoMembershipRepository(context),
    posts: new DynamoPostRepository(context),
    activity: new DynamoActivityLog(context),
    recordSets: {
      users: new DynamoUserRecordSet(context),
      contents: new DynamoContentRecordSet(context),
      enrollments: new DynamoEnrollmentRecordSet(context),
      events: new DynamoEventRecordSet(context),
      registrations: new DynamoRegistrationRecordSet(context),
      communities: new DynamoCommunityRecordSet(context),
      memberships: membershipRecordSet(context),
      posts: postRecordSet(context),
      comments: commentRecordSet(context),
      reactions: reactionRecordSet(context),
      activity: new DynamoActivityRecordSet(context),
      activityCounts: new DynamoActivityCountRecordSet(context),
    },
    control: new DynamoControlRecords(context),
    changeFeed: new DynamoChangeFeed(context, {
      streams: options.changeFeed?.streamsClient ?? streamsClientFor(options.client),
      leaseMs: options.changeFeed?.leaseMs ?? DEFAULT_FEED_LEASE_MS,
      pollMs: options.changeFeed?.pollMs ?? DEFAULT_FEED_POLL_MS,
    }),
  };
  return underDeadlines(store, timeoutMs);
}

/** Every port and record set of `store`, each method call under a deadline of `timeoutMs` named after it. */
function underDeadlines(store: CohortStore, timeoutMs: number): CohortStore {
  const { recordSets, changeFeed, ...ports } = store;
  const wrap = <T extends object>(port: T, name: string): T => withDeadlines(port, name, timeoutMs);
  return {
    ...(Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, wrap(port, name)])) as Omit<
      CohortStore,
      'recordSets' | 'changeFeed'
    >),
    recordSets: Object.fromEntries(
      Object.entries(recordSets).map(([name, set]) => [name, wrap(set, `recordSets.${name}`)]),
    ) as CohortStore['recordSets'],
    ...(changeFeed ? { changeFeed: wrap(changeFeed, 'changeFeed') } : {}),
  };
}
