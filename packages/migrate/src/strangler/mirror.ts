import {
  newId,
  type Comment,
  type CohortStore,
  type Community,
  type Enrollment,
  type Membership,
  type NewActivityEvent,
  type PortName,
  type Post,
  type ReactionKind,
  type Registration,
  type User,
  type Clock,
  type Content,
  type Event,
} from '@cohort/core';

/** Record sets a mirror copies by key, re-reading the source through its ports. */
export type CopyableRecordSet =
  'users' | 'contents' | 'enrollments' | 'events' | 'registrations' | 'communities' | 'memberships' | 'posts';

/**
 * One step that brings the other store up to date after a write. Steps hold data only (keys, records, arguments),
 * so a failed mirror can be recorded and replayed later by `repair`.
 */
export type SyncAction =
  /** Re-read the record with this key from the source and upsert it into the destination (or delete it there). */
  | { readonly type: 'copy'; readonly recordSet: CopyableRecordSet; readonly key: string }
  /** Copy the registrations an event promoted off its waitlist, then the event with its counters. */
  | { readonly type: 'waitlist'; readonly eventId: string }
  /** Upsert comments exactly as the source returned them (comments never change after creation). */
  | { readonly type: 'put-comments'; readonly comments: readonly Comment[] }
  /**
   * A reaction, which no port reads back to copy: upserted with `at` as its createdAt when the write ran under a
   * shared MirrorClock (so `at` is the instant the source stamped), else repeated through the destination's `react`.
   */
  | {
      readonly type: 'react';
      readonly postId: string;
      readonly userId: string;
      readonly kind: ReactionKind;
      readonly at: Date | null;
    }
  /** Repeat an unreact on the destination. */
  | { readonly type: 'unreact'; readonly postId: string; readonly userId: string; readonly kind: ReactionKind }
  /** Append the same, fully specified events (ids and times fixed before the source saw them). */
  | { readonly type: 'append'; readonly events: readonly NewActivityEvent[] }
  | { readonly type: 'purge'; readonly before: Date };

/** How one write is mirrored: its steps, run under a lock on the aggregate they touch. */
export interface MirrorPlan {
  /** Mirrors of one aggregate (an event, a post, …) run one at a time, so a stale copy never lands last. */
  readonly lock: string | null;
  readonly actions: readonly SyncAction[];
}

const copy = (recordSet: CopyableRecordSet, key: string): SyncAction => ({ type: 'copy', recordSet, key });
const plan = (lock: string | null, ...actions: SyncAction[]): MirrorPlan => ({ lock, actions });

/** What a planner knows besides the call: the pinned instant when a shared MirrorClock is in use. */
export interface WriteContext {
  readonly at: Date | null;
}

type Planner = (args: readonly unknown[], result: unknown, context: WriteContext) => MirrorPlan | null;

const byId =
  (recordSet: 'users' | 'contents' | 'events' | 'communities' | 'posts'): Planner =>
  (_args, result) => {
    const id = (result as { id: string }).id;
    return plan(`${recordSet}:${id}`, copy(recordSet, id));
  };

const registration =
  (...then: ((r: Registration) => SyncAction)[]): Planner =>
  (_args, result) => {
    const r = result as Registration;
    return plan(`events:${r.eventId}`, copy('registrations', `${r.eventId}/${r.userId}`), ...then.map((f) => f(r)));
  };

/**
 * What each write changes, as steps for the other store. A write's own result is never replayed through the same
 * method (a second `create` would mint another id and other timestamps): the records it touched are re-read from
 * the store that took the write and upserted into the other, parent counters included. Deletions (leave, remove,
 * unreact) and reactions, which no read port returns, are repeated on the other store, then the parent is copied so
 * its counters are exactly the source's.
 */
