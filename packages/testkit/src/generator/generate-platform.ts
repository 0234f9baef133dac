import { recordSetNames, type RecordOf, type RecordSetName, type User } from '@cohort/core';
import { activityOfDay } from './activity-stream.js';
import { createContext } from './generator-context.js';
import { planActivity } from './plan-activity.js';
import { communityRecord, membershipRecord, planCommunities } from './plan-communities.js';
import { contentRecord, enrollmentRecord, planContents, planEnrollments } from './plan-contents.js';
import { eventRecord, planEvents, registrationRecord } from './plan-events.js';
import { commentRecord, planPosts, postRecord, reactionRecord } from './plan-posts.js';
import { planUsers, userRecord } from './plan-users.js';
import { platformScales, type PlatformScale, type PlatformSizes } from './platform-scales.js';
import type { PlatformPlan } from './platform-plan.js';

export { platformScales };
export type { PlatformScale, PlatformSizes };

/** Default anchor of every generated time, so output never depends on the wall clock. */
export const DEFAULT_PLATFORM_NOW = new Date('2026-06-01T00:00:00.000Z');
const DEFAULT_BATCH_SIZE = 1000;

export interface GeneratePlatformOptions {
  /** Same seed and options, same platform (deep-equal, ids included); another seed, another platform. */
  seed: number;
  /** A named scale or explicit target sizes. */
  scale: PlatformScale | PlatformSizes;
  /** The instant all times are placed before (activity ends here); 2026-06-01T00:00:00.000Z by default. */
  now?: Date;
}

/** A few ids worth exercising in demos and tests. */
export interface PlatformSampleIds {
  /** Users active in the last 30 days, power users first. */
  readonly activeUsers: readonly string[];
  readonly publishedContents: readonly string[];
  /** The biggest communities first. */
  readonly communities: readonly string[];
  /** Posts that draw most comments and reactions. */
  readonly hotPosts: readonly string[];
  /** Scheduled events that have not started yet, soonest first. */
  readonly upcomingEvents: readonly string[];
  /** Events with a waitlist. */
  readonly waitlistedEvents: readonly string[];
}

/**
 * A deterministic platform: records are built on demand from a compact plan, so even the reference scale (a
 * million activity events) streams in bounded memory. Every record passes core's schema and the stores' invariants
 * (see checkPlatformInvariants).
 */
export interface GeneratedPlatform {
  /** The target sizes it was generated from. */
  readonly sizes: PlatformSizes;
  /** The instant every time is before. */
  readonly now: Date;
  /** Exactly how many records `batches` yields per record set. */
  counts(): Record<RecordSetName, number>;
  /** The records of one set, built lazily, in batches of `batchSize` (default 1,000, the `putMany` maximum). */
  batches<N extends RecordSetName>(name: N, batchSize?: number): Iterable<RecordOf<N>[]>;
  /** The records of one set one by one (built lazily). */
  records<N extends RecordSetName>(name: N): Iterable<RecordOf<N>>;
  users(): Iterable<User>;
  /**
   * Users with a `signed_in` event in the last 30 days (or the whole activity window if shorter): exactly
   * `sizes.activeUsers` of them. Inactive users have no activity at all in that period.
   */
  activeUserIds(): readonly string[];
  /** Up to `count` ids of each interesting kind. */
  sampleIds(count?: number): PlatformSampleIds;
}

function resolveSizes(scale: PlatformScale | PlatformSizes): PlatformSizes {
  let sizes: PlatformSizes;
  if (typeof scale === 'string') {
    if (!Object.hasOwn(platformScales, scale)) throw new RangeError(`Unknown platform scale: ${scale}`);
    sizes = platformScales[scale];
  } else {
    sizes = scale;
  }
  for (const key of Object.keys(platformScales.tiny) as (keyof PlatformSizes)[]) {
    const value = sizes[key];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`Platform size ${key} must be a whole number >= 0`);
    }
  }
  if (sizes.users < 1) throw new RangeError('Platform size users must be at least 1');
  if (sizes.activityDays < 1) throw new RangeError('Platform size activityDays must be at least 1');
  return { ...sizes, activeUsers: Math.max(1, Math.min(sizes.activeUsers, sizes.users)) };
}

function buildPlan(seed: number, sizes: PlatformSizes, now: number): PlatformPlan {
  const context = createContext(seed, sizes, now);
  const users = planUsers(context);
  const contents = planContents(context, users);
  const enrollments = planEnrollments(context, users, contents);
  const communities = planCommunities(context, users);
  const posts = planPosts(context, users, communities);
  const events = planEvents(context, users, communities);
  const activity = planActivity(context, { users, contents, enrollments, communities, posts, events });
  return { context, users, contents, enrollments, communities, posts, events, activity };
}

type RecordStreams = { [N in RecordSetName]: () => Iterable<RecordOf<N>> };

