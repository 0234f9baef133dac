import {
  membershipRoles,
  reactionKinds,
  type CohortStore,
  type Event,
  type MembershipRole,
  type ReactionKind,
  type Registration,
} from '@cohort/core';
import fc from 'fast-check';
import { expect } from 'vitest';
import { everyItem, outcomeOf, type Outcome } from './normalize.js';
import { HOUR, World } from './world.js';

// Parallel batches: a few lanes of commands run at the same time on one store, each lane in order, over a small
// arena (two small events, a community, a post, a content item, a handful of users). Whatever the interleaving,
// the store must end in a state that some serial order explains; these invariants are what every such order keeps.

export type LaneCommand =
  | { readonly op: 'register' | 'cancel' | 'attend'; readonly event: number; readonly actor: number }
  | { readonly op: 'capacity'; readonly event: number; readonly capacity: number }
  | { readonly op: 'status'; readonly event: number; readonly status: 'scheduled' | 'cancelled' }
  | { readonly op: 'join' | 'leave'; readonly actor: number }
  | { readonly op: 'setRole'; readonly actor: number; readonly role: MembershipRole }
  | { readonly op: 'react' | 'unreact'; readonly actor: number; readonly kind: ReactionKind }
  | { readonly op: 'comment'; readonly actor: number }
  | { readonly op: 'enroll'; readonly actor: number }
  | { readonly op: 'progress'; readonly actor: number; readonly progress: number }
  | { readonly op: 'append'; readonly ids: readonly number[] }
  | { readonly op: 'createUser'; readonly email: number }
  | { readonly op: 'createCommunity'; readonly slug: number };

const ACTORS = 6;
const actor = fc.nat(ACTORS - 1);
const event = fc.nat(1);

const laneCommand: fc.Arbitrary<LaneCommand> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('register'), event, actor }), weight: 6 },
  { arbitrary: fc.record({ op: fc.constant('cancel'), event, actor }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('attend'), event, actor }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('capacity'), event, capacity: fc.integer({ min: 1, max: 4 }) }), weight: 2 },
  {
    arbitrary: fc.record({ op: fc.constant('status'), event, status: fc.constantFrom('scheduled', 'cancelled') }),
    weight: 1,
  },
  { arbitrary: fc.record({ op: fc.constantFrom('join', 'leave'), actor }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('setRole'), actor, role: fc.constantFrom(...membershipRoles) }), weight: 1 },
  {
    arbitrary: fc.record({ op: fc.constantFrom('react', 'unreact'), actor, kind: fc.constantFrom('like', 'support') }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant('comment'), actor }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('enroll'), actor }), weight: 2 },
  {
    arbitrary: fc.record({ op: fc.constant('progress'), actor, progress: fc.constantFrom(10, 50, 99, 100) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ op: fc.constant('append'), ids: fc.array(fc.nat(5), { minLength: 1, maxLength: 4 }) }),
    weight: 2,
  },
  { arbitrary: fc.record({ op: fc.constant('createUser'), email: fc.nat(1) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('createCommunity'), slug: fc.nat(1) }), weight: 1 },
);

/** What a run draws: the two events' capacities and two to four lanes of commands. */
export interface ParallelBatch {
  readonly capacities: readonly [number, number];
  readonly lanes: readonly (readonly LaneCommand[])[];
}

export const parallelBatches = (maxLaneLength: number): fc.Arbitrary<ParallelBatch> =>
  fc.record({
    capacities: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    lanes: fc.array(fc.array(laneCommand, { minLength: 1, maxLength: maxLaneLength }), { minLength: 2, maxLength: 4 }),
  });

/** The entities one run works on, created before the lanes start. */
interface Arena {
  readonly world: World;
  readonly events: readonly Event[];
  readonly communityId: string;
  readonly postId: string;
  readonly contentId: string;
}

