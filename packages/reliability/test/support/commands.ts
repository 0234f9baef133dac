import {
  communityVisibilities,
  contentKinds,
  contentStatuses,
  membershipRoles,
  reactionKinds,
  registrationStatuses,
  userRoles,
  userStatuses,
  type ActivityObject,
  type ActivityVerb,
  type CohortStore,
  type CommunityPatch,
  type ContentPatch,
  type EventPatch,
  type MembershipRole,
  type NewActivityEvent,
  type ReactionKind,
  type RegistrationStatus,
  type UserPatch,
  type UserRole,
} from '@cohort/core';
import fc from 'fast-check';
import { everyItem, walkPages } from './normalize.js';
import { HOUR, type EntityKind, type Ref, type SideName, type World } from './world.js';

// Commands are plain data (small indexes and choices), so fast-check prints a failing sequence readably and shrinks
// it well; ids are resolved per store when a command runs.

/** One activity event of an append: `id` indexes the run's activity ids (null lets the store mint one). */
export interface AppendSpec {
  readonly id: number | null;
  readonly actor: number;
  readonly verb: ActivityVerb;
  readonly objectType: ActivityObject['type'];
  readonly object: number;
  /** Day of the run's window and hour within it; null: the clock's now. */
  readonly at: readonly [number, number] | null;
  readonly metadata: Readonly<Record<string, string | number | boolean>>;
}

export type Command =
  | { readonly op: 'clock.advance'; readonly ms: number }
  | {
      readonly op: 'users.create';
      readonly email: number;
      readonly upper: boolean;
      readonly name: string;
      readonly role: UserRole | null;
    }
  | { readonly op: 'users.getById'; readonly user: Ref }
  | { readonly op: 'users.findByEmail'; readonly email: number; readonly upper: boolean }
  | {
      readonly op: 'users.update';
      readonly user: Ref;
      readonly email: number | null;
      readonly patch: Omit<UserPatch, 'email'>;
      readonly stale: number;
    }
  | { readonly op: 'users.list' }
  | {
      readonly op: 'contents.create';
      readonly kind: (typeof contentKinds)[number];
      readonly title: string;
      readonly author: number;
      readonly tags: readonly number[];
    }
  | {
      readonly op: 'contents.update';
      readonly content: Ref;
      readonly patch: Omit<ContentPatch, 'tags'>;
      readonly tags: readonly number[] | null;
      readonly stale: number;
    }
  | { readonly op: 'contents.getById'; readonly content: Ref }
  | {
      readonly op: 'contents.listPublished';
      readonly by: 'author' | 'tag';
      readonly key: number;
      readonly limit: number;
    }
  | { readonly op: 'enrollments.enroll'; readonly actor: number; readonly content: Ref }
  | {
      readonly op: 'enrollments.recordProgress';
      readonly actor: number;
      readonly content: Ref;
      readonly progress: number;
    }
  | { readonly op: 'enrollments.get'; readonly actor: number; readonly content: Ref }
  | { readonly op: 'enrollments.listByUser'; readonly actor: number; readonly limit: number }
  | { readonly op: 'enrollments.countsFor'; readonly content: Ref }
  | {
      readonly op: 'events.create';
      readonly capacity: number;
      readonly community: Ref | null;
      readonly startsIn: number;
      readonly title: string;
    }
  | { readonly op: 'events.update'; readonly event: Ref; readonly patch: EventPatch; readonly stale: number }
  | { readonly op: 'events.getById'; readonly event: Ref }
  | {
      readonly op: 'events.register' | 'events.cancelRegistration' | 'events.markAttended' | 'events.getRegistration';
      readonly event: Ref;
      readonly actor: number;
    }
  | {
      readonly op: 'events.listRegistrations';
      readonly event: Ref;
      readonly status: RegistrationStatus | null;
      readonly limit: number;
    }
  | { readonly op: 'events.listUpcoming'; readonly community: Ref; readonly from: number; readonly limit: number }
  | {
      readonly op: 'communities.create';
      readonly slug: number;
      readonly upper: boolean;
      readonly owner: number;
      readonly visibility: (typeof communityVisibilities)[number] | null;
    }
  | {
      readonly op: 'communities.update';
      readonly community: Ref;
      readonly patch: CommunityPatch;
      readonly stale: number;
    }
  | { readonly op: 'communities.getById'; readonly community: Ref }
  | { readonly op: 'communities.getBySlug'; readonly slug: number; readonly upper: boolean }
  | { readonly op: 'communities.list' }
  | {
      readonly op: 'memberships.join';
      readonly community: Ref;
      readonly actor: number;
      readonly role: MembershipRole | null;
    }
  | { readonly op: 'memberships.leave' | 'memberships.get'; readonly community: Ref; readonly actor: number }
  | {
      readonly op: 'memberships.setRole';
      readonly community: Ref;
      readonly actor: number;
      readonly role: MembershipRole;
    }
  | { readonly op: 'memberships.listMembers'; readonly community: Ref; readonly limit: number }
  | { readonly op: 'memberships.listByUser'; readonly actor: number; readonly limit: number }
  | { readonly op: 'posts.create'; readonly community: Ref; readonly author: number; readonly body: string }
  | { readonly op: 'posts.update'; readonly post: Ref; readonly body: string; readonly stale: number }
  | { readonly op: 'posts.getById' | 'posts.remove'; readonly post: Ref }
  | { readonly op: 'posts.feed'; readonly community: Ref; readonly limit: number }
  | { readonly op: 'posts.addComment'; readonly post: Ref; readonly author: number; readonly body: string }
  | { readonly op: 'posts.listComments'; readonly post: Ref; readonly limit: number }
  | {
      readonly op: 'posts.react' | 'posts.unreact';
      readonly post: Ref;
      readonly actor: number;
      readonly kind: ReactionKind;
    }
  | { readonly op: 'activity.append'; readonly events: readonly AppendSpec[] }
  | {
      readonly op: 'activity.listByActor';
      readonly actor: number;
      readonly range: readonly [number, number] | null;
      readonly limit: number;
    }
  | {
      readonly op: 'activity.listByObject';
      readonly objectType: ActivityObject['type'];
      readonly object: number;
      readonly range: readonly [number, number] | null;
      readonly limit: number;
    }
  | { readonly op: 'activity.dailyCounts'; readonly verb: ActivityVerb | null }
  | { readonly op: 'activity.purgeBefore'; readonly day: number };

