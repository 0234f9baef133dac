import type { ActivityVerb } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import type { ContractContext } from '../contract-context.js';

/** Inside the hour Europe springs forward, with milliseconds a store could round or drop. */
const SPRING_FORWARD = new Date('2026-03-29T01:30:00.123Z');
/** One millisecond before Europe falls back (01:00Z). */
const FALL_BACK = new Date('2026-10-25T00:59:59.999Z');
const LATER = new Date('2026-11-01T12:00:00.001Z');
const EPOCH = new Date(0);
const EPOCH_PLUS_ONE = new Date('1970-01-01T00:00:00.001Z');
const FAR_FUTURE = new Date('2099-12-31T23:59:59.999Z');
const HOUR = 3_600_000;

/** Asserts a real Date at exactly `expected`, to the millisecond. */
function expectInstant(actual: unknown, expected: Date, label: string): void {
  expect(actual, label).toBeInstanceOf(Date);
  expect((actual as Date).getTime(), `${label}: ${(actual as Date).toISOString()}`).toBe(expected.getTime());
}

export function timeContract(context: ContractContext): void {
  const { clock, fixtures } = context;
  const store = () => context.store();

  /** The counter of `verb` on a UTC day (0 when absent). */
  const countOn = async (day: string, verb: ActivityVerb): Promise<number> =>
    (await store().activity.dailyCounts({ from: day, to: day, verb })).find((entry) => entry.day === day)?.count ?? 0;

  /** Appends one event at `at` and returns how each of `days` changed for `verb`. */
  const dayDeltas = async (at: Date, verb: ActivityVerb, days: readonly string[]): Promise<Record<string, number>> => {
    const before = await Promise.all(days.map((day) => countOn(day, verb)));
    await store().activity.append([fixtures.activity({ verb, occurredAt: at })]);
    const after = await Promise.all(days.map((day) => countOn(day, verb)));
    return Object.fromEntries(days.map((day, index) => [day, (after[index] ?? 0) - (before[index] ?? 0)]));
  };

  describe('time', () => {
    describe('Dates round-trip to the millisecond', () => {
      it('users: createdAt and updatedAt', async () => {
        clock.freeze(SPRING_FORWARD);
        const user = await fixtures.user();
        expectInstant((await store().users.getById(user.id))?.createdAt, SPRING_FORWARD, 'createdAt');
        expectInstant((await store().users.findByEmail(user.email))?.updatedAt, SPRING_FORWARD, 'updatedAt');
        clock.freeze(FALL_BACK);
        await store().users.update(user.id, { displayName: 'Later' }, user.version);
        const stored = await store().users.getById(user.id);
        expectInstant(stored?.createdAt, SPRING_FORWARD, 'createdAt after update');
        expectInstant(stored?.updatedAt, FALL_BACK, 'updatedAt after update');
      });

      it('content: createdAt, updatedAt and publishedAt', async () => {
        clock.freeze(SPRING_FORWARD);
        const authorId = fixtures.id();
        const draft = await fixtures.content({ authorId });
        clock.freeze(FALL_BACK);
        await store().contents.update(draft.id, { status: 'published' }, draft.version);
        const stored = await store().contents.getById(draft.id);
        expectInstant(stored?.createdAt, SPRING_FORWARD, 'createdAt');
        expectInstant(stored?.updatedAt, FALL_BACK, 'updatedAt');
        expectInstant(stored?.publishedAt, FALL_BACK, 'publishedAt');
        const [listed] = (await store().contents.listPublished({ authorId })).items;
        expectInstant(listed?.publishedAt, FALL_BACK, 'publishedAt in listPublished');
      });

      it('enrollment: enrolledAt, completedAt and updatedAt', async () => {
        const content = await fixtures.publishedContent();
        const userId = fixtures.id();
        clock.freeze(SPRING_FORWARD);
        await store().enrollments.enroll(userId, content.id);
        clock.freeze(FALL_BACK);
        await store().enrollments.recordProgress(userId, content.id, 100);
        const stored = await store().enrollments.get(userId, content.id);
        expectInstant(stored?.enrolledAt, SPRING_FORWARD, 'enrolledAt');
        expectInstant(stored?.completedAt, FALL_BACK, 'completedAt');
        expectInstant(stored?.updatedAt, FALL_BACK, 'updatedAt');
        const [listed] = (await store().enrollments.listByUser(userId)).items;
        expectInstant(listed?.completedAt, FALL_BACK, 'completedAt in listByUser');
      });

      it('event: startsAt, endsAt, createdAt and updatedAt', async () => {
        const community = await fixtures.community();
        const startsAt = new Date('2026-03-29T00:59:59.999Z');
        const endsAt = new Date('2026-03-29T02:00:00.001Z');
        clock.freeze(SPRING_FORWARD);
        const event = await fixtures.event({ startsAt, endsAt, communityId: community.id });
        clock.freeze(FALL_BACK);
        await store().events.update(event.id, { title: 'Moved on' }, event.version);
        const stored = await store().events.getById(event.id);
        expectInstant(stored?.startsAt, startsAt, 'startsAt');
        expectInstant(stored?.endsAt, endsAt, 'endsAt');
        expectInstant(stored?.createdAt, SPRING_FORWARD, 'createdAt');
        expectInstant(stored?.updatedAt, FALL_BACK, 'updatedAt');
        const [listed] = (await store().events.listUpcoming({ from: startsAt, communityId: community.id })).items;
        expectInstant(listed?.startsAt, startsAt, 'startsAt in listUpcoming');
        expectInstant(listed?.endsAt, endsAt, 'endsAt in listUpcoming');
      });

      it('registration: registeredAt and updatedAt', async () => {
        const event = await fixtures.event();
        const userId = fixtures.id();
        clock.freeze(SPRING_FORWARD);
        await store().events.register(event.id, userId);
        clock.freeze(FALL_BACK);
        await store().events.cancelRegistration(event.id, userId);
        const stored = await store().events.getRegistration(event.id, userId);
        expectInstant(stored?.registeredAt, SPRING_FORWARD, 'registeredAt');
        expectInstant(stored?.updatedAt, FALL_BACK, 'updatedAt');
        const [listed] = (await store().events.listRegistrations(event.id)).items;
        expectInstant(listed?.registeredAt, SPRING_FORWARD, 'registeredAt in listRegistrations');
      });

      it('community and membership: createdAt, updatedAt and joinedAt', async () => {
        clock.freeze(SPRING_FORWARD);
        const community = await fixtures.community();
        const userId = fixtures.id();
        clock.freeze(FALL_BACK);
        await store().memberships.join(community.id, userId);
        clock.freeze(LATER);
        await store().communities.update(community.id, { name: 'Renamed' }, community.version);
        const stored = await store().communities.getBySlug(community.slug);
        expectInstant(stored?.createdAt, SPRING_FORWARD, 'createdAt');
        expectInstant(stored?.updatedAt, LATER, 'updatedAt');
        expectInstant(
          (await store().memberships.get(community.id, community.ownerId))?.joinedAt,
          SPRING_FORWARD,
          'owner joinedAt',
        );
        expectInstant((await store().memberships.get(community.id, userId))?.joinedAt, FALL_BACK, 'joinedAt');
        const members = (await store().memberships.listMembers(community.id)).items;
        expect(members.map((member) => member.joinedAt.getTime())).toEqual([
          SPRING_FORWARD.getTime(),
          FALL_BACK.getTime(),
        ]);
      });

      it('post and comment: createdAt and updatedAt', async () => {
        clock.freeze(SPRING_FORWARD);
        const post = await fixtures.post();
        clock.freeze(FALL_BACK);
        await store().posts.addComment(post.id, { authorId: fixtures.id(), body: 'On time' });
        clock.freeze(LATER);
        await store().posts.update(post.id, { body: 'Edited' }, post.version);
        const stored = await store().posts.getById(post.id);
        expectInstant(stored?.createdAt, SPRING_FORWARD, 'post createdAt');
        expectInstant(stored?.updatedAt, LATER, 'post updatedAt');
        const [inFeed] = (await store().posts.feed(post.communityId)).items;
        expectInstant(inFeed?.createdAt, SPRING_FORWARD, 'post createdAt in feed');
        const [comment] = (await store().posts.listComments(post.id)).items;
        expectInstant(comment?.createdAt, FALL_BACK, 'comment createdAt');
      });

      it('activity: an occurredAt given by the caller', async () => {
        const event = fixtures.activity({ occurredAt: SPRING_FORWARD });
        await store().activity.append([event]);
        const [byActor] = (await store().activity.listByActor(event.actorId)).items;
        expectInstant(byActor?.occurredAt, SPRING_FORWARD, 'occurredAt in listByActor');
        const byObject = (await store().activity.listByObject(event.object)).items.find((item) => item.id === event.id);
        expectInstant(byObject?.occurredAt, SPRING_FORWARD, 'occurredAt in listByObject');
      });

      it('activity: an occurredAt taken from the clock', async () => {
        clock.freeze(SPRING_FORWARD);
        const { occurredAt: _omitted, ...event } = fixtures.activity();
        await store().activity.append([event]);
        const [stored] = (await store().activity.listByActor(event.actorId)).items;
        expectInstant(stored?.occurredAt, SPRING_FORWARD, 'occurredAt');
      });
    });

    describe('far past and far future', () => {
      it('keeps a user created with the clock at 1970-01-01T00:00:00.001Z', async () => {
        clock.freeze(EPOCH_PLUS_ONE);
        const user = await fixtures.user();
        expectInstant((await store().users.getById(user.id))?.createdAt, EPOCH_PLUS_ONE, 'createdAt');
      });

      it('keeps an event in 1970 and one ending at 2099-12-31T23:59:59.999Z', async () => {
        const community = await fixtures.community();
        const past = await fixtures.event({
          communityId: community.id,
          startsAt: EPOCH_PLUS_ONE,
          endsAt: new Date(EPOCH_PLUS_ONE.getTime() + HOUR),
        });
        const future = await fixtures.event({
          communityId: community.id,
          startsAt: new Date(FAR_FUTURE.getTime() - HOUR),
          endsAt: FAR_FUTURE,
        });
        expectInstant((await store().events.getById(past.id))?.startsAt, EPOCH_PLUS_ONE, 'startsAt in 1970');
        expectInstant((await store().events.getById(future.id))?.endsAt, FAR_FUTURE, 'endsAt in 2099');
        const upcoming = (await store().events.listUpcoming({ from: EPOCH, communityId: community.id })).items;
        expect(upcoming.map((event) => event.id)).toEqual([past.id, future.id]);
      });

      it('keeps activity from 1970 and 2099, newest first, and counts it on its UTC day', async () => {
        const actorId = fixtures.id();
        const pastDelta = await dayDeltas(EPOCH_PLUS_ONE, 'signed_in', ['1970-01-01']);
        const futureDelta = await dayDeltas(FAR_FUTURE, 'signed_in', ['2099-12-31']);
        expect(pastDelta).toEqual({ '1970-01-01': 1 });
        expect(futureDelta).toEqual({ '2099-12-31': 1 });
        await store().activity.append([
          fixtures.activity({ actorId, occurredAt: EPOCH_PLUS_ONE }),
          fixtures.activity({ actorId, occurredAt: FAR_FUTURE }),
        ]);
        const items = (await store().activity.listByActor(actorId)).items;
        expect(items.map((item) => item.occurredAt.getTime())).toEqual([
          FAR_FUTURE.getTime(),
          EPOCH_PLUS_ONE.getTime(),
        ]);
      });

      it('keeps migrated records at the epoch itself and in 2099', async () => {
        const id = fixtures.id();
        await store().recordSets.users.putMany([
          {
            id,
            email: fixtures.email(),
            displayName: 'Migrated',
            role: 'learner',
            status: 'active',
            createdAt: EPOCH,
            updatedAt: FAR_FUTURE,
            version: 3,
          },
        ]);
        const stored = await store().users.getById(id);
        expectInstant(stored?.createdAt, EPOCH, 'createdAt at the epoch');
        expectInstant(stored?.updatedAt, FAR_FUTURE, 'updatedAt in 2099');
      });

      it('keeps a publishedAt at the epoch (not mistaken for a missing date)', async () => {
        const id = fixtures.id();
        const authorId = fixtures.id();
        await store().recordSets.contents.putMany([
          {
            id,
            kind: 'article',
            title: 'Old news',
            summary: '',
            authorId,
            tags: [],
            status: 'published',
            publishedAt: EPOCH,
            createdAt: EPOCH,
            updatedAt: EPOCH,
            version: 1,
          },
        ]);
        expectInstant((await store().contents.getById(id))?.publishedAt, EPOCH, 'publishedAt');
        const [listed] = (await store().contents.listPublished({ authorId })).items;
        expectInstant(listed?.publishedAt, EPOCH, 'publishedAt in listPublished');
      });
    });

    describe('days are UTC whatever the process time zone', () => {
      it('counts 2026-06-30T23:30:00Z on 2026-06-30', async () => {
        expect(await dayDeltas(new Date('2026-06-30T23:30:00Z'), 'viewed', ['2026-06-30', '2026-07-01'])).toEqual({
          '2026-06-30': 1,
          '2026-07-01': 0,
        });
      });

      it('counts an instant that is already the next day in Asia on its UTC day', async () => {
        // 00:05 on 1 July in Kathmandu (UTC+05:45).
        expect(await dayDeltas(new Date('2026-06-30T18:20:00Z'), 'joined', ['2026-06-30', '2026-07-01'])).toEqual({
          '2026-06-30': 1,
          '2026-07-01': 0,
        });
      });

      it('starts a UTC day at midnight to the millisecond', async () => {
        const days = ['2026-06-30', '2026-07-01'];
        expect(await dayDeltas(new Date('2026-06-30T23:59:59.999Z'), 'attended', days)).toEqual({
          '2026-06-30': 1,
          '2026-07-01': 0,
        });
        expect(await dayDeltas(new Date('2026-07-01T00:00:00.000Z'), 'attended', days)).toEqual({
          '2026-06-30': 0,
          '2026-07-01': 1,
        });
      });
    });

    describe('ranges are exact to the millisecond', () => {
      it('listByActor includes `from` and excludes `to` at the same millisecond', async () => {
        const event = fixtures.activity({ occurredAt: SPRING_FORWARD });
        await store().activity.append([event]);
        const at = SPRING_FORWARD.getTime();
        const list = async (from?: number, to?: number) =>
          (
            await store().activity.listByActor(event.actorId, {
              from: from === undefined ? undefined : new Date(from),
              to: to === undefined ? undefined : new Date(to),
            })
          ).items.map((item) => item.id);
        expect(await list(at)).toEqual([event.id]);
        expect(await list(at + 1)).toEqual([]);
        expect(await list(undefined, at)).toEqual([]);
        expect(await list(undefined, at + 1)).toEqual([event.id]);
        expect(await list(at, at + 1)).toEqual([event.id]);
        expect(await list(at, at)).toEqual([]);
      });

      it('listByObject applies the same bounds', async () => {
        const event = fixtures.activity({ occurredAt: FALL_BACK });
        await store().activity.append([event]);
        const at = FALL_BACK.getTime();
        const ids = async (from: number, to: number) =>
          (await store().activity.listByObject(event.object, { from: new Date(from), to: new Date(to) })).items.map(
            (item) => item.id,
          );
        expect(await ids(at, at + 1)).toEqual([event.id]);
        expect(await ids(at + 1, at + 2)).toEqual([]);
        expect(await ids(at - 1, at)).toEqual([]);
      });

      it('listUpcoming includes an event starting exactly at `from` and not one a millisecond earlier', async () => {
        const community = await fixtures.community();
        const startsAt = new Date('2026-12-24T17:00:00.007Z');
        const event = await fixtures.event({
          communityId: community.id,
          startsAt,
          endsAt: new Date(startsAt.getTime() + HOUR),
        });
        const ids = async (from: number) =>
          (await store().events.listUpcoming({ from: new Date(from), communityId: community.id })).items.map(
            (item) => item.id,
          );
        expect(await ids(startsAt.getTime())).toEqual([event.id]);
        expect(await ids(startsAt.getTime() + 1)).toEqual([]);
      });
    });

    describe('stores keep their own Dates', () => {
      it('ignores changes to a Date after it was passed in', async () => {
        const startsAt = new Date('2026-12-01T10:00:00.500Z');
        const event = await fixtures.event({ startsAt, endsAt: new Date('2026-12-01T11:00:00.500Z') });
        startsAt.setTime(0);
        expectInstant(
          (await store().events.getById(event.id))?.startsAt,
          new Date('2026-12-01T10:00:00.500Z'),
          'startsAt',
        );
        const occurredAt = new Date('2026-12-02T10:00:00.500Z');
        const activity = fixtures.activity({ occurredAt });
        await store().activity.append([activity]);
        occurredAt.setTime(0);
        const [stored] = (await store().activity.listByActor(activity.actorId)).items;
        expectInstant(stored?.occurredAt, new Date('2026-12-02T10:00:00.500Z'), 'occurredAt');
      });

      it('ignores changes to a returned Date', async () => {
        const event = await fixtures.event();
        const startsAt = event.startsAt.getTime();
        event.startsAt.setTime(0);
        const read = await store().events.getById(event.id);
        expect(read?.startsAt.getTime()).toBe(startsAt);
        read?.endsAt.setTime(0);
        expect((await store().events.getById(event.id))?.endsAt.getTime()).toBe(startsAt + 2 * HOUR);
      });
    });
  });
}
