import { newId, type CohortStore, type User } from '@cohort/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyItem, outcomeOf, type Outcome } from './support/normalize.js';
import { openLossyDynamo, openLossyPostgres, type LossyStore } from './support/lossy-stores.js';
import { HOUR } from './support/world.js';

// A response lost after a committed write: the caller's call fails (or the adapter's own retry meets its first
// attempt's effect), the caller retries, and the store must hold exactly one effect. The outcome each store gives
// the first call and the retry is pinned here and written down in RELIABILITY.md.

/** PostgreSQL never retries a dropped connection itself, so one lost response is all it takes there. */
type Column = 'postgres' | 'dynamo once' | 'dynamo every';

/** What the caller sees: a value (`ok`, or the value itself when it tells something) or an error code. */
type Seen = string;

interface LostResponseCase {
  readonly name: string;
  /**
   * What the caller sees from the call whose committed response is lost, then from its retry (null: no retry, the
   * first call succeeded). `dynamo once` loses one response (the adapter's own retry meets the committed write);
   * `dynamo every` loses every response until the call gives up, as a partition would.
   */
  readonly expected: Readonly<Partial<Record<Column, readonly [Seen, Seen | null, ...string[]]>>>;
  setup(store: CohortStore): Promise<Record<string, string>>;
  act(store: CohortStore, ids: Record<string, string>): Promise<unknown>;
  /** Asserts exactly one effect; may describe what it found when that differs between stores. */
  effect(store: CohortStore, ids: Record<string, string>): Promise<string | void>;
}

function seen(outcome: Outcome): Seen {
  if (!outcome.ok) return outcome.error;
  const value = outcome.value;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && value !== null && 'appended' in value) return JSON.stringify(value);
  return 'ok';
}

async function newEvent(store: CohortStore, capacity: number): Promise<string> {
  const startsAt = new Date(Date.now() + 24 * HOUR);
  const event = await store.events.create({
    title: 'Lost response',
    hostId: newId(),
    startsAt,
    endsAt: new Date(startsAt.getTime() + HOUR),
    capacity,
  });
  return event.id;
}

async function newPost(store: CohortStore): Promise<{ communityId: string; postId: string }> {
  const community = await store.communities.create({
    slug: `lost-${newId().slice(-12)}`,
    name: 'Lost response',
    ownerId: newId(),
  });
  const post = await store.posts.create({ communityId: community.id, authorId: newId(), body: 'Hello' });
  return { communityId: community.id, postId: post.id };
}