export type Op = Command['op'];

// ---------------------------------------------------------------------------------------------------------------
// Generators

/** Text that must round-trip exactly: padded (stores keep the trimmed value), accented, CJK, emoji, quotes. */
const texts = ['Ada', '  Grace Hopper  ', 'Zoë', '学习与社区', 'emoji 👩‍💻 🇳🇵', 'O\'Brien "quoted"'] as const;
const text = fc.constantFrom(...texts);
/** `arbitrary`'s values, or null now and then. */
const orNull = <T>(arbitrary: fc.Arbitrary<T>, freq = 5): fc.Arbitrary<T | null> =>
  fc.option(arbitrary, { nil: null, freq });
// Mostly the first entities and actors, so that commands meet each other's effects; -1 is an entity nobody has.
const ref: fc.Arbitrary<Ref> = fc.oneof(
  { arbitrary: fc.nat(1), weight: 6 },
  { arbitrary: fc.nat(5), weight: 3 },
  { arbitrary: fc.constant(-1), weight: 1 },
);
const actor = fc.oneof({ arbitrary: fc.nat(1), weight: 3 }, { arbitrary: fc.nat(3), weight: 1 });
const key = fc.nat(3);
const limit = fc.constantFrom(1, 2, 3, 100);
/** 0 expects the current version; anything else a stale or future one. */
const stale = fc.oneof({ arbitrary: fc.constant(0), weight: 8 }, { arbitrary: fc.constantFrom(-1, 1), weight: 2 });
const verbs = ['viewed', 'enrolled', 'registered', 'posted', 'commented'] as const satisfies readonly ActivityVerb[];

// Commands whose cost grows with everything the shared real store holds (whole-store lists, purges): drawn less often.
const rareCommands = new WeakSet<fc.Arbitrary<Command>>();
function rare(arbitrary: fc.Arbitrary<Command>): fc.Arbitrary<Command> {
  rareCommands.add(arbitrary);
  return arbitrary;
}

const clockCommands: fc.Arbitrary<Command>[] = [
  fc.record({ op: fc.constant('clock.advance'), ms: fc.constantFrom(1, 1_000, 60_000, HOUR) }),
];