const planners: { [P in PortName]: Record<string, Planner> } = {
  users: { create: byId('users'), update: byId('users') },
  contents: { create: byId('contents'), update: byId('contents') },
  enrollments: {
    enroll: (_args, result) => enrollment(result as Enrollment),
    recordProgress: (_args, result) => enrollment(result as Enrollment),
  },
  events: {
    create: byId('events'),
    update: (_args, result) =>
      plan(`events:${(result as Event).id}`, { type: 'waitlist', eventId: (result as Event).id }),
    // The event first: a store with foreign keys refuses a registration of an event it does not hold.
    register: (_args, result) => {
      const r = result as Registration;
      return plan(`events:${r.eventId}`, copy('events', r.eventId), copy('registrations', `${r.eventId}/${r.userId}`));
    },
    cancelRegistration: registration((r) => ({ type: 'waitlist', eventId: r.eventId })),
    markAttended: registration(),
  },
  communities: {
    create: (_args, result) => {
      const c = result as Community;
      return plan(`communities:${c.id}`, copy('communities', c.id), copy('memberships', `${c.id}/${c.ownerId}`));
    },
    update: byId('communities'),
  },
  memberships: {
    join: (_args, result) => {
      const m = result as Membership;
      return plan(
        `communities:${m.communityId}`,
        copy('communities', m.communityId),
        copy('memberships', `${m.communityId}/${m.userId}`),
      );
    },
    leave: (args) => {
      const [communityId, userId] = args as [string, string];
      return plan(
        `communities:${communityId}`,
        copy('memberships', `${communityId}/${userId}`),
        copy('communities', communityId),
      );
    },
    setRole: (_args, result) => {
      const m = result as Membership;
      return plan(`communities:${m.communityId}`, copy('memberships', `${m.communityId}/${m.userId}`));
    },
  },
  posts: {
    create: byId('posts'),
    update: byId('posts'),
    // Copying a post the source no longer has removes it (with its comments and reactions) from the destination.
    remove: (args) => plan(`posts:${String(args[0])}`, copy('posts', String(args[0]))),
    addComment: (_args, result) => {
      const c = result as Comment;
      return plan(`posts:${c.postId}`, copy('posts', c.postId), { type: 'put-comments', comments: [c] });
    },
    react: (args, result, context) => {
      if (result !== true) return null;
      const [postId, userId, kind] = args as [string, string, ReactionKind];
      return plan(`posts:${postId}`, { type: 'react', postId, userId, kind, at: context.at }, copy('posts', postId));
    },
    unreact: (args) => {
      const [postId, userId, kind] = args as [string, string, ReactionKind];
      return plan(`posts:${postId}`, { type: 'unreact', postId, userId, kind }, copy('posts', postId));
    },
  },
  activity: {
    append: (args) => plan(null, { type: 'append', events: args[0] as NewActivityEvent[] }),
    purgeBefore: (args) => plan(null, { type: 'purge', before: args[0] as Date }),
  },
};

function enrollment(e: Enrollment): MirrorPlan {
  const key = `${e.userId}/${e.contentId}`;
  return plan(`enrollments:${key}`, copy('enrollments', key));
}

/** The steps that mirror one successful write, or null when it changed nothing the other store lacks. */
export function planMirror(
  port: PortName,
  method: string,
  args: readonly unknown[],
  result: unknown,
  context: WriteContext = { at: null },
): MirrorPlan | null {
  const planner = planners[port][method];
  if (!planner) throw new TypeError(`${port}.${method} is not a write`);
  return planner(args, result, context);
}

/**
 * Fixes what a store would otherwise choose itself, so both stores store the same thing: appended activity events
 * get their id and occurredAt here (as the store would: a new UUIDv7 and the clock's now) before either store sees
 * them. Anything malformed is passed on untouched for the store to reject.
 */
export function prepareWrite(
  port: PortName,
  method: string,
  args: readonly unknown[],
  clock: Clock,
): readonly unknown[] {
  if (port !== 'activity' || method !== 'append' || !Array.isArray(args[0])) return args;
  const events = (args[0] as unknown[]).map((event) => {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return event;
    const draft = event as Record<string, unknown>;
    return {
      ...draft,
      id: draft['id'] === undefined ? newId() : draft['id'],
      occurredAt: draft['occurredAt'] === undefined ? clock.now() : draft['occurredAt'],
    };
  });
  return [events, ...args.slice(1)];
}

