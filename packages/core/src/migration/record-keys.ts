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
import { idSchema } from '../shared/ids.js';
import { daySchema } from '../shared/text.js';
import { parseInput } from '../shared/validation.js';
import { activityVerbs } from '../activity/activity-event.schema.js';
import { reactionKinds } from '../community/post.schema.js';
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

/**
 * Keeps the last record of each key, each where its key was last seen: what putting the batch one record at a time
 * would leave, and the order those last writes come in. Every adapter's `putMany` takes its batch through this.
 */
export function lastOfEachKey<T>(records: readonly T[], keyOf: (record: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const record of records) {
    const key = keyOf(record);
    byKey.delete(key);
    byKey.set(key, record);
  }
  return [...byKey.values()];
}

/** The most keys one `deleteMany` takes, as many as one `putMany` takes records. */
export const MAX_DELETE_MANY = MAX_PUT_MANY;

/** The parts of each set's record key, in the order `recordKeys` joins them with '/'. */
const keyPartSchemas: { [N in RecordSetName]: readonly z.ZodType<string>[] } = {
  users: [idSchema],
  contents: [idSchema],
  enrollments: [idSchema, idSchema],
  events: [idSchema],
  registrations: [idSchema, idSchema],
  communities: [idSchema],
  memberships: [idSchema, idSchema],
  posts: [idSchema],
  comments: [idSchema],
  reactions: [idSchema, idSchema, z.enum(reactionKinds)],
  activity: [idSchema],
  activityCounts: [daySchema, z.enum(activityVerbs)],
};

/** One key given to `deleteMany`, checked: its parts and the key as `recordKeys` would make it. */
export interface ParsedRecordKey {
  readonly key: string;
  readonly parts: readonly string[];
}

/**
 * Validates a `deleteMany` batch before any write: at most 1,000 keys, each of the form `recordKeys[name]` makes
 * (ids are UUIDs, a reaction's kind and an activity counter's verb are known ones); VALIDATION otherwise. Duplicate
 * keys are given once.
 */
export function parseRecordKeys(name: RecordSetName, keys: readonly unknown[]): ParsedRecordKey[] {
  const schemas = keyPartSchemas[name];
  const keySchema = z.string().transform((key, context) => {
    const pieces = key.split('/');
    if (pieces.length !== schemas.length) {
      context.addIssue({ code: 'custom', message: `must have ${schemas.length} part(s) joined by /` });
      return z.NEVER;
    }
    const parts: string[] = [];
    for (const [index, schema] of schemas.entries()) {
      const part = schema.safeParse(pieces[index]);
      if (!part.success) {
        context.addIssue({
          code: 'custom',
          message: `part ${index + 1}: ${part.error.issues[0]?.message ?? 'invalid'}`,
        });
        return z.NEVER;
      }
      parts.push(part.data);
    }
    return { key: parts.join('/'), parts };
  });
  const parsed = parseInput(z.array(keySchema).max(MAX_DELETE_MANY), keys, `${name} keys`) as ParsedRecordKey[];
  const unique = new Map(parsed.map((entry) => [entry.key, entry]));
  return [...unique.values()];
}