const userCommands: fc.Arbitrary<Command>[] = [
  fc.record({
    op: fc.constant('users.create'),
    email: key,
    upper: fc.boolean(),
    name: text,
    role: orNull(fc.constantFrom(...userRoles)),
  }),
  fc.record({ op: fc.constant('users.getById'), user: ref }),
  fc.record({ op: fc.constant('users.findByEmail'), email: key, upper: fc.boolean() }),
  fc.record({
    op: fc.constant('users.update'),
    user: ref,
    email: orNull(key),
    patch: fc.record(
      { displayName: text, role: fc.constantFrom(...userRoles), status: fc.constantFrom(...userStatuses) },
      { requiredKeys: [] },
    ),
    stale,
  }),
  rare(fc.record({ op: fc.constant('users.list') })),
];

const contentCommands: fc.Arbitrary<Command>[] = [
  fc.record({
    op: fc.constant('contents.create'),
    kind: fc.constantFrom(...contentKinds),
    title: text,
    author: actor,
    tags: fc.array(fc.nat(2), { maxLength: 3 }),
  }),
  fc.record({
    op: fc.constant('contents.update'),
    content: ref,
    patch: fc.record({ title: text, status: fc.constantFrom(...contentStatuses) }, { requiredKeys: [] }),
    tags: orNull(fc.array(fc.nat(2), { maxLength: 3 })),
    stale,
  }),
  fc.record({ op: fc.constant('contents.getById'), content: ref }),
  fc.record({ op: fc.constant('contents.listPublished'), by: fc.constantFrom('author', 'tag'), key: fc.nat(3), limit }),
  fc.record({ op: fc.constant('enrollments.enroll'), actor, content: ref }),
  fc.record({
    op: fc.constant('enrollments.recordProgress'),
    actor,
    content: ref,
    progress: fc.oneof(fc.constantFrom(0, 50, 100), fc.nat(100)),
  }),
  fc.record({ op: fc.constant('enrollments.get'), actor, content: ref }),
  fc.record({ op: fc.constant('enrollments.listByUser'), actor, limit }),
  fc.record({ op: fc.constant('enrollments.countsFor'), content: ref }),
];

const eventCommands: fc.Arbitrary<Command>[] = [
  fc.record({
    op: fc.constant('events.create'),
    capacity: fc.integer({ min: 1, max: 3 }),
    community: orNull(ref),
    startsIn: fc.integer({ min: -2, max: 48 }),
    title: text,
  }),
  fc.record({
    op: fc.constant('events.update'),
    event: ref,
    patch: fc.record(
      {
        capacity: fc.integer({ min: 1, max: 4 }),
        status: fc.constantFrom('scheduled', 'scheduled', 'cancelled'),
        title: text,
      },
      { requiredKeys: [] },
    ),
    stale,
  }),
  fc.record({ op: fc.constant('events.getById'), event: ref }),
  fc.record({ op: fc.constant('events.register'), event: ref, actor }),
  fc.record({ op: fc.constant('events.register'), event: ref, actor }),
  fc.record({ op: fc.constant('events.cancelRegistration'), event: ref, actor }),
  fc.record({ op: fc.constant('events.markAttended'), event: ref, actor }),
  fc.record({ op: fc.constant('events.getRegistration'), event: ref, actor }),
  fc.record({
    op: fc.constant('events.listRegistrations'),
    event: ref,
    status: orNull(fc.constantFrom(...registrationStatuses)),
    limit,
  }),
  fc.record({ op: fc.constant('events.listUpcoming'), community: ref, from: fc.integer({ min: -3, max: 24 }), limit }),
];

