import {
  activityVerbs,
  communityVisibilities,
  contentKinds,
  contentStatuses,
  MAX_PAGE_LIMIT,
  MAX_SCAN_LIMIT,
  eventStatuses,
  membershipRoles,
  reactionKinds,
  recordSetNames,
  registrationStatuses,
  userRoles,
  userStatuses,
  type CohortStore,
  type Page,
  type PageRequest,
  type RecordSetName,
} from '@cohort/core';
import { encodeCursor } from '@cohort/core/adapter';
import fc from 'fast-check';
import { everyItem } from './normalize.js';
import { HOUR, World } from './world.js';

// Hostile input: one argument of one public entry point replaced by a value that entry point must refuse. Every
// generated value is invalid for its slot by construction (wrong type, out of range, malformed, tampered), so the
// only acceptable answer is a VALIDATION CohortError, with nothing written.

/** What an argument must be; the generators below produce values that are not that. */
export type Shape =
  | { readonly t: 'id'; readonly nullable?: boolean }
  | { readonly t: 'text'; readonly min: number; readonly max: number }
  | { readonly t: 'email' }
  | { readonly t: 'slug'; readonly max: number }
  | { readonly t: 'enum'; readonly values: readonly string[] }
  | { readonly t: 'int'; readonly min: number; readonly max: number }
  | { readonly t: 'date' }
  | { readonly t: 'day' }
  | {
      readonly t: 'object';
      readonly fields: Readonly<Record<string, Shape>>;
      /** The whole argument may be left out (a patch, a filter, a range): `{}` and nullish are valid. */
      readonly optional: boolean;
      /** Fields that may be left out. */
      readonly optionalFields: readonly string[];
    }
  | { readonly t: 'page'; readonly list: string; readonly maxLimit: number }
  | { readonly t: 'metadata' }
  | { readonly t: 'tags' }
  | { readonly t: 'batch'; readonly of: Shape; readonly valid: () => unknown; readonly max: number }
  | { readonly t: 'records'; readonly set: RecordSetName };

/** A hostile call: which entry point, which argument, what value, and what it must answer. */
export interface HostileCase {
  readonly entry: string;
  readonly argument: number;
  readonly value: unknown;
  /** VALIDATION, or (for forged cursors that decode) VALIDATION or an ordinary page. */
  readonly expect: 'VALIDATION' | 'VALIDATION_OR_PAGE';
}

// ---------------------------------------------------------------------------------------------------------------
// The store every hostile call is made against: a few valid records of every kind, and a real cursor of every list.

export interface Baseline {
  readonly world: World;
  readonly users: readonly string[];
  readonly contentId: string;
  readonly eventId: string;
  readonly communityId: string;
  readonly communitySlug: string;
  readonly postId: string;
  /** A user enrolled, registered, member and reacting. */
  readonly actor: string;
  readonly object: { readonly type: 'content'; readonly id: string };
  readonly from: Date;
  /** A real cursor of every list, by entry point name (`recordSets.users.scan`, `posts.feed`, ...). */
  readonly cursors: Readonly<Record<string, string>>;
  /** One stored record of every record set (for putMany cases). */
  readonly records: Readonly<Record<RecordSetName, Record<string, unknown>>>;
}

async function secondPage(fetch: (page: PageRequest) => Promise<Page<unknown>>, what: string): Promise<string> {
  const first = await fetch({ limit: 1 });
  if (first.nextCursor === null) throw new Error(`${what} needs two items for a cursor`);
  return first.nextCursor;
}

