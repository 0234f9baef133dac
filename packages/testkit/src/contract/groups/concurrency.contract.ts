import {
  CohortError,
  reactionKinds,
  type CohortErrorCode,
  type Event,
  type Membership,
  type ReactionKind,
  type Registration,
  type RegistrationStatus,
} from '@cohort/core';
import { describe, expect, it } from 'vitest';
import type { ContractContext } from '../contract-context.js';
import { collectAll } from './collect-pages.js';

type Tuple5<T> = [T, T, T, T, T];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Settled<T> {
  readonly values: T[];
  /** The code of each failure (or its text, if something other than a CohortError escaped the port). */
  readonly errors: string[];
  readonly detail: string;
}

/** Runs every action at once and sorts the outcomes; only CohortErrors are expected to leave a port. */
async function settle<T>(actions: readonly Promise<T>[]): Promise<Settled<T>> {
  const results = await Promise.allSettled(actions);
  const values: T[] = [];
  const errors: string[] = [];
  const messages: string[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled') values.push(result.value);
    else {
      const reason: unknown = result.reason;
      errors.push(CohortError.is(reason) ? reason.code : `not a CohortError: ${String(reason)}`);
      messages.push(reason instanceof Error ? reason.message : String(reason));
    }
  }
  // The messages only explain a failed assertion (`expect(errors, detail)`); the codes are what is asserted.
  return { values, errors, detail: [...new Set(messages)].join('\n') };
}

const repeat = <T>(count: number, make: (index: number) => T): T[] => Array.from({ length: count }, (_, i) => make(i));
const codes = (count: number, code: CohortErrorCode): string[] => repeat(count, () => code);

/** `count` distinct spellings of `text` that differ only in the case of its letters (variant 0 is `text` itself). */
function letterCases(text: string, count: number): string[] {
  const chars = [...text];
  const letterAt = chars.flatMap((char, index) => (/[a-z]/.test(char) ? [index] : []));
  const variants = repeat(count, (n) =>
    chars
      .map((char, index) => {
        const k = letterAt.indexOf(index);
        return k >= 0 && (n >> (k % 16)) & 1 ? char.toUpperCase() : char;
      })
      .join(''),
  );
  expect(new Set(variants).size, 'letter-case variants must be distinct').toBe(count);
  return variants;
}