async function openArena(store: CohortStore, capacities: readonly [number, number]): Promise<Arena> {
  const world = new World(ACTORS, 6);
  const startsAt = new Date(Date.now() + 48 * HOUR);
  const events: Event[] = [];
  for (const capacity of capacities) {
    events.push(
      await store.events.create({
        title: 'Parallel',
        hostId: world.actor(0),
        startsAt,
        endsAt: new Date(startsAt.getTime() + HOUR),
        capacity,
      }),
    );
  }
  const community = await store.communities.create({ slug: world.slug(9), name: 'Arena', ownerId: world.actor(0) });
  const post = await store.posts.create({ communityId: community.id, authorId: world.actor(0), body: 'Arena' });
  const content = await store.contents.create({ kind: 'course', title: 'Arena', authorId: world.actor(0) });
  return { world, events, communityId: community.id, postId: post.id, contentId: content.id };
}

/** The activity event an append index stands for: the same index is always the same event. */
function activityOf(arena: Arena, index: number) {
  const { world } = arena;
  return {
    id: world.activityIds[index] as string,
    actorId: world.actor(index % 3),
    verb: 'viewed' as const,
    object: { type: 'content' as const, id: world.objectId(index) },
    occurredAt: world.at(index % 3, 1),
  };
}

async function run(store: CohortStore, arena: Arena, command: LaneCommand): Promise<unknown> {
  const { world } = arena;
  const eventId = (index: number): string => (arena.events[index] as Event).id;
  switch (command.op) {
    case 'register':
      return store.events.register(eventId(command.event), world.actor(command.actor));
    case 'cancel':
      return store.events.cancelRegistration(eventId(command.event), world.actor(command.actor));
    case 'attend':
      return store.events.markAttended(eventId(command.event), world.actor(command.actor));
    case 'capacity':
    case 'status': {
      const current = await store.events.getById(eventId(command.event));
      const patch = command.op === 'capacity' ? { capacity: command.capacity } : { status: command.status };
      return store.events.update(eventId(command.event), patch, current?.version ?? 1);
    }
    case 'join':
      return store.memberships.join(arena.communityId, world.actor(command.actor));
    case 'leave':
      return store.memberships.leave(arena.communityId, world.actor(command.actor));
    case 'setRole':
      return store.memberships.setRole(arena.communityId, world.actor(command.actor), command.role);
    case 'react':
      return store.posts.react(arena.postId, world.actor(command.actor), command.kind);
    case 'unreact':
      return store.posts.unreact(arena.postId, world.actor(command.actor), command.kind);
    case 'comment':
      return store.posts.addComment(arena.postId, { authorId: world.actor(command.actor), body: 'Parallel' });
    case 'enroll':
      return store.enrollments.enroll(world.actor(command.actor), arena.contentId);
    case 'progress':
      return store.enrollments.recordProgress(world.actor(command.actor), arena.contentId, command.progress);
    case 'append':
      return store.activity.append(command.ids.map((index) => activityOf(arena, index)));
    case 'createUser':
      return store.users.create({ email: world.email(command.email), displayName: 'Parallel' });
    case 'createCommunity':
      return store.communities.create({ slug: world.slug(command.slug), name: 'Parallel', ownerId: world.actor(1) });
  }
}

/** The errors a command may meet in a race; anything else (UNAVAILABLE and VALIDATION included) breaks the run. */
const expectedErrors: Record<LaneCommand['op'], readonly string[]> = {
  register: ['CONFLICT'],
  cancel: ['NOT_FOUND', 'CONFLICT'],
  attend: ['NOT_FOUND', 'CONFLICT'],
  capacity: ['CONCURRENCY', 'CONFLICT'],
  status: ['CONCURRENCY'],
  join: [],
  leave: [],
  setRole: ['NOT_FOUND'],
  react: [],
  unreact: [],
  comment: [],
  enroll: [],
  progress: ['NOT_FOUND'],
  append: [],
  createUser: ['CONFLICT'],
  createCommunity: ['CONFLICT'],
};

interface Done {
  readonly command: LaneCommand;
  readonly outcome: Outcome;
}

const succeeded = (done: readonly Done[], op: LaneCommand['op']): Done[] =>
  done.filter((entry) => entry.command.op === op && entry.outcome.ok);