export async function openBaseline(store: CohortStore): Promise<Baseline> {
  const world = new World(3, 3);
  const [author, actor, other] = world.actors as [string, string, string];
  const users = [
    (await store.users.create({ email: world.email(0), displayName: 'First' })).id,
    (await store.users.create({ email: world.email(1), displayName: 'Second' })).id,
  ];
  const contents = [];
  for (const title of ['One', 'Two']) {
    const draft = await store.contents.create({ kind: 'course', title, authorId: author, tags: [world.contentTag(0)] });
    contents.push(await store.contents.update(draft.id, { status: 'published' }, draft.version));
  }
  for (const content of contents) await store.enrollments.enroll(actor, content.id);
  await store.enrollments.recordProgress(actor, contents[0]?.id ?? '', 40);
  const community = await store.communities.create({ slug: world.slug(0), name: 'Hostile', ownerId: author });
  await store.communities.create({ slug: world.slug(1), name: 'Other', ownerId: author });
  await store.memberships.join(community.id, actor);
  const from = new Date(Date.now() + HOUR);
  const events = [];
  for (const hours of [2, 3]) {
    const startsAt = new Date(from.getTime() + hours * HOUR);
    events.push(
      await store.events.create({
        title: 'Hostile',
        hostId: author,
        communityId: community.id,
        startsAt,
        endsAt: new Date(startsAt.getTime() + HOUR),
        capacity: 5,
      }),
    );
  }
  const eventId = events[0]?.id ?? '';
  await store.events.register(eventId, actor);
  await store.events.register(eventId, other);
  const posts = [];
  for (const body of ['First post', 'Second post']) {
    posts.push(await store.posts.create({ communityId: community.id, authorId: author, body }));
  }
  const postId = posts[0]?.id ?? '';
  await store.posts.addComment(postId, { authorId: actor, body: 'First comment' });
  await store.posts.addComment(postId, { authorId: other, body: 'Second comment' });
  await store.posts.react(postId, actor, 'like');
  await store.posts.react(postId, other, 'like');
  const object = { type: 'content' as const, id: world.objectId(0) };
  await store.activity.append([
    { actorId: author, verb: 'viewed', object, occurredAt: world.at(0, 1), metadata: { source: 'web' } },
    { actorId: author, verb: 'viewed', object, occurredAt: world.at(0, 2) },
    { actorId: author, verb: 'enrolled', object, occurredAt: world.at(1, 1) },
  ]);

  const cursors: Record<string, string> = {
    'users.list': await secondPage((page) => store.users.list(page), 'users.list'),
    'contents.listPublished': await secondPage(
      (page) => store.contents.listPublished({ authorId: author }, page),
      'listPublished',
    ),
    'enrollments.listByUser': await secondPage((page) => store.enrollments.listByUser(actor, page), 'listByUser'),
    'events.listUpcoming': await secondPage(
      (page) => store.events.listUpcoming({ from, communityId: community.id }, page),
      'listUpcoming',
    ),
    'events.listRegistrations': await secondPage(
      (page) => store.events.listRegistrations(eventId, {}, page),
      'listRegistrations',
    ),
    'communities.list': await secondPage((page) => store.communities.list(page), 'communities.list'),
    'memberships.listMembers': await secondPage(
      (page) => store.memberships.listMembers(community.id, page),
      'listMembers',
    ),
    'memberships.listByUser': await secondPage((page) => store.memberships.listByUser(author, page), 'listByUser'),
    'posts.feed': await secondPage((page) => store.posts.feed(community.id, page), 'feed'),
    'posts.listComments': await secondPage((page) => store.posts.listComments(postId, page), 'listComments'),
    'activity.listByActor': await secondPage(
      (page) => store.activity.listByActor(author, undefined, page),
      'listByActor',
    ),
    'activity.listByObject': await secondPage(
      (page) => store.activity.listByObject(object, undefined, page),
      'listByObject',
    ),
  };
  const records = {} as Record<RecordSetName, Record<string, unknown>>;
  for (const name of recordSetNames) {
    const set = store.recordSets[name] as { scan(page?: PageRequest): Promise<Page<unknown>> };
    cursors[`recordSets.${name}.scan`] = await secondPage((page) => set.scan(page), `${name}.scan`);
    records[name] = (await set.scan({ limit: 1 })).items[0] as Record<string, unknown>;
  }
  return {
    world,
    users,
    contentId: contents[0]?.id ?? '',
    eventId,
    communityId: community.id,
    communitySlug: community.slug,
    postId,
    actor,
    object,
    from,
    cursors,
    records,
  };
}

