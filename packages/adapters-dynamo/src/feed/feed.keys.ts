import type { Key } from '../shared/dynamo-ops.js';

/**
 * The change feed's own items. Subscriptions: one per subscription, all in one partition (listed by one Query, in
 * name order), holding the acknowledged position and the reading session's lease. Markers (`writeMarker`): one per
 * marker name, all in one partition, overwritten when a name is written again; they exist to put a record in the
 * stream. Neither carries an index key (gsi1, gsi2, scan), so no record set's scan or count and no domain query reads
 * them, and the feed never reports them as changes: they belong to no record set.
 */
export const feedKeys = {
  subscriptionsPartition: 'FEED_SUBSCRIPTIONS',
  subscription: (name: string): Key => ({ pk: feedKeys.subscriptionsPartition, sk: name }),
  markersPartition: 'FEED_MARKERS',
  marker: (name: string): Key => ({ pk: feedKeys.markersPartition, sk: name }),
} as const;

export const FEED_SUBSCRIPTION_TYPE = 'feedSubscription';
export const FEED_MARKER_TYPE = 'feedMarker';
/** The marker item's attribute holding the marker's name. */
export const MARKER_NAME = 'marker';
