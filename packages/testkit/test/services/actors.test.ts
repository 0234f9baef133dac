import { newId, type CohortServices } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import { expectCohortError } from '../../src/contract/expect-cohort-error.js';
import { HOUR, T0, createHarness, type Harness } from './service-harness.js';

/**
 * A world in which the actor under test is a member and author of everything, so the only reason a call can fail
 * is who the actor is.
 */
async function world(h: Harness, actorId: string) {
  const other = await h.user();
  const community = await h.community(other);
  const draft = await h.store.contents.create({ kind: 'course', title: 'x', authorId: actorId });
  const content = await h.store.contents.update(draft.id, { status: 'published' }, draft.version);
  const startsAt = new Date(T0.getTime() + HOUR);
  const event = await h.store.events.create({
    title: 'x',
    hostId: actorId,
    startsAt,
    endsAt: new Date(startsAt.getTime() + HOUR),
    capacity: 5,
  });
  return { other, community, content, event };
}

type World = Awaited<ReturnType<typeof world>>;
type UseCase = [string, (s: CohortServices, actorId: string, w: World) => Promise<unknown>];

const useCases: UseCase[] = [
  ['users.changeEmail', (s, a) => s.users.changeEmail(a, a, `${newId()}@example.com`)],
  ['users.changeDisplayName', (s, a) => s.users.changeDisplayName(a, a, 'New name')],
  ['users.deactivateUser', (s, a, w) => s.users.deactivateUser(a, w.other.id)],
  ['users.reactivateUser', (s, a, w) => s.users.reactivateUser(a, w.other.id)],
  ['users.changeRole', (s, a, w) => s.users.changeRole(a, w.other.id, 'manager')],
  ['users.listUsers', (s, a) => s.users.listUsers(a)],
  ['content.createContent', (s, a) => s.content.createContent(a, { kind: 'course', title: 'x' })],
  ['content.publishContent', (s, a, w) => s.content.publishContent(a, w.content.id)],
  ['content.enroll', (s, a, w) => s.content.enroll(a, w.content.id)],
  ['content.recordProgress', (s, a, w) => s.content.recordProgress(a, w.content.id, 10)],
  ['content.listEnrollments', (s, a) => s.content.listEnrollments(a)],
  [
    'events.createEvent',
    (s, a) => s.events.createEvent(a, { title: 'x', capacity: 1, startsAt: T0, endsAt: new Date(T0.getTime() + HOUR) }),
  ],
  ['events.cancelEvent', (s, a, w) => s.events.cancelEvent(a, w.event.id)],
  ['events.registerForEvent', (s, a, w) => s.events.registerForEvent(a, w.event.id)],
  ['events.cancelRegistration', (s, a, w) => s.events.cancelRegistration(a, w.event.id)],
  ['events.markAttended', (s, a, w) => s.events.markAttended(a, w.event.id, w.other.id)],
  ['events.listRegistrations', (s, a, w) => s.events.listRegistrations(a, w.event.id)],
  ['communities.createCommunity', (s, a) => s.communities.createCommunity(a, { slug: `c-${Date.now()}`, name: 'x' })],
  ['communities.joinCommunity', (s, a, w) => s.communities.joinCommunity(a, w.community.id)],
  ['communities.addMember', (s, a, w) => s.communities.addMember(a, w.community.id, w.other.id)],
  ['communities.leaveCommunity', (s, a, w) => s.communities.leaveCommunity(a, w.community.id)],
  ['communities.setMemberRole', (s, a, w) => s.communities.setMemberRole(a, w.community.id, w.other.id, 'member')],
  ['communities.listMembers', (s, a, w) => s.communities.listMembers(a, w.community.id)],
  ['communities.listMyMemberships', (s, a) => s.communities.listMyMemberships(a)],
  ['posts.post', (s, a, w) => s.posts.post(a, w.community.id, 'hi')],
  ['posts.readFeed', (s, a, w) => s.posts.readFeed(a, w.community.id)],
];

/** Use cases on a post, which needs an existing post by the actor. */
const postUseCases: [string, (s: CohortServices, actorId: string, postId: string) => Promise<unknown>][] = [
  ['posts.getPost', (s, a, p) => s.posts.getPost(a, p)],
  ['posts.comment', (s, a, p) => s.posts.comment(a, p, 'hi')],
  ['posts.listComments', (s, a, p) => s.posts.listComments(a, p)],
  ['posts.react', (s, a, p) => s.posts.react(a, p, 'like')],
  ['posts.unreact', (s, a, p) => s.posts.unreact(a, p, 'like')],
  ['posts.removePost', (s, a, p) => s.posts.removePost(a, p)],
];

describe('a deactivated actor', () => {
  it.each(useCases)('is FORBIDDEN from %s, and nothing is recorded', async (_name, run) => {
    const h = createHarness();
    const actor = await h.user('admin');
    const w = await world(h, actor.id);
    await h.store.memberships.join(w.community.id, actor.id, 'moderator');
    await h.store.enrollments.enroll(actor.id, w.content.id);
    await h.store.events.register(w.event.id, actor.id);
    await h.store.users.update(actor.id, { status: 'deactivated' }, actor.version);
    await expectCohortError(run(h.services, actor.id, w), 'FORBIDDEN');
    expect(await h.activityOf(actor.id)).toEqual([]);
  });

  it.each(postUseCases)('is FORBIDDEN from %s', async (_name, run) => {
    const h = createHarness();
    const actor = await h.user();
    const community = await h.community(await h.user(), { moderators: [actor] });
    const post = await h.store.posts.create({ communityId: community.id, authorId: actor.id, body: 'mine' });
    await h.store.users.update(actor.id, { status: 'deactivated' }, actor.version);
    await expectCohortError(run(h.services, actor.id, post.id), 'FORBIDDEN');
    expect(await h.activityOf(actor.id)).toEqual([]);
  });

  it('that is active again may act again', async () => {
    const h = createHarness();
    const [actor, admin] = [await h.user(), await h.user('admin')];
    const community = await h.community(admin);
    await h.services.users.deactivateUser(actor.id, actor.id);
    await expectCohortError(h.services.communities.joinCommunity(actor.id, community.id), 'FORBIDDEN');
    await h.services.users.reactivateUser(admin.id, actor.id);
    expect((await h.services.communities.joinCommunity(actor.id, community.id)).role).toBe('member');
  });
});

describe('an unknown actor', () => {
  it.each(useCases)('is NOT_FOUND for %s', async (_name, run) => {
    const h = createHarness();
    const ghost = newId();
    const w = await world(h, ghost);
    await expectCohortError(run(h.services, ghost, w), 'NOT_FOUND');
    expect(await h.activityOf(ghost)).toEqual([]);
  });

  it.each(postUseCases)('is NOT_FOUND for %s', async (_name, run) => {
    const h = createHarness();
    const ghost = newId();
    const community = await h.community(await h.user());
    const post = await h.store.posts.create({ communityId: community.id, authorId: ghost, body: 'orphan' });
    await expectCohortError(run(h.services, ghost, post.id), 'NOT_FOUND');
  });
});

describe('a malformed actor id', () => {
  it.each(useCases)('is VALIDATION for %s', async (_name, run) => {
    const h = createHarness();
    const w = await world(h, newId());
    const error = await expectCohortError(run(h.services, 'not-a-user-id', w), 'VALIDATION');
    expect(error.message).toContain('actorId');
  });

  it.each(postUseCases)('is VALIDATION for %s', async (_name, run) => {
    const h = createHarness();
    await expectCohortError(run(h.services, ' ', newId()), 'VALIDATION');
  });
});