/** Applies mirror steps: reads from `from` through its ports, writes `to` through its migration face or ports. */
export async function applyActions(from: CohortStore, to: CohortStore, actions: readonly SyncAction[]): Promise<void> {
  for (const action of actions) {
    switch (action.type) {
      case 'copy':
        await copyRecord(from, to, action.recordSet, action.key);
        break;
      case 'waitlist':
        await syncWaitlist(from, to, action.eventId);
        break;
      case 'put-comments':
        await to.recordSets.comments.putMany(action.comments);
        break;
      case 'react':
        if (action.at === null) await to.posts.react(action.postId, action.userId, action.kind);
        else {
          const { postId, userId, kind, at } = action;
          await to.recordSets.reactions.putMany([{ postId, userId, kind, createdAt: at }]);
        }
        break;
      case 'unreact':
        await to.posts.unreact(action.postId, action.userId, action.kind);
        break;
      case 'append':
        await to.activity.append(action.events);
        break;
      case 'purge':
        await to.activity.purgeBefore(action.before);
        break;
    }
  }
}

async function copyRecord(from: CohortStore, to: CohortStore, recordSet: CopyableRecordSet, key: string) {
  const [a = '', b = ''] = key.split('/');
  const put = async <T>(record: T | null, putMany: (records: readonly T[]) => Promise<void>, gone?: () => unknown) => {
    if (record !== null) await putMany([record]);
    else if (gone) await gone();
  };
  const sets = to.recordSets;
  switch (recordSet) {
    case 'users':
      return put<User>(await from.users.getById(a), (r) => sets.users.putMany(r));
    case 'contents':
      return put<Content>(await from.contents.getById(a), (r) => sets.contents.putMany(r));
    case 'enrollments':
      return put<Enrollment>(await from.enrollments.get(a, b), (r) => sets.enrollments.putMany(r));
    case 'events':
      return put<Event>(await from.events.getById(a), (r) => sets.events.putMany(r));
    case 'registrations':
      return put<Registration>(await from.events.getRegistration(a, b), (r) => sets.registrations.putMany(r));
    case 'communities':
      return put<Community>(await from.communities.getById(a), (r) => sets.communities.putMany(r));
    case 'memberships':
      return put<Membership>(
        await from.memberships.get(a, b),
        (r) => sets.memberships.putMany(r),
        () => to.memberships.leave(a, b),
      );
    case 'posts':
      return put<Post>(
        await from.posts.getById(a),
        (r) => sets.posts.putMany(r),
        () => to.posts.remove(a),
      );
  }
}

/**
 * After a cancellation or a capacity raise the source promoted its earliest waitlisted registrations. The
 * destination still lists them as waitlisted, first in line: copy as many of its waitlist head as the source's
 * waitlist shrank by, then the event itself with its counters.
 */
async function syncWaitlist(from: CohortStore, to: CohortStore, eventId: string): Promise<void> {
  const [source, destination] = await Promise.all([from.events.getById(eventId), to.events.getById(eventId)]);
  if (source === null) return;
  if (destination !== null) {
    let left = destination.waitlistCount - source.waitlistCount;
    let cursor: string | null = null;
    while (left > 0) {
      const limit = Math.min(100, left);
      const page = await to.events.listRegistrations(
        eventId,
        { status: 'waitlisted' },
        cursor === null ? { limit } : { cursor, limit },
      );
      for (const head of page.items) await copyRecord(from, to, 'registrations', `${eventId}/${head.userId}`);
      left -= page.items.length;
      cursor = page.nextCursor;
      if (cursor === null || page.items.length === 0) break;
    }
  }
  await to.recordSets.events.putMany([source]);
}
