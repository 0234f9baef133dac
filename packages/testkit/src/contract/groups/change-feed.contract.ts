import { isDeepStrictEqual } from 'node:util';
import {
  CohortError,
  recordKeys,
  recordSetNames,
  type ActivityVerb,
  type Change,
  type ChangeFeed,
  type ChangeReader,
  type CohortStore,
  type Event,
  type RecordOf,
  type RecordSet,
  type ReaderOptions,
  type RecordSetName,
  type User,
} from '@cohort/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestClock } from '../../clock/test-clock.js';
import type { ContractContext } from '../contract-context.js';
import { expectCohortError } from '../expect-cohort-error.js';
import { FEED_TIMEOUT_MS, readUntil } from '../read-until.js';
import { collectAll } from './collect-pages.js';

/** What the `losePosition` hook is given: the store, the subscription to make unservable, the suite's clock. */
export interface LosePositionTarget {
  readonly store: CohortStore;
  readonly subscription: string;
  readonly clock: TestClock;
}

/**
 * How `runContractSuite` treats the change feed. A store without `changeFeed` must say why (`absent`), which the
 * group reports as a skipped test; a store with one may give `losePosition`, a test-only way to make a
 * subscription's position unservable (expire the log, drop the slot), so the group can check POSITION_LOST.
 */
export type ChangeFeedContractOptions =
  | {
      /** Why the store has no change feed yet: the group's one skipped test carries it as its title. */
      readonly absent: string;
    }
  | {
      /**
       * Makes the subscription's acknowledged position one the store can no longer serve, after the test wrote changes
       * past it (the store's log of them must be gone). Without it the lost-position test is skipped, saying so.
       */
      readonly losePosition?: (target: LosePositionTarget) => Promise<void>;
    };

const DAY = 86_400_000;
/** Random histories per property run: each makes its own data and two subscriptions on the store under test. */
const MODEL_RUNS = 8;
/** How long currentPosition and createSubscription may take while writes go on (an emulator under load is slow). */
const STEADY_WRITES_BOUND_MS = 20_000;

/** Records of a set by their record key. */
type Rows = Map<string, unknown>;
type Image = { readonly op: 'upsert'; readonly record: unknown } | { readonly op: 'delete'; readonly record: null };

const keyOf = (set: RecordSetName, record: unknown): string => (recordKeys[set] as (r: unknown) => string)(record);
const slot = (set: RecordSetName, key: string): string => `${set} ${key}`;
const imageIn = (rows: Rows, key: string): Image =>
  rows.has(key) ? { op: 'upsert', record: rows.get(key) } : { op: 'delete', record: null };
const imageOf = (change: Change): Image =>
  change.op === 'upsert' ? { op: 'upsert', record: change.record } : { op: 'delete', record: null };

async function scanSet(store: CohortStore, set: RecordSetName): Promise<Rows> {
  const records = await collectAll((cursor) =>
    (store.recordSets[set] as unknown as RecordSet<unknown>).scan({ cursor, limit: 1_000 }),
  );
  return new Map(records.map((record) => [keyOf(set, record), record]));
}

async function scanSets(store: CohortStore, sets: readonly RecordSetName[]): Promise<Map<RecordSetName, Rows>> {
  const rows = new Map<RecordSetName, Rows>();
  for (const set of sets) rows.set(set, await scanSet(store, set));
  return rows;
}

/** The last change read for each record set and key, in the order read. */
function lastChanges(changes: readonly Change[]): Map<string, Change> {
  const last = new Map<string, Change>();
  for (const change of changes) last.set(slot(change.recordSet, change.key), change);
  return last;
}

/** A day of activity counters no other test touches (the counters are store-wide, keyed by day and verb). */
function uniqueDay(fromYear: number): Date {
  return new Date(Date.UTC(fromYear, 0, 1) + Math.floor(Math.random() * 36_500) * DAY + 12 * 3_600_000);
}

