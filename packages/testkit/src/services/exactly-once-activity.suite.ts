import {
  createServices,
  type ActivityEvent,
  type ActivityVerb,
  type Clock,
  type CohortServices,
  type CohortStore,
  type Community,
  type Content,
  type Event,
  type User,
} from '@cohort/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A store for the suite, reading the suite's clock, and how to get rid of it. */
export interface OpenedServiceStore {
  readonly store: CohortStore;
  close(): Promise<void>;
}

/** Opens the ports the services run on (one adapter, or a hybrid of several), stamping time with `clock`. */
export type OpenServiceStore = (clock: Clock) => Promise<OpenedServiceStore>;

const DAY = 86_400_000;
const DUPLICATES = 20;
/** The first scenario's day; each scenario has a UTC day of its own, so its daily counts are its own changes. */
const FIRST_DAY = Date.parse('2031-03-01T00:00:00.000Z');

/**
 * Real time moved to a chosen day: timestamps still advance between racing calls (so a store that handed a loser
 * its own record instead of the stored one would show), yet every scenario lands on a UTC day of its own.
 */
class ShiftedClock implements Clock {
  private shift = 0;

  now(): Date {
    return new Date(Date.now() + this.shift);
  }

  /** From now on, the clock reads one hour into `day` (a scenario takes seconds, so it stays within the day). */
  moveTo(day: number): void {
    this.shift = day + 3_600_000 - Date.now();
  }
}

interface World {
  readonly store: CohortStore;
  readonly services: CohortServices;
  /** The scenario's UTC day (YYYY-MM-DD). */
  readonly day: string;
  user(): Promise<User>;
  community(owner: User, visibility?: 'public' | 'private'): Promise<Community>;
  publishedContent(author: User): Promise<Content>;
  event(host: User, capacity: number): Promise<Event>;
  /** The actor's events of one verb (newest first). */
  events(actorId: string, verb: ActivityVerb): Promise<ActivityEvent[]>;
  /** The scenario day's counters, verb by verb. */
  counts(): Promise<Partial<Record<ActivityVerb, number>>>;
}

/** A change written through the port alone, as a use case leaves it when it fails between its write and its append. */
interface WrittenChange {
  /** Whose event the change records. */
  readonly actorId: string;
  /** When the port wrote the change: the time its event must carry. */
  readonly changedAt: Date;
  /** The use case that makes the change, to retry. */
  readonly call: () => Promise<unknown>;
}

/** Use cases that record one event of one verb, each with the write it makes through its port. */
const RETRIED_AFTER_WRITE: readonly {
  readonly useCase: string;
  readonly verb: ActivityVerb;
  readonly write: (w: World) => Promise<WrittenChange>;
}[] = [
  {
    useCase: 'joinCommunity',
    verb: 'joined',
    async write(w) {
      const [owner, ada] = [await w.user(), await w.user()];
      const community = await w.community(owner);
      const membership = await w.store.memberships.join(community.id, ada.id);
      return {
        actorId: ada.id,
        changedAt: membership.joinedAt,
        call: () => w.services.communities.joinCommunity(ada.id, community.id),
      };
    },
  },
  {
    useCase: 'enroll',
    verb: 'enrolled',
    async write(w) {
      const [author, ada] = [await w.user(), await w.user()];
      const content = await w.publishedContent(author);
      const enrollment = await w.store.enrollments.enroll(ada.id, content.id);
      return {
        actorId: ada.id,
        changedAt: enrollment.enrolledAt,
        call: () => w.services.content.enroll(ada.id, content.id),
      };
    },
  },
  {
    useCase: 'registerForEvent',
    verb: 'registered',
    async write(w) {
      const [host, ada] = [await w.user(), await w.user()];
      const event = await w.event(host, 5);
      const registration = await w.store.events.register(event.id, ada.id);
      return {
        actorId: ada.id,
        changedAt: registration.registeredAt,
        call: () => w.services.events.registerForEvent(ada.id, event.id),
      };
    },
  },
  {
    useCase: 'cancelRegistration',
    verb: 'cancelled',
    async write(w) {
      const [host, ada] = [await w.user(), await w.user()];
      const event = await w.event(host, 5);
      await w.store.events.register(event.id, ada.id);
      const cancelled = await w.store.events.cancelRegistration(event.id, ada.id);
      return {
        actorId: ada.id,
        changedAt: cancelled.updatedAt,
        call: () => w.services.events.cancelRegistration(ada.id, event.id),
      };
    },
  },
  {
    useCase: 'markAttended',
    verb: 'attended',
    async write(w) {
      const [host, ada] = [await w.user(), await w.user()];
      const event = await w.event(host, 5);
      await w.store.events.register(event.id, ada.id);
      const attended = await w.store.events.markAttended(event.id, ada.id);
      return {
        actorId: ada.id,
        changedAt: attended.updatedAt,
        call: () => w.services.events.markAttended(host.id, event.id, ada.id),
      };
    },
  },
];