const communityCommands: fc.Arbitrary<Command>[] = [
  fc.record({
    op: fc.constant('communities.create'),
    slug: key,
    upper: fc.boolean(),
    owner: actor,
    visibility: orNull(fc.constantFrom(...communityVisibilities)),
  }),
  fc.record({
    op: fc.constant('communities.update'),
    community: ref,
    patch: fc.record(
      { name: text, description: text, visibility: fc.constantFrom(...communityVisibilities) },
      { requiredKeys: [] },
    ),
    stale,
  }),
  fc.record({ op: fc.constant('communities.getById'), community: ref }),
  fc.record({ op: fc.constant('communities.getBySlug'), slug: key, upper: fc.boolean() }),
  rare(fc.record({ op: fc.constant('communities.list') })),
  fc.record({
    op: fc.constant('memberships.join'),
    community: ref,
    actor,
    role: orNull(fc.constantFrom(...membershipRoles)),
  }),
  fc.record({ op: fc.constant('memberships.leave'), community: ref, actor }),
  fc.record({ op: fc.constant('memberships.get'), community: ref, actor }),
  fc.record({
    op: fc.constant('memberships.setRole'),
    community: ref,
    actor,
    role: fc.constantFrom(...membershipRoles),
  }),
  fc.record({ op: fc.constant('memberships.listMembers'), community: ref, limit }),
  fc.record({ op: fc.constant('memberships.listByUser'), actor, limit }),
];

const postCommands: fc.Arbitrary<Command>[] = [
  fc.record({
    op: fc.constant('communities.create'),
    slug: key,
    upper: fc.constant(false),
    owner: actor,
    visibility: fc.constant(null),
  }),
  fc.record({ op: fc.constant('posts.create'), community: ref, author: actor, body: text }),
  fc.record({ op: fc.constant('posts.update'), post: ref, body: text, stale }),
  fc.record({ op: fc.constant('posts.getById'), post: ref }),
  fc.record({ op: fc.constant('posts.remove'), post: ref }),
  fc.record({ op: fc.constant('posts.feed'), community: ref, limit }),
  fc.record({ op: fc.constant('posts.addComment'), post: ref, author: actor, body: text }),
  fc.record({ op: fc.constant('posts.listComments'), post: ref, limit }),
  fc.record({ op: fc.constant('posts.react'), post: ref, actor, kind: fc.constantFrom(...reactionKinds) }),
  fc.record({ op: fc.constant('posts.unreact'), post: ref, actor, kind: fc.constantFrom(...reactionKinds) }),
];

const appendSpec: fc.Arbitrary<AppendSpec> = fc.record({
  id: orNull(fc.nat(5), 4),
  actor,
  verb: fc.constantFrom(...verbs),
  objectType: fc.constantFrom('content', 'event', 'post'),
  object: fc.nat(2),
  at: orNull(fc.tuple(fc.nat(5), fc.nat(3)), 4),
  metadata: fc.dictionary(
    fc.constantFrom('source', 'score', 'mobile'),
    fc.oneof(fc.constantFrom('web', 'app'), fc.integer({ min: -5, max: 5 }), fc.boolean()),
    { maxKeys: 2 },
  ),
});

const range = orNull(
  fc.tuple(fc.nat(5), fc.nat(5)).map(([a, b]): readonly [number, number] => [Math.min(a, b), Math.max(a, b) + 1]),
);

const activityCommands: fc.Arbitrary<Command>[] = [
  fc.record({ op: fc.constant('activity.append'), events: fc.array(appendSpec, { minLength: 0, maxLength: 4 }) }),
  fc.record({ op: fc.constant('activity.append'), events: fc.array(appendSpec, { minLength: 1, maxLength: 4 }) }),
  fc.record({ op: fc.constant('activity.listByActor'), actor, range, limit }),
  fc.record({
    op: fc.constant('activity.listByObject'),
    objectType: fc.constantFrom('content', 'event', 'post'),
    object: fc.nat(2),
    range,
    limit,
  }),
  fc.record({ op: fc.constant('activity.dailyCounts'), verb: orNull(fc.constantFrom(...verbs)) }),
  rare(fc.record({ op: fc.constant('activity.purgeBefore'), day: fc.nat(3) })),
];

const createCommunity = fc.record({
  op: fc.constant('communities.create'),
  slug: key,
  upper: fc.constant(false),
  owner: actor,
  visibility: orNull(fc.constantFrom(...communityVisibilities)),
});