/** Every record of every record set: proof that a refused call wrote nothing (the hostile store stays small). */
export async function snapshot(store: CohortStore): Promise<Record<string, unknown[]>> {
  const result: Record<string, unknown[]> = {};
  for (const name of recordSetNames) {
    const set = store.recordSets[name] as { scan(page?: PageRequest): Promise<Page<unknown>> };
    result[name] = await everyItem((page) => set.scan(page));
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points

export interface EntryPoint {
  readonly name: string;
  readonly shapes: readonly Shape[];
  valid(baseline: Baseline): unknown[];
  call(store: CohortStore, args: readonly unknown[]): Promise<unknown>;
}

const id: Shape = { t: 'id' };
const int = (min: number, max: number): Shape => ({ t: 'int', min, max });
const text = (min: number, max: number): Shape => ({ t: 'text', min, max });
const oneOf = (values: readonly string[]): Shape => ({ t: 'enum', values });
const object = (fields: Record<string, Shape>, optional = false, optionalFields: string[] = []): Shape => ({
  t: 'object',
  fields,
  optional,
  optionalFields: optional ? Object.keys(fields) : optionalFields,
});
/** A page request of `list`; lists take up to MAX_PAGE_LIMIT records a page, the migration face's scans more. */
const page = (list: string, maxLimit: number = MAX_PAGE_LIMIT): Shape => ({ t: 'page', list, maxLimit });
const version = int(1, Number.MAX_SAFE_INTEGER);
const date: Shape = { t: 'date' };
const activityObject = object({
  type: oneOf(['user', 'content', 'event', 'community', 'post', 'comment']),
  id: text(1, 100),
});
const range = object({ from: date, to: date }, true);

const newEventShape = object(
  {
    id,
    actorId: id,
    verb: oneOf(activityVerbs),
    object: activityObject,
    occurredAt: date,
    metadata: { t: 'metadata' },
  },
  false,
  ['id', 'occurredAt', 'metadata'],
);

// `call` passes arguments through untyped: the point is to hand the ports what their types forbid.
type Call = (store: CohortStore, args: readonly unknown[]) => Promise<unknown>;
const entry = (name: string, shapes: Shape[], valid: (b: Baseline) => unknown[], call: Call): EntryPoint => ({
  name,
  shapes,
  valid,
  call,
});
const a = (args: readonly unknown[], index: number): never => args[index] as never;

export const entryPoints: readonly EntryPoint[] = [
  entry(
    'users.create',
    [object({ email: { t: 'email' }, displayName: text(1, 100), role: oneOf(userRoles) }, false, ['role'])],
    (b) => [{ email: b.world.email(3), displayName: 'New' }],
    (s, x) => s.users.create(a(x, 0)),
  ),
  entry(
    'users.getById',
    [id],
    (b) => [b.users[0]],
    (s, x) => s.users.getById(a(x, 0)),
  ),
  entry(
    'users.findByEmail',
    [{ t: 'email' }],
    (b) => [b.world.email(0)],
    (s, x) => s.users.findByEmail(a(x, 0)),
  ),
  entry(
    'users.update',
    [
      id,
      object(
        {
          email: { t: 'email' },
          displayName: text(1, 100),
          role: oneOf(userRoles),
          status: oneOf(userStatuses),
        },
        true,
      ),
      version,
    ],
    (b) => [b.users[0], { displayName: 'Changed' }, 1],
    (s, x) => s.users.update(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'users.list',
    [page('users.list')],
    () => [{ limit: 1 }],
    (s, x) => s.users.list(a(x, 0)),
  ),
  entry(
    'contents.create',
    [
      object(
        { kind: oneOf(contentKinds), title: text(1, 200), summary: text(0, 2000), authorId: id, tags: { t: 'tags' } },
        false,
        ['summary', 'tags'],
      ),
    ],
    (b) => [{ kind: 'article', title: 'New', authorId: b.actor }],
    (s, x) => s.contents.create(a(x, 0)),
  ),
  entry(
    'contents.getById',
    [id],
    (b) => [b.contentId],
    (s, x) => s.contents.getById(a(x, 0)),
  ),
  entry(
    'contents.update',
    [
      id,
      object(
        { title: text(1, 200), summary: text(0, 2000), tags: { t: 'tags' }, status: oneOf(contentStatuses) },
        true,
      ),
      version,
    ],
    (b) => [b.contentId, { title: 'Changed' }, 2],
    (s, x) => s.contents.update(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'contents.listPublished',
    [object({ tag: { t: 'slug', max: 40 }, authorId: id }, true), page('contents.listPublished')],
    (b) => [{ authorId: b.world.actor(0) }, { limit: 1 }],
    (s, x) => s.contents.listPublished(a(x, 0), a(x, 1)),
  ),
  entry(
    'enrollments.enroll',
    [id, id],
    (b) => [b.world.actor(2), b.contentId],
    (s, x) => s.enrollments.enroll(a(x, 0), a(x, 1)),
  ),
  entry(
    'enrollments.recordProgress',
    [id, id, int(0, 100)],
    (b) => [b.actor, b.contentId, 90],
    (s, x) => s.enrollments.recordProgress(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'enrollments.get',
    [id, id],
    (b) => [b.actor, b.contentId],
    (s, x) => s.enrollments.get(a(x, 0), a(x, 1)),
  ),
  entry(
    'enrollments.listByUser',
    [id, page('enrollments.listByUser')],
    (b) => [b.actor, { limit: 1 }],
    (s, x) => s.enrollments.listByUser(a(x, 0), a(x, 1)),
  ),
  entry(
    'enrollments.countsFor',
    [id],
    (b) => [b.contentId],
    (s, x) => s.enrollments.countsFor(a(x, 0)),
  ),
  entry(
    'events.create',
    [
      object(
        {
          title: text(1, 200),
          description: text(0, 5000),
          hostId: id,
          communityId: { t: 'id', nullable: true },
          startsAt: date,
          endsAt: date,
          capacity: int(1, 100_000),
        },
        false,
        ['description', 'communityId'],
      ),
    ],
    (b) => [
      {
        title: 'New',
        hostId: b.actor,
        startsAt: new Date(b.from.getTime() + HOUR),
        endsAt: new Date(b.from.getTime() + 2 * HOUR),
        capacity: 3,
      },
    ],
    (s, x) => s.events.create(a(x, 0)),
  ),
  entry(
    'events.getById',
    [id],
    (b) => [b.eventId],
    (s, x) => s.events.getById(a(x, 0)),
  ),
  entry(
    'events.update',
    [
      id,
      object(
        {
          title: text(1, 200),
          description: text(0, 5000),
          startsAt: date,
          endsAt: date,
          capacity: int(1, 100_000),
          status: oneOf(eventStatuses),
        },
        true,
      ),
      version,
    ],
    (b) => [b.eventId, { capacity: 6 }, 1],
    (s, x) => s.events.update(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'events.listUpcoming',
    [object({ from: date, communityId: id }, false, ['communityId']), page('events.listUpcoming')],
    (b) => [{ from: b.from, communityId: b.communityId }, { limit: 1 }],
    (s, x) => s.events.listUpcoming(a(x, 0), a(x, 1)),
  ),
  entry(
    'events.register',
    [id, id],
    (b) => [b.eventId, b.world.actor(0)],
    (s, x) => s.events.register(a(x, 0), a(x, 1)),
  ),
  entry(
    'events.cancelRegistration',
    [id, id],
    (b) => [b.eventId, b.actor],
    (s, x) => s.events.cancelRegistration(a(x, 0), a(x, 1)),
  ),
  entry(
    'events.markAttended',
    [id, id],
    (b) => [b.eventId, b.actor],
    (s, x) => s.events.markAttended(a(x, 0), a(x, 1)),
  ),
  entry(
    'events.getRegistration',
    [id, id],
    (b) => [b.eventId, b.actor],
    (s, x) => s.events.getRegistration(a(x, 0), a(x, 1)),
  ),
  entry(
    'events.listRegistrations',
    [id, object({ status: oneOf(registrationStatuses) }, true), page('events.listRegistrations')],
    (b) => [b.eventId, {}, { limit: 1 }],
    (s, x) => s.events.listRegistrations(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'communities.create',
    [
      object(
        {
          slug: { t: 'slug', max: 60 },
          name: text(1, 120),
          description: text(0, 2000),
          visibility: oneOf(communityVisibilities),
          ownerId: id,
        },
        false,
        ['description', 'visibility'],
      ),
    ],
    (b) => [{ slug: b.world.slug(2), name: 'New', ownerId: b.actor }],
    (s, x) => s.communities.create(a(x, 0)),
  ),
  entry(
    'communities.getById',
    [id],
    (b) => [b.communityId],
    (s, x) => s.communities.getById(a(x, 0)),
  ),
  entry(
    'communities.getBySlug',
    [{ t: 'slug', max: 60 }],
    (b) => [b.communitySlug],
    (s, x) => s.communities.getBySlug(a(x, 0)),
  ),
  entry(
    'communities.update',
    [
      id,
      object({ name: text(1, 120), description: text(0, 2000), visibility: oneOf(communityVisibilities) }, true),
      version,
    ],
    (b) => [b.communityId, { name: 'Changed' }, 1],
    (s, x) => s.communities.update(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'communities.list',
    [page('communities.list')],
    () => [{ limit: 1 }],
    (s, x) => s.communities.list(a(x, 0)),
  ),
  entry(
    'memberships.join',
    [id, id, oneOf(membershipRoles)],
    (b) => [b.communityId, b.world.actor(2), 'member'],
    (s, x) => s.memberships.join(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'memberships.leave',
    [id, id],
    (b) => [b.communityId, b.actor],
    (s, x) => s.memberships.leave(a(x, 0), a(x, 1)),
  ),
  entry(
    'memberships.get',
    [id, id],
    (b) => [b.communityId, b.actor],
    (s, x) => s.memberships.get(a(x, 0), a(x, 1)),
  ),
  entry(
    'memberships.setRole',
    [id, id, oneOf(membershipRoles)],
    (b) => [b.communityId, b.actor, 'moderator'],
    (s, x) => s.memberships.setRole(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'memberships.listMembers',
    [id, page('memberships.listMembers')],
    (b) => [b.communityId, { limit: 1 }],
    (s, x) => s.memberships.listMembers(a(x, 0), a(x, 1)),
  ),
  entry(
    'memberships.listByUser',
    [id, page('memberships.listByUser')],
    (b) => [b.world.actor(0), { limit: 1 }],
    (s, x) => s.memberships.listByUser(a(x, 0), a(x, 1)),
  ),
  entry(
    'posts.create',
    [object({ communityId: id, authorId: id, body: text(1, 10_000) })],
    (b) => [{ communityId: b.communityId, authorId: b.actor, body: 'New' }],
    (s, x) => s.posts.create(a(x, 0)),
  ),
  entry(
    'posts.getById',
    [id],
    (b) => [b.postId],
    (s, x) => s.posts.getById(a(x, 0)),
  ),
  entry(
    'posts.update',
    [id, object({ body: text(1, 10_000) }, true), version],
    (b) => [b.postId, { body: 'Changed' }, 1],
    (s, x) => s.posts.update(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'posts.remove',
    [id],
    (b) => [b.postId],
    (s, x) => s.posts.remove(a(x, 0)),
  ),
  entry(
    'posts.feed',
    [id, page('posts.feed')],
    (b) => [b.communityId, { limit: 1 }],
    (s, x) => s.posts.feed(a(x, 0), a(x, 1)),
  ),
  entry(
    'posts.addComment',
    [id, object({ authorId: id, body: text(1, 5000) })],
    (b) => [b.postId, { authorId: b.actor, body: 'New' }],
    (s, x) => s.posts.addComment(a(x, 0), a(x, 1)),
  ),
  entry(
    'posts.listComments',
    [id, page('posts.listComments')],
    (b) => [b.postId, { limit: 1 }],
    (s, x) => s.posts.listComments(a(x, 0), a(x, 1)),
  ),
  entry(
    'posts.react',
    [id, id, oneOf(reactionKinds)],
    (b) => [b.postId, b.world.actor(0), 'celebrate'],
    (s, x) => s.posts.react(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'posts.unreact',
    [id, id, oneOf(reactionKinds)],
    (b) => [b.postId, b.actor, 'like'],
    (s, x) => s.posts.unreact(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'activity.append',
    [
      {
        t: 'batch',
        of: newEventShape,
        max: 1000,
        valid: () => ({ actorId: crypto.randomUUID(), verb: 'viewed', object: { type: 'user', id: 'x' } }),
      },
    ],
    (b) => [[{ actorId: b.actor, verb: 'viewed', object: b.object, occurredAt: b.world.at(2), metadata: { ok: 1 } }]],
    (s, x) => s.activity.append(a(x, 0)),
  ),
  entry(
    'activity.listByActor',
    [id, range, page('activity.listByActor')],
    (b) => [b.world.actor(0), {}, { limit: 1 }],
    (s, x) => s.activity.listByActor(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'activity.listByObject',
    [activityObject, range, page('activity.listByObject')],
    (b) => [b.object, {}, { limit: 1 }],
    (s, x) => s.activity.listByObject(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'activity.dailyCounts',
    [object({ from: { t: 'day' }, to: { t: 'day' }, verb: oneOf(activityVerbs) }, false, ['verb'])],
    (b) => [{ from: b.world.day(0), to: b.world.day(3) }],
    (s, x) => s.activity.dailyCounts(a(x, 0)),
  ),
  entry(
    'activity.purgeBefore',
    [date],
    (b) => [b.world.at(0)],
    (s, x) => s.activity.purgeBefore(a(x, 0)),
  ),
  ...recordSetNames.flatMap((name): EntryPoint[] => [
    entry(
      `recordSets.${name}.scan`,
      [page(`recordSets.${name}.scan`, MAX_SCAN_LIMIT)],
      () => [{ limit: 1 }],
      (s, x) => (s.recordSets[name] as { scan(page: never): Promise<unknown> }).scan(a(x, 0)),
    ),
    entry(
      `recordSets.${name}.putMany`,
      [{ t: 'records', set: name }],
      (b) => [[b.records[name]]],
      (s, x) => (s.recordSets[name] as { putMany(records: never): Promise<unknown> }).putMany(a(x, 0)),
    ),
  ]),
];

// ---------------------------------------------------------------------------------------------------------------
// Hostile values

let deepCache: unknown;
/** An object nested 100,000 levels deep (made once: it is never changed). */
function deepObject(): unknown {
  if (deepCache === undefined) {
    let deep: Record<string, unknown> = { leaf: true };
    for (let level = 0; level < 100_000; level += 1) deep = { a: deep };
    // fast-check prints counterexamples by walking them: give it a short name instead of 100,000 levels.
    Object.defineProperty(deep, fc.toStringMethod, { value: () => 'deepObject(100000)', enumerable: false });
    deepCache = deep;
  }
  return deepCache;
}

function cyclicObject(): unknown {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic['self'] = cyclic;
  return cyclic;
}

/** `base` plus an own enumerable property `key` (as JSON.parse makes `__proto__`, rather than setting the prototype). */
function withOwn(base: object, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...base } as Record<string, unknown>;
  Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

const huge = (length: number): string => 'x'.repeat(length);
const LONE_SURROGATE = 'half \uD800 a pair';
const NUL = 'nul\u0000inside';

const nonStrings = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, Number.NaN, Infinity, 10n, [], ['x'], {}, new Date(0)),
    fc.constant(Symbol('hostile')),
    fc.constant(() => 'function'),
    fc.constant(new String('boxed')),
    fc.integer(),
    fc.array(fc.string(), { minLength: 1, maxLength: 3 }),
    fc.constant(deepObject()),
  );

const nonNumbers = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom<unknown>(null, true, '1', '', '1e3', [], [1], {}, 5n, new Date(0)),
    fc.constant(new Number(5)),
    fc.string(),
    fc.constant(deepObject()),
  );

/** Whole numbers outside [min, max], fractions, NaN and the infinities. */
function badNumbers(min: number, max: number): fc.Arbitrary<unknown> {
  const outside = [min - 1, min - 1_000, -Number.MAX_VALUE, min + 0.5, Number.NaN, Infinity, -Infinity];
  if (max < Number.MAX_SAFE_INTEGER) outside.push(max + 1, max + 0.5, Number.MAX_SAFE_INTEGER + 2, 1e308);
  else outside.push(Number.MAX_SAFE_INTEGER + 2, 1e308, 2 ** 53 + 0.5);
  return fc.oneof(
    fc.constantFrom(...outside),
    fc.double({ noNaN: true }).filter((n) => !Number.isInteger(n) || n < min || n > max),
    fc.integer({ min: -1_000_000, max: min - 1 }),
  );
}

const nonDates = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom<unknown>(
      new Date(Number.NaN),
      '2024-01-01T00:00:00.000Z',
      '2024-01-01',
      1_700_000_000_000,
      0,
      null,
      true,
      {},
      [],
      { getTime: () => 0 },
    ),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.integer(),
  );

const nonObjects = (): fc.Arbitrary<unknown> =>
  fc.constantFrom<unknown>(null, 'object', 42, true, [], [{}], 7n, Number.NaN);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function badIds(nullable = false): fc.Arbitrary<unknown> {
  const valid = crypto.randomUUID();
  return fc.oneof(
    nonStrings().filter((value) => !(nullable && value === null)),
    fc.constantFrom(
      '',
      ' ',
      'not-a-uuid',
      `${valid}0`,
      valid.slice(1),
      valid.replace(/-/g, ''),
      `{${valid}}`,
      valid.replace(/[0-9]/, 'g'),
      `${valid}\u0000`,
      `${valid.slice(0, 8)} ${valid.slice(9)}`,
      "' OR '1'='1",
      '__proto__',
      '../../etc/passwd',
      huge(1_000_000),
      LONE_SURROGATE,
    ),
    fc.string({ maxLength: 60 }).filter((s) => !UUID.test(s.trim().toLowerCase())),
  );
}

function badTexts(min: number, max: number): fc.Arbitrary<unknown> {
  const strings = [huge(max + 1), `  ${huge(max + 1)}  `, huge(1_000_000), NUL, `\u0000`, LONE_SURROGATE, '\uDC00'];
  if (min > 0) strings.push('', '   ', '\t\n');
  return fc.oneof(nonStrings(), fc.constantFrom(...strings));
}

const badEmails = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    nonStrings(),
    fc.constantFrom(
      '',
      'plainaddress',
      'a@',
      '@example.com',
      'two@@example.com',
      `${huge(250)}@example.com`,
      'nul\u0000@example.com',
      'spaces in@example.com',
      '<script>@example.com',
      huge(1_000_000),
    ),
  );

const badSlugs = (max: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    nonStrings(),
    fc.constantFrom(
      '',
      '-lead',
      'trail-',
      'under_score',
      'a b',
      'ünïcode',
      'a\u0000b',
      '../etc',
      huge(max + 1),
      '%',
      '*',
    ),
  );

const badEnums = (values: readonly string[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    nonStrings(),
    fc.constantFrom('', 'x', '__proto__', 'constructor', 'toString', NUL, huge(100_000)),
    fc.constantFrom(...values).map((value) => value.toUpperCase()),
    fc.constantFrom(...values).map((value) => `${value} `),
    fc.string().filter((s) => !values.includes(s)),
  );

const badDays = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    nonStrings(),
    fc.constantFrom('2024-02-30', '2023-02-29', '2024-13-01', '2024-00-10', '24-01-01', '2024-1-1', 'yesterday', ''),
    fc.constantFrom('2024-01-01T00:00:00Z', ' 2024-01-01', '2024-01-01\u0000', '+02024-01-01'),
  );

const badTags = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom<unknown>(
      'tag',
      null,
      3,
      {},
      Array.from({ length: 41 }, (_, i) => `tag-${i}`),
    ),
    fc.constant(Array.from({ length: 21 }, (_, i) => `t${i}`)),
    badSlugs(40).map((tag) => ['ok', tag]),
  );

function badMetadata(): fc.Arbitrary<unknown> {
  const value = (v: unknown): Record<string, unknown> => ({ key: v });
  return fc.oneof(
    fc.constantFrom<unknown>(null, 'text', 5, true, [], [['key', 'value']]),
    fc.constantFrom(
      withOwn({}, '__proto__', { admin: true }),
      withOwn({ ok: 1 }, 'constructor', { prototype: { admin: true } }),
      withOwn({}, 'prototype', 'x'),
    ),
    fc.constantFrom<unknown>(
      { '': 'empty key' },
      { 'a b': 'space' },
      { [huge(65)]: 'long key' },
      { ключ: 'cyrillic key' },
      { 'a\u0000': 'nul key' },
    ),
    fc.constantFrom<unknown>(
      value({ nested: true }),
      value(['array']),
      value(null),
      value(Number.NaN),
      value(Infinity),
      value(5n),
      value(NUL),
      value(LONE_SURROGATE),
      value(huge(2_049)),
      value(deepObject()),
      value(new Date(0)),
      cyclicObject(),
      deepObject(),
    ),
    // Each value fits, but together they exceed 2 KB as JSON.
    fc
      .integer({ min: 3, max: 40 })
      .map((keys) =>
        Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, huge(Math.ceil(2_100 / keys))])),
      ),
  );
}

/** A real cursor with one character changed, cut, padded or doubled (its checksum no longer matches). */
function tampered(cursor: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.nat(cursor.length - 1).map((index) => {
      const replacement = cursor[index] === 'A' ? 'B' : 'A';
      return cursor.slice(0, index) + replacement + cursor.slice(index + 1);
    }),
    fc.integer({ min: 1, max: cursor.length - 1 }).map((cut) => cursor.slice(0, cut)),
    fc.constantFrom(`${cursor}A`, `${cursor}.${cursor}`, `.${cursor}`, cursor.split('.').reverse().join('.')),
    fc.constantFrom(cursor.toUpperCase(), ` ${cursor}`, `${cursor}\u0000`),
  );
}

/** A cursor with a valid checksum and this list's scope, but keys this list never issued (wrong types or arity). */
function forged(cursor: string): fc.Arbitrary<string> {
  const [body = ''] = cursor.split('.');
  const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { s: string; k: (string | number)[] };
  const swapped = decoded.k.map((key) => (typeof key === 'number' ? `${key}` : 0));
  return fc.constantFrom(
    encodeCursor(decoded.s, swapped),
    encodeCursor(
      decoded.s,
      decoded.k.map(() => '\u0000'),
    ),
    encodeCursor(
      decoded.s,
      decoded.k.map(() => huge(1_500)),
    ),
    encodeCursor(
      decoded.s,
      decoded.k.map((key) => (typeof key === 'number' ? 1e300 : "' OR 1=1 --")),
    ),
    encodeCursor(
      decoded.s,
      decoded.k.map((key) => (typeof key === 'number' ? -1 : '__proto__')),
    ),
  );
}

function badPages(
  list: string,
  maxLimit: number,
  cursors: Readonly<Record<string, string>>,
): fc.Arbitrary<HostileValue> {
  const own = cursors[list];
  if (own === undefined) throw new Error(`no cursor for ${list}`);
  const others = Object.entries(cursors)
    .filter(([name]) => name !== list)
    .map(([, cursor]) => cursor);
  const v = (value: unknown): HostileValue => ({ value, expect: 'VALIDATION' });
  return fc.oneof(
    fc.constantFrom<unknown>('page', 5, true, [], [{ limit: 1 }]).map(v),
    badNumbers(1, maxLimit).map((limit) => v({ limit })),
    nonNumbers().map((limit) => v({ limit })),
    fc.constantFrom<unknown>(5, true, {}, [], huge(2_049), huge(1_000_000)).map((cursor) => v({ cursor })),
    tampered(own).map((cursor) => v({ cursor, limit: 1 })),
    fc.constantFrom(...others).map((cursor) => v({ cursor, limit: 1 })),
    forged(own).map((cursor): HostileValue => ({ value: { cursor, limit: 1 }, expect: 'VALIDATION_OR_PAGE' })),
    fc
      .constantFrom('offset', 'skip', 'sort', '__proto__', 'constructor')
      .map((key) => v(withOwn({ limit: 1 }, key, 5))),
  );
}

interface HostileValue {
  readonly value: unknown;
  readonly expect: HostileCase['expect'];
}

/** Values `shape` must refuse; `valid` is a valid value of the slot, for the cases that change one part of it. */
export function hostileValues(shape: Shape, valid: unknown, baseline: Baseline): fc.Arbitrary<HostileValue> {
  const v = (arbitrary: fc.Arbitrary<unknown>): fc.Arbitrary<HostileValue> =>
    arbitrary.map((value) => ({ value, expect: 'VALIDATION' }));
  switch (shape.t) {
    case 'id':
      return v(badIds(shape.nullable));
    case 'text':
      return v(badTexts(shape.min, shape.max));
    case 'email':
      return v(badEmails());
    case 'slug':
      return v(badSlugs(shape.max));
    case 'enum':
      return v(badEnums(shape.values));
    case 'int':
      return v(fc.oneof(nonNumbers(), badNumbers(shape.min, shape.max)));
    case 'date':
      return v(nonDates());
    case 'day':
      return v(badDays());
    case 'metadata':
      return v(badMetadata());
    case 'tags':
      return v(badTags());
    case 'page':
      return badPages(shape.list, shape.maxLimit, baseline.cursors);
    case 'object':
      return badObjects(shape, valid as Record<string, unknown>, baseline);
    case 'batch':
      return v(
        fc.oneof(
          nonObjects().filter((value) => !Array.isArray(value)),
          fc.constantFrom<unknown>({ length: 1, 0: shape.valid() }, 'batch', new Array(3)),
          fc.constant(Array.from({ length: shape.max + 1 }, () => shape.valid())),
          hostileValues(shape.of, (valid as unknown[])[0], baseline).map((bad) => [shape.valid(), bad.value]),
        ),
      );
    case 'records':
      return v(badRecords(valid as readonly Record<string, unknown>[]));
  }
}

function badObjects(
  shape: Extract<Shape, { t: 'object' }>,
  valid: Record<string, unknown>,
  baseline: Baseline,
): fc.Arbitrary<HostileValue> {
  const fields = Object.entries(shape.fields);
  const v = (value: unknown): HostileValue => ({ value, expect: 'VALIDATION' });
  return fc.oneof(
    // For an all-optional object, `{}` and nullish are valid (an empty patch, no filter); only the rest is wrong.
    nonObjects()
      .filter((value) => !(shape.optional && value === null))
      .map(v),
    fc
      .tuple(
        fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', '$where', 'toString', 'id', 'version'),
        fc.constantFrom<unknown>(1, 'x', { admin: true }, deepObject(), null),
      )
      .filter(([key]) => !(key in shape.fields))
      .map(([key, value]) => v(withOwn(valid, key, value))),
    fc
      .constantFrom(...fields)
      .chain(([key, field]) =>
        hostileValues(field, valid[key], baseline).map((bad) => ({ ...bad, value: withOwn(valid, key, bad.value) })),
      ),
    ...(shape.optional
      ? []
      : [
          fc
            .constantFrom(
              ...fields.map(([key]) => key).filter((key) => key in valid && !shape.optionalFields.includes(key)),
            )
            .map((key) => v(Object.fromEntries(Object.entries(valid).filter(([name]) => name !== key)))),
        ]),
  );
}

/** A valid record with one field made invalid, removed, or an unknown field added; or a batch that is too big. */
function badRecords(valid: readonly Record<string, unknown>[]): fc.Arbitrary<unknown> {
  const record = valid[0] ?? {};
  const keys = Object.keys(record);
  const badField = (current: unknown): fc.Arbitrary<unknown> => {
    if (current instanceof Date) return nonDates();
    // Invalid for every numeric field of every record: counts, versions, positions, capacity and progress alike.
    if (typeof current === 'number') return fc.constantFrom<unknown>(-1, -1_000, 0.5, 1.5, Number.NaN, Infinity, '1');
    if (typeof current === 'string') {
      return fc.oneof(
        fc.constantFrom<unknown>(5, true, {}, [], NUL, LONE_SURROGATE, huge(1_000_000)),
        UUID.test(current) ? badIds() : fc.constant(huge(20_000)),
      );
    }
    if (Array.isArray(current)) return fc.constantFrom<unknown>('tags', 5, [5], [{}], [NUL]);
    if (current === null) return fc.constantFrom<unknown>(5, 'not a date', {}, []);
    return fc.oneof(
      fc.constantFrom<unknown>(5, 'object', [], withOwn({}, '__proto__', { admin: true })),
      // A key no strict object has and no metadata record allows (a space), holding a value metadata refuses.
      fc.constant(withOwn(current as object, 'extra key', { nested: true })),
    );
  };
  return fc.oneof(
    fc.constantFrom<unknown>('records', null, 5, { 0: record, length: 1 }),
    fc.constant(Array.from({ length: 1_001 }, () => record)),
    // Never null: some fields are nullable (publishedAt, completedAt, communityId), and no field needs it to fail.
    fc.constantFrom(...keys).chain((key) =>
      badField(record[key])
        .filter((bad) => bad !== null)
        .map((bad) => [withOwn(record, key, bad)]),
    ),
    fc
      .constantFrom(...keys)
      .map((key) => [Object.fromEntries(Object.entries(record).filter(([name]) => name !== key))]),
    fc.constantFrom('__proto__', 'constructor', 'extra').map((key) => [withOwn(record, key, { admin: true })]),
    fc.constant([record, null]),
  );
}

/** Hostile cases over every entry point: one argument replaced, the others valid. */
export function hostileCases(
  baseline: Baseline,
  entries: readonly EntryPoint[] = entryPoints,
): fc.Arbitrary<HostileCase> {
  return fc.constantFrom(...entries).chain((entryPoint) => {
    const valid = entryPoint.valid(baseline);
    return fc.nat(entryPoint.shapes.length - 1).chain((argument) =>
      hostileValues(entryPoint.shapes[argument] as Shape, valid[argument], baseline).map((bad): HostileCase => ({
        entry: entryPoint.name,
        argument,
        value: bad.value,
        expect: bad.expect,
      })),
    );
  });
}
