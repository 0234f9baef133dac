import type { ActivityEvent, DailyCount } from '../activity/activity-event.schema.js';
import type { Comment } from '../community/comment.schema.js';
import type { Community } from '../community/community.schema.js';
import type { Membership } from '../community/membership.schema.js';
import type { Post } from '../community/post.schema.js';
import type { Reaction } from '../community/reaction.schema.js';
import type { Content } from '../content/content.schema.js';
import type { Enrollment } from '../content/enrollment.schema.js';
import type { Event } from '../events/event.schema.js';
import type { Registration } from '../events/registration.schema.js';
import type { RecordSet } from '../shared/record-set.js';
import type { User } from '../users/user.schema.js';

/** The migration face of a whole store: one RecordSet per kind of record, named as in `recordSetNames`. */
export interface RecordSets {
  readonly users: RecordSet<User>;
  readonly contents: RecordSet<Content>;
  readonly enrollments: RecordSet<Enrollment>;
  readonly events: RecordSet<Event>;
  readonly registrations: RecordSet<Registration>;
  readonly communities: RecordSet<Community>;
  readonly memberships: RecordSet<Membership>;
  readonly posts: RecordSet<Post>;
  readonly comments: RecordSet<Comment>;
  readonly reactions: RecordSet<Reaction>;
  readonly activity: RecordSet<ActivityEvent>;
  /** The daily counters behind `dailyCounts`, copied as they are: purged events leave their counts behind. */
  readonly activityCounts: RecordSet<DailyCount>;
}

export type RecordSetName = keyof RecordSets;

/** Every record set, parents before the records that point at them: the order a backfill copies in. */
export const recordSetNames = [
  'users',
  'contents',
  'enrollments',
  'events',
  'registrations',
  'communities',
  'memberships',
  'posts',
  'comments',
  'reactions',
  'activity',
  'activityCounts',
] as const satisfies readonly RecordSetName[];
