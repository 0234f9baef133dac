import {
  CohortError,
  dayOf,
  recordKeys,
  recordSetNames,
  type ActivityEvent,
  type ActivityVerb,
  type CohortStore,
  type Comment,
  type Community,
  type Content,
  type DailyCount,
  type Page,
  type Enrollment,
  type Event,
  type Membership,
  type Post,
  type Reaction,
  type RecordOf,
  type RecordSet,
  type RecordSetName,
  type Registration,
  type User,
} from '@cohort/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ContractContext } from '../contract-context.js';
import { expectCohortError } from '../expect-cohort-error.js';
import { collectAll } from './collect-pages.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MAX_PUT_MANY = 1000;
/** The largest page `RecordSet.scan` serves (core's MAX_SCAN_LIMIT, spelled out so a change to it shows here). */
const MAX_SCAN = 1000;

/** Code-unit order, the order every store must agree on (no locale collation). */
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A record set seen without its record type, so one test can walk every set. */
const setOf = (store: CohortStore, name: RecordSetName): RecordSet<unknown> => store.recordSets[name];
const keyOf = (name: RecordSetName): ((record: unknown) => string) => recordKeys[name] as (record: unknown) => string;

const scanAll = (store: CohortStore, name: RecordSetName, limit = 100): Promise<unknown[]> =>
  collectAll((cursor) => setOf(store, name).scan({ cursor, limit }));

function sortedByKey(name: RecordSetName, records: readonly unknown[]): unknown[] {
  const key = keyOf(name);
  return [...records].sort((a, b) => byCodeUnit(key(a), key(b)));
}

function duplicatesOf(keys: readonly string[]): string[] {
  const seen = new Set<string>();
  return keys.filter((key) => (seen.has(key) ? true : (seen.add(key), false)));
}

/** What a backfill does: every record set in core's order, scanned in small pages, written in batches of ≤ 1,000. */
async function copyStore(source: CohortStore, target: CohortStore): Promise<void> {
  for (const name of recordSetNames) {
    const records = await scanAll(source, name, 3);
    for (let start = 0; start < records.length; start += MAX_PUT_MANY) {
      await setOf(target, name).putMany(records.slice(start, start + MAX_PUT_MANY));
    }
  }
}

/** A small platform made through the ports, and the key of every record it should hold. */
interface Platform {
  readonly users: User[];
  readonly contents: Content[];
  readonly tag: string;
  readonly community: Community;
  readonly events: Event[];
  readonly posts: Post[];
  readonly activityObject: { type: 'content'; id: string };
  /** The UTC days the activity covers: the first was purged, so only its counters remain. */
  readonly days: string[];
  readonly keys: { [N in RecordSetName]: string[] };
}

/** Reads one record back through the repository ports (not the migration face), or null when it is not stored. */
type Reader = (store: CohortStore, record: unknown) => Promise<unknown>;