const cases: readonly LostResponseCase[] = [
  {
    name: 'events.register',
    expected: { postgres: ['UNAVAILABLE', 'ok'], 'dynamo every': ['UNAVAILABLE', 'ok'], 'dynamo once': ['ok', null] },
    setup: async (store) => ({ eventId: await newEvent(store, 2), userId: newId() }),
    act: (store, ids) => store.events.register(ids['eventId'] ?? '', ids['userId'] ?? ''),
    effect: async (store, ids) => {
      const registrations = await everyItem((page) => store.events.listRegistrations(ids['eventId'] ?? '', {}, page));
      expect(registrations.map((r) => [r.userId, r.status, r.position])).toEqual([[ids['userId'], 'registered', 1]]);
      expect(await store.events.getById(ids['eventId'] ?? '')).toMatchObject({ registeredCount: 1, waitlistCount: 0 });
    },
  },
  {
    name: 'events.cancelRegistration',
    expected: { postgres: ['UNAVAILABLE', 'ok'], 'dynamo once': ['ok', null] },
    setup: async (store) => {
      const eventId = await newEvent(store, 1);
      const [first, second] = [newId(), newId()];
      await store.events.register(eventId, first);
      await store.events.register(eventId, second);
      return { eventId, first, second };
    },
    act: (store, ids) => store.events.cancelRegistration(ids['eventId'] ?? '', ids['first'] ?? ''),
    effect: async (store, ids) => {
      const registrations = await everyItem((page) => store.events.listRegistrations(ids['eventId'] ?? '', {}, page));
      expect(registrations.map((r) => [r.userId, r.status])).toEqual([
        [ids['first'], 'cancelled'],
        [ids['second'], 'registered'],
      ]);
      expect(await store.events.getById(ids['eventId'] ?? '')).toMatchObject({ registeredCount: 1, waitlistCount: 0 });
    },
  },
  {
    name: 'memberships.join',
    expected: { postgres: ['UNAVAILABLE', 'ok'], 'dynamo once': ['ok', null] },
    setup: async (store) => ({ ...(await newPost(store)), userId: newId() }),
    act: (store, ids) => store.memberships.join(ids['communityId'] ?? '', ids['userId'] ?? ''),
    effect: async (store, ids) => {
      const members = await everyItem((page) => store.memberships.listMembers(ids['communityId'] ?? '', page));
      expect(members).toHaveLength(2);
      expect(await store.communities.getById(ids['communityId'] ?? '')).toMatchObject({ memberCount: 2 });
    },
  },
  {
    name: 'memberships.leave',
    expected: { postgres: ['UNAVAILABLE', 'false'], 'dynamo once': ['true', null] },
    setup: async (store) => {
      const { communityId } = await newPost(store);
      const userId = newId();
      await store.memberships.join(communityId, userId);
      return { communityId, userId };
    },
    act: (store, ids) => store.memberships.leave(ids['communityId'] ?? '', ids['userId'] ?? ''),
    effect: async (store, ids) => {
      const members = await everyItem((page) => store.memberships.listMembers(ids['communityId'] ?? '', page));
      expect(members).toHaveLength(1);
      expect(await store.communities.getById(ids['communityId'] ?? '')).toMatchObject({ memberCount: 1 });
    },
  },
  {
    name: 'posts.react',
    expected: { postgres: ['UNAVAILABLE', 'false'], 'dynamo once': ['true', null] },
    setup: async (store) => ({ ...(await newPost(store)), userId: newId() }),
    act: (store, ids) => store.posts.react(ids['postId'] ?? '', ids['userId'] ?? '', 'like'),
    effect: async (store, ids) => {
      expect((await store.posts.getById(ids['postId'] ?? ''))?.reactionCounts).toMatchObject({ like: 1 });
    },
  },
  {
    name: 'posts.unreact',
    expected: { postgres: ['UNAVAILABLE', 'false'], 'dynamo once': ['true', null] },
    setup: async (store) => {
      const { postId } = await newPost(store);
      const userId = newId();
      await store.posts.react(postId, userId, 'support');
      await store.posts.react(postId, newId(), 'support');
      return { postId, userId };
    },
    act: (store, ids) => store.posts.unreact(ids['postId'] ?? '', ids['userId'] ?? '', 'support'),
    effect: async (store, ids) => {
      expect((await store.posts.getById(ids['postId'] ?? ''))?.reactionCounts).toMatchObject({ support: 1 });
    },
  },
  {
    name: 'enrollments.enroll',
    expected: { postgres: ['UNAVAILABLE', 'ok'], 'dynamo once': ['ok', null] },
    setup: async (store) => {
      const content = await store.contents.create({ kind: 'course', title: 'Lost', authorId: newId() });
      return { contentId: content.id, userId: newId() };
    },
    act: (store, ids) => store.enrollments.enroll(ids['userId'] ?? '', ids['contentId'] ?? ''),
    effect: async (store, ids) => {
      expect(await store.enrollments.countsFor(ids['contentId'] ?? '')).toEqual({ enrolled: 1, completed: 0 });
      expect((await store.enrollments.listByUser(ids['userId'] ?? '')).items).toHaveLength(1);
    },
  },
  {
    name: 'activity.append with ids',
    expected: {
      postgres: ['UNAVAILABLE', '{"appended":0,"duplicates":3}'],
      'dynamo every': ['UNAVAILABLE', '{"appended":0,"duplicates":3}'],
      'dynamo once': ['{"appended":3,"duplicates":0}', null],
    },
    setup: async (store) => {
      // One event of that month first: PostgreSQL makes the month's partition then, not during the call under test.
      await store.activity.append([
        { actorId: newId(), verb: 'signed_in', object: { type: 'user', id: 'warm-up' }, occurredAt: DAY },
      ]);
      return { actorId: newId(), a: newId(), b: newId(), c: newId(), countedBefore: String(await viewedOn(store)) };
    },
    act: (store, ids) =>
      store.activity.append(
        ['a', 'b', 'c'].map((key, index) => ({
          id: ids[key] ?? '',
          actorId: ids['actorId'] ?? '',
          verb: 'viewed' as const,
          object: { type: 'content' as const, id: `lost-${ids['actorId'] ?? ''}` },
          occurredAt: new Date(DAY.getTime() + index * HOUR),
        })),
      ),
    effect: async (store, ids) => {
      const events = await everyItem((page) => store.activity.listByActor(ids['actorId'] ?? '', undefined, page));
      expect(events).toHaveLength(3);
      // Other tests append on these days too: the counters must have grown by exactly 3 since setup.
      const counted = await viewedOn(store);
      expect(counted - Number(ids['countedBefore']), 'daily counters count each event once').toBe(3);
    },
  },
  {
    name: 'recordSets.users.putMany',
    expected: { postgres: ['UNAVAILABLE', 'ok'], 'dynamo once': ['ok', null] },
    setup: () => Promise.resolve({ a: newId(), b: newId() }),
    act: (store, ids) => store.recordSets.users.putMany([userRecord(ids['a'] ?? ''), userRecord(ids['b'] ?? '')]),
    effect: async (store, ids) => {
      for (const id of [ids['a'] ?? '', ids['b'] ?? '']) {
        expect(await store.users.getById(id)).toEqual(userRecord(id));
        expect((await store.users.findByEmail(userRecord(id).email))?.id).toBe(id);
      }
    },
  },
  {
    name: 'users.update with expectedVersion',
    expected: {
      postgres: ['UNAVAILABLE', 'CONCURRENCY'],
      'dynamo every': ['UNAVAILABLE', 'CONCURRENCY'],
      'dynamo once': ['ok', null],
    },
    setup: async (store) => {
      const user = await store.users.create({ email: `lost-${newId()}@example.com`, displayName: 'Before' });
      return { userId: user.id };
    },
    act: (store, ids) => store.users.update(ids['userId'] ?? '', { displayName: 'After' }, 1),
    effect: async (store, ids) => {
      expect(await store.users.getById(ids['userId'] ?? '')).toMatchObject({ displayName: 'After', version: 2 });
    },
  },
  {
    name: 'users.create',
    expected: {
      postgres: ['UNAVAILABLE', 'CONFLICT'],
      'dynamo once': ['ok', null],
    },
    setup: () => Promise.resolve({ email: `lost-${newId()}@example.com` }),
    act: (store, ids) => store.users.create({ email: ids['email'] ?? '', displayName: 'Once' }),
    effect: async (store, ids) => {
      expect(await store.users.findByEmail(ids['email'] ?? '')).toMatchObject({ displayName: 'Once', version: 1 });
    },
  },
  {
    name: 'posts.addComment (not idempotent)',
    expected: {
      postgres: ['UNAVAILABLE', 'ok', '2 comments'],
      'dynamo every': ['UNAVAILABLE', 'ok', '2 comments'],
      'dynamo once': ['ok', null, '1 comments'],
    },
    setup: async (store) => ({ ...(await newPost(store)), authorId: newId() }),
    act: (store, ids) => store.posts.addComment(ids['postId'] ?? '', { authorId: ids['authorId'] ?? '', body: 'Hi' }),
    effect: async (store, ids) => {
      const comments = await everyItem((page) => store.posts.listComments(ids['postId'] ?? '', page));
      const post = await store.posts.getById(ids['postId'] ?? '');
      expect(post?.commentCount, 'commentCount equals the comments').toBe(comments.length);
      return `${comments.length} comments`;
    },
  },
];

