import { setTimeout as sleep } from 'node:timers/promises';
import { CohortError, newId, type CohortStore, type Post, type ReactionKind, type User } from '@cohort/core';

/**
 * A service instance's steady write traffic, the realistic mix an online move must survive: profile edits with
 * expected versions, joins and leaves, registrations and cancellations on an event with few seats (waitlist
 * promotions), enrollments and progress, posts, comments, reactions and unreactions, a moderator removing posts,
 * activity appends and the odd purge. Each instance works on entities of its own (created by `startTraffic` under
 * its tag), so the last write it saw acknowledged for a key is that key's state in the store of record: `check`
 * proves it after the fact. Every acknowledgement is recorded; errors are collected, not thrown.
 */
export interface TrafficOptions {
  /** Names this instance's entities (emails, slugs); unique per instance and run. */
  readonly tag: string;
  /** Writes per second this instance aims at (default 50); the pace is kept per write, not bursted. */
  readonly writesPerSecond?: number;
  /** Users this instance creates and writes for (default 12). */
  readonly users?: number;
  /** Hears every write as it is acknowledged or refused (logs, live views). Must not throw. */
  readonly onWrite?: (write: TrafficWrite) => void;
}

export interface TrafficWrite {
  readonly op: TrafficOp;
  readonly ok: boolean;
  /** The CohortError code when refused. */
  readonly code?: string;
  readonly message?: string;
  readonly ms: number;
}

export type TrafficOp =
  | 'update-profile'
  | 'join'
  | 'leave'
  | 'register'
  | 'cancel'
  | 'enroll'
  | 'progress'
  | 'post'
  | 'comment'
  | 'react'
  | 'unreact'
  | 'remove-post'
  | 'append'
  | 'purge';

/** What an instance saw acknowledged, key by key: the state its store of record must show. */
export interface TrafficLedger {
  readonly tag: string;
  readonly users: Record<string, { readonly displayName: string; readonly version: number }>;
  readonly community: string;
  readonly members: Record<string, boolean>;
  readonly event: string;
  /** Per user: true while registered or waitlisted, false once cancelled. */
  readonly registered: Record<string, boolean>;
  readonly content: string;
  /** Per user: the progress last acknowledged (absent: never enrolled). */
  readonly progress: Record<string, number>;
  /** Per post: true while it exists, false once removed. */
  readonly posts: Record<string, boolean>;
  /** Comment ids acknowledged, by post. */
  readonly comments: Record<string, string[]>;
  /** `post/user/kind` → present. */
  readonly reactions: Record<string, boolean>;
  /** Posts whose reaction counts are not checked: a react or unreact of theirs ended with an unknown outcome. */
  readonly uncheckedReactions: string[];
  /** Activity event ids acknowledged, by actor (events dated now: never purged by the traffic's own purges). */
  readonly activity: Record<string, string[]>;
}

export interface TrafficReport {
  readonly ledger: TrafficLedger;
  readonly acknowledged: number;
  /** Refused writes by CohortError code (a domain refusal the traffic provokes on purpose has none: it has none). */
  readonly errors: Record<string, number>;
  /** The first few refusals, for a failing test's message. */
  readonly firstErrors: readonly string[];
  readonly elapsedMs: number;
}

export interface Traffic {
  /** Stops after the writes in flight; the ledger and counts. */
  stop(): Promise<TrafficReport>;
  /** Acknowledged writes so far. */
  acknowledged(): number;
}

const kinds: readonly ReactionKind[] = ['like', 'celebrate', 'insightful', 'support'];
/** A purge date so far back that it removes nothing the traffic wrote, but runs the purge path every time. */
const PURGE_BEFORE = new Date('2001-01-01T00:00:00Z');

/**
 * One setup write, tried again while the store (or a fleet's gate) answers UNAVAILABLE: its outcome is then unknown,
 * so `existing` looks first for what an earlier attempt may have created (by its unique email or slug).
 */
