import {
  CohortError,
  recordKeys,
  type ActivityEvent,
  type ActivityObject,
  type CohortStore,
  type Comment,
  type Community,
  type Content,
  type DailyCount,
  type Enrollment,
  type Event,
  type Membership,
  type Page,
  type PageRequest,
  type Post,
  type RecordOf,
  type RecordSet,
  type RecordSetName,
  type Registration,
  type User,
} from '@cohort/core';
import {
  decodeCursor,
  encodeCursor,
  listScope,
  pagedLists,
  type CursorKey,
  type CursorPart,
  type ListFilterValue,
  type PagedList,
} from '@cohort/core/adapter';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ContractContext } from '../contract-context.js';
import { expectCohortError } from '../expect-cohort-error.js';
import { collectAll } from './collect-pages.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Fetch<T> = (page?: PageRequest) => Promise<Page<T>>;
/** Row `i`'s timestamp; negative and past-the-end indexes are used for rows added later. */
type Times = (i: number) => Date;

/** The rows one test made in one list, and ways to add to it and to read the same data through other queries. */
interface Scope<T> {
  /** The list under test. */
  readonly fetch: Fetch<T>;
  /** The rows this test made that the list must return (in any order: the case's `order` sorts them). */
  readonly rows: readonly T[];
  /** Adds one more row to the list, stamped `at`. */
  add(at: Date): Promise<void>;
  /** Other queries or filters over (some of) the same rows, with at least two rows each: none may take this list's cursors. */
  readonly siblings: readonly Fetch<unknown>[];
  /** The cursor every store must issue for this list (core's `listScope` and the list's key); scans have none. */
  readonly issues?: IssuedCursor<T>;
}

/** Core's cursor for a list: the scope naming the list and its filter values, the key parts' kinds, the last row's key. */
interface IssuedCursor<T> {
  readonly scope: string;
  readonly parts: readonly CursorPart[];
  readonly keyOf: (row: T) => CursorKey;
}

function issued<T>(
  list: PagedList,
  filters: readonly ListFilterValue[],
  keyOf: (row: T) => CursorKey,
): IssuedCursor<T> {
  return { scope: listScope(list, ...filters), parts: pagedLists[list], keyOf };
}

interface ListCase<T> {
  readonly name: string;
  /**
   * The list shows every row of the store (users.list, communities.list, scans…): such cases run on a store of this
   * group's own, so walking it stays cheap, and they check their own rows within it.
   */
  readonly global: boolean;
  /** The documented order, strict on distinct rows; absent for scans, whose order is the adapter's choice. */
  readonly order?: (a: T, b: T) => number;
  /** What identifies a row (core's record key). */
  readonly key: (row: T) => string;
  /** The largest page the list serves: 100 (MAX_PAGE_LIMIT) unless given; scans serve 1,000 (MAX_SCAN_LIMIT). */
  readonly maxLimit?: number;
  /** Makes `size` rows of a fresh scope, row `i` stamped `at(i)` (the clock is frozen there while it is stored). */
  seed(store: CohortStore, size: number, at: Times): Promise<Scope<T>>;
}

/** Code-unit order, the order every store must agree on (no locale collation). */
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const newest = (a: Date, b: Date): number => b.getTime() - a.getTime();
const oldest = (a: Date, b: Date): number => a.getTime() - b.getTime();

/** Groups of four rows share a millisecond, so pages of three end inside a group of ties. */
const mixedTimes =
  (base: number): Times =>
  (i) =>
    new Date(base + Math.floor(i / 4));
/** Every row at the same millisecond: only the tie-breakers order them. */
const sameTime =
  (base: number): Times =>
  () =>
    new Date(base);

function duplicatesOf(keys: readonly string[]): string[] {
  const seen = new Set<string>();
  return keys.filter((key) => (seen.has(key) ? true : (seen.add(key), false)));
}

const base64Url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/** A valid cursor of `fetch` (which must hold at least two rows). */
async function cursorOf(fetch: Fetch<unknown>): Promise<string> {
  const { nextCursor } = await fetch({ limit: 1 });
  expect(nextCursor, 'the list should have a second page').toEqual(expect.any(String));
  return nextCursor as string;
}

/** Edited, cut, padded and invented versions of a real cursor. */
function tampered(cursor: string): string[] {
  const flip = (index: number): string =>
    cursor.slice(0, index) + (cursor[index] === 'A' ? 'B' : 'A') + cursor.slice(index + 1);
  const middle = Math.floor((cursor.includes('.') ? cursor.indexOf('.') : cursor.length) / 2);
  return [
    flip(1),
    flip(middle),
    flip(cursor.length - 1),
    cursor.slice(0, -1),
    cursor.slice(0, Math.floor(cursor.length / 2)),
    `${cursor}A`,
    `${cursor}.${cursor}`,
    'garbage',
    '%%%',
    '.',
    'null',
    '🙂',
    base64Url('{"hello":"world"}'),
    base64Url('[1,2,3]'),
    base64Url(JSON.stringify({ s: 'users.list', k: [] })),
    encodeCursor('some.other.query', [1, 'x']),
    'A'.repeat(2049),
  ];
}