const DAY = new Date('2032-01-01T00:00:00.000Z');

/** Events viewed on the days the append case writes (its store is used by one test at a time). */
async function viewedOn(store: CohortStore): Promise<number> {
  const counts = await store.activity.dailyCounts({ from: '2032-01-01', to: '2032-01-01', verb: 'viewed' });
  return counts.reduce((sum, count) => sum + count.count, 0);
}

function userRecord(id: string): User {
  const at = new Date('2024-02-02T02:02:02.002Z');
  return {
    id,
    email: `put-${id}@example.com`,
    displayName: 'Put',
    role: 'learner',
    status: 'active',
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

const columns = [
  { column: 'postgres', open: openLossyPostgres, mode: 'once' },
  { column: 'dynamo once', open: openLossyDynamo, mode: 'once' },
  { column: 'dynamo every', open: openLossyDynamo, mode: 'every' },
] as const;

describe.each(columns)('a response lost after the commit ($column)', ({ column, open, mode }) => {
  let lossy: LossyStore | undefined;
  const observed: string[] = [];

  beforeAll(async () => {
    lossy = await open();
  });

  afterAll(async () => {
    console.log(`lost responses (${column}):\n${observed.join('\n')}`);
    await lossy?.close();
  });

  it.each(cases.filter((testCase) => testCase.expected[column] !== undefined))(
    '$name leaves exactly one effect',
    async (testCase) => {
      if (!lossy) throw new Error('the store did not open');
      const { store } = lossy;
      const ids = await testCase.setup(store);
      const lostBefore = lossy.lost();
      lossy.arm(mode);
      const first = await outcomeOf(() => testCase.act(store, ids)).finally(() => lossy?.disarm());
      expect(lossy.lost(), 'a committed response was thrown away').toBeGreaterThan(lostBefore);
      const retry = first.ok ? null : await outcomeOf(() => testCase.act(store, ids));
      const note = await testCase.effect(store, ids);
      const outcome = [seen(first), retry === null ? null : seen(retry), ...(note ? [note] : [])];
      observed.push(`  ${testCase.name}: first ${outcome[0]}, retry ${outcome[1] ?? '(none)'} ${note ?? ''}`);
      expect(outcome, 'what the caller sees, first and on its retry').toEqual(testCase.expected[column]);
    },
  );
});