/** Runs the lanes at the same time (each in order) and checks every invariant once they have all settled. */
export async function runParallelBatch(store: CohortStore, batch: ParallelBatch): Promise<void> {
  const arena = await openArena(store, batch.capacities);
  const done: Done[] = [];
  await Promise.all(
    batch.lanes.map(async (lane) => {
      for (const command of lane) {
        const outcome = await outcomeOf(() => run(store, arena, command));
        done.push({ command, outcome });
      }
    }),
  );
  for (const { command, outcome } of done) {
    if (!outcome.ok) {
      expect(expectedErrors[command.op], `${JSON.stringify(command)} failed with ${outcome.error}`).toContain(
        outcome.error,
      );
    }
  }
  await checkEvents(store, arena);
  await checkCommunity(store, arena);
  await checkPost(store, arena, done);
  await checkEnrollments(store, arena, done);
  await checkUniqueKeys(store, arena, done);
  await checkActivity(store, arena, done);
}

async function checkEvents(store: CohortStore, arena: Arena): Promise<void> {
  for (const created of arena.events) {
    const event = await store.events.getById(created.id);
    if (!event) throw new Error(`event ${created.id} vanished`);
    const registrations = await everyItem((page) => store.events.listRegistrations(event.id, {}, page));
    const seated = registrations.filter((r) => r.status === 'registered' || r.status === 'attended');
    const waiting = registrations.filter((r) => r.status === 'waitlisted');
    const state = `event ${JSON.stringify(summary(event))} with ${JSON.stringify(registrations.map(brief))}`;
    expect(event.registeredCount, `${state}: registeredCount equals the seated registrations`).toBe(seated.length);
    expect(event.waitlistCount, `${state}: waitlistCount equals the waitlisted registrations`).toBe(waiting.length);
    expect(seated.length, `${state}: seats taken never exceed capacity`).toBeLessThanOrEqual(event.capacity);
    const positions = registrations.map((r) => r.position);
    expect(new Set(positions).size, `${state}: positions are unique`).toBe(positions.length);
    expect(positions, `${state}: listed in position order`).toEqual([...positions].sort((a, b) => a - b));
    const users = registrations.map((r) => r.userId);
    expect(new Set(users).size, `${state}: one registration per user`).toBe(users.length);
    if (seated.length > 0 && waiting.length > 0) {
      // Positions are arrival numbers: whoever still waits arrived after everyone seated, or was passed over.
      const lastSeated = Math.max(...seated.map((r) => r.position));
      const firstWaiting = Math.min(...waiting.map((r) => r.position));
      expect(lastSeated, `${state}: the waitlist is served in arrival order`).toBeLessThan(firstWaiting);
    }
    if (event.status === 'scheduled' && waiting.length > 0) {
      expect(seated.length, `${state}: nobody waits while a seat is free`).toBe(event.capacity);
    }
  }
}

function summary(event: Event) {
  const { capacity, registeredCount, waitlistCount, status, version } = event;
  return { capacity, registeredCount, waitlistCount, status, version };
}

function brief(registration: Registration): string {
  return `${registration.userId.slice(-4)}:${registration.status}@${registration.position}`;
}

async function checkCommunity(store: CohortStore, arena: Arena): Promise<void> {
  const community = await store.communities.getById(arena.communityId);
  const members = await everyItem((page) => store.memberships.listMembers(arena.communityId, page));
  const users = members.map((m) => m.userId);
  expect(community?.memberCount, `memberCount equals the members ${JSON.stringify(users)}`).toBe(members.length);
  expect(new Set(users).size, 'one membership per user').toBe(users.length);
  for (const userId of arena.world.actors) {
    const membership = await store.memberships.get(arena.communityId, userId);
    expect(membership !== null, `memberships.get agrees with listMembers for ${userId}`).toBe(users.includes(userId));
  }
}

async function checkPost(store: CohortStore, arena: Arena, done: readonly Done[]): Promise<void> {
  const post = await store.posts.getById(arena.postId);
  if (!post) throw new Error('the arena post vanished');
  const comments = await everyItem((page) => store.posts.listComments(arena.postId, page));
  expect(post.commentCount, 'commentCount equals the comments').toBe(comments.length);
  expect(comments.length, 'one comment per successful addComment').toBe(succeeded(done, 'comment').length);
  for (const kind of reactionKinds) {
    const added = succeeded(done, 'react').filter(
      (entry) => entry.command.op === 'react' && entry.command.kind === kind && entry.outcome.ok && entry.outcome.value,
    ).length;
    const removed = succeeded(done, 'unreact').filter(
      (entry) =>
        entry.command.op === 'unreact' && entry.command.kind === kind && entry.outcome.ok && entry.outcome.value,
    ).length;
    expect(post.reactionCounts[kind], `reactionCounts.${kind} equals reactions added minus removed`).toBe(
      added - removed,
    );
    expect(post.reactionCounts[kind]).toBeLessThanOrEqual(ACTORS);
  }
}

