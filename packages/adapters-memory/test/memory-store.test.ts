import { recordSetNames, type CohortStore } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import { TestClock } from '@cohort/testkit';
import { createMemoryStore } from '../src/memory-store.js';

const HOUR = 3_600_000;

async function seed(store: CohortStore) {
  const user = await store.users.create({ email: 'Ada@Example.com', displayName: 'Ada' });
  const community = await store.communities.create({ slug: 'guild', name: 'Guild', ownerId: user.id });
  const post = await store.posts.create({ communityId: community.id, authorId: user.id, body: 'Hello' });
  const startsAt = new Date(Date.now() + 24 * HOUR);
  const event = await store.events.create({
    title: 'Meetup',
    hostId: user.id,
    startsAt,
    endsAt: new Date(startsAt.getTime() + HOUR),
    capacity: 1,
  });
  return { user, community, post, event };
}

describe('createMemoryStore', () => {
  it('hands out copies: mutating a returned record does not change the store', async () => {
    const store = createMemoryStore();
    const { user, community, post, event } = await seed(store);

    user.displayName = 'Mallory';
    user.createdAt.setTime(0);
    community.memberCount = 99;
    post.reactionCounts.like = 7;
    event.startsAt.setTime(0);

    const [storedUser, storedCommunity, storedPost, storedEvent] = await Promise.all([
      store.users.getById(user.id),
      store.communities.getById(community.id),
      store.posts.getById(post.id),
      store.events.getById(event.id),
    ]);
    expect(storedUser?.displayName).toBe('Ada');
    expect(storedUser?.createdAt.getTime()).not.toBe(0);
    expect(storedCommunity?.memberCount).toBe(1);
    expect(storedPost?.reactionCounts.like).toBe(0);
    expect(storedEvent?.startsAt.getTime()).not.toBe(0);
  });

  it('hands out copies from lists and scans too', async () => {
    const store = createMemoryStore();
    const { user, community } = await seed(store);

    const listed = await store.users.list();
    (listed.items[0] as { displayName: string }).displayName = 'Mallory';
    const members = await store.memberships.listMembers(community.id);
    (members.items[0] as { role: string }).role = 'member';
    const scanned = await store.recordSets.communities.scan();
    (scanned.items[0] as { name: string }).name = 'Renamed';

    expect((await store.users.getById(user.id))?.displayName).toBe('Ada');
    expect((await store.memberships.get(community.id, user.id))?.role).toBe('owner');
    expect((await store.communities.getById(community.id))?.name).toBe('Guild');
  });

  it('keeps its own copy of what it is given', async () => {
    const clock = new TestClock();
    const store = createMemoryStore({ clock });
    const startsAt = new Date(Date.now() + 24 * HOUR);
    const input = {
      title: 'Meetup',
      hostId: '0190a0c0-0000-7000-8000-000000000001',
      startsAt,
      endsAt: new Date(startsAt.getTime() + HOUR),
      capacity: 5,
    };
    const event = await store.events.create(input);
    startsAt.setTime(0);

    const tags = ['a', 'b'];
    const content = await store.contents.create({
      kind: 'article',
      title: 'Tags',
      authorId: input.hostId,
      tags,
    });
    tags.push('c');

    expect((await store.events.getById(event.id))?.startsAt.getTime()).toBe(event.startsAt.getTime());
    expect((await store.contents.getById(content.id))?.tags).toEqual(['a', 'b']);
  });

  it('keeps its own copy of records put through the migration face', async () => {
    const source = createMemoryStore();
    const { user } = await seed(source);
    const target = createMemoryStore();
    const records = (await source.recordSets.users.scan()).items;

    await target.recordSets.users.putMany(records);
    (records[0] as { displayName: string }).displayName = 'Mallory';

    expect((await target.users.getById(user.id))?.displayName).toBe('Ada');
    expect((await target.users.findByEmail('ADA@example.com'))?.id).toBe(user.id);
  });

  it('returns independent stores', async () => {
    const first = createMemoryStore();
    const second = createMemoryStore();
    const { user } = await seed(first);

    expect(await second.users.getById(user.id)).toBeNull();
    expect(await second.users.findByEmail(user.email)).toBeNull();
    // The same email and slug are free in the other store.
    await expect(second.users.create({ email: user.email, displayName: 'Ada' })).resolves.toMatchObject({
      email: user.email,
    });
    await expect(second.communities.create({ slug: 'guild', name: 'Guild', ownerId: user.id })).resolves.toBeDefined();
    for (const name of recordSetNames) {
      const expected = name === 'users' || name === 'communities' || name === 'memberships' ? 1 : 0;
      expect(await second.recordSets[name].count(), name).toBe(expected);
    }
  });

  it('stores what its ports write under the keys its migration face uses', async () => {
    const store = createMemoryStore();
    const { user, post, event } = await seed(store);
    const content = await store.contents.create({ kind: 'course', title: 'Course', authorId: user.id });
    await store.enrollments.enroll(user.id, content.id);
    await store.events.register(event.id, user.id);
    await store.posts.react(post.id, user.id, 'like');
    await store.activity.append([
      { actorId: user.id, verb: 'posted', object: { type: 'post', id: post.id }, occurredAt: new Date() },
    ]);

    for (const name of recordSetNames) {
      const set = store.recordSets[name] as CohortStore['recordSets']['users'];
      const before = await set.count();
      const { items } = await set.scan({ limit: 100 });
      expect(items, name).toHaveLength(before);
      await set.putMany(items);
      expect(await set.count(), name).toBe(before);
    }
  });

  it('moves the hidden waitlist position past registrations it receives', async () => {
    const store = createMemoryStore();
    const { event } = await seed(store);
    const userId = '0190a0c0-0000-7000-8000-000000000002';
    const now = new Date();
    await store.recordSets.registrations.putMany([
      { eventId: event.id, userId, status: 'waitlisted', position: 41, registeredAt: now, updatedAt: now },
    ]);

    const next = await store.events.register(event.id, '0190a0c0-0000-7000-8000-000000000003');
    expect(next.position).toBe(42);
  });
});