/** What a run of a family starts with, so that most commands find something to act on. */
const setups = {
  users: fc.array(userCommands[0] as fc.Arbitrary<Command>, { minLength: 1, maxLength: 3 }),
  content: fc.array(contentCommands[0] as fc.Arbitrary<Command>, { minLength: 1, maxLength: 3 }),
  events: fc.tuple(
    fc.array(createCommunity, { maxLength: 1 }),
    fc.array(eventCommands[0] as fc.Arbitrary<Command>, { minLength: 1, maxLength: 2 }),
  ),
  community: fc.array(createCommunity, { minLength: 1, maxLength: 2 }),
  posts: fc.tuple(
    fc.array(createCommunity, { minLength: 1, maxLength: 2 }),
    fc.array(postCommands[1] as fc.Arbitrary<Command>, { minLength: 1, maxLength: 2 }),
  ),
  activity: fc.array(activityCommands[1] as fc.Arbitrary<Command>, { minLength: 1, maxLength: 2 }),
} satisfies Record<string, fc.Arbitrary<Command[] | [Command[], Command[]]>>;

/** The command families a differential property draws from. */
export const commandFamilies = {
  users: userCommands,
  content: contentCommands,
  events: [...eventCommands, createCommunity],
  community: communityCommands,
  posts: postCommands,
  activity: activityCommands,
} satisfies Record<keyof typeof setups, fc.Arbitrary<Command>[]>;

export type CommandFamily = keyof typeof commandFamilies;

/**
 * Sequences of commands from the given families (plus clock moves): each family's creates first, then up to
 * `maxLength` commands drawn from all of them.
 */
export function commandSequences(families: readonly CommandFamily[], maxLength: number): fc.Arbitrary<Command[]> {
  const choices = [...clockCommands, ...families.flatMap((family) => commandFamilies[family])].map((arbitrary) => ({
    arbitrary,
    weight: rareCommands.has(arbitrary) ? 1 : 4,
  }));
  const setup = fc
    .tuple(...families.map((family): fc.Arbitrary<Command[] | [Command[], Command[]]> => setups[family]))
    .map((parts) => parts.flat(2));
  const body = fc.array(fc.oneof(...choices), { minLength: 1, maxLength, size: 'max' });
  return fc.tuple(setup, body).map(([first, rest]) => [...first, ...rest]);
}

// ---------------------------------------------------------------------------------------------------------------
// Execution

/** One store of a differential run, resolving the run's references to its own ids. */
export interface Side {
  readonly name: SideName;
  readonly store: CohortStore;
  readonly world: World;
  /** The clock's now, frozen for the run (both stores read the same clock). */
  readonly now: () => Date;
}

function id(side: Side, kind: EntityKind, reference: Ref): string {
  return side.world.id(kind, reference, side.name);
}

/** The expected version for an update: the model's current version (1 for a missing entity), moved by `stale`. */
export async function expectedVersion(model: Side, command: Command): Promise<number> {
  const current = await (async (): Promise<{ version: number } | null> => {
    switch (command.op) {
      case 'users.update':
        return model.store.users.getById(id(model, 'user', command.user));
      case 'contents.update':
        return model.store.contents.getById(id(model, 'content', command.content));
      case 'events.update':
        return model.store.events.getById(id(model, 'event', command.event));
      case 'communities.update':
        return model.store.communities.getById(id(model, 'community', command.community));
      case 'posts.update':
        return model.store.posts.getById(id(model, 'post', command.post));
      default:
        return null;
    }
  })();
  const stale = 'stale' in command ? command.stale : 0;
  return Math.max(1, (current?.version ?? 1) + stale);
}

function newActivity(side: Side, spec: AppendSpec): NewActivityEvent {
  const { world } = side;
  return {
    ...(spec.id === null ? {} : { id: world.activityIds[spec.id % world.activityIds.length] }),
    actorId: world.actor(spec.actor),
    verb: spec.verb,
    object: { type: spec.objectType, id: world.objectId(spec.object) },
    ...(spec.at === null ? {} : { occurredAt: world.at(spec.at[0], spec.at[1]) }),
    metadata: { ...spec.metadata },
  };
}

function activityRange(side: Side, range: readonly [number, number] | null): { from: Date; to: Date } | undefined {
  return range === null ? undefined : { from: side.world.at(range[0]), to: side.world.at(range[1]) };
}

/**
 * Runs one command on one store and returns what the port returned. `version` is the expected version of an update
 * (the same for both stores). Lists are walked page by page (`limit` per page); lists over the whole store (users,
 * communities) keep only what this run created, as other runs share the real store.
 */