/** Numbers no cursor holds: beyond Date's range, one millisecond outside 0001-01-01 … 9999-12-31, fractions, huge. */
const FORGED_NUMBERS = [
  8.64e15 + 1,
  -8.64e15 - 1,
  Date.parse('9999-12-31T23:59:59.999Z') + 1,
  Date.parse('0001-01-01T00:00:00.000Z') - 1,
  1e300,
  0.5,
  Number.MAX_SAFE_INTEGER + 2,
];
/** Strings no cursor holds: empty, NUL, longer than any key. */
const FORGED_STRINGS = ['', '\u0000', 'x'.repeat(1100)];

/**
 * Cursors with this list's scope and a valid checksum whose key values were never issued: each value in turn out of
 * range or of the other kind, and keys one value short or long.
 */
function forged(cursor: string): { name: string; cursor: string }[] {
  const [body = ''] = cursor.split('.');
  const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { s: string; k: (string | number)[] };
  const result: { name: string; cursor: string }[] = [];
  decoded.k.forEach((value, index) => {
    const replacements: (string | number)[] =
      typeof value === 'number' ? [...FORGED_NUMBERS, String(value)] : [...FORGED_STRINGS, 0];
    for (const replacement of replacements) {
      const key = decoded.k.map((part, at) => (at === index ? replacement : part));
      result.push({
        name: `key[${index}] = ${JSON.stringify(replacement).slice(0, 20)}`,
        cursor: encodeCursor(decoded.s, key),
      });
    }
  });
  result.push({ name: 'a key one value short', cursor: encodeCursor(decoded.s, decoded.k.slice(0, -1)) });
  result.push({ name: 'a key one value long', cursor: encodeCursor(decoded.s, [...decoded.k, decoded.k[0] ?? 0]) });
  return result;
}

/** Hands out fresh UTC days of a random far-off year, so daily counters made here are this group's own. */
function dayAllocator(): () => number {
  const start = Date.UTC(2200 + Math.floor(Math.random() * 700), 6, 1);
  let next = 0;
  return () => start + (next++ + 1) * DAY;
}

function listCase<T>(spec: ListCase<T>): ListCase<unknown> {
  return spec as unknown as ListCase<unknown>;
}

