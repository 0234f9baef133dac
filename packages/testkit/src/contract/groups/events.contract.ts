import type { Event, Registration, RegistrationStatus } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import type { ContractContext } from '../contract-context.js';
import { expectCohortError } from '../expect-cohort-error.js';
import { collectAll } from './collect-pages.js';

const HOUR = 3_600_000;

type Five<T> = [T, T, T, T, T];

/** Ids made one after the other are UUIDv7s in ascending order; tests that must tell position from id use them. */
function ascendingIds(make: () => string, count: number): string[] {
  const ids = Array.from({ length: count }, make);
  return [...ids].sort();
}

export function eventsContract(context: ContractContext): void {
  const { fixtures, clock } = context;
  const events = () => context.store().events;

  const registrations = (eventId: string, status?: RegistrationStatus): Promise<Registration[]> =>
    collectAll((cursor) =>
      events().listRegistrations(eventId, status === undefined ? {} : { status }, { cursor, limit: 100 }),
    );

  async function reload(id: string): Promise<Event> {
    const event = await events().getById(id);
    expect(event, `event ${id} should exist`).not.toBeNull();
    return event as Event;
  }

  async function statusOf(eventId: string, userId: string): Promise<RegistrationStatus | undefined> {
    return (await events().getRegistration(eventId, userId))?.status;
  }

  /** Registers the given users (or `count` new ones) one after the other; returns their registrations in order. */
  async function registerAll(eventId: string, users: number | readonly string[]): Promise<Registration[]> {
    const userIds = typeof users === 'number' ? Array.from({ length: users }, () => fixtures.id()) : users;
    const result: Registration[] = [];
    for (const userId of userIds) result.push(await events().register(eventId, userId));
    return result;
  }

  /** registeredCount and waitlistCount equal the rows they count, and the seats never exceed capacity. */
  async function expectCountersMatchRows(eventId: string): Promise<Event> {
    const event = await reload(eventId);
    const rows = await registrations(eventId);
    const seated = rows.filter((row) => row.status === 'registered' || row.status === 'attended').length;
    const waiting = rows.filter((row) => row.status === 'waitlisted').length;
    expect({ registeredCount: event.registeredCount, waitlistCount: event.waitlistCount }).toEqual({
      registeredCount: seated,
      waitlistCount: waiting,
    });
    expect(event.registeredCount).toBeLessThanOrEqual(event.capacity);
    return event;
  }

  describe('EventRepository.create', () => {
    it('stores a scheduled event with no registrations at version 1', async () => {
      clock.freeze();
      const now = clock.now();
      const hostId = fixtures.id();
      const startsAt = new Date(now.getTime() + 48 * HOUR + 123);
      const endsAt = new Date(startsAt.getTime() + HOUR);
      const event = await events().create({ title: '  Kick-off  ', hostId, startsAt, endsAt, capacity: 25 });
      expect(event).toEqual({
        id: expect.any(String) as string,
        title: 'Kick-off',
        description: '',
        hostId,
        communityId: null,
        startsAt,
        endsAt,
        capacity: 25,
        registeredCount: 0,
        waitlistCount: 0,
        status: 'scheduled',
        createdAt: now,
        updatedAt: now,
        version: 1,
      });
      expect(await events().getById(event.id)).toEqual(event);
    });

    it('keeps the community the event belongs to', async () => {
      const community = await fixtures.community();
      const event = await fixtures.event({ communityId: community.id, description: 'Bring a laptop' });
      expect(event.communityId).toBe(community.id);
      expect(event.description).toBe('Bring a laptop');
      expect((await reload(event.id)).communityId).toBe(community.id);
    });

    it('rejects an event that does not start before it ends', async () => {
      const at = new Date(clock.now().getTime() + HOUR);
      await expectCohortError(
        events().create({ title: 'Backwards', hostId: fixtures.id(), startsAt: at, endsAt: at, capacity: 5 }),
        'VALIDATION',
      );
    });
  });

  describe('EventRepository.getById', () => {
    it('returns the stored event', async () => {
      const event = await fixtures.event();
      expect(await events().getById(event.id)).toEqual(event);
    });

    it('returns null for an unknown id', async () => {
      expect(await events().getById(fixtures.id())).toBeNull();
    });
  });

  describe('EventRepository.update', () => {
    it('applies the patch and bumps version and updatedAt', async () => {
      clock.freeze();
      const event = await fixtures.event();
      clock.advance(1_000);
      const startsAt = new Date(event.startsAt.getTime() + HOUR);
      const updated = await events().update(
        event.id,
        { title: 'Renamed', description: 'Now with pizza', startsAt },
        event.version,
      );
      expect(updated).toEqual({
        ...event,
        title: 'Renamed',
        description: 'Now with pizza',
        startsAt,
        updatedAt: clock.now(),
        version: event.version + 1,
      });
      expect(await events().getById(event.id)).toEqual(updated);
    });

    it('bumps the version for an empty patch', async () => {
      clock.freeze();
      const event = await fixtures.event();
      clock.advance(5);
      const updated = await events().update(event.id, {}, event.version);
      expect(updated).toEqual({ ...event, updatedAt: clock.now(), version: 2 });
    });

    it('fails with CONCURRENCY for a stale version and keeps the stored event', async () => {
      const event = await fixtures.event();
      const updated = await events().update(event.id, { title: 'First' }, event.version);
      await expectCohortError(events().update(event.id, { title: 'Second' }, event.version), 'CONCURRENCY');
      expect(await events().getById(event.id)).toEqual(updated);
    });

    it('fails with NOT_FOUND for an unknown event, whatever the version', async () => {
      await expectCohortError(events().update(fixtures.id(), { title: 'Ghost' }, 1), 'NOT_FOUND');
      await expectCohortError(events().update(fixtures.id(), { title: 'Ghost' }, 42), 'NOT_FOUND');
    });

    it('rejects moving startsAt to or past endsAt and keeps the stored event', async () => {
      const event = await fixtures.event();
      await expectCohortError(events().update(event.id, { startsAt: event.endsAt }, event.version), 'VALIDATION');
      await expectCohortError(
        events().update(event.id, { startsAt: new Date(event.endsAt.getTime() + HOUR) }, event.version),
        'VALIDATION',
      );
      expect(await events().getById(event.id)).toEqual(event);
    });

    it('rejects moving endsAt before startsAt', async () => {
      const event = await fixtures.event();
      await expectCohortError(
        events().update(event.id, { endsAt: new Date(event.startsAt.getTime() - 1) }, event.version),
        'VALIDATION',
      );
      expect(await events().getById(event.id)).toEqual(event);
    });

    it('checks the time window after applying both ends of the patch', async () => {
      const event = await fixtures.event();
      const week = 7 * 24 * HOUR;
      const startsAt = new Date(event.startsAt.getTime() + week);
      const endsAt = new Date(event.endsAt.getTime() + week);
      const updated = await events().update(event.id, { startsAt, endsAt }, event.version);
      expect(updated.startsAt).toEqual(startsAt);
      expect(updated.endsAt).toEqual(endsAt);
    });

    it('refuses to lower capacity below registeredCount and keeps the stored event', async () => {
      const event = await fixtures.event({ capacity: 5 });
      await registerAll(event.id, 3);
      const before = await reload(event.id);
      await expectCohortError(events().update(event.id, { capacity: 2 }, before.version), 'CONFLICT');
      expect(await events().getById(event.id)).toEqual(before);
    });

    it('allows lowering capacity down to registeredCount', async () => {
      const event = await fixtures.event({ capacity: 5 });
      await registerAll(event.id, 3);
      const before = await reload(event.id);
      const updated = await events().update(event.id, { capacity: 3 }, before.version);
      expect(updated).toMatchObject({ capacity: 3, registeredCount: 3, waitlistCount: 0 });
      const next = await events().register(event.id, fixtures.id());
      expect(next.status).toBe('waitlisted');
    });

    it('keeps its counters when other fields change', async () => {
      const event = await fixtures.event({ capacity: 2 });
      await registerAll(event.id, 3);
      const before = await reload(event.id);
      const updated = await events().update(event.id, { title: 'Still counted' }, before.version);
      expect(updated).toMatchObject({ registeredCount: 2, waitlistCount: 1 });
      await expectCountersMatchRows(event.id);
    });

    it('promotes the earliest waitlisted, in position order, when capacity is raised', async () => {
      const event = await fixtures.event({ capacity: 2 });
      const rows = await registerAll(event.id, 5);
      expect(rows.map((row) => row.status)).toEqual([
        'registered',
        'registered',
        'waitlisted',
        'waitlisted',
        'waitlisted',
      ]);
      const before = await reload(event.id);
      const updated = await events().update(event.id, { capacity: 4 }, before.version);
      expect(updated).toMatchObject({ capacity: 4, registeredCount: 4, waitlistCount: 1 });
      expect(await events().getById(event.id)).toEqual(updated);
      const statuses = await Promise.all(rows.map((row) => statusOf(event.id, row.userId)));
      expect(statuses).toEqual(['registered', 'registered', 'registered', 'registered', 'waitlisted']);
      await expectCountersMatchRows(event.id);
    });

    it('promotes by waitlist position, not by user id', async () => {
      const event = await fixtures.event({ capacity: 1 });
      const [first, second, third] = ascendingIds(() => fixtures.id(), 3) as [string, string, string];
      await registerAll(event.id, [fixtures.id(), third, second, first]);
      const before = await reload(event.id);
      await events().update(event.id, { capacity: 2 }, before.version);
      expect(await statusOf(event.id, third)).toBe('registered');
      expect(await statusOf(event.id, second)).toBe('waitlisted');
      expect(await statusOf(event.id, first)).toBe('waitlisted');
    });

    it('promotes every waitlisted when the new capacity holds them all', async () => {
      const event = await fixtures.event({ capacity: 1 });
      await registerAll(event.id, 4);
      const before = await reload(event.id);
      const updated = await events().update(event.id, { capacity: 10 }, before.version);
      expect(updated).toMatchObject({ capacity: 10, registeredCount: 4, waitlistCount: 0 });
      expect(await registrations(event.id, 'waitlisted')).toEqual([]);
      await expectCountersMatchRows(event.id);
    });

    it('promotes nobody when the capacity of a cancelled event is raised', async () => {
      const event = await fixtures.event({ capacity: 1 });
      await registerAll(event.id, 3);
      const cancelled = await events().update(event.id, { status: 'cancelled' }, (await reload(event.id)).version);
      const raised = await events().update(event.id, { capacity: 5 }, cancelled.version);
      expect(raised).toMatchObject({ status: 'cancelled', capacity: 5, registeredCount: 1, waitlistCount: 2 });
      await expectCountersMatchRows(event.id);
    });

    it('stops new registrations once the event is cancelled', async () => {
      const event = await fixtures.event();
      await registerAll(event.id, 1);
      const cancelled = await events().update(event.id, { status: 'cancelled' }, (await reload(event.id)).version);
      expect(cancelled.status).toBe('cancelled');
      const latecomer = fixtures.id();
      await expectCohortError(events().register(event.id, latecomer), 'CONFLICT');
      expect(await events().getRegistration(event.id, latecomer)).toBeNull();
      expect(await reload(event.id)).toMatchObject({ registeredCount: 1, waitlistCount: 0 });
    });
  });

  describe('EventRepository.listUpcoming', () => {
    /** Events of a new community starting at the given offsets (ms) from `base`, created in the given order. */
    async function eventsAt(base: number, offsets: readonly number[]) {
      const community = await fixtures.community();
      const made: Event[] = [];
      for (const offset of offsets) {
        const startsAt = new Date(base + offset);
        made.push(
          await fixtures.event({ communityId: community.id, startsAt, endsAt: new Date(startsAt.getTime() + HOUR) }),
        );
      }
      return { communityId: community.id, made };
    }

    const upcoming = (from: Date, communityId?: string) =>
      collectAll((cursor) =>
        events().listUpcoming(communityId === undefined ? { from } : { from, communityId }, { cursor, limit: 100 }),
      );

    it('lists scheduled events starting at or after `from`, soonest first', async () => {
      const base = clock.now().getTime() + 24 * HOUR;
      const { communityId, made } = await eventsAt(base, [3 * HOUR, -1, HOUR, 0, 2 * HOUR]);
      const [late, early, first, exact, middle] = made as [Event, Event, Event, Event, Event];
      const listed = await upcoming(new Date(base), communityId);
      expect(listed.map((event) => event.id)).toEqual([exact.id, first.id, middle.id, late.id]);
      expect(listed.map((event) => event.id)).not.toContain(early.id);
      expect(listed[0]).toEqual(exact);
    });

    it('orders events that start together by id', async () => {
      const base = clock.now().getTime() + 30 * HOUR;
      const { communityId, made } = await eventsAt(base, [0, 0, 0, 0, 0, 0]);
      const listed = await upcoming(new Date(base), communityId);
      expect(listed.map((event) => event.id)).toEqual(made.map((event) => event.id).sort());
    });

    it('leaves out cancelled events', async () => {
      const base = clock.now().getTime() + 24 * HOUR;
      const { communityId, made } = await eventsAt(base, [0, HOUR]);
      const [cancelled, kept] = made as [Event, Event];
      await events().update(cancelled.id, { status: 'cancelled' }, cancelled.version);
      expect((await upcoming(new Date(base), communityId)).map((event) => event.id)).toEqual([kept.id]);
    });

    it('lists only the events of the given community', async () => {
      const base = clock.now().getTime() + 24 * HOUR;
      const one = await eventsAt(base, [0, HOUR]);
      const other = await eventsAt(base, [30 * 60_000]);
      expect((await upcoming(new Date(base), one.communityId)).map((event) => event.id)).toEqual(
        one.made.map((event) => event.id),
      );
      expect((await upcoming(new Date(base), other.communityId)).map((event) => event.id)).toEqual(
        other.made.map((event) => event.id),
      );
    });

    it('lists events of every community, and of none, without a communityId', async () => {
      // Far in the future, so the walk covers only the few events other tests put there.
      const base = Date.UTC(2400, 0, 1) + Math.floor(Math.random() * 1_000_000) * HOUR;
      const inCommunity = (await eventsAt(base, [HOUR])).made[0] as Event;
      const startsAt = new Date(base);
      const standalone = await fixtures.event({ startsAt, endsAt: new Date(base + HOUR) });
      const listed = await upcoming(startsAt);
      const ids = listed.map((event) => event.id);
      expect(ids).toContain(inCommunity.id);
      expect(ids).toContain(standalone.id);
      expect(ids.indexOf(standalone.id)).toBeLessThan(ids.indexOf(inCommunity.id));
      for (const event of listed) {
        expect(event.startsAt.getTime()).toBeGreaterThanOrEqual(base);
        expect(event.status).toBe('scheduled');
      }
      const keys = listed.map((event) => [event.startsAt.getTime(), event.id] as const);
      const sorted = [...keys].sort(([a, x], [b, y]) => a - b || (x < y ? -1 : x > y ? 1 : 0));
      expect(keys).toEqual(sorted);
    });

    it('is empty for a community without events', async () => {
      const community = await fixtures.community();
      expect(await events().listUpcoming({ from: new Date(0), communityId: community.id })).toEqual({
        items: [],
        nextCursor: null,
      });
      expect(await events().listUpcoming({ from: new Date(0), communityId: fixtures.id() })).toEqual({
        items: [],
        nextCursor: null,
      });
    });

    it('pages through the events in the same order', async () => {
      const base = clock.now().getTime() + 24 * HOUR;
      const { communityId, made } = await eventsAt(base, [4, 0, 3, 1, 2]);
      const first = await events().listUpcoming({ from: new Date(base), communityId }, { limit: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).not.toBeNull();
      const all = await collectAll((cursor) =>
        events().listUpcoming({ from: new Date(base), communityId }, { cursor, limit: 2 }),
      );
      const expected = [...made].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
      expect(all.map((event) => event.id)).toEqual(expected.map((event) => event.id));
    });
  });

  describe('EventRepository.register', () => {
    it('seats registrants until capacity is reached, then waitlists them', async () => {
      const event = await fixtures.event({ capacity: 2 });
      const rows = await registerAll(event.id, 4);
      expect(rows.map((row) => row.status)).toEqual(['registered', 'registered', 'waitlisted', 'waitlisted']);
      expect(await reload(event.id)).toMatchObject({ capacity: 2, registeredCount: 2, waitlistCount: 2 });
      await expectCountersMatchRows(event.id);
    });

    it('numbers registrations 1, 2, 3… in arrival order', async () => {
      const event = await fixtures.event({ capacity: 2 });
      const rows = await registerAll(event.id, 5);
      expect(rows.map((row) => row.position)).toEqual([1, 2, 3, 4, 5]);
    });

    it('stamps registeredAt and updatedAt with the current time', async () => {
      clock.freeze();
      const event = await fixtures.event();
      clock.advance(250);
      const userId = fixtures.id();
      const registration = await events().register(event.id, userId);
      expect(registration).toEqual({
        eventId: event.id,
        userId,
        status: 'registered',
        position: 1,
        registeredAt: clock.now(),
        updatedAt: clock.now(),
      });
    });

    it('returns an existing seat unchanged', async () => {
      clock.freeze();
      const event = await fixtures.event({ capacity: 3 });
      const [seat] = (await registerAll(event.id, 1)) as [Registration];
      clock.advance(1_000);
      expect(await events().register(event.id, seat.userId)).toEqual(seat);
      expect(await events().getRegistration(event.id, seat.userId)).toEqual(seat);
      expect(await reload(event.id)).toMatchObject({ registeredCount: 1, waitlistCount: 0 });
      expect((await events().register(event.id, fixtures.id())).position).toBe(2);
    });

    it('returns an existing waitlist place unchanged', async () => {
      clock.freeze();
      const event = await fixtures.event({ capacity: 1 });
      const [, waiting] = (await registerAll(event.id, 2)) as [Registration, Registration];
      expect(waiting.status).toBe('waitlisted');
      clock.advance(1_000);
      expect(await events().register(event.id, waiting.userId)).toEqual(waiting);
      expect(await reload(event.id)).toMatchObject({ registeredCount: 1, waitlistCount: 1 });
      await expectCountersMatchRows(event.id);
    });

    it('returns an attended registration unchanged', async () => {
      const event = await fixtures.event({ capacity: 1 });
      const [seat] = (await registerAll(event.id, 1)) as [Registration];
      const attended = await events().markAttended(event.id, seat.userId);
      expect(await events().register(event.id, seat.userId)).toEqual(attended);
      expect(await reload(event.id)).toMatchObject({ registeredCount: 1, waitlistCount: 0 });
    });

    it('fails with NOT_FOUND for an unknown event', async () => {
      await expectCohortError(events().register(fixtures.id(), fixtures.id()), 'NOT_FOUND');
    });

    it('fails with CONFLICT for a cancelled event', async () => {
      const event = await fixtures.event();
      await events().update(event.id, { status: 'cancelled' }, event.version);
      const userId = fixtures.id();
      await expectCohortError(events().register(event.id, userId), 'CONFLICT');
      expect(await registrations(event.id)).toEqual([]);
    });
  });

  describe('EventRepository.cancelRegistration', () => {
    it('frees the seat', async () => {
      clock.freeze();
      const event = await fixtures.event({ capacity: 2 });
      const [seat] = (await registerAll(event.id, 2)) as [Registration, Registration];
      clock.advance(1_000);
      const cancelled = await events().cancelRegistration(event.id, seat.userId);
      expect(cancelled).toEqual({ ...seat, status: 'cancelled', updatedAt: clock.now() });
      expect(await events().getRegistration(event.id, seat.userId)).toEqual(cancelled);
      expect(await reload(event.id)).toMatchObject({ registeredCount: 1, waitlistCount: 0 });
      expect((await events().register(event.id, fixtures.id())).status).toBe('registered');
    });

    it('gives the freed seat to the earliest waitlisted in the same step', async () => {
      clock.freeze();
      const event = await fixtures.event({ capacity: 1 });
      const [seat, next, after] = (await registerAll(event.id, 3)) as [Registration, Registration, Registration];
      clock.advance(1_000);
      await events().cancelRegistration(event.id, seat.userId);
      expect(await events().getRegistration(event.id, next.userId)).toEqual({
        ...next,
        status: 'registered',
        updatedAt: clock.now(),
      });
      expect(await statusOf(event.id, after.userId)).toBe('waitlisted');
      expect(await reload(event.id)).toMatchObject({ registeredCount: 1, waitlistCount: 1 });
      await expectCountersMatchRows(event.id);
    });

    it('promotes by waitlist position, not by user id', async () => {
      const event = await fixtures.event({ capacity: 1 });
      const [first, second, third] = ascendingIds(() => fixtures.id(), 3) as [string, string, string];
      const seat = fixtures.id();
      await registerAll(event.id, [seat, third, first, second]);
      await events().cancelRegistration(event.id, seat);
      expect(await statusOf(event.id, third)).toBe('registered');
      expect(await statusOf(event.id, first)).toBe('waitlisted');
      expect(await statusOf(event.id, second)).toBe('waitlisted');
    });

    it('returns an already cancelled registration unchanged and promotes nobody else', async () => {
      clock.freeze();
      const event = await fixtures.event({ capacity: 1 });
      const [seat, next, after] = (await registerAll(event.id, 3)) as [Registration, Registration, Registration];
      const cancelled = await events().cancelRegistration(event.id, seat.userId);
      clock.advance(1_000);
      expect(await events().cancelRegistration(event.id, seat.userId)).toEqual(cancelled);
      expect(await statusOf(event.id, next.userId)).toBe('registered');
      expect(await statusOf(event.id, after.userId)).toBe('waitlisted');
      expect(await reload(event.id)).toMatchObject({ registeredCount: 1, waitlistCount: 1 });
      await expectCountersMatchRows(event.id);
    });

    it('takes a waitlisted user off the list without promoting anyone', async () => {
      const event = await fixtures.event({ capacity: 1 });
      const [seat, next, after] = (await registerAll(event.id, 3)) as [Registration, Registration, Registration];
      const cancelled = await events().cancelRegistration(event.id, next.userId);
      expect(cancelled).toMatchObject({ status: 'cancelled', position: next.position });
      expect(await statusOf(event.id, seat.userId)).toBe('registered');
      expect(await statusOf(event.id, after.userId)).toBe('waitlisted');
      expect(await reload(event.id)).toMatchObject({ registeredCount: 1, waitlistCount: 1 });
      await expectCountersMatchRows(event.id);
    });

    it('leaves the seat empty when nobody is waiting', async () => {
      const event = await fixtures.event({ capacity: 3 });
      const rows = await registerAll(event.id, 3);
      for (const row of rows) await events().cancelRegistration(event.id, row.userId);
      expect(await reload(event.id)).toMatchObject({ registeredCount: 0, waitlistCount: 0 });
      expect(await registrations(event.id, 'cancelled')).toHaveLength(3);
    });

    it('fails with NOT_FOUND for a user who never registered', async () => {
      const event = await fixtures.event();
      await registerAll(event.id, 1);
      await expectCohortError(events().cancelRegistration(event.id, fixtures.id()), 'NOT_FOUND');
      expect(await reload(event.id)).toMatchObject({ registeredCount: 1, waitlistCount: 0 });
    });

    it('fails with NOT_FOUND for an unknown event', async () => {
      await expectCohortError(events().cancelRegistration(fixtures.id(), fixtures.id()), 'NOT_FOUND');
    });

    it('fails with CONFLICT once attended, keeping the seat', async () => {
      const event = await fixtures.event({ capacity: 1 });
      const [seat, waiting] = (await registerAll(event.id, 2)) as [Registration, Registration];
      const attended = await events().markAttended(event.id, seat.userId);
      await expectCohortError(events().cancelRegistration(event.id, seat.userId), 'CONFLICT');
      expect(await events().getRegistration(event.id, seat.userId)).toEqual(attended);
      expect(await statusOf(event.id, waiting.userId)).toBe('waitlisted');
      expect(await reload(event.id)).toMatchObject({ registeredCount: 1, waitlistCount: 1 });
    });

    it('lets a cancelled user register again at a new, higher position', async () => {
      const event = await fixtures.event({ capacity: 5 });
      const [first] = (await registerAll(event.id, 2)) as [Registration, Registration];
      await events().cancelRegistration(event.id, first.userId);
      const again = await events().register(event.id, first.userId);
      expect(again).toMatchObject({ userId: first.userId, status: 'registered', position: 3 });
      expect(await reload(event.id)).toMatchObject({ registeredCount: 2, waitlistCount: 0 });
      expect((await events().register(event.id, fixtures.id())).position).toBe(4);
      await expectCountersMatchRows(event.id);
    });

    it('puts a re-registration at the end of the waitlist when the event is full', async () => {
      const event = await fixtures.event({ capacity: 1 });
      const [seat, next, after] = (await registerAll(event.id, 3)) as [Registration, Registration, Registration];
      await events().cancelRegistration(event.id, seat.userId);
      const again = await events().register(event.id, seat.userId);
      expect(again).toMatchObject({ status: 'waitlisted', position: 4 });
      await events().cancelRegistration(event.id, next.userId);
      expect(await statusOf(event.id, after.userId)).toBe('registered');
      expect(await statusOf(event.id, seat.userId)).toBe('waitlisted');
      await expectCountersMatchRows(event.id);
    });
  });

  describe('EventRepository.markAttended', () => {
    it('marks a registered user as attended and keeps the seat', async () => {
      clock.freeze();
      const event = await fixtures.event({ capacity: 1 });
      const [seat, waiting] = (await registerAll(event.id, 2)) as [Registration, Registration];
      clock.advance(1_000);
      const attended = await events().markAttended(event.id, seat.userId);
      expect(attended).toEqual({ ...seat, status: 'attended', updatedAt: clock.now() });
      expect(await events().getRegistration(event.id, seat.userId)).toEqual(attended);
      expect(await statusOf(event.id, waiting.userId)).toBe('waitlisted');
      expect(await reload(event.id)).toMatchObject({ registeredCount: 1, waitlistCount: 1 });
      await expectCountersMatchRows(event.id);
    });

    it('is idempotent', async () => {
      clock.freeze();
      const event = await fixtures.event();
      const [seat] = (await registerAll(event.id, 1)) as [Registration];
      const attended = await events().markAttended(event.id, seat.userId);
      clock.advance(1_000);
      expect(await events().markAttended(event.id, seat.userId)).toEqual(attended);
      expect(await reload(event.id)).toMatchObject({ registeredCount: 1 });
    });

    it('fails with CONFLICT for a waitlisted user', async () => {
      const event = await fixtures.event({ capacity: 1 });
      const [, waiting] = (await registerAll(event.id, 2)) as [Registration, Registration];
      await expectCohortError(events().markAttended(event.id, waiting.userId), 'CONFLICT');
      expect(await events().getRegistration(event.id, waiting.userId)).toEqual(waiting);
    });

    it('fails with CONFLICT for a cancelled registration', async () => {
      const event = await fixtures.event();
      const [seat] = (await registerAll(event.id, 1)) as [Registration];
      const cancelled = await events().cancelRegistration(event.id, seat.userId);
      await expectCohortError(events().markAttended(event.id, seat.userId), 'CONFLICT');
      expect(await events().getRegistration(event.id, seat.userId)).toEqual(cancelled);
      expect(await reload(event.id)).toMatchObject({ registeredCount: 0 });
    });

    it('fails with NOT_FOUND for a user who never registered', async () => {
      const event = await fixtures.event();
      await expectCohortError(events().markAttended(event.id, fixtures.id()), 'NOT_FOUND');
    });

    it('fails with NOT_FOUND for an unknown event', async () => {
      await expectCohortError(events().markAttended(fixtures.id(), fixtures.id()), 'NOT_FOUND');
    });
  });

  describe('EventRepository.getRegistration', () => {
    it('returns the registration as stored', async () => {
      const event = await fixtures.event({ capacity: 1 });
      const [seat, waiting] = (await registerAll(event.id, 2)) as [Registration, Registration];
      expect(await events().getRegistration(event.id, seat.userId)).toEqual(seat);
      expect(await events().getRegistration(event.id, waiting.userId)).toEqual(waiting);
    });

    it('returns null for a user who never registered', async () => {
      const event = await fixtures.event();
      await registerAll(event.id, 1);
      expect(await events().getRegistration(event.id, fixtures.id())).toBeNull();
    });

    it("does not return a user's registration for another event", async () => {
      const one = await fixtures.event();
      const other = await fixtures.event();
      const [seat] = (await registerAll(one.id, 1)) as [Registration];
      expect(await events().getRegistration(other.id, seat.userId)).toBeNull();
    });

    it('returns null for an unknown event', async () => {
      expect(await events().getRegistration(fixtures.id(), fixtures.id())).toBeNull();
    });
  });

  describe('EventRepository.listRegistrations', () => {
    it('lists registrations in position order across pages', async () => {
      const event = await fixtures.event({ capacity: 3 });
      // Ids in descending order, so an adapter that sorts by user id gets it wrong.
      const users = ascendingIds(() => fixtures.id(), 7).reverse();
      const made = await registerAll(event.id, users);
      const first = await events().listRegistrations(event.id, {}, { limit: 3 });
      expect(first.items).toEqual(made.slice(0, 3));
      expect(first.nextCursor).not.toBeNull();
      const all = await collectAll((cursor) => events().listRegistrations(event.id, undefined, { cursor, limit: 3 }));
      expect(all).toEqual(made);
      expect(all.map((row) => row.position)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });

    it('filters by status', async () => {
      const event = await fixtures.event({ capacity: 3 });
      const [a, b, c, d, e] = (await registerAll(event.id, 5)) as Five<Registration>;
      await events().markAttended(event.id, a.userId);
      await events().cancelRegistration(event.id, b.userId); // promotes d
      const userIds = async (status: RegistrationStatus) =>
        (await registrations(event.id, status)).map((row) => row.userId);
      expect(await userIds('attended')).toEqual([a.userId]);
      expect(await userIds('cancelled')).toEqual([b.userId]);
      expect(await userIds('registered')).toEqual([c.userId, d.userId]);
      expect(await userIds('waitlisted')).toEqual([e.userId]);
      expect((await registrations(event.id)).map((row) => row.userId)).toEqual([a, b, c, d, e].map((r) => r.userId));
    });

    it('is empty for an unknown event', async () => {
      expect(await events().listRegistrations(fixtures.id())).toEqual({ items: [], nextCursor: null });
      expect(await events().listRegistrations(fixtures.id(), { status: 'waitlisted' })).toEqual({
        items: [],
        nextCursor: null,
      });
    });

    it('is empty for an event nobody registered for', async () => {
      const event = await fixtures.event();
      expect(await events().listRegistrations(event.id)).toEqual({ items: [], nextCursor: null });
    });
  });
}