function* range<T>(count: number, make: (index: number) => T): Iterable<T> {
  for (let index = 0; index < count; index += 1) yield make(index);
}

function recordStreams(plan: PlatformPlan): RecordStreams {
  const { context, users, contents, enrollments, communities, posts, events, activity } = plan;
  return {
    users: () => range(users.count, (i) => userRecord(context, users, i)),
    contents: () => range(contents.count, (i) => contentRecord(context, contents, users, i)),
    enrollments: () => range(enrollments.count, (i) => enrollmentRecord(enrollments, users, contents, i)),
    events: () => range(events.count, (i) => eventRecord(context, events, users, communities, i)),
    registrations: () => range(events.registrations, (i) => registrationRecord(events, users, events.regEvent[i]!, i)),
    communities: () => range(communities.count, (i) => communityRecord(context, communities, users, i)),
    memberships: () =>
      range(communities.memberships, (i) => membershipRecord(communities, users, communities.memberCommunity[i]!, i)),
    posts: () => range(posts.count, (i) => postRecord(context, posts, users, communities, i)),
    comments: () => range(posts.comments, (i) => commentRecord(context, posts, users, i)),
    reactions: () => range(posts.reactions, (i) => reactionRecord(posts, users, i)),
    activity: function* () {
      for (let day = 0; day < activity.days; day += 1) yield* activityOfDay(plan, day);
    },
    activityCounts: () => activity.dailyCounts.map((count) => ({ ...count })),
  };
}

function* inBatches<T>(records: Iterable<T>, batchSize: number): Iterable<T[]> {
  let batch: T[] = [];
  for (const record of records) {
    batch.push(record);
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Plans a whole platform from a seed; records are built when iterated. */
export function generatePlatform(options: GeneratePlatformOptions): GeneratedPlatform {
  const sizes = resolveSizes(options.scale);
  const now = options.now ?? DEFAULT_PLATFORM_NOW;
  if (Number.isNaN(now.getTime())) throw new RangeError('now must be a valid Date');
  const plan = buildPlan(options.seed, sizes, now.getTime());
  const streamsByName = recordStreams(plan);
  const records = <N extends RecordSetName>(name: N): Iterable<RecordOf<N>> =>
    (streamsByName[name] as () => Iterable<RecordOf<N>>)();

  const counts: Record<RecordSetName, number> = {
    users: plan.users.count,
    contents: plan.contents.count,
    enrollments: plan.enrollments.count,
    events: plan.events.count,
    registrations: plan.events.registrations,
    communities: plan.communities.count,
    memberships: plan.communities.memberships,
    posts: plan.posts.count,
    comments: plan.posts.comments,
    reactions: plan.posts.reactions,
    activity: plan.activity.total,
    activityCounts: plan.activity.dailyCounts.length,
  };
  const activeUserIds = Array.from(plan.users.activeList, (user) => plan.users.ids[user]!);

  return {
    sizes: { ...sizes },
    now: new Date(now.getTime()),
    counts: () => ({ ...counts }),
    batches: <N extends RecordSetName>(name: N, batchSize = DEFAULT_BATCH_SIZE) => {
      if (!(recordSetNames as readonly string[]).includes(name))
        throw new RangeError(`Unknown record set: ${String(name)}`);
      if (!Number.isSafeInteger(batchSize) || batchSize < 1)
        throw new RangeError('batchSize must be a whole number >= 1');
      return inBatches(records(name), batchSize);
    },
    records,
    users: () => records('users'),
    activeUserIds: () => activeUserIds,
    sampleIds: (count = 10) => samples(plan, count),
  };
}

function samples(plan: PlatformPlan, count: number): PlatformSampleIds {
  const { users, contents, communities, posts, events, context } = plan;
  const eventIndexes = Array.from({ length: events.count }, (_, e) => e);
  const upcoming = eventIndexes
    .filter((e) => !events.cancelled[e] && events.startsAt[e]! >= context.now)
    .sort((a, b) => events.startsAt[a]! - events.startsAt[b]! || a - b);
  const bySize = Array.from({ length: communities.count }, (_, c) => c).sort(
    (a, b) =>
      communities.memberStart[b + 1]! -
        communities.memberStart[b]! -
        (communities.memberStart[a + 1]! - communities.memberStart[a]!) || a - b,
  );
  return {
    activeUsers: Array.from(users.activeList.subarray(0, count), (u) => users.ids[u]!),
    publishedContents: Array.from(contents.published.subarray(0, count), (c) => contents.ids[c]!),
    communities: bySize.slice(0, count).map((c) => communities.ids[c]!),
    hotPosts: Array.from(posts.hot.subarray(0, count), (p) => posts.ids[p]!),
    upcomingEvents: upcoming.slice(0, count).map((e) => events.ids[e]!),
    waitlistedEvents: eventIndexes
      .filter((e) => events.waitlistCount[e]! > 0)
      .slice(0, count)
      .map((e) => events.ids[e]!),
  };
}