export function paginationContract(context: ContractContext): void {
  const { fixtures, clock } = context;
  const freshDay = dayAllocator();
  let globalStore: CohortStore | undefined;

  /** Freezes the clock at `at`, so the next write is stamped with it. */
  const stamp = (at: Date): void => clock.freeze(at);

  const newCommunity = (store: CohortStore): Promise<Community> =>
    store.communities.create({ slug: fixtures.slug('pages'), name: 'Paged', ownerId: fixtures.id() });
  const newContent = (store: CohortStore, tags: string[] = [], authorId = fixtures.id()): Promise<Content> =>
    store.contents.create({ kind: 'article', title: 'Paged', authorId, tags });
  const newEvent = (store: CohortStore, startsAt: Date, options: { capacity?: number; communityId?: string } = {}) =>
    store.events.create({
      title: 'Paged event',
      hostId: fixtures.id(),
      startsAt,
      endsAt: new Date(startsAt.getTime() + HOUR),
      capacity: options.capacity ?? 5,
      communityId: options.communityId ?? null,
    });
  const newPost = (store: CohortStore, communityId: string): Promise<Post> =>
    store.posts.create({ communityId, authorId: fixtures.id(), body: 'Paged post' });
  /** Slugs whose code-unit order differs from what a locale collation would give (`a-b` before `ab`). */
  const slugSuffixes = ['a', 'a-b', 'ab', 'a0', 'a-0', 'b', '0', 'z-z', 'zz', 'a--b', '9'];
  const orderedSlug = (prefix: string, i: number): string =>
    `${prefix}-${slugSuffixes[i % slugSuffixes.length] as string}${i >= slugSuffixes.length ? `-${i}` : ''}`;

  /** Events of one actor about one object, stamped by `at`, plus the noise the list must leave out. */
  function activityRows(at: Times, size: number, actorId: string, object: ActivityObject): ActivityEvent[] {
    return Array.from({ length: size }, (_, i) => ({
      id: fixtures.id(),
      actorId,
      verb: 'viewed' as const,
      object,
      occurredAt: at(i),
      metadata: { i },
    }));
  }
  const newestEventFirst = (a: ActivityEvent, b: ActivityEvent): number =>
    newest(a.occurredAt, b.occurredAt) || byCodeUnit(b.id, a.id);
  const activityKey = (event: ActivityEvent): CursorKey => [event.occurredAt.getTime(), event.id];

  const publishedCase = (withTag: boolean) =>
    listCase<Content>({
      name: withTag ? 'contents.listPublished({ tag })' : 'contents.listPublished()',
      global: !withTag,
      order: (a, b) => newest(a.publishedAt as Date, b.publishedAt as Date) || byCodeUnit(b.id, a.id),
      key: (content) => content.id,
      async seed(store, size, at) {
        const tag = fixtures.tag();
        const authorId = fixtures.id();
        const publish = async (when: Date): Promise<Content> => {
          stamp(when);
          const draft = await newContent(store, [tag], authorId);
          return store.contents.update(draft.id, { status: 'published' }, draft.version);
        };
        const rows: Content[] = [];
        for (let i = 0; i < size; i += 1) rows.push(await publish(at(i)));
        await newContent(store, [tag], authorId); // a draft: never listed
        return {
          fetch: (page) =>
            withTag ? store.contents.listPublished({ tag }, page) : store.contents.listPublished({}, page),
          rows,
          add: async (when) => void (await publish(when)),
          siblings: withTag
            ? [
                (page) => store.contents.listPublished({ tag, authorId }, page),
                (page) => store.contents.listPublished({ authorId }, page),
              ]
            : [(page) => store.contents.listPublished({ tag }, page)],
          issues: issued('contents.listPublished', [withTag ? tag : undefined, undefined], (content) => [
            (content.publishedAt as Date).getTime(),
            content.id,
          ]),
        };
      },
    });

  const upcomingCase = (inCommunity: boolean) =>
    listCase<Event>({
      name: inCommunity ? 'events.listUpcoming({ from, communityId })' : 'events.listUpcoming({ from })',
      global: !inCommunity,
      order: (a, b) => oldest(a.startsAt, b.startsAt) || byCodeUnit(a.id, b.id),
      key: (event) => event.id,
      async seed(store, size, at) {
        const communityId = inCommunity ? (await newCommunity(store)).id : undefined;
        const startOf = (when: Date) => new Date(when.getTime() + 30 * DAY);
        const from = startOf(at(-50));
        const rows: Event[] = [];
        for (let i = 0; i < size; i += 1) rows.push(await newEvent(store, startOf(at(i)), { communityId }));
        // Noise: one starting just before `from`, one cancelled.
        await newEvent(store, new Date(from.getTime() - 1), { communityId });
        const cancelled = await newEvent(store, startOf(at(0)), { communityId });
        await store.events.update(cancelled.id, { status: 'cancelled' }, cancelled.version);
        const earlier = new Date(from.getTime() - 1);
        return {
          fetch: (page) => store.events.listUpcoming({ from, communityId }, page),
          rows,
          add: async (when) => void (await newEvent(store, startOf(when), { communityId })),
          siblings: inCommunity
            ? [
                (page) => store.events.listUpcoming({ from: earlier, communityId }, page),
                (page) => store.events.listUpcoming({ from }, page),
              ]
            : [(page) => store.events.listUpcoming({ from: earlier }, page)],
          issues: issued('events.listUpcoming', [from.getTime(), communityId], (event) => [
            event.startsAt.getTime(),
            event.id,
          ]),
        };
      },
    });

  const registrationsCase = (status: 'waitlisted' | undefined) =>
    listCase<Registration>({
      name: status ? `events.listRegistrations(eventId, { status: '${status}' })` : 'events.listRegistrations(eventId)',
      global: false,
      order: (a, b) => a.position - b.position,
      key: (registration) => `${registration.eventId}/${registration.userId}`,
      async seed(store, size, at) {
        const capacity = status ? 1 : 2;
        const event = await newEvent(store, new Date(at(0).getTime() + DAY), { capacity });
        const register = async (when: Date): Promise<Registration> => {
          stamp(when);
          return store.events.register(event.id, fixtures.id());
        };
        const all: Registration[] = [];
        for (let i = 0; i < size + (status ? capacity : 0); i += 1) all.push(await register(at(i)));
        return {
          fetch: (page) => store.events.listRegistrations(event.id, status ? { status } : undefined, page),
          rows: status ? all.filter((registration) => registration.status === status) : all,
          add: async (when) => void (await register(when)),
          siblings: status
            ? [(page) => store.events.listRegistrations(event.id, {}, page)]
            : [
                (page) => store.events.listRegistrations(event.id, { status: 'registered' }, page),
                (page) => store.events.listRegistrations(event.id, { status: 'waitlisted' }, page),
              ],
          issues: issued('events.listRegistrations', [event.id, status], (registration) => [
            registration.position,
            registration.userId,
          ]),
        };
      },
    });

  const activityCase = (by: 'actor' | 'actor in range' | 'object') =>
    listCase<ActivityEvent>({
      name: {
        actor: 'activity.listByActor(actorId)',
        'actor in range': 'activity.listByActor(actorId, { from, to })',
        object: 'activity.listByObject(object)',
      }[by],
      global: false,
      order: newestEventFirst,
      key: (event) => event.id,
      async seed(store, size, at) {
        const actorId = fixtures.id();
        const object: ActivityObject = { type: 'post', id: fixtures.id() };
        const from = at(-50);
        const to = new Date(at(100).getTime() + 1);
        const range = by === 'actor in range' ? { from, to } : undefined;
        const rows = activityRows(at, size, actorId, object);
        const one = (who: string, about: ActivityObject, when: Date) => activityRows(() => when, 1, who, about)[0]!;
        const inRange = by === 'actor in range';
        // Neighbours of the list, each with whether the list must show it.
        const neighbours: [ActivityEvent, boolean][] = [
          [one(actorId, object, new Date(from.getTime() - 1)), !inRange], // just before `from`
          [one(actorId, object, to), !inRange], // at `to`, which is exclusive
          [one(fixtures.id(), object, at(0)), by === 'object'], // someone else, same object
          [one(actorId, { type: 'comment', id: object.id }, at(0)), by !== 'object'], // same id, other type
          [one(fixtures.id(), { type: 'post', id: fixtures.id() }, at(0)), false],
        ];
        await store.activity.append([...neighbours.map(([event]) => event), ...rows].reverse());
        const listed = [...rows, ...neighbours.filter(([, shown]) => shown).map(([event]) => event)];
        const fetch: Fetch<ActivityEvent> =
          by === 'object'
            ? (page) => store.activity.listByObject(object, undefined, page)
            : (page) => store.activity.listByActor(actorId, range, page);
        return {
          fetch,
          rows: listed,
          add: async (when) => void (await store.activity.append(activityRows(() => when, 1, actorId, object))),
          siblings: (
            [
              (page) => store.activity.listByActor(actorId, inRange ? undefined : { from, to }, page),
              (page) => store.activity.listByActor(actorId, { from }, page),
              (page) => store.activity.listByObject(object, undefined, page),
              (page) => store.activity.listByObject(object, { from }, page),
            ] satisfies Fetch<ActivityEvent>[]
          ).filter((_, index) => by !== 'object' || index !== 2),
          issues:
            by === 'object'
              ? issued('activity.listByObject', [object.type, object.id, undefined, undefined], activityKey)
              : issued('activity.listByActor', [actorId, range?.from.getTime(), range?.to.getTime()], activityKey),
        };
      },
    });

  const repositoryCases: ListCase<unknown>[] = [
    listCase<User>({
      name: 'users.list',
      global: true,
      order: (a, b) => byCodeUnit(a.id, b.id),
      key: (user) => user.id,
      async seed(store, size, at) {
        const create = async (when: Date): Promise<User> => {
          stamp(when);
          return store.users.create({ email: fixtures.email(), displayName: 'Paged User' });
        };
        const rows: User[] = [];
        for (let i = 0; i < size; i += 1) rows.push(await create(at(i)));
        return {
          fetch: (page) => store.users.list(page),
          rows,
          add: async (when) => void (await create(when)),
          siblings: [],
          issues: issued('users.list', [], (user) => [user.id]),
        };
      },
    }),
    publishedCase(true),
    publishedCase(false),
    listCase<Enrollment>({
      name: 'enrollments.listByUser(userId)',
      global: false,
      order: (a, b) => newest(a.enrolledAt, b.enrolledAt) || byCodeUnit(b.contentId, a.contentId),
      key: (enrollment) => `${enrollment.userId}/${enrollment.contentId}`,
      async seed(store, size, at) {
        const userId = fixtures.id();
        const enroll = async (when: Date): Promise<Enrollment> => {
          const content = await newContent(store);
          stamp(when);
          return store.enrollments.enroll(userId, content.id);
        };
        const rows: Enrollment[] = [];
        for (let i = 0; i < size; i += 1) rows.push(await enroll(at(i)));
        return {
          fetch: (page) => store.enrollments.listByUser(userId, page),
          rows,
          add: async (when) => void (await enroll(when)),
          siblings: [],
          issues: issued('enrollments.listByUser', [userId], (enrollment) => [
            enrollment.enrolledAt.getTime(),
            enrollment.contentId,
          ]),
        };
      },
    }),
    upcomingCase(true),
    upcomingCase(false),
    registrationsCase(undefined),
    registrationsCase('waitlisted'),
    listCase<Community>({
      name: 'communities.list',
      global: true,
      order: (a, b) => byCodeUnit(a.slug, b.slug),
      key: (community) => community.id,
      async seed(store, size, at) {
        const prefix = fixtures.slug('list');
        let made = 0;
        const create = async (when: Date): Promise<Community> => {
          stamp(when);
          const slug = orderedSlug(prefix, made++);
          return store.communities.create({ slug, name: 'Paged', ownerId: fixtures.id() });
        };
        const rows: Community[] = [];
        for (let i = 0; i < size; i += 1) rows.push(await create(at(i)));
        return {
          fetch: (page) => store.communities.list(page),
          rows,
          add: async (when) => void (await create(when)),
          siblings: [],
          issues: issued('communities.list', [], (community) => [community.slug, community.id]),
        };
      },
    }),
    listCase<Membership>({
      name: 'memberships.listMembers(communityId)',
      global: false,
      order: (a, b) => oldest(a.joinedAt, b.joinedAt) || byCodeUnit(a.userId, b.userId),
      key: (membership) => `${membership.communityId}/${membership.userId}`,
      async seed(store, size, at) {
        stamp(at(0));
        const community = await newCommunity(store);
        const owner = await store.memberships.get(community.id, community.ownerId);
        const join = async (when: Date): Promise<Membership> => {
          stamp(when);
          return store.memberships.join(community.id, fixtures.id());
        };
        const rows: Membership[] = owner ? [owner] : [];
        for (let i = 1; i < size; i += 1) rows.push(await join(at(i)));
        return {
          fetch: (page) => store.memberships.listMembers(community.id, page),
          rows,
          add: async (when) => void (await join(when)),
          siblings: [],
          issues: issued('memberships.listMembers', [community.id], (membership) => [
            membership.joinedAt.getTime(),
            membership.userId,
          ]),
        };
      },
    }),
    listCase<Membership>({
      name: 'memberships.listByUser(userId)',
      global: false,
      order: (a, b) => oldest(a.joinedAt, b.joinedAt) || byCodeUnit(a.communityId, b.communityId),
      key: (membership) => `${membership.communityId}/${membership.userId}`,
      async seed(store, size, at) {
        const userId = fixtures.id();
        const join = async (when: Date): Promise<Membership> => {
          const community = await newCommunity(store);
          stamp(when);
          return store.memberships.join(community.id, userId);
        };
        const rows: Membership[] = [];
        for (let i = 0; i < size; i += 1) rows.push(await join(at(i)));
        return {
          fetch: (page) => store.memberships.listByUser(userId, page),
          rows,
          add: async (when) => void (await join(when)),
          siblings: [],
          issues: issued('memberships.listByUser', [userId], (membership) => [
            membership.joinedAt.getTime(),
            membership.communityId,
          ]),
        };
      },
    }),
    listCase<Post>({
      name: 'posts.feed(communityId)',
      global: false,
      order: (a, b) => newest(a.createdAt, b.createdAt) || byCodeUnit(b.id, a.id),
      key: (post) => post.id,
      async seed(store, size, at) {
        const community = await newCommunity(store);
        const create = async (when: Date): Promise<Post> => {
          stamp(when);
          return newPost(store, community.id);
        };
        const rows: Post[] = [];
        for (let i = 0; i < size; i += 1) rows.push(await create(at(i)));
        return {
          fetch: (page) => store.posts.feed(community.id, page),
          rows,
          add: async (when) => void (await create(when)),
          siblings: [],
          issues: issued('posts.feed', [community.id], (post) => [post.createdAt.getTime(), post.id]),
        };
      },
    }),
    listCase<Comment>({
      name: 'posts.listComments(postId)',
      global: false,
      order: (a, b) => oldest(a.createdAt, b.createdAt) || byCodeUnit(a.id, b.id),
      key: (comment) => comment.id,
      async seed(store, size, at) {
        const post = await newPost(store, (await newCommunity(store)).id);
        const comment = async (when: Date): Promise<Comment> => {
          stamp(when);
          return store.posts.addComment(post.id, { authorId: fixtures.id(), body: 'Paged comment' });
        };
        const rows: Comment[] = [];
        for (let i = 0; i < size; i += 1) rows.push(await comment(at(i)));
        return {
          fetch: (page) => store.posts.listComments(post.id, page),
          rows,
          add: async (when) => void (await comment(when)),
          siblings: [],
          issues: issued('posts.listComments', [post.id], (comment) => [comment.createdAt.getTime(), comment.id]),
        };
      },
    }),
    activityCase('actor'),
    activityCase('actor in range'),
    activityCase('object'),
  ];

  /** Rows of each record set, made through the ports (the migration face only reads here). */
  type ScanSeed<N extends RecordSetName> = (
    store: CohortStore,
    size: number,
    at: Times,
  ) => Promise<{ rows: RecordOf<N>[]; add: (at: Date) => Promise<void> }>;

  /** `size` rows made one by one with `make`, the clock frozen at each row's time. */
  async function made<T>(size: number, at: Times, make: (at: Date) => Promise<T>) {
    const rows: T[] = [];
    for (let i = 0; i < size; i += 1) {
      stamp(at(i));
      rows.push(await make(at(i)));
    }
    const add = async (when: Date): Promise<void> => {
      stamp(when);
      await make(when);
    };
    return { rows, add };
  }

  const scanSeeds: { [N in RecordSetName]: ScanSeed<N> } = {
    users: (store, size, at) =>
      made(size, at, () => store.users.create({ email: fixtures.email(), displayName: 'Scanned' })),
    contents: (store, size, at) => made(size, at, () => newContent(store)),
    enrollments: async (store, size, at) => {
      const content = await newContent(store);
      return made(size, at, () => store.enrollments.enroll(fixtures.id(), content.id));
    },
    events: (store, size, at) => made(size, at, (when) => newEvent(store, new Date(when.getTime() + DAY))),
    registrations: async (store, size, at) => {
      const event = await newEvent(store, new Date(at(0).getTime() + DAY), { capacity: 2 });
      return made(size, at, () => store.events.register(event.id, fixtures.id()));
    },
    communities: (store, size, at) => made(size, at, () => newCommunity(store)),
    memberships: async (store, size, at) => {
      const community = await newCommunity(store);
      const owner = (await store.memberships.get(community.id, community.ownerId)) as Membership;
      const joined = await made(
        size - 1,
        (i) => at(i + 1),
        () => store.memberships.join(community.id, fixtures.id()),
      );
      return { rows: [owner, ...joined.rows], add: joined.add };
    },
    posts: async (store, size, at) => {
      const community = await newCommunity(store);
      return made(size, at, () => newPost(store, community.id));
    },
    comments: async (store, size, at) => {
      const post = await newPost(store, (await newCommunity(store)).id);
      return made(size, at, () => store.posts.addComment(post.id, { authorId: fixtures.id(), body: 'Scanned' }));
    },
    reactions: async (store, size, at) => {
      const post = await newPost(store, (await newCommunity(store)).id);
      return made(size, at, async (when) => {
        const userId = fixtures.id();
        await store.posts.react(post.id, userId, 'like');
        return { postId: post.id, userId, kind: 'like' as const, createdAt: when };
      });
    },
    activity: (store, size, at) =>
      made(size, at, async (when) => {
        const [event] = activityRows(() => when, 1, fixtures.id(), { type: 'content', id: fixtures.id() });
        await store.activity.append([event as ActivityEvent]);
        return event as ActivityEvent;
      }),
    activityCounts: (store, size, at) =>
      made(size, at, async (): Promise<DailyCount> => {
        const day = freshDay();
        await store.activity.append([fixtures.activity({ verb: 'attended', occurredAt: new Date(day) })]);
        return { day: new Date(day).toISOString().slice(0, 10), verb: 'attended', count: 1 };
      }),
  };

  function scanCase<N extends RecordSetName>(name: N): ListCase<unknown> {
    const key = recordKeys[name] as (record: RecordOf<N>) => string;
    return listCase<RecordOf<N>>({
      name: `recordSets.${name}.scan`,
      global: true,
      key,
      maxLimit: 1000,
      async seed(store, size, at) {
        const { rows, add } = await scanSeeds[name](store, size, at);
        const set = store.recordSets[name] as unknown as RecordSet<RecordOf<N>>;
        return { fetch: (page) => set.scan(page), rows, add, siblings: [] };
      },
    });
  }

  const scanNames = Object.keys(scanSeeds) as RecordSetName[];
  const cases: ListCase<unknown>[] = [...repositoryCases, ...scanNames.map((name) => scanCase(name))];

  const storeFor = (listCase: ListCase<unknown>): CohortStore => (listCase.global ? globalStore : context.store())!;
  const walk = <T>(fetch: Fetch<T>, limit: number): Promise<T[]> => collectAll((cursor) => fetch({ cursor, limit }));

  /** The keys this scope's rows must appear with, in the documented order (scans: the order given). */
  function expectedKeys(listCase: ListCase<unknown>, scope: Scope<unknown>): string[] {
    const rows = listCase.order ? [...scope.rows].sort(listCase.order) : scope.rows;
    return rows.map(listCase.key);
  }

  /** Checks a complete walk: no duplicates, own rows all there and in order, whole list ordered. */
  function expectComplete(listCase: ListCase<unknown>, scope: Scope<unknown>, walked: readonly unknown[]): void {
    const keys = walked.map(listCase.key);
    expect(duplicatesOf(keys), 'rows listed twice').toEqual([]);
    const expected = expectedKeys(listCase, scope);
    const own = new Set(expected);
    const ownListed = keys.filter((key) => own.has(key));
    if (listCase.order) {
      expect(listCase.global ? ownListed : keys).toEqual(expected);
      const outOfOrder = walked
        .slice(1)
        .filter((row, i) => (listCase.order as (a: unknown, b: unknown) => number)(walked[i], row) >= 0);
      expect(outOfOrder.map(listCase.key), 'rows out of order').toEqual([]);
    } else {
      expect([...ownListed].sort()).toEqual([...expected].sort());
    }
  }

  describe('pagination', () => {
    beforeAll(async () => {
      globalStore = await context.isolatedStore();
    }, 120_000);

    describe.each(cases.map((listCase, index) => ({ listCase, index, name: listCase.name })))(
      '$name',
      ({ listCase, index }) => {
        it('returns every row exactly once, in order, across pages of 3 (ties included)', async () => {
          const store = storeFor(listCase);
          const scope = await listCase.seed(store, 11, mixedTimes(Date.now()));
          const walked = await walk(scope.fetch, 3);
          expectComplete(listCase, scope, walked);
          // The same rows in the same order as one large page (or as few as the list needs).
          expect(walked.map(listCase.key)).toEqual((await walk(scope.fetch, 100)).map(listCase.key));
        });

        it('returns every row exactly once when all rows share one timestamp', async () => {
          const store = storeFor(listCase);
          const scope = await listCase.seed(store, 10, sameTime(Date.now()));
          expectComplete(listCase, scope, await walk(scope.fetch, 3));
          expectComplete(listCase, scope, await walk(scope.fetch, 2));
        });

        it('ends with nextCursor null, and no empty page, when the limit equals the rows left', async () => {
          const store = storeFor(listCase);
          const scope = await listCase.seed(store, 7, mixedTimes(Date.now()));
          const all = (await walk(scope.fetch, 100)).map(listCase.key);
          if (all.length <= 100) {
            const whole = await scope.fetch({ limit: all.length });
            expect(whole.nextCursor).toBeNull();
            expect(whole.items.map(listCase.key)).toEqual(all);
          }
          // Walk pages of 3 to the last two; from the cursor before them, a limit of exactly what is left ends the list.
          const cursors: (string | null)[] = [null];
          for (;;) {
            const page = await scope.fetch({ cursor: cursors[cursors.length - 1], limit: 3 });
            if (page.nextCursor === null) break;
            cursors.push(page.nextCursor);
          }
          const start = cursors.length >= 2 ? (cursors[cursors.length - 2] as string | null) : null;
          const left = cursors.length >= 2 ? all.length - 3 * (cursors.length - 2) : all.length;
          const exact = await scope.fetch({ cursor: start, limit: left });
          expect(exact.nextCursor).toBeNull();
          expect(exact.items.map(listCase.key)).toEqual(all.slice(all.length - left));
          const short = await scope.fetch({ cursor: start, limit: left - 1 });
          expect(short.nextCursor).toEqual(expect.any(String));
          const last = await scope.fetch({ cursor: short.nextCursor, limit: 1 });
          expect(last).toEqual({ items: [exact.items[left - 1]], nextCursor: null });
        });

        it('skips and repeats none of the existing rows while rows are added during the walk', async () => {
          const store = storeFor(listCase);
          const at = mixedTimes(Date.now());
          const size = 9;
          const scope = await listCase.seed(store, size, at);
          const before = (await walk(scope.fetch, 100)).map(listCase.key);
          const seen: string[] = [];
          let cursor: string | null = null;
          let added = 0;
          do {
            const page: Page<unknown> = await scope.fetch({ cursor, limit: 3 });
            seen.push(...page.items.map(listCase.key));
            cursor = page.nextCursor;
            if (cursor !== null && added < 6) {
              // Alternate rows that sort after and before the rows already seen.
              await scope.add(added % 2 === 0 ? at(size + added) : at(-2 - added));
              added += 1;
            }
          } while (cursor !== null);
          expect(duplicatesOf(seen), 'rows listed twice').toEqual([]);
          const existing = new Set(before);
          expect(seen.filter((key) => existing.has(key))).toEqual(before);
        });

        // Scans (no documented order) are left out: their order, and so their cursor, is the store's own.
        if (listCase.order !== undefined) {
          it("issues core's cursor: the list's name and filter values and the last row's key, so every store takes it", async () => {
            const store = storeFor(listCase);
            const scope = await listCase.seed(store, 5, mixedTimes(Date.now()));
            const issues = scope.issues;
            if (!issues) throw new Error(`${listCase.name} has a documented order but no issued cursor to check`);
            let cursor: string | null = null;
            let pages = 0;
            do {
              const page: Page<unknown> = await scope.fetch({ cursor, limit: 2 });
              cursor = page.nextCursor;
              if (cursor === null) break;
              pages += 1;
              const last = page.items[page.items.length - 1];
              // decodeCursor throws VALIDATION for another scope, another checksum or keys of other kinds.
              expect(decodeCursor(issues.scope, cursor, issues.parts)).toEqual(issues.keyOf(last));
              // Core's own encoding of that key is the same cursor, and the list resumes after it.
              expect(encodeCursor(issues.scope, issues.keyOf(last))).toBe(cursor);
            } while (pages < 10);
            expect(pages).toBeGreaterThan(0);
          });
        }

        it('rejects a tampered cursor with VALIDATION', async () => {
          const store = storeFor(listCase);
          const scope = await listCase.seed(store, 5, mixedTimes(Date.now()));
          const cursor = await cursorOf(scope.fetch);
          for (const bad of tampered(cursor)) {
            expect(bad).not.toBe(cursor);
            await expectCohortError(scope.fetch({ cursor: bad, limit: 2 }), 'VALIDATION');
          }
          await expectCohortError(scope.fetch({ cursor: 42 as unknown as string, limit: 2 }), 'VALIDATION');
          // The real cursor still works.
          expect((await scope.fetch({ cursor, limit: 2 })).items.length).toBeGreaterThan(0);
        });

        it('rejects a cursor from another query or other filters with VALIDATION', async () => {
          const store = storeFor(listCase);
          const scope = await listCase.seed(store, 5, mixedTimes(Date.now()));
          const own = await cursorOf(scope.fetch);
          const foreign: string[] = [];
          if (!listCase.global) {
            // The same list for another parent (another community, user, event, actor…).
            const other = await listCase.seed(store, 5, mixedTimes(Date.now()));
            foreign.push(await cursorOf(other.fetch));
            await expectCohortError(other.fetch({ cursor: own, limit: 2 }), 'VALIDATION');
          }
          for (const sibling of scope.siblings) {
            foreign.push(await cursorOf(sibling));
            await expectCohortError(sibling({ cursor: own, limit: 2 }), 'VALIDATION');
          }
          // Another list altogether.
          const next = cases[(index + 1) % cases.length] as ListCase<unknown>;
          const nextScope = await next.seed(storeFor(next), 3, mixedTimes(Date.now()));
          foreign.push(await cursorOf(nextScope.fetch));
          await expectCohortError(nextScope.fetch({ cursor: own, limit: 2 }), 'VALIDATION');
          for (const cursor of foreign) await expectCohortError(scope.fetch({ cursor, limit: 2 }), 'VALIDATION');
        });

        it('rejects forged cursors (valid checksum and scope, values out of range or of the wrong kind) with VALIDATION', async () => {
          const store = storeFor(listCase);
          const scope = await listCase.seed(store, 3, mixedTimes(Date.now()));
          const cursor = await cursorOf(scope.fetch);
          const failures: string[] = [];
          for (const forgedCursor of forged(cursor)) {
            const outcome = await scope
              .fetch({ cursor: forgedCursor.cursor, limit: 2 })
              .catch((error: unknown) => error);
            if (!CohortError.is(outcome, 'VALIDATION')) {
              const detail = outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : 'a page';
              failures.push(`${forgedCursor.name}: ${detail.slice(0, 200)}`);
            }
          }
          expect(failures, failures.join('\n')).toEqual([]);
          expect((await scope.fetch({ cursor, limit: 2 })).items.length).toBeGreaterThan(0);
        });

        it('rejects an empty-string cursor with VALIDATION (only an absent or null cursor means the first page)', async () => {
          const store = storeFor(listCase);
          const scope = await listCase.seed(store, 2, mixedTimes(Date.now()));
          await expectCohortError(scope.fetch({ cursor: '', limit: 1 }), 'VALIDATION');
          expect((await scope.fetch({ cursor: null, limit: 1 })).items).toHaveLength(1);
        });

        it('rejects limits 0, one over the maximum, 2.5 and -1 (and unknown page options) with VALIDATION', async () => {
          const store = storeFor(listCase);
          const scope = await listCase.seed(store, 2, mixedTimes(Date.now()));
          const over = (listCase.maxLimit ?? 100) + 1;
          for (const limit of [0, over, 2.5, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
            await expectCohortError(scope.fetch({ limit }), 'VALIDATION');
          }
          await expectCohortError(scope.fetch({ limit: '5' as unknown as number }), 'VALIDATION');
          await expectCohortError(scope.fetch({ limit: 2, offset: 1 } as PageRequest), 'VALIDATION');
          expect((await scope.fetch({ limit: 1 })).items).toHaveLength(1);
          expect((await scope.fetch({ limit: 100 })).items.length).toBeGreaterThanOrEqual(2);
        });

        it('returns 20 rows when no limit is given', async () => {
          const store = storeFor(listCase);
          const scope = await listCase.seed(store, 21, mixedTimes(Date.now()));
          const all = (await walk(scope.fetch, 100)).map(listCase.key);
          for (const page of [await scope.fetch(), await scope.fetch({}), await scope.fetch({ cursor: null })]) {
            expect(page.items.map(listCase.key)).toEqual(all.slice(0, 20));
            expect(page.nextCursor).toEqual(expect.any(String));
          }
          const second = await scope.fetch({ cursor: (await scope.fetch()).nextCursor });
          expect(second.items.map(listCase.key)).toEqual(all.slice(20, 40));
        });

        it('returns the same page for the same cursor every time', async () => {
          const store = storeFor(listCase);
          const scope = await listCase.seed(store, 6, mixedTimes(Date.now()));
          const cursor = await cursorOf(scope.fetch);
          const first = await scope.fetch({ cursor, limit: 2 });
          expect(await scope.fetch({ cursor, limit: 2 })).toEqual(first);
          expect((await scope.fetch({ cursor, limit: 4 })).items.slice(0, 2)).toEqual(first.items);
        });
      },
    );
  });
}
