import { newId, type Event, type Registration, type User } from '@cohort/core';
import { expectCohortError } from '@cohort/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openTestStore, type TestStore } from './postgres-test-database.js';

const now = new Date('2030-05-01T10:00:00.000Z');

function user(email: string): User {
  return {
    id: newId(),
    email,
    displayName: 'U',
    role: 'learner',
    status: 'active',
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

describe('the migration face on PostgreSQL', () => {
  let test: TestStore;

  beforeAll(async () => {
    test = await openTestStore(inject('postgresUrl'));
  });

  afterAll(() => test.close());

  it('swaps two emails in one putMany (the unique constraint is checked per statement)', async () => {
    const a = user(`a-${newId()}@example.com`);
    const b = user(`b-${newId()}@example.com`);
    await test.store.recordSets.users.putMany([a, b]);
    await test.store.recordSets.users.putMany([
      { ...a, email: b.email },
      { ...b, email: a.email },
    ]);
    expect((await test.store.users.findByEmail(a.email))?.id).toBe(b.id);
    expect((await test.store.users.findByEmail(b.email))?.id).toBe(a.id);
  });

  it('still refuses an email held by a user outside the batch, writing nothing', async () => {
    const holder = user(`h-${newId()}@example.com`);
    await test.store.recordSets.users.putMany([holder]);
    const other = user(`o-${newId()}@example.com`);
    await expectCohortError(test.store.recordSets.users.putMany([other, { ...user(holder.email) }]), 'CONFLICT');
    expect(await test.store.users.getById(other.id)).toBeNull();
  });

  it('keeps the last of several records with one key', async () => {
    const first = user(`l-${newId()}@example.com`);
    await test.store.recordSets.users.putMany([first, { ...first, displayName: 'Last', version: 3 }]);
    expect(await test.store.users.getById(first.id)).toMatchObject({ displayName: 'Last', version: 3 });
  });

  it('refuses a record whose parent is missing in its context (foreign key) with NOT_FOUND', async () => {
    await expectCohortError(
      test.store.recordSets.comments.putMany([
        { id: newId(), postId: newId(), authorId: newId(), body: 'orphan', createdAt: now },
      ]),
      'NOT_FOUND',
    );
  });

  it('moves an event past the positions of the registrations it receives', async () => {
    const event: Event = {
      id: newId(),
      title: 'Migrated',
      description: '',
      hostId: newId(),
      communityId: null,
      startsAt: new Date('2030-06-01T10:00:00.000Z'),
      endsAt: new Date('2030-06-01T12:00:00.000Z'),
      capacity: 5,
      registeredCount: 1,
      waitlistCount: 0,
      status: 'scheduled',
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    const seat: Registration = {
      eventId: event.id,
      userId: newId(),
      status: 'registered',
      position: 41,
      registeredAt: now,
      updatedAt: now,
    };
    await test.store.recordSets.events.putMany([event]);
    await test.store.recordSets.registrations.putMany([seat]);
    expect((await test.store.events.register(event.id, newId())).position).toBe(42);
    // Putting the event again (as a re-run of a backfill would) does not rewind the positions.
    await test.store.recordSets.events.putMany([{ ...event, registeredCount: 2 }]);
    expect((await test.store.events.register(event.id, newId())).position).toBe(43);
  });
});
