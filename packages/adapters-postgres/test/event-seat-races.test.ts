import { CohortError, newId, type CohortStore, type Event, type Registration } from '@cohort/core';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPostgresDataSource, createPostgresStore } from '../src/index.js';
import { openTestStore, type TestStore } from './postgres-test-database.js';

/**
 * Promotion must move exactly the seats core asks for whatever plan PostgreSQL picks. The contract suite once failed
 * with CONFLICT (events_registered_count_check) because the promoting UPDATE promoted every waitlisted user: after an
 * autoanalyze the planner ran its `IN (SELECT … LIMIT n FOR UPDATE)` as the inner side of a nested-loop semi join,
 * once per outer row. Each store below is pushed towards such plans, one through the statistics that produced it in
 * the contract run (many events with one registration each), one through planner settings on its database; then the
 * contract's seat races run on it, sequential and parallel.
 */

const plans: { name: string; prepare: (db: DataSource, name: string) => Promise<void> }[] = [
  {
    name: 'statistics of many one-registration events',
    prepare: async (db) => {
      // Seeded with SQL: 300 events through the port would cost seconds and add nothing.
      await db.query(
        `INSERT INTO events (id, title, description, host_id, community_id, starts_at, ends_at, capacity,
                             registered_count, waitlist_count, status, created_at, updated_at, version, next_position)
         SELECT gen_random_uuid(), 'Seed', '', gen_random_uuid(), NULL, '2030-01-01T10:00Z', '2030-01-01T12:00Z', 2,
                1, 0, 'scheduled', now(), now(), 1, 2
           FROM generate_series(1, 300)`,
      );
      await db.query(
        `INSERT INTO registrations (event_id, user_id, status, position, registered_at, updated_at)
         SELECT id, gen_random_uuid(), 'registered', 1, now(), now() FROM events`,
      );
      await db.query('ANALYZE events, registrations');
    },
  },
  {
    name: 'planner settings that leave only nested loops',
    prepare: async (db, name) => {
      for (const setting of [
        'enable_hashjoin',
        'enable_hashagg',
        'enable_mergejoin',
        'enable_material',
        'enable_sort',
      ]) {
        await db.query(`ALTER DATABASE "${name}" SET ${setting} = off`);
      }
    },
  },
];

describe.each(plans)('event seats under $name', ({ prepare }) => {
  let test: TestStore;
  let dataSource: DataSource;
  let store: CohortStore;

  beforeAll(async () => {
    test = await openTestStore(inject('postgresUrl'));
    await prepare(test.dataSource, new URL(test.url).pathname.slice(1));
    // A pool of its own, opened after `prepare`, so that every session has the database's settings.
    dataSource = createPostgresDataSource({ url: test.url, poolSize: 8 });
    await dataSource.initialize();
    store = createPostgresStore({ dataSource });
  }, 60_000);

  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await test?.close();
  });

  const makeEvent = (capacity: number): Promise<Event> =>
    store.events.create({
      title: 'Seat race',
      hostId: newId(),
      startsAt: new Date('2030-01-01T10:00:00Z'),
      endsAt: new Date('2030-01-01T12:00:00Z'),
      capacity,
    });

  async function registerAll(eventId: string, count: number): Promise<Registration[]> {
    const made: Registration[] = [];
    for (let i = 0; i < count; i += 1) made.push(await store.events.register(eventId, newId()));
    return made;
  }

  /** The messages of every call that failed (empty when all succeeded). */
  async function failures(actions: Promise<unknown>[]): Promise<string[]> {
    const results = await Promise.allSettled(actions);
    return results.flatMap((result) => {
      if (result.status === 'fulfilled') return [];
      const reason: unknown = result.reason;
      return [CohortError.is(reason) ? `${reason.code}: ${reason.message}` : String(reason)];
    });
  }

  /** Who holds a seat and who waits, by position. */
  async function seating(eventId: string): Promise<{ event: Event; seated: string[]; waiting: string[] }> {
    const event = (await store.events.getById(eventId)) as Event;
    const rows = (await store.events.listRegistrations(eventId, {}, { limit: 100 })).items;
    const seated = rows.filter((row) => row.status === 'registered').map((row) => row.userId);
    const waiting = rows.filter((row) => row.status === 'waitlisted').map((row) => row.userId);
    expect({ registeredCount: event.registeredCount, waitlistCount: event.waitlistCount }).toEqual({
      registeredCount: seated.length,
      waitlistCount: waiting.length,
    });
    return { event, seated, waiting };
  }

  const users = (rows: Registration[]): string[] => rows.map((row) => row.userId);

  it('gives a cancelled seat to the earliest waitlisted only', async () => {
    const event = await makeEvent(2);
    const made = await registerAll(event.id, 5);
    await store.events.cancelRegistration(event.id, users(made)[0] as string);
    const after = await seating(event.id);
    expect(after.seated).toEqual(users(made.slice(1, 3)));
    expect(after.waiting).toEqual(users(made.slice(3)));
  });

  it('promotes exactly the new seats when capacity is raised', async () => {
    const event = await makeEvent(2);
    const made = await registerAll(event.id, 7);
    await store.events.update(event.id, { capacity: 4 }, event.version);
    const after = await seating(event.id);
    expect(after.seated).toEqual(users(made.slice(0, 4)));
    expect(after.waiting).toEqual(users(made.slice(4)));
  });

  it('promotes in order through parallel cancels and registrations', async () => {
    for (let round = 0; round < 3; round += 1) {
      const event = await makeEvent(5);
      const made = await registerAll(event.id, 15);
      const newcomers = Array.from({ length: 5 }, () => newId());
      expect(
        await failures([
          ...users(made.slice(0, 5)).map((userId) => store.events.cancelRegistration(event.id, userId)),
          ...users(made.slice(12)).map((userId) => store.events.cancelRegistration(event.id, userId)),
          ...newcomers.map((userId) => store.events.register(event.id, userId)),
        ]),
      ).toEqual([]);
      const after = await seating(event.id);
      expect(after.seated).toEqual(users(made.slice(5, 10)));
      expect(after.waiting.slice(0, 2)).toEqual(users(made.slice(10, 12)));
      expect([...after.waiting.slice(2)].sort()).toEqual([...newcomers].sort());
    }
  }, 30_000);

  it('promotes in order when capacity is raised while users register and cancel', async () => {
    for (let round = 0; round < 3; round += 1) {
      const event = await makeEvent(5);
      const made = await registerAll(event.id, 10); // positions 1–5 seated, 6–10 waiting
      const raise = async (): Promise<void> => {
        for (let attempt = 0; ; attempt += 1) {
          const current = (await store.events.getById(event.id)) as Event;
          try {
            await store.events.update(event.id, { capacity: 8 }, current.version);
            return;
          } catch (error) {
            if (!CohortError.is(error, 'CONCURRENCY') || attempt >= 50) throw error;
          }
        }
      };
      expect(
        await failures([
          raise(),
          store.events.cancelRegistration(event.id, users(made)[0] as string),
          store.events.cancelRegistration(event.id, users(made)[9] as string),
          ...Array.from({ length: 5 }, () => store.events.register(event.id, newId())),
        ]),
      ).toEqual([]);
      const after = await seating(event.id);
      // Whatever the order of the calls, the 8 seats go to the 8 earliest still registered: 2–9 of the first ten.
      expect(after.event).toMatchObject({ capacity: 8, registeredCount: 8, waitlistCount: 5 });
      expect(after.seated).toEqual(users(made.slice(1, 9)));
    }
  }, 30_000);
});
