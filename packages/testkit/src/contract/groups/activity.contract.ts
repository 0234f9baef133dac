import type {
  ActivityEvent,
  ActivityLog,
  ActivityObject,
  ActivityRange,
  ActivityVerb,
  CohortStore,
  DailyCount,
  NewActivityEvent,
} from '@cohort/core';
import { describe, expect, it } from 'vitest';
import type { ContractContext } from '../contract-context.js';
import { expectCohortError } from '../expect-cohort-error.js';
import { collectAll } from './collect-pages.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Code-unit order, the order every store must agree on (no locale collation). */
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The documented list order: newest `occurredAt` first, ties by id descending. */
const newestFirst = (a: ActivityEvent, b: ActivityEvent): number =>
  b.occurredAt.getTime() - a.occurredAt.getTime() || byCodeUnit(b.id, a.id);

/** What `dailyCounts` must return for these events: counted per UTC day and verb, ordered by day then verb. */
function countByDay(events: readonly NewActivityEvent[]): DailyCount[] {
  const counts = new Map<string, DailyCount>();
  for (const event of events) {
    const day = (event.occurredAt as Date).toISOString().slice(0, 10);
    const key = `${day}|${event.verb}`;
    counts.set(key, { day, verb: event.verb, count: (counts.get(key)?.count ?? 0) + 1 });
  }
  return [...counts.values()].sort((a, b) => byCodeUnit(a.day, b.day) || byCodeUnit(a.verb, b.verb));
}

const dayText = (at: number): string => new Date(at).toISOString().slice(0, 10);

/** Shuffles a copy, so stores cannot pass by keeping insertion order. */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/**
 * Daily counters are global to a store and verbs are a fixed list, so exact-count tests use UTC days nobody else
 * touches: days of a random far-off year (2200–2899), handed out without repeats for this run.
 */
function dayAllocator(): (count: number) => number[] {
  const start = Date.UTC(2200 + Math.floor(Math.random() * 700), 0, 1);
  let next = 0;
  return (count) => {
    const first = start + next * DAY;
    next += count + 1; // leave a gap, so neighbouring tests never share a day
    return Array.from({ length: count }, (_, i) => first + i * DAY);
  };
}