async function settled<T>(
  create: () => Promise<T>,
  existing: () => Promise<T | null> = () => Promise.resolve(null),
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return (attempt > 1 ? await existing() : null) ?? (await create());
    } catch (error) {
      if (!CohortError.is(error, 'UNAVAILABLE') || attempt >= 10) throw error;
      await sleep(200 * attempt);
    }
  }
}

/** Creates this instance's entities through `store`, then writes until `stop()`. */
export async function startTraffic(store: CohortStore, options: TrafficOptions): Promise<Traffic> {
  const tag = options.tag;
  const users: User[] = [];
  for (let i = 0; i < (options.users ?? 12); i += 1) {
    const email = `${tag}-${i}@traffic.example`;
    users.push(
      await settled(
        () => store.users.create({ email, displayName: `${tag} ${i}` }),
        () => store.users.findByEmail(email),
      ),
    );
  }
  const owner = users[0] as User;
  const slug = `${tag}-traffic`;
  const community = await settled(
    () => store.communities.create({ slug, name: `Traffic ${tag}`, ownerId: owner.id }),
    () => store.communities.getBySlug(slug),
  );
  const startsAt = new Date(Date.now() + 30 * 86_400_000);
  const event = await settled(() =>
    store.events.create({
      title: `Live session ${tag}`,
      hostId: owner.id,
      communityId: community.id,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3_600_000),
      capacity: 3,
    }),
  );
  const content = await settled(() =>
    store.contents.create({ kind: 'course', title: `Course ${tag}`, authorId: owner.id }),
  );

  const ledger: TrafficLedger = {
    tag,
    users: Object.fromEntries(users.map((user) => [user.id, { displayName: user.displayName, version: user.version }])),
    community: community.id,
    members: { [owner.id]: true },
    event: event.id,
    registered: {},
    content: content.id,
    progress: {},
    posts: {},
    comments: {},
    reactions: {},
    uncheckedReactions: [],
    activity: {},
  };
  const versions = new Map(users.map((user) => [user.id, user.version]));
  const livePosts: Post[] = [];
  const errors: Record<string, number> = {};
  const firstErrors: string[] = [];
  let acknowledged = 0;
  let running = true;
  const started = performance.now();
  const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;
  const anyUser = () => pick(users.slice(1)).id;

  /**
   * One write. `settle` runs after an UNAVAILABLE, whose outcome is unknown (the write may have landed): it reads what
   * the store of record now holds for the key into the ledger, so the ledger stays what the store must show.
   */
  const run = async (op: TrafficOp, write: () => Promise<void>, settle?: () => Promise<void>): Promise<void> => {
    const began = performance.now();
    try {
      await write();
      acknowledged += 1;
      options.onWrite?.({ op, ok: true, ms: performance.now() - began });
    } catch (error) {
      if (settle && CohortError.is(error, 'UNAVAILABLE')) await settle().catch(() => undefined);
      const code = CohortError.is(error) ? error.code : 'CRASH';
      const message = error instanceof Error ? error.message : String(error);
      errors[code] = (errors[code] ?? 0) + 1;
      if (firstErrors.length < 10) firstErrors.push(`${op}: ${code} ${message}`);
      options.onWrite?.({ op, ok: false, code, message, ms: performance.now() - began });
    }
  };

  const step = async (): Promise<void> => {
    const roll = Math.random();
    if (roll < 0.15) {
      const id = anyUser();
      await run(
        'update-profile',
        async () => {
          const displayName = `${tag} renamed ${newId().slice(-6)}`;
          const updated = await store.users.update(id, { displayName }, versions.get(id) as number);
          versions.set(id, updated.version);
          ledger.users[id] = { displayName: updated.displayName, version: updated.version };
        },
        async () => {
          const now = await store.users.getById(id);
          if (now === null) return;
          versions.set(id, now.version);
          ledger.users[id] = { displayName: now.displayName, version: now.version };
        },
      );
    } else if (roll < 0.3) {
      const id = anyUser();
      const member = ledger.members[id] === true;
      await run(
        member ? 'leave' : 'join',
        async () => {
          if (member) await store.memberships.leave(community.id, id);
          else await store.memberships.join(community.id, id);
          ledger.members[id] = !member;
        },
        async () => {
          ledger.members[id] = (await store.memberships.get(community.id, id)) !== null;
        },
      );
    } else if (roll < 0.42) {
      const id = anyUser();
      const registered = ledger.registered[id] === true;
      await run(
        registered ? 'cancel' : 'register',
        async () => {
          if (registered) await store.events.cancelRegistration(event.id, id);
          else await store.events.register(event.id, id);
          ledger.registered[id] = !registered;
        },
        async () => {
          const now = await store.events.getRegistration(event.id, id);
          ledger.registered[id] = now !== null && now.status !== 'cancelled';
        },
      );
    } else if (roll < 0.5) {
      const id = anyUser();
      const progress = ledger.progress[id];
      await run(
        progress === undefined ? 'enroll' : 'progress',
        async () => {
          if (progress === undefined) {
            await store.enrollments.enroll(id, content.id);
            ledger.progress[id] = 0;
          } else {
            const next = Math.min(100, progress + 10);
            await store.enrollments.recordProgress(id, content.id, next);
            ledger.progress[id] = next;
          }
        },
        async () => {
          const now = await store.enrollments.get(id, content.id);
          if (now === null) delete ledger.progress[id];
          else ledger.progress[id] = now.progress;
        },
      );
    } else if (roll < 0.58 || livePosts.length === 0) {
      await run('post', async () => {
        const post = await store.posts.create({
          communityId: community.id,
          authorId: owner.id,
          body: `Post by ${tag}`,
        });
        livePosts.push(post);
        ledger.posts[post.id] = true;
      });
    } else if (roll < 0.68) {
      const post = pick(livePosts);
      await run('comment', async () => {
        const comment = await store.posts.addComment(post.id, { authorId: anyUser(), body: 'Agreed' });
        (ledger.comments[post.id] ??= []).push(comment.id);
      });
    } else if (roll < 0.8) {
      const post = pick(livePosts);
      const key = `${post.id}/${anyUser()}/${pick(kinds)}`;
      const present = ledger.reactions[key] === true;
      const [, userId, kind] = key.split('/') as [string, string, ReactionKind];
      await run(
        present ? 'unreact' : 'react',
        async () => {
          if (present) await store.posts.unreact(post.id, userId, kind);
          else await store.posts.react(post.id, userId, kind);
          ledger.reactions[key] = !present;
        },
        () => {
          // No port reads one user's reaction: this post's counts can no longer be checked against the ledger.
          ledger.uncheckedReactions.push(post.id);
          return Promise.resolve();
        },
      );
    } else if (roll < 0.84 && livePosts.length > 3) {
      // The moderator removes the oldest post: its comments and reactions go with it.
      const post = livePosts[0] as Post;
      await run(
        'remove-post',
        async () => {
          await store.posts.remove(post.id);
          livePosts.shift();
          ledger.posts[post.id] = false;
        },
        async () => {
          if ((await store.posts.getById(post.id)) !== null) return;
          livePosts.shift();
          ledger.posts[post.id] = false;
        },
      );
    } else if (roll < 0.995) {
      const actor = anyUser();
      const ids = Array.from({ length: 1 + Math.floor(Math.random() * 4) }, () => newId());
      await run('append', async () => {
        await store.activity.append(
          ids.map((id) => ({
            id,
            actorId: actor,
            verb: 'viewed' as const,
            object: { type: 'content' as const, id: content.id },
          })),
        );
        (ledger.activity[actor] ??= []).push(...ids);
      });
    } else {
      await run('purge', async () => void (await store.activity.purgeBefore(PURGE_BEFORE)));
    }
  };

  const intervalMs = 1_000 / (options.writesPerSecond ?? 50);
  const loop = (async () => {
    let next = performance.now();
    while (running) {
      await step();
      next += intervalMs;
      const wait = next - performance.now();
      // Behind (a held write, a slow store): go on at once, but never try to make up more than a second.
      if (wait > 0) await sleep(wait);
      else if (wait < -1_000) next = performance.now();
    }
  })();

  return {
    acknowledged: () => acknowledged,
    stop: async () => {
      running = false;
      await loop;
      return { ledger, acknowledged, errors, firstErrors, elapsedMs: Math.round(performance.now() - started) };
    },
  };
}