export function changeFeedContract(context: ContractContext, options: ChangeFeedContractOptions | undefined): void {
  const { fixtures } = context;

  describe('change feed', () => {
    if (options && 'absent' in options) {
      it.skip(`change feed not run: ${options.absent}`, () => undefined);
      it('declares no change feed, and the store has none', () => {
        expect(
          context.store().changeFeed,
          'the store has a changeFeed: remove `changeFeed: { absent }` from runContractSuite to test it',
        ).toBeUndefined();
      });
      return;
    }
    const losePosition = options?.losePosition;

    // One store of the group's own: every check scans whole record sets, which stays cheap in a store holding only
    // this group's data. Tests still make their own data and subscriptions and filter by their own keys.
    let groupStore: CohortStore | undefined;
    let otherStore: CohortStore | undefined;
    beforeAll(async () => {
      groupStore = await context.isolatedStore();
    }, 120_000);

    const store = (): CohortStore => {
      if (!groupStore) throw new Error('The change-feed store is only available inside tests');
      return groupStore;
    };
    const feedOf = (of: CohortStore): ChangeFeed => {
      if (!of.changeFeed) {
        throw new Error(
          `${context.name} has no changeFeed: implement the ChangeFeed port (store.changeFeed), or declare why not ` +
            "with runContractSuite({ changeFeed: { absent: '<reason>' } })",
        );
      }
      return of.changeFeed;
    };
    const feed = (): ChangeFeed => feedOf(store());
    /** A second store with a feed: for positions of another feed, and for losing a position without harming others. */
    const other = async (): Promise<CohortStore> => {
      otherStore ??= await context.isolatedStore();
      return otherStore;
    };
    const subscriptionName = (): string => `feed_${fixtures.unique()}`;

    /** A new subscription at 'now' with an open reader. */
    async function subscribe(
      on: CohortStore = store(),
      readerOptions?: ReaderOptions,
    ): Promise<{ name: string; reader: ChangeReader }> {
      const name = subscriptionName();
      await feedOf(on).createSubscription(name);
      return { name, reader: await feedOf(on).openReader(name, readerOptions) };
    }

    async function unsubscribe(name: string, reader: ChangeReader, on: CohortStore = store()): Promise<void> {
      await reader.close();
      await feedOf(on).dropSubscription(name);
    }

    /**
     * Subscribes, scans `sets`, and returns the check to run after a write: every key of `sets` whose record the
     * write changed, added or removed comes through the feed with its final image (a delete for what is gone), and
     * every change read is of `sets` and ends at what `scan` now returns. Returns the changes and the changed keys.
     */
    async function watch(sets: readonly RecordSetName[]) {
      const { name, reader } = await subscribe();
      const before = await scanSets(store(), sets);
      const startedAt = Date.now();
      return {
        async expectChanges(): Promise<{ changes: Change[]; changed: Map<RecordSetName, Set<string>> }> {
          const after = await scanSets(store(), sets);
          const finishedAt = Date.now();
          const changed = new Map<RecordSetName, Set<string>>();
          for (const set of sets) {
            const was = before.get(set) as Rows;
            const is = after.get(set) as Rows;
            const keys = [...new Set([...was.keys(), ...is.keys()])].filter(
              (key) => !isDeepStrictEqual(was.get(key), is.get(key)),
            );
            expect(keys.length, `the write changed no ${set}: the test is wrong`).toBeGreaterThan(0);
            changed.set(set, new Set(keys));
          }
          const expected = new Map<string, Image>();
          for (const [set, keys] of changed) {
            for (const key of keys) expected.set(slot(set, key), imageIn(after.get(set) as Rows, key));
          }
          const settled = (changes: readonly Change[]): boolean => {
            const last = lastChanges(changes);
            return [...expected].every(([at, image]) => {
              const change = last.get(at);
              return change !== undefined && isDeepStrictEqual(imageOf(change), image);
            });
          };
          const changes = await readUntil(reader, settled);
          const last = lastChanges(changes);
          for (const [at, image] of expected) {
            expect(last.get(at) && imageOf(last.get(at) as Change), `the feed's last change of ${at}`).toEqual(image);
          }
          for (const change of changes) {
            expect(sets, `a change of ${change.recordSet} ${change.key}, which the write did not touch`).toContain(
              change.recordSet,
            );
            const now = imageIn(after.get(change.recordSet) as Rows, change.key);
            expect(imageOf(last.get(slot(change.recordSet, change.key)) as Change)).toEqual(now);
            expectWellFormed(change, startedAt, finishedAt);
          }
          await unsubscribe(name, reader);
          return { changes, changed };
        },
      };
    }

    function expectWellFormed(change: Change, from: number, to: number): void {
      expect(['upsert', 'delete']).toContain(change.op);
      if (change.op === 'upsert') expect(keyOf(change.recordSet, change.record)).toBe(change.key);
      else expect(change.record).toBeNull();
      expect(change.committedAt).toBeInstanceOf(Date);
      // The store's clock may be the database server's: a few seconds of slack either side.
      expect(change.committedAt.getTime()).toBeGreaterThanOrEqual(from - 5_000);
      expect(change.committedAt.getTime()).toBeLessThanOrEqual(to + 5_000);
      expect(typeof change.position).toBe('string');
    }

    const keysOf = (changes: readonly Change[], set: RecordSetName): string[] =>
      changes.filter((change) => change.recordSet === set).map((change) => change.key);

    /** `count` users made through the port, one change each at least; returns their ids in commit order. */
    async function users(count: number): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < count; i += 1) {
        ids.push((await store().users.create({ email: fixtures.email(), displayName: `Sub ${i}` })).id);
      }
      return ids;
    }
    const ofUsers = (ids: readonly string[]) => (changes: readonly Change[]) =>
      changes.filter((change) => change.recordSet === 'users' && ids.includes(change.key));
    const sawAll = (ids: readonly string[]) => (changes: readonly Change[]) => {
      const keys = new Set(ofUsers(ids)(changes).map((change) => change.key));
      return ids.every((id) => keys.has(id));
    };

    describe('delivers every write of every port', () => {
      it('users.create and users.update', async () => {
        const created = await watch(['users']);
        const user = await store().users.create({ email: fixtures.email(), displayName: 'Feed' });
        await created.expectChanges();
        const updated = await watch(['users']);
        await store().users.update(user.id, { displayName: 'Fed' }, user.version);
        await updated.expectChanges();
      });

      it('contents.create and contents.update', async () => {
        const created = await watch(['contents']);
        const content = await store().contents.create({ kind: 'course', title: 'Feed', authorId: fixtures.id() });
        await created.expectChanges();
        const updated = await watch(['contents']);
        await store().contents.update(content.id, { status: 'published' }, content.version);
        await updated.expectChanges();
      });

      it('enrollments.enroll and enrollments.recordProgress', async () => {
        const content = await store().contents.create({ kind: 'course', title: 'Feed', authorId: fixtures.id() });
        const userId = fixtures.id();
        const enrolled = await watch(['enrollments']);
        await store().enrollments.enroll(userId, content.id);
        await enrolled.expectChanges();
        const progressed = await watch(['enrollments']);
        await store().enrollments.recordProgress(userId, content.id, 100);
        await progressed.expectChanges();
      });

      async function event(capacity: number): Promise<Event> {
        const startsAt = new Date(Date.now() + DAY);
        return store().events.create({
          title: 'Feed',
          hostId: fixtures.id(),
          startsAt,
          endsAt: new Date(startsAt.getTime() + 3_600_000),
          capacity,
        });
      }

      it('events.create and events.update', async () => {
        const created = await watch(['events']);
        const made = await event(3);
        await created.expectChanges();
        const updated = await watch(['events']);
        await store().events.update(made.id, { title: 'Fed' }, made.version);
        await updated.expectChanges();
      });

      it('events.register: the registration and the event counters (seated, then waitlisted)', async () => {
        const made = await event(1);
        const [first, second] = [fixtures.id(), fixtures.id()];
        const seated = await watch(['registrations', 'events']);
        await store().events.register(made.id, first);
        await seated.expectChanges();
        const waitlisted = await watch(['registrations', 'events']);
        await store().events.register(made.id, second);
        const { changes } = await waitlisted.expectChanges();
        const last = lastChanges(changes).get(slot('events', made.id));
        expect(last?.record).toMatchObject({ registeredCount: 1, waitlistCount: 1 });
      });

      it('events.cancelRegistration: the cancellation, the promotion from the waitlist and the counters', async () => {
        const made = await event(1);
        const [first, second] = [fixtures.id(), fixtures.id()];
        await store().events.register(made.id, first);
        await store().events.register(made.id, second);
        const cancelled = await watch(['registrations', 'events']);
        await store().events.cancelRegistration(made.id, first);
        const { changes } = await cancelled.expectChanges();
        const last = lastChanges(changes);
        expect(last.get(slot('registrations', `${made.id}/${first}`))?.record).toMatchObject({ status: 'cancelled' });
        expect(last.get(slot('registrations', `${made.id}/${second}`))?.record).toMatchObject({ status: 'registered' });
        expect(last.get(slot('events', made.id))?.record).toMatchObject({ registeredCount: 1, waitlistCount: 0 });
      });

      it('events.update that raises the capacity: the promotions from the waitlist', async () => {
        const made = await event(1);
        const [first, second] = [fixtures.id(), fixtures.id()];
        await store().events.register(made.id, first);
        await store().events.register(made.id, second);
        const current = (await store().events.getById(made.id)) as Event;
        const raised = await watch(['events', 'registrations']);
        await store().events.update(made.id, { capacity: 2 }, current.version);
        const { changes } = await raised.expectChanges();
        expect(keysOf(changes, 'registrations')).toContain(`${made.id}/${second}`);
      });

      it('events.markAttended', async () => {
        const made = await event(2);
        const userId = fixtures.id();
        await store().events.register(made.id, userId);
        const attended = await watch(['registrations']);
        await store().events.markAttended(made.id, userId);
        await attended.expectChanges();
      });

      it("communities.create (with its owner's membership) and communities.update", async () => {
        const created = await watch(['communities', 'memberships']);
        const community = await store().communities.create({
          slug: fixtures.slug(),
          name: 'Feed',
          ownerId: fixtures.id(),
        });
        await created.expectChanges();
        const updated = await watch(['communities']);
        await store().communities.update(community.id, { name: 'Fed' }, community.version);
        await updated.expectChanges();
      });

      it('memberships.join, setRole and leave, with memberCount', async () => {
        const community = await store().communities.create({
          slug: fixtures.slug(),
          name: 'Feed',
          ownerId: fixtures.id(),
        });
        const userId = fixtures.id();
        const joined = await watch(['memberships', 'communities']);
        await store().memberships.join(community.id, userId);
        await joined.expectChanges();
        const promoted = await watch(['memberships']);
        await store().memberships.setRole(community.id, userId, 'moderator');
        await promoted.expectChanges();
        const left = await watch(['memberships', 'communities']);
        await store().memberships.leave(community.id, userId);
        const { changes } = await left.expectChanges();
        expect(lastChanges(changes).get(slot('memberships', `${community.id}/${userId}`))?.op).toBe('delete');
      });

      async function community(): Promise<string> {
        const made = await store().communities.create({ slug: fixtures.slug(), name: 'Feed', ownerId: fixtures.id() });
        return made.id;
      }

      async function post(communityId?: string) {
        return store().posts.create({
          communityId: communityId ?? (await community()),
          authorId: fixtures.id(),
          body: 'Feed',
        });
      }

      it('posts.create and posts.update', async () => {
        const communityId = await community();
        const created = await watch(['posts']);
        const made = await post(communityId);
        await created.expectChanges();
        const updated = await watch(['posts']);
        await store().posts.update(made.id, { body: 'Fed' }, made.version);
        await updated.expectChanges();
      });

      it('posts.addComment, with commentCount', async () => {
        const made = await post();
        const commented = await watch(['comments', 'posts']);
        await store().posts.addComment(made.id, { authorId: fixtures.id(), body: 'A comment' });
        await commented.expectChanges();
      });

      it('posts.react and posts.unreact, with reactionCounts', async () => {
        const made = await post();
        const userId = fixtures.id();
        const reacted = await watch(['reactions', 'posts']);
        await store().posts.react(made.id, userId, 'like');
        await reacted.expectChanges();
        const unreacted = await watch(['reactions', 'posts']);
        await store().posts.unreact(made.id, userId, 'like');
        const { changes } = await unreacted.expectChanges();
        expect(lastChanges(changes).get(slot('reactions', `${made.id}/${userId}/like`))?.op).toBe('delete');
      });

      it('posts.remove: deletes of the post, its comments and its reactions', async () => {
        const made = await post();
        const comments = [
          await store().posts.addComment(made.id, { authorId: fixtures.id(), body: 'One' }),
          await store().posts.addComment(made.id, { authorId: fixtures.id(), body: 'Two' }),
        ];
        const reactor = fixtures.id();
        await store().posts.react(made.id, reactor, 'like');
        await store().posts.react(made.id, reactor, 'celebrate');
        const removed = await watch(['posts', 'comments', 'reactions']);
        await store().posts.remove(made.id);
        const { changes, changed } = await removed.expectChanges();
        expect([...(changed.get('comments') as Set<string>)].sort()).toEqual(comments.map((c) => c.id).sort());
        expect(changed.get('reactions')?.size).toBe(2);
        expect(changes.filter((change) => change.key.startsWith(made.id)).every((c) => c.op === 'delete')).toBe(true);
      });

      it('activity.append: the events and their daily counters (activityCounts)', async () => {
        const occurredAt = uniqueDay(1900);
        const appended = await watch(['activity', 'activityCounts']);
        await store().activity.append([
          fixtures.activity({ occurredAt }),
          fixtures.activity({ occurredAt, verb: 'completed' }),
        ]);
        const { changed } = await appended.expectChanges();
        expect(changed.get('activityCounts')?.size).toBe(2);
      });

      it('activity.purgeBefore: deletes of the purged events, the counters untouched', async () => {
        // Earlier than any other test's activity in this store: purging is store-wide.
        const occurredAt = uniqueDay(1800);
        const events = [fixtures.activity({ occurredAt }), fixtures.activity({ occurredAt })];
        await store().activity.append(events);
        const purged = await watch(['activity']);
        await store().activity.purgeBefore(new Date(occurredAt.getTime() + 1));
        const { changes } = await purged.expectChanges();
        for (const { id } of events)
          expect(lastChanges(changes).get(slot('activity', id as string))?.op).toBe('delete');
      });

      /** A record of each set made through the ports, and how to derive an updated and a new record from it. */
      type Variants = {
        [N in RecordSetName]: { changed: (r: RecordOf<N>) => RecordOf<N>; fresh: (r: RecordOf<N>) => RecordOf<N> };
      };
      const later = (at: Date): Date => new Date(at.getTime() + 1_000);
      const variants: Variants = {
        users: {
          changed: (r) => ({ ...r, displayName: 'Put' }),
          fresh: (r) => ({ ...r, id: fixtures.id(), email: fixtures.email() }),
        },
        contents: { changed: (r) => ({ ...r, title: 'Put' }), fresh: (r) => ({ ...r, id: fixtures.id() }) },
        enrollments: {
          changed: (r) => ({ ...r, updatedAt: later(r.updatedAt) }),
          fresh: (r) => ({ ...r, userId: fixtures.id() }),
        },
        events: {
          changed: (r) => ({ ...r, title: 'Put' }),
          fresh: (r) => ({ ...r, id: fixtures.id(), registeredCount: 0, waitlistCount: 0 }),
        },
        registrations: {
          changed: (r) => ({ ...r, updatedAt: later(r.updatedAt) }),
          fresh: (r) => ({ ...r, userId: fixtures.id(), position: r.position + 100 }),
        },
        communities: {
          changed: (r) => ({ ...r, name: 'Put' }),
          fresh: (r) => ({ ...r, id: fixtures.id(), slug: fixtures.slug() }),
        },
        memberships: {
          changed: (r) => ({ ...r, joinedAt: later(r.joinedAt) }),
          fresh: (r) => ({ ...r, userId: fixtures.id() }),
        },
        posts: { changed: (r) => ({ ...r, body: 'Put' }), fresh: (r) => ({ ...r, id: fixtures.id() }) },
        comments: { changed: (r) => ({ ...r, body: 'Put' }), fresh: (r) => ({ ...r, id: fixtures.id() }) },
        reactions: {
          changed: (r) => ({ ...r, createdAt: later(r.createdAt) }),
          fresh: (r) => ({ ...r, userId: fixtures.id() }),
        },
        activity: { changed: (r) => ({ ...r, metadata: { put: true } }), fresh: (r) => ({ ...r, id: fixtures.id() }) },
        activityCounts: {
          changed: (r) => ({ ...r, count: r.count + 1 }),
          fresh: (r) => ({ ...r, verb: r.verb === 'viewed' ? 'completed' : 'viewed' }),
        },
      };

      /** One record of every set, made through the ports; returns each set's record by key. */
      async function seed(): Promise<{ [N in RecordSetName]: string }> {
        const userId = fixtures.id();
        const user = await store().users.create({ email: fixtures.email(), displayName: 'Seed' });
        const content = await store().contents.create({ kind: 'course', title: 'Seed', authorId: user.id });
        await store().enrollments.enroll(userId, content.id);
        const made = await event(2);
        await store().events.register(made.id, userId);
        const community = await store().communities.create({ slug: fixtures.slug(), name: 'Seed', ownerId: userId });
        const made2 = await store().posts.create({ communityId: community.id, authorId: userId, body: 'Seed' });
        const comment = await store().posts.addComment(made2.id, { authorId: userId, body: 'Seed' });
        await store().posts.react(made2.id, userId, 'like');
        const occurredAt = uniqueDay(1900);
        const verb: ActivityVerb = 'viewed';
        const activity = fixtures.activity({ occurredAt, verb });
        await store().activity.append([activity]);
        return {
          users: user.id,
          contents: content.id,
          enrollments: `${userId}/${content.id}`,
          events: made.id,
          registrations: `${made.id}/${userId}`,
          communities: community.id,
          memberships: `${community.id}/${userId}`,
          posts: made2.id,
          comments: comment.id,
          reactions: `${made2.id}/${userId}/like`,
          activity: activity.id as string,
          activityCounts: `${occurredAt.toISOString().slice(0, 10)}/${verb}`,
        };
      }

      it.each(recordSetNames.map((set) => [set]))('recordSets.%s.putMany: an updated and a new record', async (set) => {
        const keys = await seed();
        const stored = (await scanSet(store(), set)).get(keys[set]);
        expect(stored, `the seeded ${set} record`).toBeDefined();
        const variant = variants[set] as unknown as {
          changed: (r: unknown) => unknown;
          fresh: (r: unknown) => unknown;
        };
        const put = await watch([set]);
        await (store().recordSets[set] as unknown as RecordSet<unknown>).putMany([
          variant.changed(stored),
          variant.fresh(stored),
        ]);
        const { changed } = await put.expectChanges();
        expect(changed.get(set)?.size).toBe(2);
      });

      it.each(recordSetNames.map((set) => [set]))('recordSets.%s.deleteMany: a delete of its key', async (set) => {
        const keys = await seed();
        // The seeded parent may have children (a post its comment); the migration face deletes children first.
        const childrenOf: Partial<Record<RecordSetName, readonly RecordSetName[]>> = {
          contents: ['enrollments'],
          events: ['registrations'],
          posts: ['comments', 'reactions'],
          communities: ['comments', 'reactions', 'posts', 'memberships'],
        };
        for (const child of childrenOf[set] ?? []) {
          await (store().recordSets[child] as unknown as RecordSet<unknown>).deleteMany([keys[child]]);
        }
        const removed = await watch([set]);
        await (store().recordSets[set] as unknown as RecordSet<unknown>).deleteMany([keys[set]]);
        const { changed } = await removed.expectChanges();
        expect([...(changed.get(set) ?? [])]).toEqual([keys[set]]);
      });
    });

    describe('a snapshot plus the feed is the store', () => {
      it('after random histories, with racing writers: scan after a position + the changes after it = scan at the end', async () => {
        await fc.assert(
          fc.asyncProperty(histories, async (history) => {
            await replayHistory(history);
          }),
          { numRuns: MODEL_RUNS, endOnFailure: true },
        );
      }, 120_000);
    });

    /** What one run owns, so that changes of other tests' keys are ignored. */
    interface World {
      readonly users: User[];
      readonly contentId: string;
      readonly event: Event;
      readonly communityId: string;
      readonly postIds: string[];
      readonly day: Date;
      readonly ids: Set<string>;
    }

    type Op =
      | { readonly kind: 'createUser' }
      | { readonly kind: 'renameUser'; readonly user: number }
      | { readonly kind: 'enroll' | 'register' | 'cancel' | 'attend' | 'join' | 'leave'; readonly user: number }
      | { readonly kind: 'progress'; readonly user: number; readonly progress: number }
      | { readonly kind: 'capacity'; readonly capacity: number }
      | { readonly kind: 'createPost' | 'removePost' | 'comment'; readonly post: number }
      | { readonly kind: 'react' | 'unreact'; readonly post: number; readonly user: number; readonly like: boolean }
      | { readonly kind: 'append'; readonly count: number; readonly verb: ActivityVerb }
      | { readonly kind: 'putUser'; readonly user: number };
    type Step = Op | { readonly kind: 'race'; readonly ops: readonly Op[] };

    const user = fc.integer({ min: 0, max: 3 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constant({ kind: 'createUser' as const }),
      fc.record({ kind: fc.constant('renameUser' as const), user }),
      fc.record({
        kind: fc.constantFrom('enroll' as const, 'register' as const, 'cancel' as const, 'attend' as const),
        user,
      }),
      fc.record({ kind: fc.constantFrom('join' as const, 'leave' as const), user }),
      fc.record({ kind: fc.constant('progress' as const), user, progress: fc.integer({ min: 0, max: 100 }) }),
      fc.record({ kind: fc.constant('capacity' as const), capacity: fc.integer({ min: 1, max: 4 }) }),
      fc.record({
        kind: fc.constantFrom('createPost' as const, 'removePost' as const, 'comment' as const),
        post: fc.nat(3),
      }),
      fc.record({
        kind: fc.constantFrom('react' as const, 'unreact' as const),
        post: fc.nat(3),
        user,
        like: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant('append' as const),
        count: fc.integer({ min: 1, max: 3 }),
        verb: fc.constantFrom<ActivityVerb>('viewed', 'completed'),
      }),
      fc.record({ kind: fc.constant('putUser' as const), user }),
    );
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 3, arbitrary: op },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('race' as const), ops: fc.array(op, { minLength: 2, maxLength: 4 }) }),
      },
    );
    const histories = fc.record({
      before: fc.array(step, { maxLength: 4 }),
      during: fc.array(op, { maxLength: 4 }),
      after: fc.array(step, { minLength: 1, maxLength: 8 }),
    });

    async function makeWorld(): Promise<World> {
      const ids = new Set<string>();
      const own = <T extends { id: string }>(record: T): T => (ids.add(record.id), record);
      const users = [];
      for (let i = 0; i < 4; i += 1) {
        users.push(own(await store().users.create({ email: fixtures.email(), displayName: `Model ${i}` })));
      }
      const content = own(await store().contents.create({ kind: 'course', title: 'Model', authorId: fixtures.id() }));
      const startsAt = new Date(Date.now() + DAY);
      const event = own(
        await store().events.create({
          title: 'Model',
          hostId: fixtures.id(),
          startsAt,
          endsAt: new Date(startsAt.getTime() + 3_600_000),
          capacity: 1,
        }),
      );
      const community = own(
        await store().communities.create({ slug: fixtures.slug(), name: 'Model', ownerId: fixtures.id() }),
      );
      const post = own(await store().posts.create({ communityId: community.id, authorId: fixtures.id(), body: 'M' }));
      return {
        users,
        contentId: content.id,
        event,
        communityId: community.id,
        postIds: [post.id],
        day: uniqueDay(1900),
        ids,
      };
    }

    /** Runs one operation; a refusal the rules allow (a stale version, a missing record, a taken seat) is fine. */
    async function run(world: World, operation: Op): Promise<void> {
      const s = store();
      const userOf = (index: number): User => world.users[index % world.users.length] as User;
      const postOf = (index: number): string => world.postIds[index % world.postIds.length] as string;
      try {
        switch (operation.kind) {
          case 'createUser':
            world.users.push(await s.users.create({ email: fixtures.email(), displayName: 'Model' }));
            world.ids.add((world.users[world.users.length - 1] as User).id);
            return;
          case 'renameUser': {
            const current = await s.users.getById(userOf(operation.user).id);
            if (current)
              await s.users.update(current.id, { displayName: `Renamed ${current.version}` }, current.version);
            return;
          }
          case 'putUser': {
            const current = await s.users.getById(userOf(operation.user).id);
            if (current) await s.recordSets.users.putMany([{ ...current, displayName: 'Put by migration' }]);
            return;
          }
          case 'enroll':
            await s.enrollments.enroll(userOf(operation.user).id, world.contentId);
            return;
          case 'progress':
            await s.enrollments.recordProgress(userOf(operation.user).id, world.contentId, operation.progress);
            return;
          case 'register':
            await s.events.register(world.event.id, userOf(operation.user).id);
            return;
          case 'cancel':
            await s.events.cancelRegistration(world.event.id, userOf(operation.user).id);
            return;
          case 'attend':
            await s.events.markAttended(world.event.id, userOf(operation.user).id);
            return;
          case 'capacity': {
            const current = await s.events.getById(world.event.id);
            if (current) await s.events.update(current.id, { capacity: operation.capacity }, current.version);
            return;
          }
          case 'join':
            await s.memberships.join(world.communityId, userOf(operation.user).id);
            return;
          case 'leave':
            await s.memberships.leave(world.communityId, userOf(operation.user).id);
            return;
          case 'createPost': {
            const created = await s.posts.create({
              communityId: world.communityId,
              authorId: fixtures.id(),
              body: 'M',
            });
            world.ids.add(created.id);
            world.postIds.push(created.id);
            return;
          }
          case 'removePost':
            await s.posts.remove(postOf(operation.post));
            return;
          case 'comment': {
            const comment = await s.posts.addComment(postOf(operation.post), { authorId: fixtures.id(), body: 'C' });
            world.ids.add(comment.id);
            return;
          }
          case 'react':
          case 'unreact': {
            const kind = operation.like ? 'like' : 'support';
            const userId = userOf(operation.user).id;
            if (operation.kind === 'react') await s.posts.react(postOf(operation.post), userId, kind);
            else await s.posts.unreact(postOf(operation.post), userId, kind);
            return;
          }
          case 'append': {
            const events = Array.from({ length: operation.count }, () =>
              fixtures.activity({ occurredAt: world.day, verb: operation.verb }),
            );
            for (const event of events) world.ids.add(event.id as string);
            await s.activity.append(events);
            return;
          }
        }
      } catch (error) {
        if (!CohortError.is(error) || !['CONFLICT', 'NOT_FOUND', 'CONCURRENCY'].includes(error.code)) throw error;
      }
    }

    async function runSteps(world: World, steps: readonly Step[]): Promise<void> {
      for (const item of steps) {
        if (item.kind === 'race') await Promise.all(item.ops.map((operation) => run(world, operation)));
        else await run(world, item);
      }
    }

    const dayOfWorld = (world: World): string => world.day.toISOString().slice(0, 10);
    /** Whether a record key belongs to this run: it names one of the run's ids, or is a counter of its day. */
    const owns = (world: World, set: RecordSetName, key: string): boolean =>
      set === 'activityCounts'
        ? key.startsWith(`${dayOfWorld(world)}/`)
        : key.split('/').some((part) => world.ids.has(part));

    /** Every record of the run, by record set and key. */
    async function snapshot(world: World): Promise<Map<string, unknown>> {
      const rows = new Map<string, unknown>();
      for (const set of recordSetNames) {
        for (const [key, record] of await scanSet(store(), set)) {
          if (owns(world, set, key)) rows.set(slot(set, key), record);
        }
      }
      return rows;
    }

    function applied(start: Map<string, unknown>, changes: readonly Change[], world: World): Map<string, unknown> {
      const rows = new Map(start);
      for (const change of changes) {
        if (!owns(world, change.recordSet, change.key)) continue;
        if (change.op === 'upsert') rows.set(slot(change.recordSet, change.key), change.record);
        else rows.delete(slot(change.recordSet, change.key));
      }
      return rows;
    }

    const sorted = (rows: Map<string, unknown>): [string, unknown][] =>
      [...rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

    async function replayHistory(history: {
      before: readonly Step[];
      during: readonly Op[];
      after: readonly Step[];
    }): Promise<void> {
      const world = await makeWorld();
      const fromNow = await subscribe();
      const atStart = await snapshot(world);
      await runSteps(world, history.before);
      const position = await feed().currentPosition();
      // Writers race the snapshot: what lands during the scan is both in the snapshot and after the position.
      const [atPosition] = await Promise.all([
        snapshot(world),
        Promise.all(history.during.map((operation) => run(world, operation))),
      ]);
      await runSteps(world, history.after);
      const fromPosition = subscriptionName();
      await feed().createSubscription(fromPosition, { from: position });
      const reader = await feed().openReader(fromPosition);
      const end = await snapshot(world);

      const reaches = (start: Map<string, unknown>) => (changes: readonly Change[]) =>
        isDeepStrictEqual(sorted(applied(start, changes, world)), sorted(end));
      const sincePosition = await readUntil(reader, reaches(atPosition));
      expect(sorted(applied(atPosition, sincePosition, world)), 'snapshot after currentPosition + the feed').toEqual(
        sorted(end),
      );
      const sinceStart = await readUntil(fromNow.reader, reaches(atStart));
      expect(sorted(applied(atStart, sinceStart, world)), "snapshot after a subscription at 'now' + its feed").toEqual(
        sorted(end),
      );
      await unsubscribe(fromPosition, reader);
      await unsubscribe(fromNow.name, fromNow.reader);
    }

    describe('subscriptions', () => {
      it('after a session ends unacknowledged (a crash), a new one redelivers exactly what was not acknowledged', async () => {
        const { name, reader } = await subscribe();
        const ids = await users(4);
        const first = ofUsers(ids)(await readUntil(reader, sawAll(ids)));
        expect(first.map((change) => change.key)).toEqual(ids);
        await reader.acknowledge((first[1] as Change).position);
        await reader.close();

        const again = await feed().openReader(name);
        const second = ofUsers(ids)(await readUntil(again, sawAll(ids.slice(2))));
        expect(second.map((change) => change.key)).toEqual(ids.slice(2));
        const [listed] = (await feed().listSubscriptions()).filter((info) => info.name === name);
        expect(listed?.position).toBe((first[1] as Change).position);

        await again.acknowledge((second[1] as Change).position);
        await again.close();
        const third = await feed().openReader(name);
        expect(ofUsers(ids)(await third.read({ waitMs: 200 }))).toEqual([]);
        await unsubscribe(name, third);
      });

      it('acknowledging an earlier position changes nothing; acknowledging twice is harmless', async () => {
        const { name, reader } = await subscribe();
        const ids = await users(2);
        const read = ofUsers(ids)(await readUntil(reader, sawAll(ids)));
        await reader.acknowledge((read[1] as Change).position);
        await reader.acknowledge((read[1] as Change).position);
        await reader.acknowledge((read[0] as Change).position);
        const [listed] = (await feed().listSubscriptions()).filter((info) => info.name === name);
        expect(listed?.position).toBe((read[1] as Change).position);
        await unsubscribe(name, reader);
      });

      it('keeps two subscriptions independent', async () => {
        const a = await subscribe();
        const b = await subscribe();
        const ids = await users(2);
        const readA = ofUsers(ids)(await readUntil(a.reader, sawAll(ids)));
        await a.reader.acknowledge((readA[readA.length - 1] as Change).position);
        await a.reader.close();
        expect(ofUsers(ids)(await readUntil(b.reader, sawAll(ids))).map((change) => change.key)).toEqual(ids);
        await b.reader.close();
        const againB = await feed().openReader(b.name);
        expect(ofUsers(ids)(await readUntil(againB, sawAll(ids))).map((change) => change.key)).toEqual(ids);
        const againA = await feed().openReader(a.name);
        expect(ofUsers(ids)(await againA.read({ waitMs: 200 }))).toEqual([]);
        await unsubscribe(a.name, againA);
        await unsubscribe(b.name, againB);
      });

      it('starts after a given position: a change, or currentPosition', async () => {
        const holder = await subscribe();
        const [x, y, z] = await users(3);
        const read = ofUsers([x!, y!, z!])(await readUntil(holder.reader, sawAll([x!, y!, z!])));
        const afterX = subscriptionName();
        await feed().createSubscription(afterX, { from: (read[0] as Change).position });
        const fromX = await feed().openReader(afterX);
        expect(ofUsers([x!, y!, z!])(await readUntil(fromX, sawAll([y!, z!]))).map((c) => c.key)).toEqual([y, z]);

        const position = await feed().currentPosition();
        const [w] = await users(1);
        const afterNow = subscriptionName();
        const info = await feed().createSubscription(afterNow, { from: position });
        expect(info.position).toBe(position);
        const fromNow = await feed().openReader(afterNow);
        expect(ofUsers([x!, y!, z!, w!])(await readUntil(fromNow, sawAll([w!]))).map((c) => c.key)).toEqual([w]);
        await unsubscribe(afterX, fromX);
        await unsubscribe(afterNow, fromNow);
        await unsubscribe(holder.name, holder.reader);
      });

      it('answers currentPosition and createSubscription while writes go on without a lull, and misses no write started after either', async () => {
        // A store that finds "the end of the log" by reading until nothing more comes never answers under steady
        // writes (DynamoDB's reader once did exactly that: a cut-over's subscription waited minutes for a lull).
        const bound = async <T>(what: string, call: Promise<T>): Promise<T> => {
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(new Error(`${what} did not answer within ${STEADY_WRITES_BOUND_MS} ms while writes went on`)),
              STEADY_WRITES_BOUND_MS,
            );
          });
          try {
            return await Promise.race([call, late]);
          } finally {
            clearTimeout(timer);
          }
        };
        const writes: { id: string; startedAt: number }[] = [];
        let writing = true;
        const writer = async (): Promise<void> => {
          for (let i = 0; writing; i += 1) {
            const startedAt = performance.now();
            const user = await store().users.create({ email: fixtures.email(), displayName: `Steady ${i}` });
            writes.push({ id: user.id, startedAt });
            // A store answering in microtasks (memory) would otherwise never let a timer run.
            await new Promise((resolve) => setImmediate(resolve));
          }
        };
        // Several at once, so writes keep coming while the calls run.
        const writers = Array.from({ length: 8 }, writer);
        const atLeast = async (count: number): Promise<void> => {
          while (writes.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
        };
        const byPosition = subscriptionName();
        const byName = subscriptionName();
        let positionAt: number;
        let createdAt: number;
        try {
          await atLeast(10);
          await bound('createSubscription', feed().createSubscription(byName));
          createdAt = performance.now();
          await atLeast(writes.length + 10);
          // The first subscription holds the changes after its position (PostgreSQL keeps them for a slot only).
          const position = await bound('currentPosition', feed().currentPosition());
          positionAt = performance.now();
          await feed().createSubscription(byPosition, { from: position });
          await atLeast(writes.length + 10);
        } finally {
          writing = false;
          await Promise.all(writers);
        }
        const startedAfter = (at: number) => writes.filter((write) => write.startedAt > at).map((write) => write.id);
        for (const [name, ids] of [
          [byPosition, startedAfter(positionAt)],
          [byName, startedAfter(createdAt)],
        ] as const) {
          expect(ids.length, 'writes after the call: the test is wrong').toBeGreaterThanOrEqual(10);
          const reader = await feed().openReader(name);
          const read = ofUsers(ids)(await readUntil(reader, sawAll(ids)));
          expect(new Set(read.map((change) => change.key)), name).toEqual(new Set(ids));
          await unsubscribe(name, reader);
        }
      }, 60_000);

      it('lists subscriptions in name order, with position, creation time, reading and lag', async () => {
        const [one, two] = [subscriptionName(), subscriptionName()].sort();
        const before = Date.now();
        const created = await feed().createSubscription(one!);
        await feed().createSubscription(two!, { from: created.position });
        expect(created).toMatchObject({ name: one, reading: false });
        const reader = await feed().openReader(one!);
        await users(2);
        const listed = (await feed().listSubscriptions()).filter((info) => info.name === one || info.name === two);
        expect(listed.map((info) => [info.name, info.position, info.reading])).toEqual([
          [one, created.position, true],
          [two, created.position, false],
        ]);
        for (const info of listed) {
          expect(info.createdAt.getTime()).toBeGreaterThanOrEqual(before - 5_000);
          expect(info.createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 5_000);
          if (info.lag.changes !== null) expect(info.lag.changes).toBeGreaterThanOrEqual(2);
          if (info.lag.ms !== null) expect(info.lag.ms).toBeGreaterThanOrEqual(0);
          if (info.lag.bytes !== null) expect(info.lag.bytes).toBeGreaterThanOrEqual(0);
        }
        const names = (await feed().listSubscriptions()).map((info) => info.name);
        expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        await unsubscribe(one!, reader);
        await feed().dropSubscription(two!);
      });

      it('drops a subscription: gone from the list, NOT_FOUND after, and its open session ends', async () => {
        const { name, reader } = await subscribe();
        const pending = expectCohortError(reader.read({ waitMs: 5_000 }), 'NOT_FOUND');
        await feed().dropSubscription(name);
        await pending;
        expect((await feed().listSubscriptions()).map((info) => info.name)).not.toContain(name);
        await expectCohortError(feed().openReader(name), 'NOT_FOUND');
        await expectCohortError(feed().dropSubscription(name), 'NOT_FOUND');
        await expectCohortError(reader.read(), 'NOT_FOUND');
        await reader.close();
        // The name is free again.
        await feed().createSubscription(name);
        await feed().dropSubscription(name);
      });

      it('refuses a second session of one subscription (CONFLICT) until the first is closed', async () => {
        const { name, reader } = await subscribe();
        await expectCohortError(feed().openReader(name), 'CONFLICT');
        await reader.close();
        await reader.close();
        const again = await feed().openReader(name);
        await unsubscribe(name, again);
      });

      it('refuses a taken name (CONFLICT) and leaves the subscription as it was', async () => {
        const name = subscriptionName();
        const created = await feed().createSubscription(name);
        await users(1);
        await expectCohortError(feed().createSubscription(name), 'CONFLICT');
        const [listed] = (await feed().listSubscriptions()).filter((info) => info.name === name);
        expect(listed?.position).toBe(created.position);
        await feed().dropSubscription(name);
      });

      it('waits for a change within waitMs, answers [] when none comes, and close ends a pending read', async () => {
        const { name, reader } = await subscribe();
        const pending = reader.read({ waitMs: FEED_TIMEOUT_MS });
        const [id] = await users(1);
        const first = await pending;
        expect(first.length, 'the read waited and answered with the change').toBeGreaterThan(0);
        // A store may answer with the first changes that came; the user's must follow.
        const read = [...first, ...(await readUntil(reader, (more) => sawAll([id!])([...first, ...more])))];
        expect(read.map((change) => change.key)).toContain(id);

        const quiet = await subscribe();
        const started = Date.now();
        expect(await quiet.reader.read({ waitMs: 300 })).toEqual([]);
        expect(Date.now() - started).toBeGreaterThanOrEqual(250);
        const waiting = quiet.reader.read({ waitMs: FEED_TIMEOUT_MS });
        await quiet.reader.close();
        expect(await waiting).toEqual([]);
        await feed().dropSubscription(quiet.name);
        await unsubscribe(name, reader);
      });

      it('refuses overlapping reads (CONFLICT), and reads or acknowledgements after close (CONFLICT)', async () => {
        const { name, reader } = await subscribe();
        const pending = reader.read({ waitMs: 2_000 });
        await expectCohortError(reader.read(), 'CONFLICT');
        const [id] = await users(1);
        const first = await pending;
        const read = [...first, ...(await readUntil(reader, (more) => sawAll([id!])([...first, ...more])))];
        await reader.close();
        await expectCohortError(reader.read(), 'CONFLICT');
        await expectCohortError(reader.acknowledge((read[0] as Change).position), 'CONFLICT');
        await feed().dropSubscription(name);
      });
    });

    describe('markers', () => {
      const markerName = (): string => `m-${fixtures.unique()}`;
      const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

      /**
       * A subscription at 'now' read by a session that listens for markers and numbers its reads: which read returned
       * each change, and which read heard each marker. A marker written before the subscription may be heard too (at
       * least once), so checks look at the markers the test wrote after subscribing, plus the ones it must never hear.
       */
      async function listen(on: CohortStore = store()) {
        let reads = 0;
        const returned: { readonly read: number; readonly change: Change }[] = [];
        const heard: { readonly read: number; readonly marker: string }[] = [];
        const { name, reader } = await subscribe(on, {
          onMarker: (marker) => heard.push({ read: reads, marker }),
        });
        const read = async (options?: { limit?: number; waitMs?: number }): Promise<readonly Change[]> => {
          reads += 1;
          const changes = await reader.read(options);
          for (const change of changes) returned.push({ read: reads, change });
          return changes;
        };
        return {
          read,
          /** Reads (each with `options`) until `done` holds or FEED_TIMEOUT_MS passed. */
          async until(done: () => boolean, options: { limit?: number; waitMs?: number } = {}): Promise<void> {
            const deadline = Date.now() + FEED_TIMEOUT_MS;
            while (!done() && Date.now() < deadline) await read({ waitMs: 1_000, ...options });
          },
          /** The markers heard, in order, of those in `names`. */
          heardOf: (...names: string[]): string[] =>
            heard.map((entry) => entry.marker).filter((marker) => names.includes(marker)),
          /** The read that heard `marker` (undefined: not heard). */
          heardIn: (marker: string): number | undefined => heard.find((entry) => entry.marker === marker)?.read,
          /** The read that returned the change of `key` (undefined: not returned). */
          readOf: (key: string): number | undefined => returned.find((entry) => entry.change.key === key)?.read,
          keys: (): string[] => returned.map((entry) => entry.change.key),
          close: (): Promise<void> => unsubscribe(name, reader, on),
        };
      }
      type Listener = Awaited<ReturnType<typeof listen>>;

      /** Every id came in a read at or before the one that heard `marker` (which was heard). */
      function expectReturnedBy(session: Listener, ids: readonly string[], marker: string): void {
        const heardIn = session.heardIn(marker);
        expect(heardIn, `marker ${marker} was heard`).toBeDefined();
        for (const id of ids) {
          const readIn = session.readOf(id);
          expect(readIn, `${id}, written before marker ${marker}, was returned`).toBeDefined();
          expect(
            (readIn as number) <= (heardIn as number),
            `${id}, written before marker ${marker}, came in read ${readIn}; the marker was heard in read ${heardIn}`,
          ).toBe(true);
        }
      }

      it('is heard once every change committed before it was returned, at the latest with a write after it', async () => {
        const session = await listen();
        const before = await users(3);
        const marker = markerName();
        await feed().writeMarker(marker);
        const [after] = await users(1);
        // Time for a store that streams to receive it all, so a session hearing the marker early would show it; then
        // one change per read, so the read that heard the marker tells where it fell among the changes.
        await pause(300);
        await session.until(() => session.heardIn(marker) !== undefined && session.readOf(after!) !== undefined, {
          limit: 1,
        });
        expectReturnedBy(session, before, marker);
        // The read that returns a change written after the marker passes the marker: it hears it at the latest.
        expect(session.readOf(after!), 'the user written after the marker was returned').toBeDefined();
        expect(
          session.heardIn(marker),
          'the marker was heard by the read that returned the later user, or before',
        ).toBeLessThanOrEqual(session.readOf(after!) as number);
        expect(session.heardOf(marker)).toEqual([marker]);
        expect(session.keys(), 'the changes are the users, never the marker').toEqual([...before, after]);
        await session.close();
      });

      it('hears two markers in the order written, each where it lies among the changes', async () => {
        const session = await listen();
        const [first, second] = [markerName(), markerName()];
        await feed().writeMarker(first);
        const [between] = await users(1);
        await feed().writeMarker(second);
        await pause(300);
        await session.until(() => session.heardIn(second) !== undefined, { limit: 1 });
        expect(session.heardOf(first, second)).toEqual([first, second]);
        expect(session.heardIn(first), 'the first marker was heard by the read that passed it').toBeLessThanOrEqual(
          session.readOf(between!) as number,
        );
        expectReturnedBy(session, [between!], second);
        await session.close();
      });

      it('is heard by every subscription', async () => {
        const [a, b] = [await listen(), await listen()];
        const ids = await users(2);
        const marker = markerName();
        await feed().writeMarker(marker);
        for (const session of [a, b]) {
          await session.until(() => session.heardIn(marker) !== undefined);
          expect(session.heardOf(marker)).toEqual([marker]);
          expectReturnedBy(session, ids, marker);
          await session.close();
        }
      });

      it('leaves a reader without onMarker as it was, and no scan or count shows a marker', async () => {
        const counts = async () =>
          Promise.all(recordSetNames.map((set) => (store().recordSets[set] as RecordSet<unknown>).count()));
        const countsBefore = await counts();
        const scansBefore = await scanSets(store(), recordSetNames);
        const { name, reader } = await subscribe();
        const [before] = await users(1);
        const marker = markerName();
        await feed().writeMarker(marker);
        await feed().writeMarker(marker);
        await feed().writeMarker(markerName());
        const [after] = await users(1);
        const changes = await readUntil(reader, sawAll([before!, after!]));
        expect(changes.map((change) => [change.recordSet, change.key])).toEqual([
          ['users', before],
          ['users', after],
        ]);
        await unsubscribe(name, reader);
        await store().recordSets.users.deleteMany([before!, after!]);
        expect(await counts()).toEqual(countsBefore);
        expect(await scanSets(store(), recordSetNames)).toEqual(scansBefore);
      });

      it('refuses a bad marker name (VALIDATION) and writes nothing', async () => {
        const session = await listen();
        const bad = ['', 'a b', 'x'.repeat(65), 42, null, '-leading', '.leading', 'é', 'a/b'];
        for (const name of bad) await expectCohortError(feed().writeMarker(name as string), 'VALIDATION');
        const longest = markerName().padEnd(64, 'x');
        await feed().writeMarker(longest);
        await session.until(() => session.heardIn(longest) !== undefined);
        expect(session.heardOf(longest, ...bad.map(String), 'x'.repeat(64))).toEqual([longest]);
        expect(session.keys()).toEqual([]);
        await session.close();
      });

      it('ends a read waiting with waitMs promptly once a marker arrives, with no change to return', async () => {
        const session = await listen();
        // Markers written before the subscription may be heard at once: hear them first.
        await session.read({ waitMs: 0 });
        const marker = markerName();
        const waiting = session.read({ waitMs: 5_000 });
        await pause(200);
        const written = Date.now();
        await feed().writeMarker(marker);
        expect(await waiting).toEqual([]);
        const took = Date.now() - written;
        expect(session.heardOf(marker), 'the waiting read heard the marker').toEqual([marker]);
        expect(took, `the read answered ${took} ms after the marker was written`).toBeLessThan(2_000);
        await session.close();
      });

      it("never hears another store's markers", async () => {
        const elsewhere = await other();
        const own = await listen();
        const [theirs, mine, theirsLater, mineLast] = [markerName(), markerName(), markerName(), markerName()];
        await feedOf(elsewhere).writeMarker(theirs);
        await feed().writeMarker(mine);
        await feedOf(elsewhere).writeMarker(theirsLater);
        await feed().writeMarker(mineLast);
        await own.until(() => own.heardIn(mineLast) !== undefined);
        expect(own.heardOf(theirs, mine, theirsLater, mineLast)).toEqual([mine, mineLast]);
        await own.close();
      });

      it('is heard by the next session when the session that could have heard it ends first (at least once)', async () => {
        const name = subscriptionName();
        await feed().createSubscription(name);
        const first = await feed().openReader(name, { onMarker: () => undefined });
        const marker = markerName();
        await feed().writeMarker(marker);
        // Long enough for a store that streams to receive it; the session never reads, so never hears it.
        await pause(300);
        await first.close();
        const heard: string[] = [];
        const second = await feed().openReader(name, { onMarker: (heardMarker) => heard.push(heardMarker) });
        const deadline = Date.now() + FEED_TIMEOUT_MS;
        while (!heard.includes(marker) && Date.now() < deadline) await second.read({ waitMs: 1_000 });
        expect(heard.filter((heardMarker) => heardMarker === marker)).toEqual([marker]);
        await unsubscribe(name, second);
      });
    });

    describe('validation', () => {
      const badNames: unknown[] = ['', 'Upper', 'has space', 'has-hyphen', '_leading', 'x'.repeat(41), 'é', 42, null];

      it('refuses a bad subscription name in every call (VALIDATION)', async () => {
        for (const name of badNames) {
          await expectCohortError(feed().createSubscription(name as string), 'VALIDATION');
          await expectCohortError(feed().openReader(name as string), 'VALIDATION');
          await expectCohortError(feed().dropSubscription(name as string), 'VALIDATION');
        }
        const longest = `a${'0'.repeat(39)}`;
        await feed().createSubscription(longest);
        await feed().dropSubscription(longest);
      });

      it('refuses bad read options (VALIDATION)', async () => {
        const { name, reader } = await subscribe();
        const bad: unknown[] = [
          { limit: 0 },
          { limit: 10_001 },
          { limit: 1.5 },
          { limit: '10' },
          { waitMs: -1 },
          { waitMs: 30_001 },
          { waitMs: Number.NaN },
          { other: 1 },
          'fast',
        ];
        for (const options of bad) await expectCohortError(reader.read(options as never), 'VALIDATION');
        expect(await reader.read({ limit: 10_000, waitMs: 0 })).toBeInstanceOf(Array);
        await unsubscribe(name, reader);
      });

      it('refuses bad subscription options (VALIDATION)', async () => {
        for (const options of [{ from: '' }, { from: 5 }, { from: null }, { other: 1 }]) {
          await expectCohortError(feed().createSubscription(subscriptionName(), options as never), 'VALIDATION');
        }
      });

      /** Variants of a real position that no feed issued. */
      const tampered = (position: string): unknown[] => {
        const middle = Math.floor(position.length / 2);
        const flipped = position[middle] === 'A' ? 'B' : 'A';
        return [
          `${position.slice(0, middle)}${flipped}${position.slice(middle + 1)}`,
          `${position}x`,
          position.slice(1),
          position.split('').reverse().join(''),
          'now!',
          '',
          42,
          null,
        ];
      };

      it('refuses an altered position as a start or an acknowledgement (VALIDATION)', async () => {
        const { name, reader } = await subscribe();
        const [id] = await users(1);
        const [change] = ofUsers([id!])(await readUntil(reader, sawAll([id!])));
        for (const position of tampered((change as Change).position)) {
          await expectCohortError(
            feed().createSubscription(subscriptionName(), { from: position as string }),
            'VALIDATION',
          );
          await expectCohortError(reader.acknowledge(position as string), 'VALIDATION');
        }
        for (const position of tampered(await feed().currentPosition())) {
          await expectCohortError(
            feed().createSubscription(subscriptionName(), { from: position as string }),
            'VALIDATION',
          );
        }
        await unsubscribe(name, reader);
      });

      it('refuses an acknowledgement of a position the session did not deliver (VALIDATION)', async () => {
        const { name, reader } = await subscribe();
        await users(1);
        const ahead = await feed().currentPosition();
        await expectCohortError(reader.acknowledge(ahead), 'VALIDATION');
        await unsubscribe(name, reader);
      });

      it("refuses another store's position (VALIDATION)", async () => {
        const elsewhere = await other();
        const foreign = await feedOf(elsewhere).currentPosition();
        await expectCohortError(feed().createSubscription(subscriptionName(), { from: foreign }), 'VALIDATION');
        const { name, reader } = await subscribe();
        await expectCohortError(reader.acknowledge(foreign), 'VALIDATION');
        await unsubscribe(name, reader);
      });
    });

    describe('a position the store no longer serves', () => {
      if (!losePosition) {
        it.skip('lost position not run: runContractSuite was given no changeFeed.losePosition hook', () => undefined);
        return;
      }
      it('is POSITION_LOST for the subscription and as a start, never a silent gap; the subscription can be dropped', async () => {
        const elsewhere = await other();
        const lostFeed = feedOf(elsewhere);
        const name = subscriptionName();
        const created = await lostFeed.createSubscription(name);
        await elsewhere.users.create({ email: fixtures.email(), displayName: 'Lost' });
        await losePosition({ store: elsewhere, subscription: name, clock: context.clock });

        await expectCohortError(async () => {
          const reader = await lostFeed.openReader(name);
          try {
            await reader.read();
          } finally {
            await reader.close();
          }
        }, 'POSITION_LOST');
        await expectCohortError(
          lostFeed.createSubscription(subscriptionName(), { from: created.position }),
          'POSITION_LOST',
        );
        expect((await lostFeed.listSubscriptions()).map((info) => info.name)).toContain(name);
        await lostFeed.dropSubscription(name);

        // A new subscription works again, from now on.
        const fresh = subscriptionName();
        await lostFeed.createSubscription(fresh);
        const reader = await lostFeed.openReader(fresh);
        const user = await elsewhere.users.create({ email: fixtures.email(), displayName: 'Found' });
        const read = await readUntil(reader, (changes) => changes.some((change) => change.key === user.id));
        expect(read.map((change) => change.key)).toContain(user.id);
        await unsubscribe(fresh, reader, elsewhere);
      });
    });
  });
}
