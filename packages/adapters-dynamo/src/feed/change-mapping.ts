import { recordKeys, type Change, type RecordOf, type RecordSetName } from '@cohort/core';
import { isDeepStrictEqual } from 'node:util';
import { ACTIVITY_COUNT_TYPE, ACTIVITY_TYPE, toActivity, toDailyCount } from '../activity/activity.items.js';
import {
  COMMENT_TYPE,
  COMMUNITY_TYPE,
  MEMBERSHIP_TYPE,
  POST_TYPE,
  REACTION_TYPE,
  REMOVING,
  toComment,
  toCommunity,
  toMembership,
  toPost,
  toReaction,
} from '../community/community.items.js';
import { CONTENT_TYPE, ENROLLMENT_TYPE, toContent, toEnrollment } from '../content/content.items.js';
import { EVENT_TYPE, REGISTRATION_TYPE, toEvent, toRegistration } from '../events/event.items.js';
import type { Item } from '../shared/dynamo-ops.js';
import { COMMITTED_AT } from '../shared/item-format.js';
import { USER_TYPE, toUser } from '../users/user.items.js';
import { FEED_MARKER_TYPE, MARKER_NAME, feedKeys } from './feed.keys.js';

interface SetMapping<N extends RecordSetName> {
  readonly recordSet: N;
  /** The conversion the record set's `scan` uses: one mapping, so a change's image is exactly what scan returns. */
  readonly toDomain: (item: Item) => RecordOf<N>;
  /** Whether the item is (still) a record of the set: a post being removed has left it already. */
  readonly member?: (item: Item) => boolean;
}

type Mappings = { readonly [type: string]: SetMapping<RecordSetName> | undefined };

const mapping = <N extends RecordSetName>(m: SetMapping<N>): SetMapping<RecordSetName> => m;

/**
 * The item types that hold records, by `_type`. Every other item is internal and never a change: email and slug
 * guards, content tag copies, enrollment counters, the activity day registry, the feed's own subscriptions.
 */
const BY_TYPE: Mappings = {
  [USER_TYPE]: mapping({ recordSet: 'users', toDomain: toUser }),
  [CONTENT_TYPE]: mapping({ recordSet: 'contents', toDomain: toContent }),
  [ENROLLMENT_TYPE]: mapping({ recordSet: 'enrollments', toDomain: toEnrollment }),
  [EVENT_TYPE]: mapping({ recordSet: 'events', toDomain: toEvent }),
  [REGISTRATION_TYPE]: mapping({ recordSet: 'registrations', toDomain: toRegistration }),
  [COMMUNITY_TYPE]: mapping({ recordSet: 'communities', toDomain: toCommunity }),
  [MEMBERSHIP_TYPE]: mapping({ recordSet: 'memberships', toDomain: toMembership }),
  [POST_TYPE]: mapping({ recordSet: 'posts', toDomain: toPost, member: (item) => item[REMOVING] !== true }),
  [COMMENT_TYPE]: mapping({ recordSet: 'comments', toDomain: toComment }),
  [REACTION_TYPE]: mapping({ recordSet: 'reactions', toDomain: toReaction }),
  [ACTIVITY_TYPE]: mapping({ recordSet: 'activity', toDomain: toActivity }),
  [ACTIVITY_COUNT_TYPE]: mapping({ recordSet: 'activityCounts', toDomain: toDailyCount }),
};

function setOf(item: Item | undefined): SetMapping<RecordSetName> | undefined {
  if (item === undefined) return undefined;
  const set = typeof item._type === 'string' ? BY_TYPE[item._type] : undefined;
  return set && (set.member?.(item) ?? true) ? set : undefined;
}

/** The commit stamp the adapter's write helpers put on an item (undefined for an item written otherwise). */
export function stampOf(item: Item | undefined): number | undefined {
  const value = item?.[COMMITTED_AT];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The old image as a record, or undefined when it is not a valid one (then the new image is a change). */
function previous(set: SetMapping<RecordSetName>, oldImage: Item): unknown {
  try {
    return set.toDomain(oldImage);
  } catch {
    return undefined;
  }
}

/**
 * The marker a stream record carries (`ChangeFeed.writeMarker`), or null: the new image of a marker item (an INSERT,
 * or a MODIFY when a name is written again). A REMOVE of one (TTL) carries no new image and is nothing.
 */
export function markerOf(newImage: Item | undefined): string | null {
  if (newImage?._type !== FEED_MARKER_TYPE || newImage.pk !== feedKeys.markersPartition) return null;
  const name = newImage[MARKER_NAME];
  return typeof name === 'string' ? name : null;
}

/** A change without its position (the reader adds it). */
export type PendingChange = Omit<Change, 'position'>;

/**
 * The change one stream record makes to the record sets, or null when it makes none: an internal item, or an
 * update that left the record as `scan` returns it unchanged (a hidden attribute, the commit stamp alone). A record
 * that leaves its set (deleted, or a post marked for removal) is a delete of its key. `committedAt` is the commit
 * time for an image without a stamp (a delete).
 */
export function toChange(
  oldImage: Item | undefined,
  newImage: Item | undefined,
  committedAt: () => Date,
): PendingChange | null {
  const before = setOf(oldImage);
  const after = setOf(newImage);
  if (after && newImage) {
    const record = after.toDomain(newImage);
    if (before === after && oldImage && isDeepStrictEqual(previous(after, oldImage), record)) return null;
    const stamp = stampOf(newImage);
    return {
      recordSet: after.recordSet,
      key: (recordKeys[after.recordSet] as (r: unknown) => string)(record),
      op: 'upsert',
      record,
      committedAt: stamp === undefined ? committedAt() : new Date(stamp),
    };
  }
  if (before && oldImage) {
    const record = before.toDomain(oldImage);
    return {
      recordSet: before.recordSet,
      key: (recordKeys[before.recordSet] as (r: unknown) => string)(record),
      op: 'delete',
      record: null,
      committedAt: committedAt(),
    };
  }
  return null;
}
