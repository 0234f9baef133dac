import type { CohortStore, User } from '@cohort/core';

/**
 * Calls every write method of every port at least once, including the ones that change several records in one step
 * (register with a waitlist, cancel with a promotion, a capacity raise, join/leave, comments and reactions with
 * their counters, activity with its daily counters). Returns ids worth looking at afterwards.
 */
export async function exerciseEveryWrite(store: CohortStore, tag: string) {
  const users = [];
  for (let i = 0; i < 6; i += 1) {
    users.push(await store.users.create({ email: `${tag}-${i}@example.com`, displayName: `User ${i}` }));
  }
  const [a, b, c, d, e, f] = users as [User, User, User, User, User, User];
  const updated = await store.users.update(a.id, { displayName: 'Ada Renamed', role: 'manager' }, a.version);

  const content = await store.contents.create({ kind: 'course', title: 'Migrations', authorId: a.id, tags: ['Ops'] });
  await store.contents.update(content.id, { status: 'published' }, content.version);
  await store.enrollments.enroll(b.id, content.id);
  await store.enrollments.recordProgress(b.id, content.id, 40);
  await store.enrollments.enroll(c.id, content.id);
  await store.enrollments.recordProgress(c.id, content.id, 100);

  const community = await store.communities.create({ slug: `${tag}-guild`, name: 'Guild', ownerId: a.id });
  await store.communities.update(community.id, { description: 'All about moving data' }, community.version);
  await store.memberships.join(community.id, b.id);
  await store.memberships.join(community.id, c.id);
  await store.memberships.join(community.id, d.id);
  await store.memberships.setRole(community.id, b.id, 'moderator');
  await store.memberships.leave(community.id, d.id);

  const startsAt = new Date('2031-01-01T10:00:00Z');
  const event = await store.events.create({
    title: 'Cut-over rehearsal',
    hostId: a.id,
    communityId: community.id,
    startsAt,
    endsAt: new Date(startsAt.getTime() + 3_600_000),
    capacity: 2,
  });
  for (const user of [b, c, d, e, f]) await store.events.register(event.id, user.id); // 2 seats, 3 waitlisted
  await store.events.markAttended(event.id, b.id);
  await store.events.cancelRegistration(event.id, c.id); // frees a seat: d is promoted
  await store.events.cancelRegistration(event.id, f.id); // a waitlisted one leaves the line
  const current = await store.events.getById(event.id);
  // A bigger room: e is promoted off the waitlist.
  await store.events.update(event.id, { capacity: 3, title: 'Cut-over rehearsal (bigger room)' }, current!.version);

  const post = await store.posts.create({ communityId: community.id, authorId: b.id, body: 'Hello' });
  await store.posts.update(post.id, { body: 'Hello, edited' }, post.version);
  await store.posts.addComment(post.id, { authorId: c.id, body: 'First' });
  await store.posts.addComment(post.id, { authorId: a.id, body: 'Second' });
  await store.posts.react(post.id, c.id, 'like');
  await store.posts.react(post.id, a.id, 'celebrate');
  await store.posts.react(post.id, a.id, 'like');
  await store.posts.unreact(post.id, a.id, 'like');
  const doomed = await store.posts.create({ communityId: community.id, authorId: c.id, body: 'Soon gone' });
  await store.posts.addComment(doomed.id, { authorId: a.id, body: 'On a doomed post' });
  await store.posts.react(doomed.id, a.id, 'support');
  await store.posts.remove(doomed.id);

  await store.activity.append([
    { actorId: a.id, verb: 'signed_in', object: { type: 'user', id: a.id } },
    { actorId: b.id, verb: 'posted', object: { type: 'post', id: post.id }, metadata: { length: 5 } },
    { actorId: c.id, verb: 'viewed', object: { type: 'content', id: content.id }, occurredAt: new Date('2020-01-01') },
  ]);
  await store.activity.purgeBefore(new Date('2021-01-01'));

  return { users: users.map((u) => u.id), updated, content, community, event, post };
}