export function migrationFaceContract(context: ContractContext): void {
  const { fixtures, clock } = context;

  const readers: { [N in RecordSetName]: (store: CohortStore, record: RecordOf<N>) => Promise<unknown> } = {
    users: (store, user) => store.users.getById(user.id),
    contents: (store, content) => store.contents.getById(content.id),
    enrollments: (store, enrollment) => store.enrollments.get(enrollment.userId, enrollment.contentId),
    events: (store, event) => store.events.getById(event.id),
    registrations: (store, registration) => store.events.getRegistration(registration.eventId, registration.userId),
    communities: (store, community) => store.communities.getById(community.id),
    memberships: (store, membership) => store.memberships.get(membership.communityId, membership.userId),
    posts: (store, post) => store.posts.getById(post.id),
    comments: async (store, comment) =>
      (await collectAll((cursor) => store.posts.listComments(comment.postId, { cursor, limit: 100 }))).find(
        (listed) => listed.id === comment.id,
      ) ?? null,
    // No port reads one reaction with its createdAt, so this reads the migration face.
    reactions: async (store, reaction) =>
      (await scanAll(store, 'reactions')).find(
        (listed) => keyOf('reactions')(listed) === recordKeys.reactions(reaction),
      ) ?? null,
    activity: async (store, event) =>
      (await collectAll((cursor) => store.activity.listByActor(event.actorId, undefined, { cursor, limit: 100 }))).find(
        (listed) => listed.id === event.id,
      ) ?? null,
    activityCounts: async (store, counter) =>
      (await store.activity.dailyCounts({ from: counter.day, to: counter.day, verb: counter.verb }))[0] ?? null,
  };
  const readerOf = (name: RecordSetName): Reader => readers[name] as unknown as Reader;

  /** Seeds a platform with every kind of record, at distinct times, through the ports. */
  async function seedPlatform(store: CohortStore): Promise<Platform> {
    clock.freeze(new Date(Date.UTC(2021, 2, 1, 9)));
    const tick = (): void => clock.advance(1000);
    try {
      const users: User[] = [];
      for (let i = 0; i < 5; i += 1) {
        tick();
        users.push(
          await store.users.create({
            email: fixtures.email(),
            displayName: `Seed ${i}`,
            role: i ? 'learner' : 'admin',
          }),
        );
      }
      const [u0, u1, u2, u3] = users as [User, User, User, User, User];
      tick();
      users[1] = await store.users.update(u1.id, { displayName: 'Renamed Seed' }, u1.version);

      const tag = fixtures.tag();
      tick();
      const draft = await store.contents.create({ kind: 'course', title: 'Onboarding', authorId: u0.id, tags: [tag] });
      tick();
      const c1 = await store.contents.update(draft.id, { status: 'published' }, draft.version);
      tick();
      const c2 = await store.contents.create({ kind: 'video', title: 'Draft video', authorId: u1.id });
      tick();
      await store.enrollments.enroll(u0.id, c1.id);
      tick();
      await store.enrollments.recordProgress(u0.id, c1.id, 100);
      tick();
      await store.enrollments.enroll(u1.id, c1.id);
      tick();
      await store.enrollments.recordProgress(u1.id, c1.id, 40);
      tick();
      await store.enrollments.enroll(u2.id, c2.id);

      tick();
      const created = await store.communities.create({
        slug: fixtures.slug('seed'),
        name: 'Seed guild',
        ownerId: u0.id,
        visibility: 'private',
      });
      tick();
      await store.memberships.join(created.id, u1.id);
      tick();
      await store.memberships.join(created.id, u2.id, 'moderator');
      const community = (await store.communities.getById(created.id)) as Community;

      const startsAt = new Date(clock.now().getTime() + 7 * DAY);
      tick();
      const full = await store.events.create({
        title: 'Full event',
        hostId: u0.id,
        communityId: community.id,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 2 * HOUR),
        capacity: 2,
      });
      for (const user of [u0, u1, u2, u3]) {
        tick();
        await store.events.register(full.id, user.id); // u0, u1 seated; u2, u3 waitlisted
      }
      tick();
      await store.events.markAttended(full.id, u0.id);
      tick();
      await store.events.cancelRegistration(full.id, u3.id); // a cancelled waitlisted registration
      tick();
      const small = await store.events.create({
        title: 'Small event',
        hostId: u1.id,
        startsAt: new Date(startsAt.getTime() + DAY),
        endsAt: new Date(startsAt.getTime() + DAY + HOUR),
        capacity: 1,
      });
      for (const user of [u0, u1, u2]) {
        tick();
        await store.events.register(small.id, user.id); // u0 seated; u1, u2 waitlisted
      }

      tick();
      const p1 = await store.posts.create({ communityId: community.id, authorId: u0.id, body: 'Welcome!' });
      tick();
      const p2 = await store.posts.create({ communityId: community.id, authorId: u1.id, body: 'Hello all' });
      const comments: Comment[] = [];
      for (const [post, author] of [
        [p1, u1],
        [p1, u2],
        [p1, u0],
        [p2, u0],
      ] as const) {
        tick();
        comments.push(await store.posts.addComment(post.id, { authorId: author.id, body: `Reply from ${author.id}` }));
      }
      const reactions: [Post, User, Reaction['kind']][] = [
        [p1, u1, 'like'],
        [p1, u2, 'celebrate'],
        [p1, u1, 'celebrate'],
        [p2, u0, 'like'],
      ];
      for (const [post, user, kind] of reactions) {
        tick();
        await store.posts.react(post.id, user.id, kind);
      }
      const posts = [(await store.posts.getById(p1.id)) as Post, (await store.posts.getById(p2.id)) as Post];

      const day0 = Date.UTC(2021, 2, 1);
      const activityObject = { type: 'content' as const, id: c1.id };
      const plan: [number, User, ActivityVerb][] = [
        [day0 + HOUR, u0, 'signed_in'],
        [day0 + 2 * HOUR, u0, 'viewed'],
        [day0 + 3 * HOUR, u1, 'viewed'],
        [day0 + DAY, u0, 'enrolled'], // midnight: the first instant of the second day
        [day0 + DAY + HOUR, u0, 'completed'],
        [day0 + DAY + 2 * HOUR, u1, 'viewed'],
        [day0 + 2 * DAY + HOUR, u2, 'viewed'],
        [day0 + 2 * DAY + 2 * HOUR, u2, 'commented'],
      ];
      const activity: ActivityEvent[] = plan.map(([at, user, verb], i) => ({
        id: fixtures.id(),
        actorId: user.id,
        verb,
        object: activityObject,
        occurredAt: new Date(at),
        metadata: { step: i, source: 'seed', first: i === 0 },
      }));
      await store.activity.append(activity);
      await store.activity.purgeBefore(new Date(day0 + DAY)); // day 0 keeps only its counters

      const counters = new Set(activity.map((event) => `${dayOf(event.occurredAt)}/${event.verb}`));
      const keys: Platform['keys'] = {
        users: users.map((user) => user.id),
        contents: [c1.id, c2.id],
        enrollments: [`${u0.id}/${c1.id}`, `${u1.id}/${c1.id}`, `${u2.id}/${c2.id}`],
        events: [full.id, small.id],
        registrations: [
          ...[u0, u1, u2, u3].map((user) => `${full.id}/${user.id}`),
          ...[u0, u1, u2].map((user) => `${small.id}/${user.id}`),
        ],
        communities: [community.id],
        memberships: [u0, u1, u2].map((user) => `${community.id}/${user.id}`),
        posts: [p1.id, p2.id],
        comments: comments.map((comment) => comment.id),
        reactions: reactions.map(([post, user, kind]) => `${post.id}/${user.id}/${kind}`),
        activity: activity.filter((event) => event.occurredAt.getTime() >= day0 + DAY).map((event) => event.id),
        activityCounts: [...counters],
      };
      return {
        users: users,
        contents: [c1, c2],
        tag,
        community,
        events: [(await store.events.getById(full.id)) as Event, (await store.events.getById(small.id)) as Event],
        posts,
        activityObject,
        days: [0, 1, 2].map((i) => dayOf(new Date(day0 + i * DAY))),
        keys,
      };
    } finally {
      clock.reset();
    }
  }

  describe('migration face of a whole store', () => {
    let source: CohortStore;
    let platform: Platform;
    /** Copied once, and copied twice: only read. */
    let copied: CohortStore;
    let copiedTwice: CohortStore;
    /** Copied once, for tests that go on writing through the ports (each to records no other test touches). */
    let live: CohortStore;
    /** What the target reported before anything was copied into it. */
    const emptyBeforeCopy: Partial<Record<RecordSetName, { count: number; scan: Page<unknown> }>> = {};

    beforeAll(async () => {
      source = await context.isolatedStore();
      platform = await seedPlatform(source);
      copied = await context.isolatedStore();
      for (const name of recordSetNames) {
        emptyBeforeCopy[name] = { count: await setOf(copied, name).count(), scan: await setOf(copied, name).scan() };
      }
      await copyStore(source, copied);
      copiedTwice = await context.isolatedStore();
      await copyStore(source, copiedTwice);
      await copyStore(source, copiedTwice);
      live = await context.isolatedStore();
      await copyStore(source, live);
    }, 300_000);

    describe('RecordSet.scan', () => {
      it.each(recordSetNames)(
        'returns every %s record exactly once, in a stable order, over small pages',
        async (name) => {
          const key = keyOf(name);
          const byTwo = (await scanAll(source, name, 2)).map(key);
          expect(byTwo.length).toBeGreaterThan(0);
          expect(duplicatesOf(byTwo)).toEqual([]);
          expect([...byTwo].sort()).toEqual([...platform.keys[name]].sort());
          expect((await scanAll(source, name, 3)).map(key)).toEqual(byTwo);
          expect((await scanAll(source, name, 100)).map(key)).toEqual(byTwo);
        },
      );

      it.each(recordSetNames)('serves %s in one page of 1,000 and refuses 1,001 with VALIDATION', async (name) => {
        const key = keyOf(name);
        const page = await setOf(source, name).scan({ limit: MAX_SCAN });
        expect(page.nextCursor).toBeNull();
        expect(page.items.map(key)).toEqual((await scanAll(source, name, 2)).map(key));
        await expectCohortError(setOf(source, name).scan({ limit: MAX_SCAN + 1 }), 'VALIDATION');
        const first = await setOf(source, name).scan({ limit: 1 });
        await expectCohortError(
          setOf(source, name).scan({ cursor: first.nextCursor, limit: MAX_SCAN + 1 }),
          'VALIDATION',
        );
      });

      it.each(recordSetNames)('returns %s records exactly as the ports read them', async (name) => {
        const read = readerOf(name);
        for (const record of await scanAll(source, name, 3)) {
          expect(await read(source, record), keyOf(name)(record)).toEqual(record);
        }
      });
    });

    describe('RecordSet.count', () => {
      it.each(recordSetNames)('agrees with the scan of %s', async (name) => {
        const count = await setOf(source, name).count();
        expect(count).toBe((await scanAll(source, name, 3)).length);
        expect(count).toBe(platform.keys[name].length);
      });

      it('is zero, with an empty scan, for every record set of an empty store', () => {
        for (const name of recordSetNames) {
          expect(emptyBeforeCopy[name], name).toEqual({ count: 0, scan: { items: [], nextCursor: null } });
        }
      });
    });

    describe('RecordSet.putMany: copying a store', () => {
      it.each(recordSetNames)('reproduces %s exactly: ids, timestamps, versions and counters', async (name) => {
        const expected = sortedByKey(name, await scanAll(source, name));
        expect(sortedByKey(name, await scanAll(copied, name))).toEqual(expected);
        expect(await setOf(copied, name).count()).toBe(expected.length);
      });

      it.each(recordSetNames)('changes nothing in %s when run a second time', async (name) => {
        const expected = sortedByKey(name, await scanAll(source, name));
        expect(sortedByKey(name, await scanAll(copiedTwice, name))).toEqual(expected);
        expect(await setOf(copiedTwice, name).count()).toBe(expected.length);
      });

      it('gives a copy that answers every list and lookup as the source does', async () => {
        const [u0, u1] = platform.users as [User, User];
        const [c1] = platform.contents as [Content];
        const [full, small] = platform.events as [Event, Event];
        const [p1] = platform.posts as [Post];
        const { community, activityObject, days, tag } = platform;
        const all = collectAll;
        const reads = (store: CohortStore) =>
          Promise.all([
            all((cursor) => store.users.list({ cursor, limit: 2 })),
            store.users.findByEmail(u0.email.toUpperCase()),
            all((cursor) => store.contents.listPublished({}, { cursor, limit: 2 })),
            all((cursor) => store.contents.listPublished({ tag }, { cursor, limit: 2 })),
            all((cursor) => store.enrollments.listByUser(u0.id, { cursor, limit: 2 })),
            store.enrollments.countsFor(c1.id),
            all((cursor) => store.events.listUpcoming({ from: new Date(0) }, { cursor, limit: 2 })),
            all((cursor) =>
              store.events.listUpcoming({ from: new Date(0), communityId: community.id }, { cursor, limit: 2 }),
            ),
            all((cursor) => store.events.listRegistrations(full.id, undefined, { cursor, limit: 2 })),
            all((cursor) => store.events.listRegistrations(small.id, { status: 'waitlisted' }, { cursor, limit: 2 })),
            all((cursor) => store.communities.list({ cursor, limit: 2 })),
            store.communities.getBySlug(community.slug),
            all((cursor) => store.memberships.listMembers(community.id, { cursor, limit: 2 })),
            all((cursor) => store.memberships.listByUser(u1.id, { cursor, limit: 2 })),
            all((cursor) => store.posts.feed(community.id, { cursor, limit: 1 })),
            all((cursor) => store.posts.listComments(p1.id, { cursor, limit: 2 })),
            all((cursor) => store.activity.listByActor(u0.id, undefined, { cursor, limit: 2 })),
            all((cursor) => store.activity.listByObject(activityObject, undefined, { cursor, limit: 2 })),
            store.activity.dailyCounts({ from: days[0] as string, to: days[2] as string }),
          ]);
        const expected = await reads(source);
        expect(expected.every((answer) => answer !== null && (!Array.isArray(answer) || answer.length > 0))).toBe(true);
        expect(await reads(copied)).toEqual(expected);
      });
    });

    describe('a copied store goes on working through its ports', () => {
      it('gives a new registration a position after every copied one, also when a cancelled one returns', async () => {
        const [full] = platform.events as [Event];
        const copiedPositions = (await scanAll(source, 'registrations'))
          .map((record) => record as Registration)
          .filter((registration) => registration.eventId === full.id)
          .map((registration) => registration.position);
        const highest = Math.max(...copiedPositions);
        const newcomer = await live.events.register(full.id, fixtures.id());
        expect(newcomer).toMatchObject({ status: 'waitlisted' });
        expect(newcomer.position).toBeGreaterThan(highest);
        const returning = await live.events.register(full.id, (platform.users[3] as User).id); // was cancelled
        expect(returning).toMatchObject({ status: 'waitlisted' });
        expect(returning.position).toBeGreaterThan(newcomer.position);
        expect(await live.events.getById(full.id)).toMatchObject({
          registeredCount: full.registeredCount,
          waitlistCount: full.waitlistCount + 2,
        });
      });

      it('promotes the earliest copied waitlisted registration when a copied seat is cancelled', async () => {
        const [, small] = platform.events as [Event, Event];
        const [u0, u1, u2] = platform.users as [User, User, User];
        expect(small).toMatchObject({ capacity: 1, registeredCount: 1, waitlistCount: 2 });
        await live.events.cancelRegistration(small.id, u0.id);
        expect(await live.events.getRegistration(small.id, u1.id)).toMatchObject({ status: 'registered' });
        expect(await live.events.getRegistration(small.id, u2.id)).toMatchObject({ status: 'waitlisted' });
        expect(await live.events.getById(small.id)).toMatchObject({ registeredCount: 1, waitlistCount: 1 });
      });

      it('counts a new comment on a copied post from the copied commentCount', async () => {
        const [p1] = platform.posts as [Post];
        const copiedComments = await collectAll((cursor) => source.posts.listComments(p1.id, { cursor, limit: 100 }));
        const comment = await live.posts.addComment(p1.id, { authorId: fixtures.id(), body: 'After the move' });
        expect(await live.posts.getById(p1.id)).toMatchObject({ commentCount: p1.commentCount + 1 });
        expect(await collectAll((cursor) => live.posts.listComments(p1.id, { cursor, limit: 100 }))).toEqual([
          ...copiedComments,
          comment,
        ]);
      });

      it('keeps copied reactions: one per user and kind, counted from the copied counts', async () => {
        const [, p2] = platform.posts as [Post, Post];
        const [u0, u1] = platform.users as [User, User];
        expect(await live.posts.react(p2.id, u0.id, 'like')).toBe(false);
        expect(await live.posts.react(p2.id, u1.id, 'like')).toBe(true);
        expect((await live.posts.getById(p2.id))?.reactionCounts.like).toBe(p2.reactionCounts.like + 1);
        expect(await live.posts.unreact(p2.id, u0.id, 'like')).toBe(true);
        expect((await live.posts.getById(p2.id))?.reactionCounts.like).toBe(p2.reactionCounts.like);
      });

      it('counts joins and leaves of a copied community from the copied memberCount', async () => {
        const { community } = platform;
        const [, u1, u2] = platform.users as [User, User, User];
        const copiedMember = await source.memberships.get(community.id, u1.id);
        expect(await live.memberships.join(community.id, u1.id, 'moderator')).toEqual(copiedMember);
        await live.memberships.join(community.id, fixtures.id());
        expect((await live.communities.getById(community.id))?.memberCount).toBe(community.memberCount + 1);
        expect(await live.memberships.leave(community.id, u2.id)).toBe(true);
        expect((await live.communities.getById(community.id))?.memberCount).toBe(community.memberCount);
      });

      it('keeps copied emails and slugs unique and findable', async () => {
        const [u0] = platform.users as [User];
        const { community } = platform;
        expect(await live.users.findByEmail(u0.email.toUpperCase())).toEqual(u0);
        await expectCohortError(
          live.users.create({ email: u0.email.toUpperCase(), displayName: 'Copycat' }),
          'CONFLICT',
        );
        expect(await live.communities.getBySlug(community.slug)).toEqual(community);
        await expectCohortError(
          live.communities.create({ slug: community.slug, name: 'Copycat', ownerId: fixtures.id() }),
          'CONFLICT',
        );
      });

      it('updates a copied user at its copied version and refuses a stale one', async () => {
        const u1 = platform.users[1] as User;
        expect(u1.version).toBe(2);
        const updated = await live.users.update(u1.id, { role: 'manager' }, u1.version);
        expect(updated).toMatchObject({ role: 'manager', version: u1.version + 1 });
        await expectCohortError(live.users.update(u1.id, { role: 'admin' }, u1.version), 'CONCURRENCY');
      });

      it('goes on from copied enrollments', async () => {
        const [c1] = platform.contents as [Content];
        const [u0, u1] = platform.users as [User, User];
        const counts = await source.enrollments.countsFor(c1.id);
        expect(counts).toEqual({ enrolled: 2, completed: 1 });
        expect(await live.enrollments.enroll(u0.id, c1.id)).toEqual(await source.enrollments.get(u0.id, c1.id));
        expect(await live.enrollments.recordProgress(u1.id, c1.id, 100)).toMatchObject({ status: 'completed' });
        expect(await live.enrollments.countsFor(c1.id)).toEqual({ enrolled: 2, completed: 2 });
      });

      it('treats copied activity ids as stored and counts on from the copied counters', async () => {
        const { days } = platform;
        const range = { from: days[0] as string, to: days[2] as string };
        const copiedCounts = await source.activity.dailyCounts(range);
        const stored = (await scanAll(source, 'activity'))[0] as ActivityEvent;
        expect(await live.activity.append([stored])).toEqual({ appended: 0, duplicates: 1 });
        expect(await live.activity.dailyCounts(range)).toEqual(copiedCounts);
        const at = new Date(`${days[2] as string}T12:00:00.000Z`);
        await live.activity.append([fixtures.activity({ verb: 'viewed', occurredAt: at })]);
        const viewed = (counts: DailyCount[]) =>
          counts.find((entry) => entry.day === days[2] && entry.verb === 'viewed')?.count ?? 0;
        expect(viewed(await live.activity.dailyCounts(range))).toBe(viewed(copiedCounts) + 1);
        // The purged first day kept its counters through the copy.
        expect(copiedCounts.some((entry) => entry.day === days[0])).toBe(true);
      });
    });
  });

  describe('RecordSet.scan in pages of 1,000', () => {
    let store: CohortStore;
    let events: ActivityEvent[];
    let counters: DailyCount[];

    beforeAll(async () => {
      store = await context.isolatedStore();
      // 2,500 events over four UTC days (a page ends inside a day and crosses into the next), and 1,224 counters.
      const first = Date.UTC(2024, 2, 1, 6);
      events = Array.from({ length: 2500 }, (_, i) => ({
        id: fixtures.id(),
        actorId: fixtures.id(),
        verb: 'viewed',
        object: { type: 'content', id: fixtures.id() },
        occurredAt: new Date(first + i * 120_000),
        metadata: {},
      }));
      for (let start = 0; start < events.length; start += MAX_PUT_MANY) {
        await store.recordSets.activity.putMany(events.slice(start, start + MAX_PUT_MANY));
      }
      const verbs: ActivityVerb[] = ['viewed', 'completed', 'posted', 'commented', 'reacted', 'joined'];
      counters = Array.from({ length: 1224 }, (_, i) => ({
        day: dayOf(new Date(Date.UTC(2023, 0, 1) + Math.floor(i / verbs.length) * DAY)),
        verb: verbs[i % verbs.length] as ActivityVerb,
        count: i + 1,
      }));
      for (let start = 0; start < counters.length; start += MAX_PUT_MANY) {
        await store.recordSets.activityCounts.putMany(counters.slice(start, start + MAX_PUT_MANY));
      }
    }, 300_000);

    it.each([
      ['activity', () => events.map(recordKeys.activity), [1000, 1000, 500]],
      ['activityCounts', () => counters.map(recordKeys.activityCounts), [1000, 224]],
    ] as const)('returns every %s record exactly once over full pages', async (name, keys, sizes) => {
      const pages: Page<unknown>[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<unknown> = await setOf(store, name).scan(
          cursor === null ? { limit: 1000 } : { cursor, limit: 1000 },
        );
        pages.push(page);
        cursor = page.nextCursor;
      } while (cursor !== null && pages.length <= sizes.length);
      expect(pages.map((page) => page.items.length)).toEqual(sizes);
      expect(pages.at(-1)?.nextCursor).toBeNull();
      const scanned = pages.flatMap((page) => page.items).map(keyOf(name));
      expect(duplicatesOf(scanned)).toEqual([]);
      expect([...scanned].sort()).toEqual([...keys()].sort());
      expect((await scanAll(store, name, 100)).map(keyOf(name))).toEqual(scanned);
    });
  });

  /** Two valid records of a set (with real parents in the shared store), a broken one, and a change keeping the key. */
  interface RecordMaker<T> {
    make(): Promise<{ records: [T, T]; invalid: unknown }>;
    modify(record: T): T;
  }
  const at = (ms: number): Date => new Date(Date.UTC(2024, 0, 2, 3, 4, 5) + ms);
  let farDay = Date.UTC(2200 + Math.floor(Math.random() * 700), 9, 1);
  const freshDay = (): string => dayOf(new Date((farDay += 2 * DAY)));

  const makers: { [N in RecordSetName]: RecordMaker<RecordOf<N>> } = {
    users: {
      make: () => {
        const user = (i: number): User => ({
          id: fixtures.id(),
          email: fixtures.email(),
          displayName: `Migrated ${i}`,
          role: 'manager',
          status: i ? 'deactivated' : 'active',
          createdAt: at(1),
          updatedAt: at(2),
          version: 7,
        });
        return Promise.resolve({ records: [user(0), user(1)], invalid: { ...user(2), email: 'not-an-email' } });
      },
      modify: (user) => ({ ...user, displayName: 'Renamed', updatedAt: at(9), version: user.version + 1 }),
    },
    contents: {
      make: () => {
        const content = (i: number): Content => ({
          id: fixtures.id(),
          kind: 'video',
          title: `Migrated ${i}`,
          summary: 'Kept as it is',
          authorId: fixtures.id(),
          tags: ['migrated', fixtures.tag()],
          status: 'published',
          publishedAt: at(3),
          createdAt: at(1),
          updatedAt: at(4),
          version: 3,
        });
        return Promise.resolve({ records: [content(0), content(1)], invalid: { ...content(2), title: '' } });
      },
      modify: (content) => ({ ...content, status: 'archived', updatedAt: at(9), version: content.version + 1 }),
    },
    enrollments: {
      make: async () => {
        const content = await fixtures.content();
        const completed: Enrollment = {
          userId: fixtures.id(),
          contentId: content.id,
          progress: 100,
          status: 'completed',
          enrolledAt: at(1),
          completedAt: at(5),
          updatedAt: at(5),
        };
        const inProgress: Enrollment = {
          ...completed,
          userId: fixtures.id(),
          progress: 40,
          status: 'enrolled',
          completedAt: null,
        };
        return { records: [completed, inProgress], invalid: { ...completed, userId: fixtures.id(), progress: 101 } };
      },
      modify: (enrollment) => ({
        ...enrollment,
        progress: 100,
        status: 'completed',
        completedAt: at(8),
        updatedAt: at(8),
      }),
    },
    events: {
      make: () => {
        const event = (i: number): Event => ({
          id: fixtures.id(),
          title: `Migrated ${i}`,
          description: 'Counters as given',
          hostId: fixtures.id(),
          communityId: null,
          startsAt: at(DAY),
          endsAt: at(DAY + HOUR),
          capacity: 5,
          registeredCount: 3,
          waitlistCount: 2,
          status: i ? 'cancelled' : 'scheduled',
          createdAt: at(1),
          updatedAt: at(2),
          version: 4,
        });
        return Promise.resolve({ records: [event(0), event(1)], invalid: { ...event(2), registeredCount: 6 } });
      },
      modify: (event) => ({ ...event, capacity: 8, title: 'Renamed', updatedAt: at(9), version: event.version + 1 }),
    },
    registrations: {
      make: async () => {
        const event = await fixtures.event();
        const registration = (status: Registration['status'], position: number): Registration => ({
          eventId: event.id,
          userId: fixtures.id(),
          status,
          position,
          registeredAt: at(1),
          updatedAt: at(2),
        });
        return {
          records: [registration('waitlisted', 7), registration('attended', 3)],
          invalid: registration('registered', 0),
        };
      },
      modify: (registration) => ({ ...registration, status: 'cancelled', updatedAt: at(9) }),
    },
    communities: {
      make: () => {
        const community = (i: number): Community => ({
          id: fixtures.id(),
          slug: fixtures.slug('migrated'),
          name: `Migrated ${i}`,
          description: 'Counters as given',
          visibility: 'private',
          ownerId: fixtures.id(),
          memberCount: 12,
          createdAt: at(1),
          updatedAt: at(2),
          version: 2,
        });
        return Promise.resolve({
          records: [community(0), community(1)],
          invalid: { ...community(2), slug: 'Not A Slug' },
        });
      },
      modify: (community) => ({ ...community, name: 'Renamed', memberCount: 13, version: community.version + 1 }),
    },
    memberships: {
      make: async () => {
        const community = await fixtures.community();
        const membership = (role: Membership['role']): Membership => ({
          communityId: community.id,
          userId: fixtures.id(),
          role,
          joinedAt: at(1),
        });
        return {
          records: [membership('moderator'), membership('member')],
          invalid: { ...membership('member'), role: 'king' },
        };
      },
      modify: (membership) => ({ ...membership, role: membership.role === 'member' ? 'moderator' : 'member' }),
    },
    posts: {
      make: async () => {
        const community = await fixtures.community();
        const post = (i: number): Post => ({
          id: fixtures.id(),
          communityId: community.id,
          authorId: fixtures.id(),
          body: `Migrated post ${i}`,
          commentCount: 4,
          reactionCounts: { like: 2, celebrate: 0, insightful: 1, support: 0 },
          createdAt: at(1),
          updatedAt: at(2),
          version: 3,
        });
        const invalid = { ...post(2), reactionCounts: { like: -1, celebrate: 0, insightful: 0, support: 0 } };
        return { records: [post(0), post(1)], invalid };
      },
      modify: (post) => ({ ...post, body: 'Edited', commentCount: 5, updatedAt: at(9), version: post.version + 1 }),
    },
    comments: {
      make: async () => {
        const post = await fixtures.post();
        const comment = (i: number): Comment => ({
          id: fixtures.id(),
          postId: post.id,
          authorId: fixtures.id(),
          body: `Migrated comment ${i}`,
          createdAt: at(i),
        });
        return { records: [comment(0), comment(1)], invalid: { ...comment(2), body: '   ' } };
      },
      modify: (comment) => ({ ...comment, body: 'Edited' }),
    },
    reactions: {
      make: async () => {
        const post = await fixtures.post();
        const reaction = (kind: Reaction['kind']): Reaction => ({
          postId: post.id,
          userId: fixtures.id(),
          kind,
          createdAt: at(1),
        });
        return {
          records: [reaction('insightful'), reaction('support')],
          invalid: { ...reaction('like'), kind: 'love' },
        };
      },
      modify: (reaction) => ({ ...reaction, createdAt: at(9) }),
    },
    activity: {
      make: () => {
        const event = (i: number): ActivityEvent => ({
          id: fixtures.id(),
          actorId: fixtures.id(),
          verb: 'completed',
          object: { type: 'content', id: fixtures.id() },
          occurredAt: at(i),
          metadata: { score: 97, passed: true, grade: 'A' },
        });
        return Promise.resolve({ records: [event(0), event(1)], invalid: { ...event(2), verb: 'teleported' } });
      },
      modify: (event) => ({ ...event, metadata: { score: 98 } }),
    },
    activityCounts: {
      make: () => {
        const day = freshDay();
        return Promise.resolve({
          records: [
            { day, verb: 'viewed', count: 5 },
            { day, verb: 'posted', count: 2 },
          ],
          invalid: { day, verb: 'joined', count: -1 },
        });
      },
      modify: (counter) => ({ ...counter, count: counter.count + 4 }),
    },
  };
  const makerOf = (name: RecordSetName): RecordMaker<unknown> => makers[name];

  describe('RecordSet.putMany', () => {
    const store = (): CohortStore => context.store();

    it.each(recordSetNames)('stores %s records exactly as given', async (name) => {
      const { records } = await makerOf(name).make();
      await setOf(store(), name).putMany(records);
      for (const record of records) expect(await readerOf(name)(store(), record)).toEqual(record);
    });

    it.each(recordSetNames)('replaces a %s record that has the same key', async (name) => {
      const maker = makerOf(name);
      const { records } = await maker.make();
      const [first, second] = records;
      await setOf(store(), name).putMany(records);
      const count = await setOf(store(), name).count();
      const changed = maker.modify(first);
      expect(changed).not.toEqual(first);
      await setOf(store(), name).putMany([changed]);
      expect(await readerOf(name)(store(), first)).toEqual(changed);
      expect(await readerOf(name)(store(), second)).toEqual(second);
      expect(await setOf(store(), name).count()).toBe(count);
    });

    it.each(recordSetNames)('keeps the last of two %s records with the same key in one batch', async (name) => {
      const maker = makerOf(name);
      const { records } = await maker.make();
      const [first, second] = records;
      const changed = maker.modify(first);
      const count = await setOf(store(), name).count();
      await setOf(store(), name).putMany([first, second, changed]);
      expect(await readerOf(name)(store(), first)).toEqual(changed);
      expect(await readerOf(name)(store(), second)).toEqual(second);
      expect(await setOf(store(), name).count()).toBe(count + 2);
    });

    it.each(recordSetNames)('writes nothing of a %s batch with one invalid record (VALIDATION)', async (name) => {
      const { records, invalid } = await makerOf(name).make();
      await expectCohortError(setOf(store(), name).putMany([...records, invalid]), 'VALIDATION');
      for (const record of records) expect(await readerOf(name)(store(), record)).toBeNull();
      await expectCohortError(setOf(store(), name).putMany([invalid, ...records]), 'VALIDATION');
      for (const record of records) expect(await readerOf(name)(store(), record)).toBeNull();
    });

    it.each(recordSetNames)('rejects more than 1,000 %s records with VALIDATION, writing none', async (name) => {
      const { records } = await makerOf(name).make();
      const [first] = records;
      await expectCohortError(setOf(store(), name).putMany(Array.from({ length: 1001 }, () => first)), 'VALIDATION');
      expect(await readerOf(name)(store(), first)).toBeNull();
    });

    it('accepts an empty batch for every record set', async () => {
      for (const name of recordSetNames) await setOf(store(), name).putMany([]);
    });

    it('accepts 1,000 records in one call', async () => {
      const actorId = fixtures.id();
      const events: ActivityEvent[] = Array.from({ length: 1000 }, (_, i) => ({
        id: fixtures.id(),
        actorId,
        verb: 'viewed',
        object: { type: 'content', id: fixtures.id() },
        occurredAt: at(i),
        metadata: {},
      }));
      await store().recordSets.activity.putMany(events);
      const listed = await collectAll((cursor) =>
        store().activity.listByActor(actorId, undefined, { cursor, limit: 100 }),
      );
      expect(listed).toHaveLength(1000);
    });

    it('leaves the daily counters alone when activity events are put', async () => {
      const day = freshDay();
      const event = {
        ...fixtures.activity({ occurredAt: new Date(`${day}T10:00:00.000Z`) }),
        metadata: {},
      } as ActivityEvent;
      await store().recordSets.activity.putMany([event]);
      expect(await readerOf('activity')(store(), event)).toEqual(event);
      expect(await store().activity.dailyCounts({ from: day, to: day })).toEqual([]);
    });

    it('moves the unique email of a replaced user', async () => {
      const { records } = await makers.users.make();
      const [user] = records;
      await store().recordSets.users.putMany([user]);
      const moved = { ...user, email: fixtures.email(), version: user.version + 1 };
      await store().recordSets.users.putMany([moved]);
      expect(await store().users.findByEmail(moved.email)).toEqual(moved);
      expect(await store().users.findByEmail(user.email)).toBeNull();
      const newcomer = await store().users.create({ email: user.email, displayName: 'Takes the old email' });
      expect(await store().users.findByEmail(user.email)).toEqual(newcomer);
    });

    it('advances an event past the registration positions it receives', async () => {
      const event = await fixtures.event({ capacity: 1 });
      const { records } = await makers.registrations.make();
      const received = records.map((registration) => ({ ...registration, eventId: event.id }));
      await store().recordSets.registrations.putMany(received);
      const next = await store().events.register(event.id, fixtures.id());
      expect(next.position).toBeGreaterThan(Math.max(...received.map((registration) => registration.position)));
    });
  });

  /** How a test reaches the unique value of a record set's records: its field, and the port call that finds it. */
  const uniqueField = <T extends { readonly version: number }>(
    field: keyof T & string,
    find: (store: CohortStore, value: string) => Promise<unknown>,
  ) => ({
    valueOf: (record: unknown) => (record as T)[field] as string,
    /** The record holding `value` instead, one version on (as a newer copy from the source would be). */
    withValue: (record: unknown, value: string): T => ({
      ...(record as T),
      [field]: value,
      version: (record as T).version + 1,
    }),
    find,
  });

  /** The record sets whose records hold a unique value. */
  const uniques = {
    users: uniqueField<User>('email', (store, email) => store.users.findByEmail(email)),
    communities: uniqueField<Community>('slug', (store, slug) => store.communities.getBySlug(slug)),
  } as const;
  const uniqueSets = Object.keys(uniques) as (keyof typeof uniques)[];

  describe('RecordSet.deleteMany', () => {
    const store = (): CohortStore => context.store();
    const has = async (name: RecordSetName, key: string): Promise<boolean> =>
      (await scanAll(store(), name, 1000)).some((record) => keyOf(name)(record) === key);

    it.each(recordSetNames)('deletes exactly the %s records named, and nothing else', async (name) => {
      const { records } = await makerOf(name).make();
      const [first, second] = records;
      await setOf(store(), name).putMany(records);
      const count = await setOf(store(), name).count();
      await setOf(store(), name).deleteMany([keyOf(name)(first)]);
      expect(await readerOf(name)(store(), first)).toBeNull();
      expect(await has(name, keyOf(name)(first))).toBe(false);
      expect(await readerOf(name)(store(), second)).toEqual(second);
      expect(await setOf(store(), name).count()).toBe(count - 1);
    });

    it.each(recordSetNames)('is idempotent for %s: a deleted or never-stored key is fine', async (name) => {
      const { records } = await makerOf(name).make();
      const [first, second] = records;
      await setOf(store(), name).putMany([first]);
      const key = keyOf(name)(first);
      await setOf(store(), name).deleteMany([key, key]);
      await setOf(store(), name).deleteMany([key]);
      await setOf(store(), name).deleteMany([keyOf(name)(second)]);
      await setOf(store(), name).deleteMany([]);
      expect(await readerOf(name)(store(), first)).toBeNull();
      expect(await readerOf(name)(store(), second)).toBeNull();
    });

    it.each(recordSetNames)('refuses a %s batch with a malformed key (VALIDATION), deleting none', async (name) => {
      const { records } = await makerOf(name).make();
      const [first] = records;
      await setOf(store(), name).putMany([first]);
      for (const bad of ['not-a-key', '', `${keyOf(name)(first)}/extra`]) {
        await expectCohortError(setOf(store(), name).deleteMany([keyOf(name)(first), bad]), 'VALIDATION');
      }
      await expectCohortError(setOf(store(), name).deleteMany([42 as unknown as string]), 'VALIDATION');
      expect(await readerOf(name)(store(), first)).toEqual(first);
    });

    it.each(recordSetNames)('refuses more than 1,000 %s keys with VALIDATION, deleting none', async (name) => {
      const { records } = await makerOf(name).make();
      const [first] = records;
      await setOf(store(), name).putMany([first]);
      const key = keyOf(name)(first);
      await expectCohortError(setOf(store(), name).deleteMany(Array.from({ length: 1001 }, () => key)), 'VALIDATION');
      expect(await readerOf(name)(store(), first)).toEqual(first);
    });

    it('deletes 1,000 records in one call', async () => {
      const actorId = fixtures.id();
      const events: ActivityEvent[] = Array.from({ length: 1000 }, (_, i) => ({
        id: fixtures.id(),
        actorId,
        verb: 'viewed',
        object: { type: 'content', id: fixtures.id() },
        occurredAt: at(i),
        metadata: {},
      }));
      await store().recordSets.activity.putMany(events);
      await store().recordSets.activity.deleteMany(events.map(recordKeys.activity));
      const listed = await collectAll((cursor) =>
        store().activity.listByActor(actorId, undefined, { cursor, limit: 100 }),
      );
      expect(listed).toEqual([]);
    });

    it('leaves the daily counters alone when activity events are deleted', async () => {
      const day = freshDay();
      const event = {
        ...fixtures.activity({ occurredAt: new Date(`${day}T10:00:00.000Z`) }),
        metadata: {},
      } as ActivityEvent;
      const counter: DailyCount = { day, verb: event.verb, count: 3 };
      await store().recordSets.activity.putMany([event]);
      await store().recordSets.activityCounts.putMany([counter]);
      await store().recordSets.activity.deleteMany([event.id]);
      expect(await readerOf('activity')(store(), event)).toBeNull();
      expect(await store().activity.dailyCounts({ from: day, to: day })).toEqual([counter]);
    });

    it('never cascades: a post with comments and reactions is refused (CONFLICT) or deleted alone', async () => {
      const { records: comments } = await makers.comments.make();
      const postId = comments[0].postId;
      const post = (await store().posts.getById(postId)) as Post;
      await store().recordSets.comments.putMany(comments);
      const reaction: Reaction = { postId, userId: fixtures.id(), kind: 'like', createdAt: at(1) };
      await store().recordSets.reactions.putMany([reaction]);
      const outcome: unknown = await store()
        .recordSets.posts.deleteMany([postId])
        .then(
          () => null,
          (error: unknown) => error,
        );
      if (outcome === null) {
        expect(await has('posts', postId)).toBe(false);
      } else {
        expect(CohortError.is(outcome, 'CONFLICT'), 'refused with CONFLICT or deleted').toBe(true);
        expect(await readerOf('posts')(store(), post)).toEqual(post);
      }
      for (const comment of comments) expect(await has('comments', comment.id)).toBe(true);
      expect(await has('reactions', recordKeys.reactions(reaction))).toBe(true);
      // Children first, then the parent: what a caller that mirrors a store's deletes does.
      await store().recordSets.comments.deleteMany(comments.map(recordKeys.comments));
      await store().recordSets.reactions.deleteMany([recordKeys.reactions(reaction)]);
      await store().recordSets.posts.deleteMany([postId]);
      expect(await has('posts', postId)).toBe(false);
    });

    it.each(['users', 'communities'] as const)('frees the unique value of a deleted %s record', async (name) => {
      const unique = uniques[name];
      const { records } = await makerOf(name).make();
      const [holder, newcomer] = records;
      await setOf(store(), name).putMany([holder]);
      await setOf(store(), name).deleteMany([keyOf(name)(holder)]);
      expect(await unique.find(store(), unique.valueOf(holder))).toBeNull();
      const taker = unique.withValue(newcomer, unique.valueOf(holder));
      await setOf(store(), name).putMany([taker]);
      expect(await unique.find(store(), unique.valueOf(holder))).toEqual(taker);
    });
  });

  describe('RecordSet.putMany: unique emails and slugs', () => {
    const store = (): CohortStore => context.store();

    it.each(uniqueSets)('lets two %s swap their unique values in one call', async (name) => {
      const unique = uniques[name];
      const { records } = await makerOf(name).make();
      const [a, b] = records;
      await setOf(store(), name).putMany(records);
      const swapped = [unique.withValue(a, unique.valueOf(b)), unique.withValue(b, unique.valueOf(a))];
      await setOf(store(), name).putMany(swapped);
      expect(await unique.find(store(), unique.valueOf(a))).toEqual(swapped[1]);
      expect(await unique.find(store(), unique.valueOf(b))).toEqual(swapped[0]);
    });

    it.each(uniqueSets)('passes the unique value of a stored record to a new one in one call (%s)', async (name) => {
      const unique = uniques[name];
      const { records } = await makerOf(name).make();
      const [giver, newcomer] = records;
      await setOf(store(), name).putMany([giver]);
      const moved = unique.withValue(giver, unique.valueOf(newcomer));
      const taker = unique.withValue(newcomer, unique.valueOf(giver));
      await setOf(store(), name).putMany([taker, moved]);
      expect(await unique.find(store(), unique.valueOf(giver))).toEqual(taker);
      expect(await unique.find(store(), unique.valueOf(newcomer))).toEqual(moved);
    });

    it.each(uniqueSets)('swaps the values of 30 pairs of %s in one call of 60', async (name) => {
      const unique = uniques[name];
      const pairs = await Promise.all(Array.from({ length: 30 }, () => makerOf(name).make()));
      const records = pairs.flatMap((pair) => pair.records);
      await setOf(store(), name).putMany(records);
      const swapped = pairs.flatMap(({ records: [a, b] }) => [
        unique.withValue(a, unique.valueOf(b)),
        unique.withValue(b, unique.valueOf(a)),
      ]);
      await setOf(store(), name).putMany(swapped);
      for (const record of swapped) expect(await unique.find(store(), unique.valueOf(record))).toEqual(record);
      expect(await scanAll(store(), name, 1000)).toEqual(expect.arrayContaining(swapped));
    });

    it.each(uniqueSets)('writes nothing of a %s batch that takes a value held outside it (CONFLICT)', async (name) => {
      const unique = uniques[name];
      const { records: held } = await makerOf(name).make();
      await setOf(store(), name).putMany([held[0]]);
      const { records } = await makerOf(name).make();
      const [innocent, intruder] = [records[0], unique.withValue(records[1], unique.valueOf(held[0]))];
      await expectCohortError(setOf(store(), name).putMany([innocent, intruder]), 'CONFLICT');
      await expectCohortError(setOf(store(), name).putMany([intruder, innocent]), 'CONFLICT');
      expect(await readerOf(name)(store(), innocent)).toBeNull();
      expect(await readerOf(name)(store(), intruder)).toBeNull();
      expect(await unique.find(store(), unique.valueOf(held[0]))).toEqual(held[0]);
    });

    it.each(uniqueSets)('writes nothing of a batch that gives one value to two %s (CONFLICT)', async (name) => {
      const unique = uniques[name];
      const { records } = await makerOf(name).make();
      const [a, b] = records;
      const twin = unique.withValue(b, unique.valueOf(a));
      await expectCohortError(setOf(store(), name).putMany([a, twin]), 'CONFLICT');
      expect(await readerOf(name)(store(), a)).toBeNull();
      expect(await readerOf(name)(store(), twin)).toBeNull();
      expect(await unique.find(store(), unique.valueOf(a))).toBeNull();
    });
  });
}