const times = <T>(count: number, make: (index: number) => Promise<T>): Promise<T[]> =>
  Promise.all(Array.from({ length: count }, (_, index) => make(index)));

/**
 * Exactly-once activity through the services on one wiring: duplicate calls racing one another record one event
 * per change, `dailyCounts` equals the changes made, and a use case retried after its write (but before its
 * append) records the missing event once. Run it with each wiring a deployment may use.
 */
export function describeExactlyOnceActivity(name: string, open: OpenServiceStore): void {
  describe(`exactly-once activity on ${name}`, () => {
    const clock = new ShiftedClock();
    let opened: OpenedServiceStore | undefined;
    let scenarios = 0;
    let serial = 0;

    beforeAll(async () => {
      opened = await open(clock);
    });

    afterAll(async () => {
      await opened?.close();
    });

    /** A fresh world on a day of its own. */
    function world(): World {
      if (!opened) throw new Error(`the ${name} store did not open`);
      const { store } = opened;
      const dayStart = FIRST_DAY + scenarios * DAY;
      scenarios += 1;
      clock.moveTo(dayStart);
      const day = new Date(dayStart).toISOString().slice(0, 10);
      const services = createServices({ ...store, clock });
      const unique = (): string => `${Date.now().toString(36)}-${(serial += 1).toString(36)}`;
      return {
        store,
        services,
        day,
        user: () =>
          store.users.create({ email: `once-${unique()}@example.com`, displayName: 'Exactly once', role: 'learner' }),
        community: (owner, visibility = 'public') =>
          store.communities.create({ slug: `once-${unique()}`, name: 'Once', visibility, ownerId: owner.id }),
        async publishedContent(author) {
          const draft = await store.contents.create({ kind: 'course', title: 'Once', authorId: author.id });
          return store.contents.update(draft.id, { status: 'published' }, draft.version);
        },
        event: (host, capacity) =>
          store.events.create({
            title: 'Once',
            hostId: host.id,
            startsAt: new Date(dayStart + 30 * DAY),
            endsAt: new Date(dayStart + 30 * DAY + 3_600_000),
            capacity,
          }),
        async events(actorId, verb) {
          const page = await store.activity.listByActor(actorId, undefined, { limit: 100 });
          return page.items.filter((event) => event.verb === verb);
        },
        async counts() {
          const rows = await store.activity.dailyCounts({ from: day, to: day });
          return Object.fromEntries(rows.map((row) => [row.verb, row.count]));
        },
      };
    }

    describe(`${DUPLICATES} parallel duplicate calls record one event`, () => {
      it('joinCommunity', async () => {
        const w = world();
        const [owner, ada] = [await w.user(), await w.user()];
        const community = await w.community(owner);
        const results = await times(DUPLICATES, () => w.services.communities.joinCommunity(ada.id, community.id));
        expect(new Set(results.map((membership) => membership.joinedAt.getTime())).size).toBe(1);
        const joined = await w.events(ada.id, 'joined');
        expect(joined).toHaveLength(1);
        expect(joined[0]?.occurredAt).toEqual(results[0]?.joinedAt);
        expect(await w.counts()).toEqual({ joined: 1 });
        expect((await w.store.communities.getById(community.id))?.memberCount).toBe(2);
      });

      it('addMember', async () => {
        const w = world();
        const [owner, ada] = [await w.user(), await w.user()];
        const community = await w.community(owner, 'private');
        await times(DUPLICATES, () => w.services.communities.addMember(owner.id, community.id, ada.id));
        expect(await w.events(ada.id, 'joined')).toHaveLength(1);
        expect(await w.counts()).toEqual({ joined: 1 });
      });

      it('joinCommunity by many users, each several times at once', async () => {
        const w = world();
        const owner = await w.user();
        const community = await w.community(owner);
        const users = await times(10, () => w.user());
        await times(users.length * 4, (index) =>
          w.services.communities.joinCommunity((users[index % users.length] as User).id, community.id),
        );
        expect(await w.counts()).toEqual({ joined: users.length });
        expect((await w.store.communities.getById(community.id))?.memberCount).toBe(users.length + 1);
      });

      it('enroll', async () => {
        const w = world();
        const [author, ada] = [await w.user(), await w.user()];
        const content = await w.publishedContent(author);
        const results = await times(DUPLICATES, () => w.services.content.enroll(ada.id, content.id));
        expect(new Set(results.map((enrollment) => enrollment.enrolledAt.getTime())).size).toBe(1);
        const enrolled = await w.events(ada.id, 'enrolled');
        expect(enrolled).toHaveLength(1);
        expect(enrolled[0]?.occurredAt).toEqual(results[0]?.enrolledAt);
        expect(await w.counts()).toEqual({ enrolled: 1 });
      });

      it('recordProgress, up to completion', async () => {
        const w = world();
        const [author, ada] = [await w.user(), await w.user()];
        const content = await w.publishedContent(author);
        await w.store.enrollments.enroll(ada.id, content.id);
        await times(DUPLICATES, () => w.services.content.recordProgress(ada.id, content.id, 50));
        const [done] = await times(DUPLICATES, () => w.services.content.recordProgress(ada.id, content.id, 100));
        const progressed = await w.events(ada.id, 'progressed');
        expect(progressed.map((event) => event.metadata['progress'])).toEqual([100, 50]);
        const completed = await w.events(ada.id, 'completed');
        expect(completed).toHaveLength(1);
        expect(completed[0]?.occurredAt).toEqual(done?.completedAt);
        expect(await w.counts()).toEqual({ progressed: 2, completed: 1 });
      });

      it('registerForEvent, for a seat and for the waitlist', async () => {
        const w = world();
        const [host, ada, bob] = [await w.user(), await w.user(), await w.user()];
        const event = await w.event(host, 1);
        const seats = await times(DUPLICATES, () => w.services.events.registerForEvent(ada.id, event.id));
        expect(new Set(seats.map((registration) => registration.registeredAt.getTime())).size).toBe(1);
        await times(DUPLICATES, () => w.services.events.registerForEvent(bob.id, event.id));
        expect(await w.events(ada.id, 'registered')).toHaveLength(1);
        expect(await w.events(bob.id, 'waitlisted')).toHaveLength(1);
        expect(await w.counts()).toEqual({ registered: 1, waitlisted: 1 });
        expect(await w.store.events.getById(event.id)).toMatchObject({ registeredCount: 1, waitlistCount: 1 });
      });

      it('cancelRegistration', async () => {
        const w = world();
        const [host, ada] = [await w.user(), await w.user()];
        const event = await w.event(host, 5);
        await w.store.events.register(event.id, ada.id);
        const results = await times(DUPLICATES, () => w.services.events.cancelRegistration(ada.id, event.id));
        expect(new Set(results.map((registration) => registration.updatedAt.getTime())).size).toBe(1);
        const cancelled = await w.events(ada.id, 'cancelled');
        expect(cancelled).toHaveLength(1);
        expect(cancelled[0]).toMatchObject({
          occurredAt: results[0]?.updatedAt,
          metadata: { target: 'registration', previousStatus: 'registered' },
        });
        expect(await w.counts()).toEqual({ cancelled: 1 });
      });

      it('markAttended', async () => {
        const w = world();
        const [host, ada] = [await w.user(), await w.user()];
        const event = await w.event(host, 5);
        await w.store.events.register(event.id, ada.id);
        await times(DUPLICATES, () => w.services.events.markAttended(host.id, event.id, ada.id));
        expect(await w.events(ada.id, 'attended')).toHaveLength(1);
        expect(await w.counts()).toEqual({ attended: 1 });
      });

      it('react', async () => {
        const w = world();
        const owner = await w.user();
        const community = await w.community(owner);
        const post = await w.store.posts.create({ communityId: community.id, authorId: owner.id, body: 'Once' });
        await times(DUPLICATES, () => w.services.posts.react(owner.id, post.id, 'like'));
        expect(await w.events(owner.id, 'reacted')).toHaveLength(1);
        expect(await w.counts()).toEqual({ reacted: 1 });
      });
    });

    describe('a use case retried after its write, before its append, records the event once', () => {
      for (const { useCase, verb, write } of RETRIED_AFTER_WRITE) {
        it(useCase, async () => {
          const w = world();
          const { actorId, changedAt, call } = await write(w);
          await call();
          await call();
          const recorded = await w.events(actorId, verb);
          expect(recorded).toHaveLength(1);
          expect(recorded[0]?.occurredAt).toEqual(changedAt);
          expect(await w.counts()).toEqual({ [verb]: 1 });
        });
      }

      // Not a row: completing records two verbs, `progressed` and `completed`.
      it('recordProgress to completion', async () => {
        const w = world();
        const [author, ada] = [await w.user(), await w.user()];
        const content = await w.publishedContent(author);
        await w.store.enrollments.enroll(ada.id, content.id);
        const done = await w.store.enrollments.recordProgress(ada.id, content.id, 100);
        await w.services.content.recordProgress(ada.id, content.id, 100);
        await w.services.content.recordProgress(ada.id, content.id, 100);
        expect(await w.events(ada.id, 'progressed')).toHaveLength(1);
        expect((await w.events(ada.id, 'completed'))[0]?.occurredAt).toEqual(done.completedAt);
        expect(await w.counts()).toEqual({ progressed: 1, completed: 1 });
      });
    });
  });
}
