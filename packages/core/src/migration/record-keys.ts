import { z } from 'zod';
import { activityEventSchema, dailyCountSchema } from '../activity/activity-event.schema.js';
import { commentSchema } from '../community/comment.schema.js';
import { communitySchema } from '../community/community.schema.js';
import { membershipSchema } from '../community/membership.schema.js';
import { postSchema } from '../community/post.schema.js';
import { reactionSchema } from '../community/reaction.schema.js';
import { contentSchema } from '../content/content.schema.js';
import { enrollmentSchema } from '../content/enrollment.schema.js';
import { eventSchema } from '../events/event.schema.js';
import { registrationSchema } from '../events/registration.schema.js';
import { parseInput } from '../shared/validation.js';
import { userSchema } from '../users/user.schema.js';
import type { RecordSetName, RecordSets } from './record-sets.js';

/** The record type held by a record set. */
export type RecordOf<N extends RecordSetName> = RecordSets[N] extends {
  putMany(records: readonly (infer T)[]): unknown;
}
  ? T
  : never;

/** The schema every record of a set must satisfy; `putMany` parses with it before writing anything. */
export const recordSchemas = {
  users: userSchema,
  contents: contentSchema,
  enrollments: enrollmentSchema,
  events: eventSchema,
  registrations: registrationSchema,
  communities: communitySchema,
  memberships: membershipSchema,
  posts: postSchema,
  comments: commentSchema,
  reactions: reactionSchema,
  activity: activityEventSchema,
  activityCounts: dailyCountSchema,
} as const satisfies { [N in RecordSetName]: z.ZodType };

type Keyed = { [N in RecordSetName]: (record: RecordOf<N>) => string };

/** The natural key of each record set, as one string: what migration compares and reports differences by. */
export const recordKeys: Keyed = {
  users: (r) => r.id,
  contents: (r) => r.id,
  enrollments: (r) => `${r.userId}/${r.contentId}`,
  events: (r) => r.id,
  registrations: (r) => `${r.eventId}/${r.userId}`,
  communities: (r) => r.id,
  memberships: (r) => `${r.communityId}/${r.userId}`,
  posts: (r) => r.id,
  comments: (r) => r.id,
  reactions: (r) => `${r.postId}/${r.userId}/${r.kind}`,
  activity: (r) => r.id,
  activityCounts: (r) => `${r.day}/${r.verb}`,
};

const MAX_PUT_MANY = 1000;

/** Validates a `putMany` batch (at most 1,000 records, each a valid record of the set) before any write. */
export function parseRecords<N extends RecordSetName>(name: N, records: readonly unknown[]): RecordOf<N>[] {
  const schema = z.array(recordSchemas[name] as z.ZodType).max(MAX_PUT_MANY);
  return parseInput(schema, records, `${name} records`) as RecordOf<N>[];
}
