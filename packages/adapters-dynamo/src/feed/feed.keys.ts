import type { Key } from '../shared/dynamo-ops.js';

/**
 * The change feed's own items: one per subscription, all in one partition (listed by one Query, in name order). They
 * hold the acknowledged position and the reading session's lease. The feed never reports them as changes: they
 * belong to no record set.
 */
export const feedKeys = {
  subscriptionsPartition: 'FEED_SUBSCRIPTIONS',
  subscription: (name: string): Key => ({ pk: feedKeys.subscriptionsPartition, sk: name }),
} as const;

export const FEED_SUBSCRIPTION_TYPE = 'feedSubscription';
