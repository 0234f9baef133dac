import { dayOf, recordKeys, recordSchemas, type RecordOf, type RecordSetName } from '@cohort/core';

/** Records of some or all record sets; referential checks run only where the parent set is present. */
export type PlatformRecords = { readonly [N in RecordSetName]?: Iterable<RecordOf<N>> };

export interface InvariantCheckOptions {
  /** Parse every record with core's schema and require it back unchanged (already normalized). Default true. */
  parse?: boolean;
  /**
   * Require post, comment and reaction authors to be members of the community. True for generated data; in a live
   * store a member may leave and keep their posts. Default true.
   */
  authorsAreMembers?: boolean;
  /** Require positions 1..n without gaps per event; re-registrations leave gaps in a live store. Default true. */
  contiguousPositions?: boolean;
  /** Require activityCounts to equal the activity log per UTC day and verb; purges break this. Default true. */
  activityCountsMatchLog?: boolean;
  /** Keep at most this many messages (violations are still counted). Default 50. */
  maxMessages?: number;
}

export interface InvariantReport {
  readonly ok: boolean;
  /** How many violations were found. */
  readonly violations: number;
  /** The first `maxMessages` of them, e.g. `events 0190…: registeredCount 3 but 2 registered or attended`. */
  readonly messages: readonly string[];
  /** Records checked per record set. */
  readonly records: Partial<Record<RecordSetName, number>>;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keysA = Object.keys(a);
    const keysB = Object.keys(b);
    return (
      keysA.length === keysB.length &&
      keysA.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
    );
  }
  return Object.is(a, b);
}