export function concurrencyContract(context: ContractContext): void {
  const { fixtures } = context;
  const store = () => context.store();
  const events = () => store().events;

  const registrations = (eventId: string, status?: RegistrationStatus): Promise<Registration[]> =>
    collectAll((cursor) =>
      events().listRegistrations(eventId, status === undefined ? {} : { status }, { cursor, limit: 100 }),
    );
  const members = (communityId: string): Promise<Membership[]> =>
    collectAll((cursor) => store().memberships.listMembers(communityId, { cursor, limit: 100 }));

  async function reloadEvent(id: string): Promise<Event> {
    const event = await events().getById(id);
    expect(event, `event ${id} should exist`).not.toBeNull();
    return event as Event;
  }

  async function registerAll(eventId: string, count: number): Promise<Registration[]> {
    const made: Registration[] = [];
    for (let i = 0; i < count; i += 1) made.push(await events().register(eventId, fixtures.id()));
    return made;
  }

  /**
   * The event invariants: counters equal the rows they count and are never negative, seats never exceed capacity,
   * positions are unique, nobody waits while a seat is free, and every seat holder arrived before everyone waiting.
   */
  async function expectEventInvariants(eventId: string): Promise<{ event: Event; rows: Registration[] }> {
    const event = await reloadEvent(eventId);
    const rows = await registrations(eventId);
    const seated = rows.filter((row) => row.status === 'registered' || row.status === 'attended');
    const waiting = rows.filter((row) => row.status === 'waitlisted');
    expect({ registeredCount: event.registeredCount, waitlistCount: event.waitlistCount }).toEqual({
      registeredCount: seated.length,
      waitlistCount: waiting.length,
    });
    expect(event.registeredCount).toBeGreaterThanOrEqual(0);
    expect(event.waitlistCount).toBeGreaterThanOrEqual(0);
    expect(event.registeredCount).toBeLessThanOrEqual(event.capacity);
    expect(new Set(rows.map((row) => row.position)).size).toBe(rows.length);
    expect(new Set(rows.map((row) => row.userId)).size).toBe(rows.length);
    if (waiting.length > 0) {
      expect(event.registeredCount, 'nobody waits while a seat is free').toBe(event.capacity);
      const lastSeated = Math.max(0, ...seated.map((row) => row.position));
      const firstWaiting = Math.min(...waiting.map((row) => row.position));
      expect(lastSeated, 'every seat holder arrived before everyone waiting').toBeLessThan(firstWaiting);
    }
    return { event, rows };
  }

  describe('concurrency: unique keys', () => {
    it('lets exactly one of 50 parallel creates of one email, in different letter cases, succeed', async () => {
      const emails = letterCases(fixtures.email(), 50);
      const { values, errors, detail } = await settle(
        emails.map((email) => store().users.create({ email, displayName: 'Racer' })),
      );
      expect(values).toHaveLength(1);
      expect(errors, detail).toEqual(codes(49, 'CONFLICT'));
      const winner = values[0];
      expect(await store().users.findByEmail(emails[0] as string)).toEqual(winner);
      expect(await store().users.findByEmail((emails[0] as string).toUpperCase())).toEqual(winner);
    });

    it('lets exactly one of 50 parallel creates of one community slug, in different letter cases, succeed', async () => {
      const slugs = letterCases(fixtures.slug('racing-slug'), 50);
      const owners = repeat(50, () => fixtures.id());
      const { values, errors, detail } = await settle(
        slugs.map((slug, i) => store().communities.create({ slug, name: 'Racing', ownerId: owners[i] as string })),
      );
      expect(values).toHaveLength(1);
      expect(errors, detail).toEqual(codes(49, 'CONFLICT'));
      const winner = values[0];
      expect(await store().communities.getBySlug(slugs[0] as string)).toEqual(winner);
      expect(winner?.memberCount).toBe(1);
      expect((await members(winner?.id as string)).map((member) => member.userId)).toEqual([winner?.ownerId]);
      // The losers' owner memberships must not have been left behind.
      const leftovers = await Promise.all(
        owners
          .filter((owner) => owner !== winner?.ownerId)
          .map((owner) =>
            store()
              .memberships.listByUser(owner)
              .then((page) => page.items.length),
          ),
      );
      expect(leftovers.reduce((sum, n) => sum + n, 0)).toBe(0);
    });

    it('gives a contested new email to exactly one of two users changing to it', async () => {
      const [a, b] = [await fixtures.user(), await fixtures.user()];
      const email = fixtures.email();
      const { values, errors, detail } = await settle([
        store().users.update(a.id, { email }, a.version),
        store().users.update(b.id, { email: email.toUpperCase() }, b.version),
      ]);
      expect(values).toHaveLength(1);
      expect(errors, detail).toEqual(['CONFLICT']);
      expect(await store().users.findByEmail(email)).toEqual(values[0]);
    });
  });

  describe('concurrency: natural keys', () => {
    it('keeps one enrollment for 20 parallel enrolls of one pair', async () => {
      const content = await fixtures.publishedContent();
      const userId = fixtures.id();
      const { values, errors, detail } = await settle(repeat(20, () => store().enrollments.enroll(userId, content.id)));
      expect(errors, detail).toEqual([]);
      expect(new Set(values.map((value) => JSON.stringify(value))).size).toBe(1);
      expect(await store().enrollments.countsFor(content.id)).toEqual({ enrolled: 1, completed: 0 });
      expect((await store().enrollments.listByUser(userId)).items).toEqual([values[0]]);
    });

    it('counts 20 parallel joins of one user once', async () => {
      const community = await fixtures.community();
      const userId = fixtures.id();
      const { values, errors, detail } = await settle(repeat(20, () => store().memberships.join(community.id, userId)));
      expect(errors, detail).toEqual([]);
      expect(new Set(values.map((value) => JSON.stringify(value))).size).toBe(1);
      expect((await store().communities.getById(community.id))?.memberCount).toBe(2);
      expect(await members(community.id)).toHaveLength(2);
    });

    it('counts 20 parallel reactions of one kind by one user once', async () => {
      const post = await fixtures.post();
      const userId = fixtures.id();
      const { values, errors, detail } = await settle(repeat(20, () => store().posts.react(post.id, userId, 'like')));
      expect(errors, detail).toEqual([]);
      expect(values.filter((added) => added)).toHaveLength(1);
      expect((await store().posts.getById(post.id))?.reactionCounts).toEqual({
        like: 1,
        celebrate: 0,
        insightful: 0,
        support: 0,
      });
    });
  });

  // The services name an activity event after the stored change it records, so every racing duplicate must get the
  // winner's record back (its times included) and the log must count an event appended by racing calls once.
  describe('concurrency: duplicates get the stored record', () => {
    it('returns the stored enrollment to 20 parallel reports of one progress', async () => {
      const content = await fixtures.publishedContent();
      const userId = fixtures.id();
      await store().enrollments.enroll(userId, content.id);
      const { values, errors, detail } = await settle(
        repeat(20, () => store().enrollments.recordProgress(userId, content.id, 100)),
      );
      expect(errors, detail).toEqual([]);
      expect(new Set(values.map((value) => JSON.stringify(value))).size).toBe(1);
      expect(values[0]).toEqual(await store().enrollments.get(userId, content.id));
      expect(await store().enrollments.countsFor(content.id)).toEqual({ enrolled: 1, completed: 1 });
    });

    it('returns the stored cancellation to 10 parallel cancels of one registration', async () => {
      const event = await fixtures.event({ capacity: 2 });
      const [seat] = (await registerAll(event.id, 1)) as [Registration];
      const { values, errors, detail } = await settle(
        repeat(10, () => events().cancelRegistration(event.id, seat.userId)),
      );
      expect(errors, detail).toEqual([]);
      expect(new Set(values.map((value) => JSON.stringify(value))).size).toBe(1);
      expect(values[0]).toEqual(await events().getRegistration(event.id, seat.userId));
    });

    it('returns the stored check-in to 10 parallel markAttended of one registration', async () => {
      const event = await fixtures.event({ capacity: 2 });
      const [seat] = (await registerAll(event.id, 1)) as [Registration];
      const { values, errors, detail } = await settle(repeat(10, () => events().markAttended(event.id, seat.userId)));
      expect(errors, detail).toEqual([]);
      expect(new Set(values.map((value) => JSON.stringify(value))).size).toBe(1);
      expect(values[0]).toEqual(await events().getRegistration(event.id, seat.userId));
    });

    it('stores and counts one event for 20 parallel appends of it', async () => {
      // A day of a far-off year no other group writes (they use 2200-2899 and 2400), so its counters are this test's.
      const day = Date.UTC(3000 + Math.floor(Math.random() * 900), 0, 1) + Math.floor(Math.random() * 360) * DAY;
      const event = fixtures.activity({ verb: 'joined', occurredAt: new Date(day + HOUR) });
      const { values, errors, detail } = await settle(repeat(20, () => store().activity.append([event])));
      expect(errors, detail).toEqual([]);
      expect(values.reduce((sum, result) => sum + result.appended, 0)).toBe(1);
      const dayText = new Date(day).toISOString().slice(0, 10);
      expect(await store().activity.dailyCounts({ from: dayText, to: dayText })).toEqual([
        { day: dayText, verb: 'joined', count: 1 },
      ]);
      expect((await store().activity.listByActor(event.actorId)).items).toHaveLength(1);
    });
  });

  describe('concurrency: event seats', () => {
    it('seats exactly capacity of 100 parallel registrants and waitlists the rest', async () => {
      const event = await fixtures.event({ capacity: 10 });
      const { values, errors, detail } = await settle(repeat(100, () => events().register(event.id, fixtures.id())));
      expect(errors, detail).toEqual([]);
      expect(values.filter((row) => row.status === 'registered')).toHaveLength(10);
      expect(values.filter((row) => row.status === 'waitlisted')).toHaveLength(90);
      expect(values.map((row) => row.position).sort((a, b) => a - b)).toEqual(repeat(100, (i) => i + 1));
      const { event: after, rows } = await expectEventInvariants(event.id);
      expect(after).toMatchObject({ registeredCount: 10, waitlistCount: 90 });
      expect(rows).toHaveLength(100);
    });

    it('keeps one registration for 20 parallel registrations by one user', async () => {
      const event = await fixtures.event({ capacity: 5 });
      const userId = fixtures.id();
      const { values, errors, detail } = await settle(repeat(20, () => events().register(event.id, userId)));
      expect(errors, detail).toEqual([]);
      expect(new Set(values.map((value) => JSON.stringify(value))).size).toBe(1);
      expect(values[0]).toMatchObject({ status: 'registered', position: 1 });
      const { event: after, rows } = await expectEventInvariants(event.id);
      expect(after).toMatchObject({ registeredCount: 1, waitlistCount: 0 });
      expect(rows).toHaveLength(1);
    });

    it('gives a cancelled seat to the earliest waitlisted even while others register', async () => {
      const event = await fixtures.event({ capacity: 1 });
      const [seat, next] = (await registerAll(event.id, 2)) as [Registration, Registration];
      const newcomers = repeat(10, () => fixtures.id());
      const { errors, detail } = await settle<unknown>([
        events().cancelRegistration(event.id, seat.userId),
        ...newcomers.map((userId) => events().register(event.id, userId)),
      ]);
      expect(errors, detail).toEqual([]);
      expect((await events().getRegistration(event.id, next.userId))?.status).toBe('registered');
      expect(await registrations(event.id, 'registered')).toHaveLength(1);
      const { event: after } = await expectEventInvariants(event.id);
      expect(after).toMatchObject({ registeredCount: 1, waitlistCount: 10 });
    });

    it('promotes exactly the 5 earliest waitlisted for 5 parallel cancels', async () => {
      const event = await fixtures.event({ capacity: 5 });
      const made = await registerAll(event.id, 15);
      const { errors, detail } = await settle(
        made.slice(0, 5).map((row) => events().cancelRegistration(event.id, row.userId)),
      );
      expect(errors, detail).toEqual([]);
      const registered = await registrations(event.id, 'registered');
      expect(registered.map((row) => row.userId)).toEqual(made.slice(5, 10).map((row) => row.userId));
      const waiting = await registrations(event.id, 'waitlisted');
      expect(waiting.map((row) => row.userId)).toEqual(made.slice(10).map((row) => row.userId));
      const { event: after } = await expectEventInvariants(event.id);
      expect(after).toMatchObject({ registeredCount: 5, waitlistCount: 5 });
    });

    it('gives one freed seat to exactly one of two racing users', async () => {
      const event = await fixtures.event({ capacity: 1 });
      const [seat] = (await registerAll(event.id, 1)) as [Registration];
      await events().cancelRegistration(event.id, seat.userId);
      const { values, errors, detail } = await settle([
        events().register(event.id, fixtures.id()),
        events().register(event.id, fixtures.id()),
      ]);
      expect(errors, detail).toEqual([]);
      expect(values.map((row) => row.status).sort()).toEqual(['registered', 'waitlisted']);
      const { event: after } = await expectEventInvariants(event.id);
      expect(after).toMatchObject({ registeredCount: 1, waitlistCount: 1 });
    });

    it('promotes once for 10 parallel cancels of one seat', async () => {
      const event = await fixtures.event({ capacity: 2 });
      const [seat, , w1, w2, w3] = (await registerAll(event.id, 5)) as Tuple5<Registration>;
      const { values, errors, detail } = await settle(
        repeat(10, () => events().cancelRegistration(event.id, seat.userId)),
      );
      expect(errors, detail).toEqual([]);
      expect(values.every((row) => row.status === 'cancelled')).toBe(true);
      expect((await events().getRegistration(event.id, w1.userId))?.status).toBe('registered');
      expect((await events().getRegistration(event.id, w2.userId))?.status).toBe('waitlisted');
      expect((await events().getRegistration(event.id, w3.userId))?.status).toBe('waitlisted');
      const { event: after } = await expectEventInvariants(event.id);
      expect(after).toMatchObject({ registeredCount: 2, waitlistCount: 2 });
    });

    it('changes nothing for 10 parallel second cancels', async () => {
      const event = await fixtures.event({ capacity: 2 });
      const [seat, , , w2] = (await registerAll(event.id, 5)) as Tuple5<Registration>;
      const cancelled = await events().cancelRegistration(event.id, seat.userId);
      const before = await reloadEvent(event.id);
      const { values, errors, detail } = await settle(
        repeat(10, () => events().cancelRegistration(event.id, seat.userId)),
      );
      expect(errors, detail).toEqual([]);
      expect(values).toEqual(repeat(10, () => cancelled));
      expect((await events().getRegistration(event.id, w2.userId))?.status).toBe('waitlisted');
      const { event: after } = await expectEventInvariants(event.id);
      expect(after).toMatchObject({
        registeredCount: before.registeredCount,
        waitlistCount: before.waitlistCount,
      });
      expect(after).toMatchObject({ registeredCount: 2, waitlistCount: 2 });
    });

    it('decrements waitlistCount once for 10 parallel cancels of one waitlisted registration', async () => {
      const event = await fixtures.event({ capacity: 1 });
      const [, waiting, last] = (await registerAll(event.id, 3)) as [Registration, Registration, Registration];
      const { errors, detail } = await settle(repeat(10, () => events().cancelRegistration(event.id, waiting.userId)));
      expect(errors, detail).toEqual([]);
      expect((await events().getRegistration(event.id, last.userId))?.status).toBe('waitlisted');
      const { event: after } = await expectEventInvariants(event.id);
      expect(after).toMatchObject({ registeredCount: 1, waitlistCount: 1 });
    });

    it('lets exactly one of a racing cancel and markAttended win', async () => {
      const event = await fixtures.event({ capacity: 1 });
      const [seat, next] = (await registerAll(event.id, 2)) as [Registration, Registration];
      const { values, errors, detail } = await settle([
        events().cancelRegistration(event.id, seat.userId),
        events().markAttended(event.id, seat.userId),
      ]);
      expect(values).toHaveLength(1);
      expect(errors, detail).toEqual(['CONFLICT']);
      const winner = values[0] as Registration;
      expect(await events().getRegistration(event.id, seat.userId)).toEqual(winner);
      const nextStatus = (await events().getRegistration(event.id, next.userId))?.status;
      expect(nextStatus).toBe(winner.status === 'cancelled' ? 'registered' : 'waitlisted');
      await expectEventInvariants(event.id);
    });

    it('keeps registeredCount equal to the seats taken through a mixed burst of registers and cancels', async () => {
      const event = await fixtures.event({ capacity: 5 });
      const made = await registerAll(event.id, 12); // 5 seated, 7 waiting
      const at = (index: number) => (made[index] as Registration).userId;
      const newcomers = repeat(10, () => fixtures.id());
      const { errors, detail } = await settle<unknown>([
        events().cancelRegistration(event.id, at(0)),
        events().cancelRegistration(event.id, at(0)),
        events().cancelRegistration(event.id, at(2)),
        events().cancelRegistration(event.id, at(6)),
        events().cancelRegistration(event.id, at(8)),
        events().cancelRegistration(event.id, at(8)),
        events().cancelRegistration(event.id, at(4)),
        events().register(event.id, at(4)),
        events().register(event.id, at(1)),
        ...newcomers.map((userId) => events().register(event.id, userId)),
        events().register(event.id, newcomers[0] as string),
        events().cancelRegistration(event.id, at(11)),
      ]);
      expect(errors, detail).toEqual([]);
      const { event: after, rows } = await expectEventInvariants(event.id);
      // 22 people registered; 0, 2, 6, 8 and 11 cancelled for good; 4 may or may not have come back.
      const active = rows.filter((row) => row.status !== 'cancelled').length;
      expect([16, 17]).toContain(active);
      expect(after.registeredCount).toBe(5);
      expect(after.waitlistCount).toBe(active - 5);
      expect(rows.length).toBe(22);
    });

    it('promotes in position order when capacity is raised while users register', async () => {
      const event = await fixtures.event({ capacity: 5 });
      const made = await registerAll(event.id, 10); // positions 1–5 seated, 6–10 waiting
      const raise = async (): Promise<Event> => {
        for (let attempt = 0; ; attempt += 1) {
          const current = await reloadEvent(event.id);
          try {
            return await events().update(event.id, { capacity: 8 }, current.version);
          } catch (error) {
            // Registrations may bump the version; a careful client reads again and retries.
            if (!CohortError.is(error, 'CONCURRENCY') || attempt >= 50) throw error;
          }
        }
      };
      const { errors, detail } = await settle<unknown>([
        raise(),
        ...repeat(5, () => events().register(event.id, fixtures.id())),
      ]);
      expect(errors, detail).toEqual([]);
      const { event: after, rows } = await expectEventInvariants(event.id);
      expect(after).toMatchObject({ capacity: 8, registeredCount: 8, waitlistCount: 7 });
      const seated = rows.filter((row) => row.status === 'registered').map((row) => row.position);
      expect(seated).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(made.slice(5, 8).map((row) => row.userId)).toEqual(
        rows.filter((row) => row.position >= 6 && row.position <= 8).map((row) => row.userId),
      );
    });

    it('keeps the counters when an event update races with registrations', async () => {
      const event = await fixtures.event({ capacity: 5 });
      const { values, errors } = await settle<unknown>([
        events().update(event.id, { title: 'Renamed in flight' }, event.version),
        ...repeat(10, () => events().register(event.id, fixtures.id())),
      ]);
      // Whether a registration bumps the event's version is the adapter's choice; a lost counter is not.
      expect(errors.filter((code) => code !== 'CONCURRENCY')).toEqual([]);
      expect(values.length + errors.length).toBe(11);
      const { event: after } = await expectEventInvariants(event.id);
      expect(after).toMatchObject({ registeredCount: 5, waitlistCount: 5 });
      expect(after.title).toBe(errors.length === 0 ? 'Renamed in flight' : event.title);
    });
  });

  describe('concurrency: community counters', () => {
    it('counts 100 parallel comments', async () => {
      const post = await fixtures.post();
      const { values, errors, detail } = await settle(
        repeat(100, (i) => store().posts.addComment(post.id, { authorId: fixtures.id(), body: `Comment ${i}` })),
      );
      expect(errors, detail).toEqual([]);
      expect(new Set(values.map((comment) => comment.id)).size).toBe(100);
      expect((await store().posts.getById(post.id))?.commentCount).toBe(100);
      const listed = await collectAll((cursor) => store().posts.listComments(post.id, { cursor, limit: 100 }));
      expect(listed).toHaveLength(100);
      expect(new Set(listed.map((comment) => comment.id))).toEqual(new Set(values.map((comment) => comment.id)));
    });

    it('keeps reactionCounts equal to the reactions through parallel react and unreact bursts', async () => {
      const post = await fixtures.post();
      const users = repeat(8, () => fixtures.id());
      const pairs = users.flatMap((userId) => reactionKinds.map((kind) => ({ userId, kind })));
      // Every pair gets 1–3 reacts and 0–2 unreacts, all at once, in an interleaved order.
      const calls = pairs.flatMap((pair, p) => [
        ...repeat(1 + (p % 3), () => ({ pair: p, op: 'react' as const })),
        ...repeat((p * 7) % 3, () => ({ pair: p, op: 'unreact' as const })),
      ]);
      calls.sort(
        (a, b) => ((a.pair * 31 + (a.op === 'react' ? 7 : 0)) % 11) - ((b.pair * 31 + (b.op === 'react' ? 7 : 0)) % 11),
      );
      const results = await Promise.all(
        calls.map(async ({ pair, op }) => {
          const { userId, kind } = pairs[pair] as { userId: string; kind: ReactionKind };
          const changed = await (op === 'react'
            ? store().posts.react(post.id, userId, kind)
            : store().posts.unreact(post.id, userId, kind));
          return { pair, op, changed };
        }),
      );
      // Successful reacts and unreacts of one pair alternate, starting with a react: the difference is 0 or 1.
      const net = pairs.map((_, p) =>
        results.reduce((sum, r) => sum + (r.pair === p && r.changed ? (r.op === 'react' ? 1 : -1) : 0), 0),
      );
      for (const value of net) expect([0, 1]).toContain(value);
      const expected = Object.fromEntries(
        reactionKinds.map((kind) => [
          kind,
          pairs.reduce((sum, pair, p) => sum + (pair.kind === kind ? (net[p] ?? 0) : 0), 0),
        ]),
      );
      const counted = (await store().posts.getById(post.id))?.reactionCounts;
      expect(counted).toEqual(expected);

      // A final pass makes every pair present: exactly the absent ones answer true.
      const final = await Promise.all(pairs.map(({ userId, kind }) => store().posts.react(post.id, userId, kind)));
      for (const kind of reactionKinds) {
        const added = final.filter((added, p) => added && pairs[p]?.kind === kind).length;
        expect(added, kind).toBe(users.length - (counted?.[kind] ?? 0));
      }
      const full = Object.fromEntries(reactionKinds.map((kind) => [kind, users.length]));
      expect((await store().posts.getById(post.id))?.reactionCounts).toEqual(full);
      const removed = await Promise.all(pairs.map(({ userId, kind }) => store().posts.unreact(post.id, userId, kind)));
      expect(removed.every(Boolean)).toBe(true);
      expect((await store().posts.getById(post.id))?.reactionCounts).toEqual(
        Object.fromEntries(reactionKinds.map((kind) => [kind, 0])),
      );
    });

    it('keeps memberCount equal to the members listed through parallel joins and leaves', async () => {
      const community = await fixtures.community();
      const users = repeat(25, () => fixtures.id());
      for (const userId of users.slice(0, 10)) await store().memberships.join(community.id, userId);
      const join = (userId: string) =>
        store()
          .memberships.join(community.id, userId)
          .then(() => null);
      const leave = (userId: string) => store().memberships.leave(community.id, userId);
      const [leftTwice, racing, joinedTwice, strangers] = [
        users.slice(0, 5),
        users.slice(5, 10),
        users.slice(10, 20),
        users.slice(20),
      ];
      const results = await Promise.all([
        Promise.all(leftTwice.map((userId) => Promise.all([leave(userId), leave(userId)]))),
        Promise.all(racing.map((userId) => Promise.all([leave(userId), join(userId)]))),
        Promise.all(joinedTwice.map((userId) => Promise.all([join(userId), join(userId)]))),
        Promise.all(strangers.map((userId) => leave(userId))),
      ]);
      const [leftTwiceResults, racingResults, , strangerResults] = results;
      for (const pair of leftTwiceResults) expect(pair.filter(Boolean)).toHaveLength(1);
      for (const [left] of racingResults) expect(left).toBe(true);
      expect(strangerResults).toEqual(repeat(5, () => false));

      const listed = (await members(community.id)).map((member) => member.userId);
      expect(new Set(listed).size).toBe(listed.length);
      expect((await store().communities.getById(community.id))?.memberCount).toBe(listed.length);
      for (const userId of joinedTwice) expect(listed).toContain(userId);
      for (const userId of [...leftTwice, ...strangers]) expect(listed).not.toContain(userId);
      for (const userId of racing) {
        expect(listed.includes(userId)).toBe((await store().memberships.get(community.id, userId)) !== null);
      }
    });

    it('keeps memberCount when a community update races with joins', async () => {
      const community = await fixtures.community();
      const { values, errors } = await settle<unknown>([
        store().communities.update(community.id, { name: 'Renamed in flight' }, community.version),
        ...repeat(10, () => store().memberships.join(community.id, fixtures.id())),
      ]);
      expect(errors.filter((code) => code !== 'CONCURRENCY')).toEqual([]);
      expect(values.length + errors.length).toBe(11);
      const after = await store().communities.getById(community.id);
      expect(after?.memberCount).toBe(11);
      expect(await members(community.id)).toHaveLength(11);
    });

    it('keeps commentCount and reactionCounts when a post update races with comments and reactions', async () => {
      const post = await fixtures.post();
      const { values, errors } = await settle<unknown>([
        store().posts.update(post.id, { body: 'Edited in flight' }, post.version),
        ...repeat(10, (i) => store().posts.addComment(post.id, { authorId: fixtures.id(), body: `Comment ${i}` })),
        ...repeat(10, () => store().posts.react(post.id, fixtures.id(), 'celebrate')),
      ]);
      expect(errors.filter((code) => code !== 'CONCURRENCY')).toEqual([]);
      expect(values.length + errors.length).toBe(21);
      const after = await store().posts.getById(post.id);
      expect(after).toMatchObject({
        commentCount: 10,
        reactionCounts: { like: 0, celebrate: 10, insightful: 0, support: 0 },
      });
      expect(after?.body).toBe(errors.length === 0 ? 'Edited in flight' : post.body);
    });
  });

  describe('concurrency: optimistic versions', () => {
    /** Two (or more) updates from the same version: exactly one wins, the rest get CONCURRENCY, the winner is stored. */
    async function expectOneWinner<T>(updates: readonly Promise<T>[], read: () => Promise<T | null>): Promise<T> {
      const { values, errors, detail } = await settle(updates);
      expect(values).toHaveLength(1);
      expect(errors, detail).toEqual(codes(updates.length - 1, 'CONCURRENCY'));
      const winner = values[0] as T;
      expect(await read()).toEqual(winner);
      expect(winner).toMatchObject({ version: 2 });
      return winner;
    }

    it('lets one of two user updates from the same version win', async () => {
      const user = await fixtures.user();
      const winner = await expectOneWinner(
        ['Ada', 'Grace'].map((displayName) => store().users.update(user.id, { displayName }, user.version)),
        () => store().users.getById(user.id),
      );
      expect(['Ada', 'Grace']).toContain(winner.displayName);
    });

    it('lets one of ten user updates from the same version win', async () => {
      const user = await fixtures.user();
      await expectOneWinner(
        repeat(10, (i) => store().users.update(user.id, { displayName: `Name ${i}` }, user.version)),
        () => store().users.getById(user.id),
      );
    });

    it('lets one of two content updates from the same version win', async () => {
      const content = await fixtures.content();
      const winner = await expectOneWinner(
        ['Left', 'Right'].map((title) => store().contents.update(content.id, { title }, content.version)),
        () => store().contents.getById(content.id),
      );
      expect(['Left', 'Right']).toContain(winner.title);
    });

    it('lets one of two event updates from the same version win', async () => {
      const event = await fixtures.event({ capacity: 3 });
      const winner = await expectOneWinner(
        [
          events().update(event.id, { title: 'Bigger', capacity: 6 }, event.version),
          events().update(event.id, { title: 'Cancelled', status: 'cancelled' }, event.version),
        ],
        () => events().getById(event.id),
      );
      expect(
        winner.title === 'Bigger' ? { capacity: 6, status: 'scheduled' } : { capacity: 3, status: 'cancelled' },
      ).toEqual({ capacity: winner.capacity, status: winner.status });
    });

    it('lets one of two community updates from the same version win', async () => {
      const community = await fixtures.community();
      const winner = await expectOneWinner(
        [
          store().communities.update(community.id, { name: 'Open', visibility: 'public' }, community.version),
          store().communities.update(community.id, { name: 'Closed', visibility: 'private' }, community.version),
        ],
        () => store().communities.getById(community.id),
      );
      expect(winner.visibility).toBe(winner.name === 'Open' ? 'public' : 'private');
    });

    it('lets one of two post updates from the same version win', async () => {
      const post = await fixtures.post();
      const winner = await expectOneWinner(
        ['Take one', 'Take two'].map((body) => store().posts.update(post.id, { body }, post.version)),
        () => store().posts.getById(post.id),
      );
      expect(['Take one', 'Take two']).toContain(winner.body);
    });
  });
}