export function activityContract(context: ContractContext): void {
  const { fixtures, clock } = context;
  const activity = (): ActivityLog => context.store().activity;
  const freshDays = dayAllocator();

  const byActor = (actorId: string, range?: ActivityRange, log: ActivityLog = activity()): Promise<ActivityEvent[]> =>
    collectAll((cursor) => log.listByActor(actorId, range, { cursor, limit: 100 }));
  const byObject = (
    object: ActivityObject,
    range?: ActivityRange,
    log: ActivityLog = activity(),
  ): Promise<ActivityEvent[]> => collectAll((cursor) => log.listByObject(object, range, { cursor, limit: 100 }));

  /** The stored form of an event given with every field: metadata defaults to `{}`. */
  const stored = (event: NewActivityEvent): ActivityEvent => ({ metadata: {}, ...event }) as ActivityEvent;

  describe('ActivityLog.append', () => {
    it('stores new events and reports how many it appended', async () => {
      const actorId = fixtures.id();
      const [day] = freshDays(1) as [number];
      const events = [0, 1, 2].map((i) =>
        fixtures.activity({ actorId, verb: 'viewed', occurredAt: new Date(day + i * MINUTE) }),
      );
      expect(await activity().append(events)).toEqual({ appended: 3, duplicates: 0 });
      expect(await byActor(actorId)).toEqual(events.map(stored).sort(newestFirst));
    });

    it('fills in the id and occurredAt from the clock when they are omitted', async () => {
      clock.freeze(new Date(Date.UTC(2031, 4, 6, 7, 8, 9, 123)));
      const actorId = fixtures.id();
      const object: ActivityObject = { type: 'community', id: fixtures.id() };
      expect(await activity().append([{ actorId, verb: 'joined', object }])).toEqual({ appended: 1, duplicates: 0 });
      const [event, ...rest] = await byActor(actorId);
      expect(rest).toEqual([]);
      expect(event).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/) as string,
        actorId,
        verb: 'joined',
        object,
        occurredAt: clock.now(),
        metadata: {},
      });
    });

    it('accepts an empty batch', async () => {
      expect(await activity().append([])).toEqual({ appended: 0, duplicates: 0 });
    });

    it('is idempotent by id: a repeated batch appends nothing and counts nothing twice', async () => {
      const actorId = fixtures.id();
      const [day] = freshDays(1) as [number];
      const verbs: ActivityVerb[] = ['viewed', 'viewed', 'enrolled', 'completed'];
      const events = verbs.map((verb, i) =>
        fixtures.activity({ actorId, verb, occurredAt: new Date(day + i * MINUTE) }),
      );
      expect(await activity().append(events)).toEqual({ appended: 4, duplicates: 0 });
      expect(await activity().append(events)).toEqual({ appended: 0, duplicates: 4 });
      expect(await byActor(actorId)).toEqual(events.map(stored).sort(newestFirst));
      expect(await activity().dailyCounts({ from: dayText(day), to: dayText(day) })).toEqual([
        { day: dayText(day), verb: 'completed', count: 1 },
        { day: dayText(day), verb: 'enrolled', count: 1 },
        { day: dayText(day), verb: 'viewed', count: 2 },
      ]);
    });

    it('skips an id it already holds even when the rest of the event differs', async () => {
      const [day] = freshDays(1) as [number];
      const original = fixtures.activity({ occurredAt: new Date(day), metadata: { attempt: 1 } });
      await activity().append([original]);
      const retry = { ...original, verb: 'completed' as const, metadata: { attempt: 2 } };
      expect(await activity().append([retry])).toEqual({ appended: 0, duplicates: 1 });
      expect(await byActor(original.actorId)).toEqual([stored(original)]);
      expect(await activity().dailyCounts({ from: dayText(day), to: dayText(day) })).toEqual([
        { day: dayText(day), verb: 'viewed', count: 1 },
      ]);
    });

    it('stores the first of several events sharing an id within one batch, once', async () => {
      const actorId = fixtures.id();
      const [day] = freshDays(1) as [number];
      const first = fixtures.activity({ actorId, verb: 'viewed', occurredAt: new Date(day) });
      const sameId = { ...first, verb: 'attended' as const, occurredAt: new Date(day + MINUTE) };
      const other = fixtures.activity({ actorId, verb: 'posted', occurredAt: new Date(day + 2 * MINUTE) });
      expect(await activity().append([first, sameId, other, other])).toEqual({ appended: 2, duplicates: 2 });
      expect(await byActor(actorId)).toEqual([stored(other), stored(first)]);
      expect(await activity().dailyCounts({ from: dayText(day), to: dayText(day) })).toEqual([
        { day: dayText(day), verb: 'posted', count: 1 },
        { day: dayText(day), verb: 'viewed', count: 1 },
      ]);
    });

    it('appends the new events of a batch that mixes new and stored ids', async () => {
      const actorId = fixtures.id();
      const [day] = freshDays(1) as [number];
      const [a, b, c, d] = [0, 1, 2, 3].map((i) =>
        fixtures.activity({ actorId, occurredAt: new Date(day + i * MINUTE) }),
      ) as [NewActivityEvent, NewActivityEvent, NewActivityEvent, NewActivityEvent];
      await activity().append([a, b]);
      expect(await activity().append([b, c, a, d])).toEqual({ appended: 2, duplicates: 2 });
      expect(await byActor(actorId)).toEqual([d, c, b, a].map(stored));
      expect(await activity().dailyCounts({ from: dayText(day), to: dayText(day), verb: 'viewed' })).toEqual([
        { day: dayText(day), verb: 'viewed', count: 4 },
      ]);
    });

    it('accepts a batch of 1,000 events', async () => {
      const actorId = fixtures.id();
      const [day] = freshDays(1) as [number];
      const events = Array.from({ length: 1000 }, (_, i) =>
        fixtures.activity({ actorId, verb: 'signed_in', occurredAt: new Date(day + i * 1000) }),
      );
      expect(await activity().append(events)).toEqual({ appended: 1000, duplicates: 0 });
      const listed = await byActor(actorId);
      expect(listed).toHaveLength(1000);
      expect(new Set(listed.map((event) => event.id)).size).toBe(1000);
      expect(await activity().dailyCounts({ from: dayText(day), to: dayText(day) })).toEqual([
        { day: dayText(day), verb: 'signed_in', count: 1000 },
      ]);
    });

    it('rejects a batch of 1,001 events with VALIDATION and stores none of them', async () => {
      const actorId = fixtures.id();
      const [day] = freshDays(1) as [number];
      const events = Array.from({ length: 1001 }, (_, i) =>
        fixtures.activity({ actorId, verb: 'signed_in', occurredAt: new Date(day + i * 1000) }),
      );
      await expectCohortError(activity().append(events), 'VALIDATION');
      expect(await byActor(actorId)).toEqual([]);
      expect(await activity().dailyCounts({ from: dayText(day), to: dayText(day) })).toEqual([]);
    });

    it('rejects the whole batch with VALIDATION when one event is invalid', async () => {
      const actorId = fixtures.id();
      const [day] = freshDays(1) as [number];
      const good = fixtures.activity({ actorId, occurredAt: new Date(day) });
      const bad = { ...fixtures.activity({ actorId, occurredAt: new Date(day) }), verb: 'teleported' } as unknown;
      await expectCohortError(activity().append([good, bad as NewActivityEvent]), 'VALIDATION');
      expect(await byActor(actorId)).toEqual([]);
      expect(await activity().dailyCounts({ from: dayText(day), to: dayText(day) })).toEqual([]);
    });

    it('round-trips metadata of strings, numbers and booleans', async () => {
      const metadata = {
        source: 'mobile',
        empty: '',
        unicode: 'héllo wörld 🙂',
        count: 42,
        zero: 0,
        negative: -1.5,
        fraction: 0.1,
        large: 9_007_199_254_740_991,
        yes: true,
        no: false,
        'dotted.key_with-dash': 'ok',
      };
      const event = fixtures.activity({ metadata });
      await activity().append([event]);
      const [listed] = await byActor(event.actorId);
      expect(listed?.metadata).toEqual(metadata);
      expect(listed?.metadata).toStrictEqual(metadata);
    });

    it('accepts metadata of exactly 2,048 bytes as JSON', async () => {
      const metadata = { k: 'x'.repeat(2040) }; // {"k":"…"} is 8 bytes of JSON around the value
      expect(new TextEncoder().encode(JSON.stringify(metadata)).length).toBe(2048);
      const event = fixtures.activity({ metadata });
      expect(await activity().append([event])).toEqual({ appended: 1, duplicates: 0 });
      expect((await byActor(event.actorId))[0]?.metadata).toEqual(metadata);
    });

    it('rejects metadata over 2 KB (measured in UTF-8 bytes) with VALIDATION', async () => {
      const actorId = fixtures.id();
      const tooLong = fixtures.activity({ actorId, metadata: { k: 'x'.repeat(2041) } });
      await expectCohortError(activity().append([tooLong]), 'VALIDATION');
      // 1,021 characters, but 2,042 bytes of UTF-8 plus 8 of JSON.
      const multiByte = fixtures.activity({ actorId, metadata: { k: 'é'.repeat(1021) } });
      await expectCohortError(activity().append([multiByte]), 'VALIDATION');
      const manyKeys = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`key${i}`, i]));
      await expectCohortError(activity().append([fixtures.activity({ actorId, metadata: manyKeys })]), 'VALIDATION');
      expect(await byActor(actorId)).toEqual([]);
    });

    it('rejects metadata that is not a flat map of strings, numbers and booleans', async () => {
      const actorId = fixtures.id();
      const nested = { nested: { a: 1 } } as unknown as Record<string, string>;
      const list = { list: [1, 2] } as unknown as Record<string, string>;
      const empty = { nothing: null } as unknown as Record<string, string>;
      for (const metadata of [nested, list, empty]) {
        await expectCohortError(activity().append([fixtures.activity({ actorId, metadata })]), 'VALIDATION');
      }
      expect(await byActor(actorId)).toEqual([]);
    });
  });

  describe('ActivityLog.listByActor', () => {
    it("lists the actor's events newest first, ties by id descending, and no one else's", async () => {
      const actorId = fixtures.id();
      const base = Date.UTC(2030, 0, 1, 12);
      const offsets = [0, MINUTE, MINUTE, MINUTE, 2 * MINUTE, 3 * MINUTE, 3 * MINUTE];
      const mine = offsets.map((offset) => fixtures.activity({ actorId, occurredAt: new Date(base + offset) }));
      const others = offsets.map((offset) =>
        fixtures.activity({ object: mine[0]?.object, occurredAt: new Date(base + offset) }),
      );
      await activity().append(shuffled([...mine, ...others]));
      expect(await byActor(actorId)).toEqual(mine.map(stored).sort(newestFirst));
    });

    it('includes `from` and excludes `to`', async () => {
      const actorId = fixtures.id();
      const base = Date.UTC(2030, 1, 1, 12);
      const events = [0, 1, 2, 3, 4].map((i) =>
        fixtures.activity({ actorId, occurredAt: new Date(base + i * MINUTE) }),
      );
      await activity().append(events);
      const at = (i: number) => new Date(base + i * MINUTE);
      expect(await byActor(actorId, { from: at(1), to: at(3) })).toEqual([events[2], events[1]].map((e) => stored(e!)));
      // One millisecond either side moves the boundaries.
      expect(
        await byActor(actorId, { from: new Date(base + MINUTE + 1), to: new Date(base + 3 * MINUTE + 1) }),
      ).toEqual([events[3], events[2]].map((e) => stored(e!)));
      expect(await byActor(actorId, { from: at(2), to: at(2) })).toEqual([]);
    });

    it('leaves either end of the range open when it is not given', async () => {
      const actorId = fixtures.id();
      const base = Date.UTC(2030, 2, 1, 12);
      const events = [0, 1, 2, 3, 4].map((i) =>
        fixtures.activity({ actorId, occurredAt: new Date(base + i * MINUTE) }),
      );
      await activity().append(shuffled(events));
      const newest = events.map(stored).reverse();
      expect(await byActor(actorId, { from: new Date(base + 2 * MINUTE) })).toEqual(newest.slice(0, 3));
      expect(await byActor(actorId, { to: new Date(base + 2 * MINUTE) })).toEqual(newest.slice(3));
      expect(await byActor(actorId, {})).toEqual(newest);
      expect(await byActor(actorId)).toEqual(newest);
    });

    it('returns an empty last page for an actor without events', async () => {
      expect(await activity().listByActor(fixtures.id())).toEqual({ items: [], nextCursor: null });
    });

    it('rejects a range whose `from` is after `to` with VALIDATION', async () => {
      const actorId = fixtures.id();
      await expectCohortError(
        activity().listByActor(actorId, { from: new Date(Date.UTC(2030, 0, 2)), to: new Date(Date.UTC(2030, 0, 1)) }),
        'VALIDATION',
      );
      await expectCohortError(activity().listByActor(actorId, { from: new Date(Number.NaN) }), 'VALIDATION');
    });

    it('rejects a malformed actor id with VALIDATION', async () => {
      await expectCohortError(activity().listByActor('not-a-uuid'), 'VALIDATION');
    });
  });

  describe('ActivityLog.listByObject', () => {
    it('lists the events about one object newest first, ties by id descending', async () => {
      const object: ActivityObject = { type: 'post', id: fixtures.id() };
      const base = Date.UTC(2030, 3, 1, 12);
      const offsets = [0, 0, MINUTE, 2 * MINUTE, 2 * MINUTE, 2 * MINUTE];
      const about = offsets.map((offset) =>
        fixtures.activity({ object, verb: 'reacted', occurredAt: new Date(base + offset) }),
      );
      const sameIdOtherType = fixtures.activity({
        object: { type: 'comment', id: object.id },
        occurredAt: new Date(base),
      });
      const otherObject = fixtures.activity({
        actorId: about[0]?.actorId,
        object: { type: 'post', id: fixtures.id() },
        occurredAt: new Date(base),
      });
      await activity().append(shuffled([...about, sameIdOtherType, otherObject]));
      expect(await byObject(object)).toEqual(about.map(stored).sort(newestFirst));
    });

    it('matches object ids that are not UUIDs exactly', async () => {
      const id = `external:${fixtures.unique()}/Item 7`;
      const event = fixtures.activity({ object: { type: 'content', id } });
      const lookalike = fixtures.activity({ object: { type: 'content', id: id.toLowerCase() } });
      await activity().append([event, lookalike]);
      expect(await byObject({ type: 'content', id })).toEqual([stored(event)]);
    });

    it('applies the time range: `from` inclusive, `to` exclusive, either open', async () => {
      const object: ActivityObject = { type: 'event', id: fixtures.id() };
      const base = Date.UTC(2030, 4, 1, 12);
      const events = [0, 1, 2, 3].map((i) => fixtures.activity({ object, occurredAt: new Date(base + i * MINUTE) }));
      await activity().append(events);
      const at = (i: number) => new Date(base + i * MINUTE);
      const newest = events.map(stored).reverse();
      expect(await byObject(object, { from: at(1), to: at(3) })).toEqual(newest.slice(1, 3));
      expect(await byObject(object, { from: at(2) })).toEqual(newest.slice(0, 2));
      expect(await byObject(object, { to: at(1) })).toEqual(newest.slice(3));
    });

    it('returns an empty last page for an object without events', async () => {
      expect(await activity().listByObject({ type: 'community', id: fixtures.id() })).toEqual({
        items: [],
        nextCursor: null,
      });
    });

    it('rejects a malformed object with VALIDATION', async () => {
      const planet = { type: 'planet', id: fixtures.id() } as unknown as ActivityObject;
      await expectCohortError(activity().listByObject(planet), 'VALIDATION');
      await expectCohortError(activity().listByObject({ type: 'post', id: '' }), 'VALIDATION');
    });
  });

  describe('ActivityLog.dailyCounts', () => {
    /** Events over three consecutive fresh UTC days, with events on both sides of each midnight. */
    async function appendThreeDays(): Promise<{ days: number[]; events: NewActivityEvent[] }> {
      const days = freshDays(3);
      const [d1, d2, d3] = days as [number, number, number];
      const plan: [number, ActivityVerb][] = [
        [d1, 'viewed'],
        [d1 + 1, 'viewed'],
        [d1 + 5 * MINUTE, 'enrolled'],
        [d2 - 1, 'completed'], // 23:59:59.999 of day 1
        [d2, 'completed'], // 00:00:00.000 of day 2
        [d2 + 3 * 3_600_000, 'viewed'],
        [d2 + 4 * 3_600_000, 'signed_in'],
        [d2 + 5 * 3_600_000, 'signed_up'],
        [d3 - 1, 'viewed'],
        [d3 + DAY - 1, 'posted'], // the last millisecond of day 3
      ];
      const events = plan.map(([at, verb]) => fixtures.activity({ verb, occurredAt: new Date(at) }));
      expect(await activity().append(shuffled(events).slice(0, 6))).toEqual({ appended: 6, duplicates: 0 });
      // The rest, plus six duplicates that must not count twice.
      expect(await activity().append(events)).toEqual({ appended: 4, duplicates: 6 });
      return { days, events };
    }

    it('equals the appended events counted per UTC day and verb, ordered by day then verb', async () => {
      const { days, events } = await appendThreeDays();
      const counts = await activity().dailyCounts({ from: dayText(days[0]!), to: dayText(days[2]!) });
      expect(counts).toEqual(countByDay(events));
      expect(counts).toHaveLength(8);
    });

    it('keeps only one verb when a verb is given', async () => {
      const { days, events } = await appendThreeDays();
      const viewed = await activity().dailyCounts({ from: dayText(days[0]!), to: dayText(days[2]!), verb: 'viewed' });
      expect(viewed).toEqual(countByDay(events.filter((event) => event.verb === 'viewed')));
      expect(viewed).toEqual([
        { day: dayText(days[0]!), verb: 'viewed', count: 2 },
        { day: dayText(days[1]!), verb: 'viewed', count: 2 },
      ]);
    });

    it('includes both the `from` and the `to` day and nothing outside them', async () => {
      const { days, events } = await appendThreeDays();
      const [d1, d2, d3] = days.map(dayText) as [string, string, string];
      expect(await activity().dailyCounts({ from: d2, to: d2 })).toEqual(
        countByDay(events).filter((entry) => entry.day === d2),
      );
      expect(await activity().dailyCounts({ from: d2, to: d3 })).toEqual(
        countByDay(events).filter((entry) => entry.day !== d1),
      );
    });

    it('omits days and verbs without events', async () => {
      const [d1, , d3] = freshDays(3) as [number, number, number];
      const events = [
        fixtures.activity({ verb: 'joined', occurredAt: new Date(d1) }),
        fixtures.activity({ verb: 'left', occurredAt: new Date(d3) }),
      ];
      await activity().append(events);
      expect(await activity().dailyCounts({ from: dayText(d1), to: dayText(d3) })).toEqual([
        { day: dayText(d1), verb: 'joined', count: 1 },
        { day: dayText(d3), verb: 'left', count: 1 },
      ]);
      expect(await activity().dailyCounts({ from: dayText(d1), to: dayText(d3), verb: 'posted' })).toEqual([]);
    });

    it('accepts a range of 366 days and rejects 367 with VALIDATION', async () => {
      const days = freshDays(366); // the whole range is this test's own
      const first = days[0] as number;
      const last = days[365] as number;
      await activity().append([
        fixtures.activity({ verb: 'attended', occurredAt: new Date(first) }),
        fixtures.activity({ verb: 'attended', occurredAt: new Date(last) }),
      ]);
      expect(await activity().dailyCounts({ from: dayText(first), to: dayText(last) })).toEqual([
        { day: dayText(first), verb: 'attended', count: 1 },
        { day: dayText(last), verb: 'attended', count: 1 },
      ]);
      await expectCohortError(activity().dailyCounts({ from: dayText(first), to: dayText(last + DAY) }), 'VALIDATION');
    });

    it('rejects a `from` after `to` or a malformed day with VALIDATION', async () => {
      await expectCohortError(activity().dailyCounts({ from: '2030-01-02', to: '2030-01-01' }), 'VALIDATION');
      await expectCohortError(activity().dailyCounts({ from: '2030-02-30', to: '2030-03-01' }), 'VALIDATION');
      await expectCohortError(activity().dailyCounts({ from: '2030-1-1', to: '2030-01-02' }), 'VALIDATION');
      const badVerb = { from: '2030-01-01', to: '2030-01-02', verb: 'teleported' } as unknown as {
        from: string;
        to: string;
      };
      await expectCohortError(activity().dailyCounts(badVerb), 'VALIDATION');
    });
  });

  describe('ActivityLog.purgeBefore', () => {
    /** Four events a minute apart for one actor and object, in a store of their own (purging is store-wide). */
    async function seedIsolated(): Promise<{
      store: CohortStore;
      events: NewActivityEvent[];
      at: (i: number) => Date;
    }> {
      const store = await context.isolatedStore();
      const base = Date.UTC(2029, 11, 31, 23, 58); // spans midnight, so two days have counters
      const at = (i: number) => new Date(base + i * MINUTE);
      const actorId = fixtures.id();
      const object: ActivityObject = { type: 'content', id: fixtures.id() };
      const verbs: ActivityVerb[] = ['viewed', 'progressed', 'completed', 'viewed'];
      const events = verbs.map((verb, i) => fixtures.activity({ actorId, object, verb, occurredAt: at(i) }));
      await store.activity.append(shuffled(events));
      return { store, events, at };
    }

    it('deletes the events before the date, keeps the rest and returns how many it deleted', async () => {
      const { store, events, at } = await seedIsolated();
      const { actorId, object } = events[0] as Required<NewActivityEvent>;
      expect(await store.activity.purgeBefore(at(2))).toBe(2);
      const kept = [events[3], events[2]].map((event) => stored(event!));
      expect(await byActor(actorId, undefined, store.activity)).toEqual(kept);
      expect(await byObject(object, undefined, store.activity)).toEqual(kept);
      expect(await store.recordSets.activity.count()).toBe(2);
      expect(await store.activity.purgeBefore(at(2))).toBe(0);
      expect(await store.activity.purgeBefore(at(0))).toBe(0);
    });

    it('leaves the daily counts as they were', async () => {
      const { store, events, at } = await seedIsolated();
      const query = { from: '2029-12-31', to: '2030-01-01' };
      const before = await store.activity.dailyCounts(query);
      expect(before).toEqual(countByDay(events));
      expect(await store.activity.purgeBefore(at(4))).toBe(4);
      expect(await byActor(events[0]!.actorId, undefined, store.activity)).toEqual([]);
      expect(await store.activity.dailyCounts(query)).toEqual(before);
      expect(await store.recordSets.activityCounts.count()).toBe(before.length);
    });

    it('rejects an invalid date with VALIDATION', async () => {
      await expectCohortError(activity().purgeBefore(new Date(Number.NaN)), 'VALIDATION');
      await expectCohortError(activity().purgeBefore('2030-01-01' as unknown as Date), 'VALIDATION');
    });
  });
}