/**
 * Every way the store of record differs from what a traffic instance saw acknowledged (empty when none): each user's
 * last acknowledged profile, membership, registration, progress, post, comment, reaction and activity event.
 */
export async function checkTraffic(store: CohortStore, ledger: TrafficLedger): Promise<string[]> {
  const problems: string[] = [];
  const expect = (ok: boolean, what: string) => void (ok || problems.push(what));
  for (const [id, acked] of Object.entries(ledger.users)) {
    const user = await store.users.getById(id);
    expect(
      user?.displayName === acked.displayName && user.version === acked.version,
      `user ${id}: acknowledged ${acked.displayName} v${acked.version}, store has ${user ? `${user.displayName} v${user.version}` : 'nothing'}`,
    );
  }
  for (const [id, member] of Object.entries(ledger.members)) {
    const found = await store.memberships.get(ledger.community, id);
    expect(
      (found !== null) === member,
      `membership ${id}: acknowledged ${member ? 'member' : 'left'}, store ${found ? 'member' : 'none'}`,
    );
  }
  for (const [id, registered] of Object.entries(ledger.registered)) {
    const found = await store.events.getRegistration(ledger.event, id);
    const active = found !== null && found.status !== 'cancelled';
    expect(
      active === registered,
      `registration ${id}: acknowledged ${registered ? 'active' : 'cancelled'}, store ${found?.status ?? 'none'}`,
    );
  }
  for (const [id, progress] of Object.entries(ledger.progress)) {
    const found = await store.enrollments.get(id, ledger.content);
    expect(
      found?.progress === progress,
      `enrollment ${id}: acknowledged ${progress}, store ${found?.progress ?? 'none'}`,
    );
  }
  for (const [id, live] of Object.entries(ledger.posts)) {
    const found = await store.posts.getById(id);
    expect(
      (found !== null) === live,
      `post ${id}: acknowledged ${live ? 'present' : 'removed'}, store ${found ? 'present' : 'none'}`,
    );
    if (!live || found === null) continue;
    const ids = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await store.posts.listComments(id, { limit: 100, ...(cursor ? { cursor } : {}) });
      for (const comment of page.items) ids.add(comment.id);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    for (const comment of ledger.comments[id] ?? [])
      expect(ids.has(comment), `comment ${comment} on post ${id} missing`);
    expect(found.commentCount === ids.size, `post ${id}: commentCount ${found.commentCount}, ${ids.size} comments`);
    for (const kind of ledger.uncheckedReactions.includes(id) ? [] : kinds) {
      const present = Object.entries(ledger.reactions).filter(
        ([key, on]) => on && key.startsWith(`${id}/`) && key.endsWith(`/${kind}`),
      ).length;
      const counted = found.reactionCounts[kind] ?? 0;
      expect(counted === present, `post ${id}: ${kind} count ${counted}, ${present} acknowledged`);
    }
  }
  for (const [actor, events] of Object.entries(ledger.activity)) {
    const ids = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await store.activity.listByActor(actor, undefined, { limit: 100, ...(cursor ? { cursor } : {}) });
      for (const event of page.items) ids.add(event.id);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    for (const id of events) expect(ids.has(id), `activity ${id} of ${actor} missing`);
  }
  return problems;
}