const time = (date: Date) => date.getTime();
const increment = <K>(map: Map<K, number>, key: K, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

interface EventTally {
  capacity: number;
  registeredCount: number;
  waitlistCount: number;
  communityId: string | null;
  seated: number;
  waitlisted: number;
  rows: number;
  positions: Set<number>;
  maxPosition: number;
  maxSeatedPosition: number;
  minWaitlistedPosition: number;
}

interface CommunityTally {
  ownerId: string;
  memberCount: number;
  members: number;
  owners: number;
}

interface PostTally {
  communityId: string;
  commentCount: number;
  reactionCounts: Record<string, number>;
  comments: number;
  reactions: Map<string, number>;
}

/**
 * Checks what the stores keep true, across record sets: schemas, unique natural keys, unique emails and slugs,
 * references between contexts, and every counter against the rows it counts (memberCount, commentCount,
 * reactionCounts, registeredCount, waitlistCount, activityCounts). Works on generated data and on what a store's
 * `scan` returns (migration verification), one pass per record set in `recordSetNames` order.
 */
export function checkPlatformInvariants(
  records: PlatformRecords,
  options: InvariantCheckOptions = {},
): InvariantReport {
  const parse = options.parse ?? true;
  const authorsAreMembers = options.authorsAreMembers ?? true;
  const contiguousPositions = options.contiguousPositions ?? true;
  const activityCountsMatchLog = options.activityCountsMatchLog ?? true;
  const maxMessages = options.maxMessages ?? 50;
  const messages: string[] = [];
  const checked: Partial<Record<RecordSetName, number>> = {};
  let violations = 0;
  const fail = (set: RecordSetName, key: string, message: string) => {
    violations += 1;
    if (messages.length < maxMessages) messages.push(`${set} ${key}: ${message}`);
  };

  const users = records.users ? new Set<string>() : null;
  const contents = records.contents ? new Set<string>() : null;
  const events = records.events ? new Map<string, EventTally>() : null;
  const communities = records.communities ? new Map<string, CommunityTally>() : null;
  const members = records.memberships ? new Set<string>() : null;
  const posts = records.posts ? new Map<string, PostTally>() : null;
  const activityByDayVerb = records.activity ? new Map<string, number>() : null;
  const isMember = (communityId: string, userId: string) => !members || members.has(`${communityId}/${userId}`);

  const each = <N extends RecordSetName>(name: N, visit: (record: RecordOf<N>, key: string) => void) => {
    const source = records[name] as Iterable<RecordOf<N>> | undefined;
    if (!source) return;
    const keys = new Set<string>();
    const keyOf = recordKeys[name] as (record: RecordOf<N>) => string;
    let count = 0;
    for (const record of source) {
      count += 1;
      if (parse) {
        const result = recordSchemas[name].safeParse(record);
        if (!result.success) {
          fail(name, `#${count}`, `fails the schema: ${result.error.issues.map((issue) => issue.message).join('; ')}`);
          continue;
        }
        if (!sameValue(result.data, record)) fail(name, `#${count}`, 'is not normalized (parsing changes it)');
      }
      const key = keyOf(record);
      if (keys.has(key)) fail(name, key, 'duplicate natural key');
      keys.add(key);
      visit(record, key);
    }
    checked[name] = count;
  };

  const emails = new Set<string>();
  each('users', (user, key) => {
    users?.add(user.id);
    if (emails.has(user.email)) fail('users', key, `email ${user.email} taken twice`);
    emails.add(user.email);
    if (time(user.createdAt) > time(user.updatedAt)) fail('users', key, 'createdAt after updatedAt');
  });

  each('contents', (content, key) => {
    contents?.add(content.id);
    if ((content.publishedAt !== null) !== (content.status !== 'draft')) {
      fail('contents', key, `status ${content.status} with publishedAt ${String(content.publishedAt)}`);
    }
    if (time(content.createdAt) > time(content.updatedAt)) fail('contents', key, 'createdAt after updatedAt');
    if (content.publishedAt && time(content.publishedAt) < time(content.createdAt)) {
      fail('contents', key, 'published before it was created');
    }
  });

  each('enrollments', (enrollment, key) => {
    if (users && !users.has(enrollment.userId)) fail('enrollments', key, 'unknown user');
    if (contents && !contents.has(enrollment.contentId)) fail('enrollments', key, 'unknown content');
    const completed = enrollment.status === 'completed';
    if (completed !== (enrollment.progress === 100)) {
      fail('enrollments', key, `status ${enrollment.status} at progress ${enrollment.progress}`);
    }
    if (completed !== (enrollment.completedAt !== null)) fail('enrollments', key, 'completedAt set iff completed');
    if (time(enrollment.enrolledAt) > time(enrollment.updatedAt))
      fail('enrollments', key, 'enrolledAt after updatedAt');
    if (enrollment.completedAt && time(enrollment.completedAt) < time(enrollment.enrolledAt)) {
      fail('enrollments', key, 'completed before enrolling');
    }
  });

  each('events', (event, key) => {
    events?.set(event.id, {
      capacity: event.capacity,
      registeredCount: event.registeredCount,
      waitlistCount: event.waitlistCount,
      communityId: event.communityId,
      seated: 0,
      waitlisted: 0,
      rows: 0,
      positions: new Set(),
      maxPosition: 0,
      maxSeatedPosition: 0,
      minWaitlistedPosition: Number.POSITIVE_INFINITY,
    });
    if (time(event.startsAt) >= time(event.endsAt)) fail('events', key, 'startsAt not before endsAt');
    if (event.registeredCount > event.capacity) fail('events', key, 'registeredCount exceeds capacity');
    if (time(event.createdAt) > time(event.updatedAt)) fail('events', key, 'createdAt after updatedAt');
  });

  each('registrations', (registration, key) => {
    if (users && !users.has(registration.userId)) fail('registrations', key, 'unknown user');
    if (time(registration.registeredAt) > time(registration.updatedAt)) {
      fail('registrations', key, 'registeredAt after updatedAt');
    }
    if (!events) return;
    const tally = events.get(registration.eventId);
    if (!tally) return fail('registrations', key, 'unknown event');
    tally.rows += 1;
    if (tally.positions.has(registration.position))
      fail('registrations', key, `position ${registration.position} taken`);
    tally.positions.add(registration.position);
    tally.maxPosition = Math.max(tally.maxPosition, registration.position);
    if (registration.status === 'registered' || registration.status === 'attended') {
      tally.seated += 1;
      tally.maxSeatedPosition = Math.max(tally.maxSeatedPosition, registration.position);
    } else if (registration.status === 'waitlisted') {
      tally.waitlisted += 1;
      tally.minWaitlistedPosition = Math.min(tally.minWaitlistedPosition, registration.position);
    }
  });
  if (events && records.registrations) {
    for (const [id, tally] of events) {
      if (tally.registeredCount !== tally.seated) {
        fail('events', id, `registeredCount ${tally.registeredCount} but ${tally.seated} registered or attended`);
      }
      if (tally.waitlistCount !== tally.waitlisted) {
        fail('events', id, `waitlistCount ${tally.waitlistCount} but ${tally.waitlisted} waitlisted`);
      }
      if (tally.minWaitlistedPosition < tally.maxSeatedPosition) {
        fail('events', id, 'a waitlisted registration is ahead of a seated one');
      }
      if (contiguousPositions && tally.maxPosition !== tally.rows) {
        fail('events', id, `positions are not 1..${tally.rows}`);
      }
    }
  }

  const slugs = new Set<string>();
  each('communities', (community, key) => {
    communities?.set(community.id, {
      ownerId: community.ownerId,
      memberCount: community.memberCount,
      members: 0,
      owners: 0,
    });
    if (slugs.has(community.slug)) fail('communities', key, `slug ${community.slug} taken twice`);
    slugs.add(community.slug);
    if (time(community.createdAt) > time(community.updatedAt)) fail('communities', key, 'createdAt after updatedAt');
  });
  if (events && communities) {
    for (const [id, tally] of events) {
      if (tally.communityId !== null && !communities.has(tally.communityId)) fail('events', id, 'unknown community');
    }
  }

  each('memberships', (membership, key) => {
    members?.add(key);
    if (users && !users.has(membership.userId)) fail('memberships', key, 'unknown user');
    if (!communities) return;
    const tally = communities.get(membership.communityId);
    if (!tally) return fail('memberships', key, 'unknown community');
    tally.members += 1;
    if (membership.role === 'owner') {
      tally.owners += 1;
      if (membership.userId !== tally.ownerId)
        fail('memberships', key, 'owner membership of someone else than ownerId');
    }
  });
  if (communities && records.memberships) {
    for (const [id, tally] of communities) {
      if (tally.memberCount !== tally.members) {
        fail('communities', id, `memberCount ${tally.memberCount} but ${tally.members} memberships`);
      }
      if (tally.owners !== 1) fail('communities', id, `${tally.owners} owner memberships`);
    }
  }

  each('posts', (post, key) => {
    posts?.set(post.id, {
      communityId: post.communityId,
      commentCount: post.commentCount,
      reactionCounts: post.reactionCounts,
      comments: 0,
      reactions: new Map(),
    });
    if (communities && !communities.has(post.communityId)) fail('posts', key, 'unknown community');
    if (authorsAreMembers && !isMember(post.communityId, post.authorId)) fail('posts', key, 'author is not a member');
    if (time(post.createdAt) > time(post.updatedAt)) fail('posts', key, 'createdAt after updatedAt');
  });

  each('comments', (comment, key) => {
    if (!posts) return;
    const tally = posts.get(comment.postId);
    if (!tally) return fail('comments', key, 'unknown post');
    tally.comments += 1;
    if (authorsAreMembers && !isMember(tally.communityId, comment.authorId)) {
      fail('comments', key, 'author is not a member');
    }
  });

  each('reactions', (reaction, key) => {
    if (!posts) return;
    const tally = posts.get(reaction.postId);
    if (!tally) return fail('reactions', key, 'unknown post');
    increment(tally.reactions, reaction.kind);
    if (authorsAreMembers && !isMember(tally.communityId, reaction.userId))
      fail('reactions', key, 'user is not a member');
  });
  if (posts) {
    for (const [id, tally] of posts) {
      if (records.comments && tally.commentCount !== tally.comments) {
        fail('posts', id, `commentCount ${tally.commentCount} but ${tally.comments} comments`);
      }
      if (records.reactions) {
        for (const [kind, count] of Object.entries(tally.reactionCounts)) {
          const rows = tally.reactions.get(kind) ?? 0;
          if (rows !== count) fail('posts', id, `reactionCounts.${kind} ${count} but ${rows} reactions`);
        }
      }
    }
  }

  each('activity', (event, key) => {
    if (users && !users.has(event.actorId)) fail('activity', key, 'unknown actor');
    if (activityByDayVerb) increment(activityByDayVerb, `${dayOf(event.occurredAt)}/${event.verb}`);
  });

  const counted = new Set<string>();
  each('activityCounts', (dailyCount, key) => {
    counted.add(key);
    if (activityByDayVerb && activityCountsMatchLog) {
      const logged = activityByDayVerb.get(key) ?? 0;
      if (logged !== dailyCount.count) fail('activityCounts', key, `count ${dailyCount.count} but ${logged} events`);
    }
  });
  if (activityByDayVerb && activityCountsMatchLog && records.activityCounts) {
    for (const [key, logged] of activityByDayVerb) {
      if (!counted.has(key)) fail('activityCounts', key, `missing (${logged} events)`);
    }
  }

  return { ok: violations === 0, violations, messages, records: checked };
}