export async function execute(side: Side, command: Command, version: number): Promise<unknown> {
  const { store, world } = side;
  switch (command.op) {
    case 'clock.advance':
      return null;
    case 'users.create':
      return store.users.create({
        email: world.email(command.email, command.upper),
        displayName: command.name,
        ...(command.role === null ? {} : { role: command.role }),
      });
    case 'users.getById':
      return store.users.getById(id(side, 'user', command.user));
    case 'users.findByEmail':
      return store.users.findByEmail(world.email(command.email, command.upper));
    case 'users.update':
      return store.users.update(
        id(side, 'user', command.user),
        { ...command.patch, ...(command.email === null ? {} : { email: world.email(command.email) }) },
        version,
      );
    case 'users.list':
      return (await everyItem((page) => store.users.list(page))).filter((user) => world.nameOf(user.id));
    case 'contents.create':
      return store.contents.create({
        kind: command.kind,
        title: command.title,
        authorId: world.actor(command.author),
        tags: command.tags.map((tag) => world.contentTag(tag)),
      });
    case 'contents.update':
      return store.contents.update(
        id(side, 'content', command.content),
        { ...command.patch, ...(command.tags === null ? {} : { tags: command.tags.map((t) => world.contentTag(t)) }) },
        version,
      );
    case 'contents.getById':
      return store.contents.getById(id(side, 'content', command.content));
    case 'contents.listPublished': {
      const filter =
        command.by === 'author' ? { authorId: world.actor(command.key) } : { tag: world.contentTag(command.key) };
      return walkPages((page) => store.contents.listPublished(filter, page), command.limit);
    }
    case 'enrollments.enroll':
      return store.enrollments.enroll(world.actor(command.actor), id(side, 'content', command.content));
    case 'enrollments.recordProgress':
      return store.enrollments.recordProgress(
        world.actor(command.actor),
        id(side, 'content', command.content),
        command.progress,
      );
    case 'enrollments.get':
      return store.enrollments.get(world.actor(command.actor), id(side, 'content', command.content));
    case 'enrollments.listByUser':
      return walkPages((page) => store.enrollments.listByUser(world.actor(command.actor), page), command.limit);
    case 'enrollments.countsFor':
      return store.enrollments.countsFor(id(side, 'content', command.content));
    case 'events.create': {
      const startsAt = new Date(side.now().getTime() + command.startsIn * HOUR);
      return store.events.create({
        title: command.title,
        hostId: world.actor(0),
        communityId: command.community === null ? null : id(side, 'community', command.community),
        startsAt,
        endsAt: new Date(startsAt.getTime() + 2 * HOUR),
        capacity: command.capacity,
      });
    }
    case 'events.update':
      return store.events.update(id(side, 'event', command.event), command.patch, version);
    case 'events.getById':
      return store.events.getById(id(side, 'event', command.event));
    case 'events.register':
      return store.events.register(id(side, 'event', command.event), world.actor(command.actor));
    case 'events.cancelRegistration':
      return store.events.cancelRegistration(id(side, 'event', command.event), world.actor(command.actor));
    case 'events.markAttended':
      return store.events.markAttended(id(side, 'event', command.event), world.actor(command.actor));
    case 'events.getRegistration':
      return store.events.getRegistration(id(side, 'event', command.event), world.actor(command.actor));
    case 'events.listRegistrations': {
      const filter = command.status === null ? {} : { status: command.status };
      const eventId = id(side, 'event', command.event);
      return walkPages((page) => store.events.listRegistrations(eventId, filter, page), command.limit);
    }
    case 'events.listUpcoming': {
      const filter = {
        from: new Date(side.now().getTime() + command.from * HOUR),
        communityId: id(side, 'community', command.community),
      };
      return walkPages((page) => store.events.listUpcoming(filter, page), command.limit);
    }
    case 'communities.create':
      return store.communities.create({
        slug: world.slug(command.slug, command.upper),
        name: `Community ${command.slug}`,
        ownerId: world.actor(command.owner),
        ...(command.visibility === null ? {} : { visibility: command.visibility }),
      });
    case 'communities.update':
      return store.communities.update(id(side, 'community', command.community), command.patch, version);
    case 'communities.getById':
      return store.communities.getById(id(side, 'community', command.community));
    case 'communities.getBySlug':
      return store.communities.getBySlug(world.slug(command.slug, command.upper));
    case 'communities.list':
      return (await everyItem((page) => store.communities.list(page))).filter((community) =>
        world.nameOf(community.id),
      );
    case 'memberships.join':
      return store.memberships.join(
        id(side, 'community', command.community),
        world.actor(command.actor),
        ...(command.role === null ? [] : [command.role]),
      );
    case 'memberships.leave':
      return store.memberships.leave(id(side, 'community', command.community), world.actor(command.actor));
    case 'memberships.get':
      return store.memberships.get(id(side, 'community', command.community), world.actor(command.actor));
    case 'memberships.setRole':
      return store.memberships.setRole(
        id(side, 'community', command.community),
        world.actor(command.actor),
        command.role,
      );
    case 'memberships.listMembers': {
      const communityId = id(side, 'community', command.community);
      return walkPages((page) => store.memberships.listMembers(communityId, page), command.limit);
    }
    case 'memberships.listByUser':
      return walkPages((page) => store.memberships.listByUser(world.actor(command.actor), page), command.limit);
    case 'posts.create':
      return store.posts.create({
        communityId: id(side, 'community', command.community),
        authorId: world.actor(command.author),
        body: command.body,
      });
    case 'posts.update':
      return store.posts.update(id(side, 'post', command.post), { body: command.body }, version);
    case 'posts.getById':
      return store.posts.getById(id(side, 'post', command.post));
    case 'posts.remove':
      return store.posts.remove(id(side, 'post', command.post));
    case 'posts.feed': {
      const communityId = id(side, 'community', command.community);
      return walkPages((page) => store.posts.feed(communityId, page), command.limit);
    }
    case 'posts.addComment':
      return store.posts.addComment(id(side, 'post', command.post), {
        authorId: world.actor(command.author),
        body: command.body,
      });
    case 'posts.listComments': {
      const postId = id(side, 'post', command.post);
      return walkPages((page) => store.posts.listComments(postId, page), command.limit);
    }
    case 'posts.react':
      return store.posts.react(id(side, 'post', command.post), world.actor(command.actor), command.kind);
    case 'posts.unreact':
      return store.posts.unreact(id(side, 'post', command.post), world.actor(command.actor), command.kind);
    case 'activity.append':
      return store.activity.append(command.events.map((spec) => newActivity(side, spec)));
    case 'activity.listByActor': {
      const actorId = world.actor(command.actor);
      const range = activityRange(side, command.range);
      return walkPages((page) => store.activity.listByActor(actorId, range, page), command.limit);
    }
    case 'activity.listByObject': {
      const object = { type: command.objectType, id: world.objectId(command.object) };
      const range = activityRange(side, command.range);
      return walkPages((page) => store.activity.listByObject(object, range, page), command.limit);
    }
    case 'activity.dailyCounts':
      return store.activity.dailyCounts({
        from: world.day(0),
        to: world.day(7),
        ...(command.verb === null ? {} : { verb: command.verb }),
      });
    case 'activity.purgeBefore':
      return store.activity.purgeBefore(world.at(command.day));
  }
}