async function checkEnrollments(store: CohortStore, arena: Arena, done: readonly Done[]): Promise<void> {
  const { world } = arena;
  const enrolled = new Set(
    succeeded(done, 'enroll').map((entry) => (entry.command.op === 'enroll' ? entry.command.actor : -1)),
  );
  let completed = 0;
  for (let index = 0; index < ACTORS; index += 1) {
    const enrollment = await store.enrollments.get(world.actor(index), arena.contentId);
    expect(enrollment !== null, `actor${index} is enrolled iff an enroll succeeded`).toBe(enrolled.has(index));
    if (!enrollment) continue;
    const progress = Math.max(
      0,
      ...succeeded(done, 'progress').map((entry) =>
        entry.command.op === 'progress' && entry.command.actor === index ? entry.command.progress : 0,
      ),
    );
    expect(enrollment.progress, `actor${index}'s progress is the highest recorded`).toBe(progress);
    expect(enrollment.status === 'completed', 'completed iff progress 100').toBe(progress === 100);
    expect(enrollment.completedAt !== null, 'completedAt set iff completed').toBe(progress === 100);
    if (enrollment.status === 'completed') completed += 1;
  }
  expect(await store.enrollments.countsFor(arena.contentId), 'countsFor equals the enrollments').toEqual({
    enrolled: enrolled.size,
    completed,
  });
}

async function checkUniqueKeys(store: CohortStore, arena: Arena, done: readonly Done[]): Promise<void> {
  const { world } = arena;
  for (const key of [0, 1]) {
    const userAttempts = done.filter((entry) => entry.command.op === 'createUser' && entry.command.email === key);
    const users = userAttempts.filter((entry) => entry.outcome.ok);
    const owner = await store.users.findByEmail(world.email(key));
    if (userAttempts.length > 0) {
      expect(users.length, `exactly one of ${userAttempts.length} creates of email ${key} succeeds`).toBe(1);
      expect(owner?.id).toBe((users[0]?.outcome as { value: { id: string } }).value.id);
    } else {
      expect(owner).toBeNull();
    }
    const slugAttempts = done.filter((entry) => entry.command.op === 'createCommunity' && entry.command.slug === key);
    const communities = slugAttempts.filter((entry) => entry.outcome.ok);
    const bySlug = await store.communities.getBySlug(world.slug(key));
    if (slugAttempts.length > 0) {
      expect(communities.length, `exactly one of ${slugAttempts.length} creates of slug ${key} succeeds`).toBe(1);
      expect(bySlug?.id).toBe((communities[0]?.outcome as { value: { id: string } }).value.id);
      expect(bySlug?.memberCount, 'a new community counts its owner').toBe(1);
    } else {
      expect(bySlug).toBeNull();
    }
  }
}

async function checkActivity(store: CohortStore, arena: Arena, done: readonly Done[]): Promise<void> {
  const { world } = arena;
  const appends = succeeded(done, 'append');
  const ids = new Set<number>();
  let appended = 0;
  for (const entry of appends) {
    if (entry.command.op !== 'append' || !entry.outcome.ok) continue;
    const result = entry.outcome.value as { appended: number; duplicates: number };
    expect(result.appended + result.duplicates, 'appended + duplicates equals the batch length').toBe(
      entry.command.ids.length,
    );
    appended += result.appended;
    entry.command.ids.forEach((index) => ids.add(index));
  }
  expect(appended, 'every event is appended exactly once, whoever raced for it').toBe(ids.size);
  const counts = await store.activity.dailyCounts({ from: world.day(0), to: world.day(7), verb: 'viewed' });
  expect(
    counts.reduce((sum, count) => sum + count.count, 0),
    'daily counters count every event once',
  ).toBe(ids.size);
  let listed = 0;
  for (let index = 0; index < 3; index += 1) {
    listed += (await everyItem((page) => store.activity.listByActor(world.actor(index), undefined, page))).length;
  }
  expect(listed, 'each appended event is stored once').toBe(ids.size);
}