/** The kind of entity a successful command created (its result's `id` names it), if any. */
export function createdKind(command: Command): EntityKind | null {
  switch (command.op) {
    case 'users.create':
      return 'user';
    case 'contents.create':
      return 'content';
    case 'events.create':
      return 'event';
    case 'communities.create':
      return 'community';
    case 'posts.create':
      return 'post';
    case 'posts.addComment':
      return 'comment';
    default:
      return null;
  }
}

/** A read-only query whose answer both stores must agree on after a command. */
export interface Probe {
  readonly label: string;
  read(side: Side): Promise<unknown>;
}

const probe = (label: string, read: (side: Side) => Promise<unknown>): Probe => ({ label, read });

const eventState = (reference: Ref): Probe[] => [
  probe('event', (side) => side.store.events.getById(id(side, 'event', reference))),
  probe('registrations', (side) =>
    everyItem((page) => side.store.events.listRegistrations(id(side, 'event', reference), {}, page)),
  ),
];

const communityState = (reference: Ref): Probe[] => [
  probe('community', (side) => side.store.communities.getById(id(side, 'community', reference))),
  probe('members', (side) =>
    everyItem((page) => side.store.memberships.listMembers(id(side, 'community', reference), page)),
  ),
];

const postState = (reference: Ref): Probe[] => [
  probe('post', (side) => side.store.posts.getById(id(side, 'post', reference))),
  probe('comments', (side) => everyItem((page) => side.store.posts.listComments(id(side, 'post', reference), page))),
];

const usersByEmail: Probe[] = [
  probe('users by email', (side) =>
    Promise.all([0, 1, 2, 3].map((key) => side.store.users.findByEmail(side.world.email(key)))),
  ),
];

const activityState = (actors: readonly number[]): Probe[] => [
  probe('daily counts', (side) => side.store.activity.dailyCounts({ from: side.world.day(0), to: side.world.day(7) })),
  ...[...new Set(actors)].map((actorIndex) =>
    probe(`activity of actor${actorIndex}`, (side) =>
      everyItem((page) => side.store.activity.listByActor(side.world.actor(actorIndex), undefined, page)),
    ),
  ),
];

/** The state a command may have changed: read from both stores after it and compared. */
export function probesAfter(command: Command): Probe[] {
  switch (command.op) {
    case 'users.create':
    case 'users.update':
      return usersByEmail;
    case 'contents.update':
      return [
        probe('content', (side) => side.store.contents.getById(id(side, 'content', command.content))),
        ...[0, 1, 2].map((tag) =>
          probe(`published with tag ${tag}`, (side) =>
            everyItem((page) => side.store.contents.listPublished({ tag: side.world.contentTag(tag) }, page)),
          ),
        ),
      ];
    case 'enrollments.enroll':
    case 'enrollments.recordProgress':
      return [
        probe('counts', (side) => side.store.enrollments.countsFor(id(side, 'content', command.content))),
        probe('enrollments of the user', (side) =>
          everyItem((page) => side.store.enrollments.listByUser(side.world.actor(command.actor), page)),
        ),
      ];
    case 'events.update':
    case 'events.register':
    case 'events.cancelRegistration':
    case 'events.markAttended':
      return eventState(command.event);
    case 'communities.create':
      return [
        probe('communities by slug', (side) =>
          Promise.all([0, 1, 2, 3].map((key) => side.store.communities.getBySlug(side.world.slug(key)))),
        ),
      ];
    case 'communities.update':
      return communityState(command.community);
    case 'memberships.join':
    case 'memberships.leave':
    case 'memberships.setRole':
      return [
        ...communityState(command.community),
        probe('memberships of the user', (side) =>
          everyItem((page) => side.store.memberships.listByUser(side.world.actor(command.actor), page)),
        ),
      ];
    case 'posts.create':
      return [
        probe('feed', (side) =>
          everyItem((page) => side.store.posts.feed(id(side, 'community', command.community), page)),
        ),
      ];
    case 'posts.update':
    case 'posts.remove':
    case 'posts.addComment':
    case 'posts.react':
    case 'posts.unreact':
      return postState(command.post);
    case 'activity.append':
      return activityState(command.events.map((spec) => spec.actor));
    case 'activity.purgeBefore':
      return activityState([0, 1, 2, 3]);
    default:
      return [];
  }
}

/** Everything the run created, read back from one store: compared between the stores at the end of every run. */
export function finalState(world: World): Probe[] {
  const probes: Probe[] = [];
  world.all('user').forEach((_, index) => {
    probes.push(probe(`user${index}`, (side) => side.store.users.getById(id(side, 'user', index))));
  });
  world.all('content').forEach((_, index) => {
    probes.push(
      probe(`content${index}`, (side) => side.store.contents.getById(id(side, 'content', index))),
      probe(`content${index} counts`, (side) => side.store.enrollments.countsFor(id(side, 'content', index))),
    );
  });
  world.all('event').forEach((_, index) => probes.push(...eventState(index)));
  world.all('community').forEach((_, index) => {
    probes.push(
      ...communityState(index),
      probe(`community${index} feed`, (side) =>
        everyItem((page) => side.store.posts.feed(id(side, 'community', index), page)),
      ),
    );
  });
  world.all('post').forEach((_, index) => probes.push(...postState(index)));
  world.actors.forEach((_, index) => {
    probes.push(
      probe(`enrollments of actor${index}`, (side) =>
        everyItem((page) => side.store.enrollments.listByUser(side.world.actor(index), page)),
      ),
      probe(`memberships of actor${index}`, (side) =>
        everyItem((page) => side.store.memberships.listByUser(side.world.actor(index), page)),
      ),
    );
  });
  probes.push(...activityState([0, 1, 2, 3]));
  return probes;
}
