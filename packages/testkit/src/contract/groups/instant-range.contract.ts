import { recordKeys, recordSetNames, type CohortStore, type Page, type RecordSetName } from '@cohort/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ContractContext } from '../contract-context.js';
import { collectAll } from './collect-pages.js';
import { expectValidation } from './validation.contract.js';

/** The first and last instants every store and every day key hold (DESIGN §2): four-digit years only. */
const FIRST = new Date('0001-01-01T00:00:00.000Z');
const LAST = new Date('9999-12-31T23:59:59.999Z');
/** One millisecond outside the range on either side. */
const BEFORE_FIRST = new Date(FIRST.getTime() - 1);
const AFTER_LAST = new Date(LAST.getTime() + 1);
/** What issue #15 found stored: instants whose ISO form has a signed six-digit year, and the edge of Date itself. */
const FAR_OUTSIDE = [
  new Date(-8.64e15),
  new Date(Date.UTC(-5000, 0, 1)),
  new Date(Date.UTC(10000, 0, 1)),
  new Date(8.64e15),
];
const HOUR = 3_600_000;

const outside = [
  { name: 'one millisecond before 0001-01-01', at: BEFORE_FIRST },
  { name: 'one millisecond after 9999-12-31T23:59:59.999Z', at: AFTER_LAST },
  ...FAR_OUTSIDE.map((at) => ({ name: `at ${at.getTime()} ms`, at })),
];

/** A record of a set seen without its type, so one test can change its dates generically. */
type Loose = Record<string, unknown>;

const scanAll = (store: CohortStore, name: RecordSetName): Promise<Loose[]> =>
  collectAll((cursor) =>
    (store.recordSets[name] as unknown as { scan(page: unknown): Promise<Page<Loose>> }).scan({ cursor, limit: 100 }),
  );

const putMany = (store: CohortStore, name: RecordSetName, records: readonly Loose[]): Promise<void> =>
  (store.recordSets[name] as { putMany(records: readonly Loose[]): Promise<void> }).putMany(records);

/** The fields of `record` that hold an instant (the samples are published and completed, so none is null). */
const dateFields = (record: Loose): string[] => Object.keys(record).filter((key) => record[key] instanceof Date);

/** `record` with every instant moved to `at` (an event keeps one hour between start and end, inside the range). */
function allAt(record: Loose, at: Date): Loose {
  const copy: Loose = { ...record };
  for (const field of dateFields(record)) copy[field] = at;
  if ('startsAt' in record && 'endsAt' in record) {
    const start = at.getTime() === LAST.getTime() ? LAST.getTime() - HOUR : at.getTime();
    copy['startsAt'] = new Date(start);
    copy['endsAt'] = new Date(start + HOUR);
  }
  return copy;
}

/**
 * DESIGN §2: instants lie between 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z, which both stores and
 * every day key hold. Both edges are accepted and round-trip on every port that takes a time; one millisecond
 * beyond either edge is VALIDATION before any write.
 */
export function instantRangeContract(context: ContractContext): void {
  const { fixtures } = context;
  let store: CohortStore;
  const s = (): CohortStore => store;

  describe('instant range', () => {
    beforeAll(async () => {
      // A store of its own: it appends on 0001-01-01 and 9999-12-31 and purges before the last instant.
      store = await context.isolatedStore();
    }, 120_000);

    describe('ActivityLog.append', () => {
      it('stores events at both edges, lists them newest first and counts them on 0001-01-01 and 9999-12-31', async () => {
        const actorId = fixtures.id();
        const first = fixtures.activity({ actorId, verb: 'signed_in', occurredAt: FIRST });
        const last = fixtures.activity({ actorId, verb: 'signed_in', occurredAt: LAST });
        expect(await s().activity.append([first, last])).toEqual({ appended: 2, duplicates: 0 });
        const listed = (await s().activity.listByActor(actorId)).items;
        expect(listed.map((event) => event.occurredAt.getTime())).toEqual([LAST.getTime(), FIRST.getTime()]);
        const byObject = (await s().activity.listByObject(last.object)).items;
        expect(byObject.map((event) => event.occurredAt.getTime())).toEqual([LAST.getTime()]);
        expect(await s().activity.dailyCounts({ from: '0001-01-01', to: '0001-01-01', verb: 'signed_in' })).toEqual([
          { day: '0001-01-01', verb: 'signed_in', count: 1 },
        ]);
        expect(await s().activity.dailyCounts({ from: '9999-12-31', to: '9999-12-31', verb: 'signed_in' })).toEqual([
          { day: '9999-12-31', verb: 'signed_in', count: 1 },
        ]);
        // The counters stay readable through the migration face (a six-digit day key once broke this scan).
        const counters = await scanAll(s(), 'activityCounts');
        expect(counters).toEqual(
          expect.arrayContaining([
            { day: '0001-01-01', verb: 'signed_in', count: 1 },
            { day: '9999-12-31', verb: 'signed_in', count: 1 },
          ]),
        );
        expect((await scanAll(s(), 'activity')).map((event) => event['id'])).toEqual(
          expect.arrayContaining([first.id, last.id]),
        );
      });

      it.each(outside)('rejects an occurredAt $name with VALIDATION and appends nothing', async ({ at }) => {
        const event = fixtures.activity({ occurredAt: at });
        const good = fixtures.activity({ actorId: event.actorId });
        await expectValidation(s().activity.append([good, event]), { path: [1, 'occurredAt'] });
        expect((await s().activity.listByActor(event.actorId)).items).toEqual([]);
      });
    });

    describe('ActivityLog reads', () => {
      const actorId = '0190a0b0-0000-7000-8000-0000000000a1';
      const object = { type: 'post', id: 'instant-range' } as const;

      it('listByActor and listByObject take ranges from the first to the last instant', async () => {
        for (const range of [{ from: FIRST }, { to: LAST }, { from: FIRST, to: LAST }, { from: LAST }, { to: FIRST }]) {
          expect((await s().activity.listByActor(actorId, range)).items).toEqual([]);
          expect((await s().activity.listByObject(object, range)).items).toEqual([]);
        }
      });

      it.each(outside)('rejects a range bound $name with VALIDATION', async ({ at }) => {
        await expectValidation(s().activity.listByActor(actorId, { from: at }), 'from');
        await expectValidation(s().activity.listByActor(actorId, { to: at }), 'to');
        await expectValidation(s().activity.listByObject(object, { from: at }), 'from');
        await expectValidation(s().activity.listByObject(object, { to: at }), 'to');
      });

      it('dailyCounts takes the days 0001-01-01 and 9999-12-31', async () => {
        expect(await s().activity.dailyCounts({ from: '0001-01-01', to: '0001-01-01', verb: 'reacted' })).toEqual([]);
        expect(await s().activity.dailyCounts({ from: '9999-01-01', to: '9999-12-31', verb: 'reacted' })).toEqual([]);
      });

      it.each(['0000-12-31', '0000-01-01', '10000-01-01', '+010000-01-01', '-000001-12-31'])(
        'rejects the day %s in dailyCounts with VALIDATION',
        async (day) => {
          await expectValidation(s().activity.dailyCounts({ from: day, to: day }), ['from', 'to']);
        },
      );
    });

    describe('ActivityLog.purgeBefore', () => {
      it.each(outside)('rejects a cut-off $name with VALIDATION and deletes nothing', async ({ at }) => {
        const event = fixtures.activity({ occurredAt: new Date('2026-01-15T00:00:00.000Z') });
        await s().activity.append([event]);
        await expectValidation(s().activity.purgeBefore(at), null);
        expect((await s().activity.listByActor(event.actorId)).items).toHaveLength(1);
      });

      it('purges before the first instant (nothing) and before the last one (all but the last millisecond)', async () => {
        const actorId = fixtures.id();
        const first = fixtures.activity({ actorId, occurredAt: FIRST });
        const last = fixtures.activity({ actorId, occurredAt: LAST });
        await s().activity.append([first, last]);
        await s().activity.purgeBefore(FIRST);
        expect((await s().activity.listByActor(actorId)).items).toHaveLength(2);
        await s().activity.purgeBefore(LAST);
        expect((await s().activity.listByActor(actorId)).items.map((event) => event.id)).toEqual([last.id]);
      });
    });

    describe('EventRepository', () => {
      const create = (startsAt: Date, endsAt: Date, communityId?: string) =>
        s().events.create({ title: 'Edge', hostId: fixtures.id(), startsAt, endsAt, capacity: 3, communityId });

      it('creates events at both edges and lists them upcoming from either edge', async () => {
        const community = await fixtures.community();
        const early = await create(FIRST, new Date(FIRST.getTime() + HOUR), community.id);
        const late = await create(new Date(LAST.getTime() - HOUR), LAST, community.id);
        expect((await s().events.getById(early.id))?.startsAt.getTime()).toBe(FIRST.getTime());
        expect((await s().events.getById(late.id))?.endsAt.getTime()).toBe(LAST.getTime());
        const fromFirst = await s().events.listUpcoming({ from: FIRST, communityId: community.id });
        expect(fromFirst.items.map((event) => event.id)).toEqual([early.id, late.id]);
        const fromLast = await s().events.listUpcoming({ from: LAST, communityId: community.id });
        expect(fromLast.items).toEqual([]);
      });

      it.each(outside)('rejects a startsAt or endsAt $name with VALIDATION and stores nothing', async ({ at }) => {
        const community = await fixtures.community();
        const inside = at.getTime() < FIRST.getTime() ? FIRST : LAST;
        const [startsAt, endsAt] = at.getTime() < FIRST.getTime() ? [at, inside] : [inside, at];
        await expectValidation(create(startsAt, endsAt, community.id), at === startsAt ? 'startsAt' : 'endsAt');
        expect((await s().events.listUpcoming({ from: FIRST, communityId: community.id })).items).toEqual([]);
      });

      it.each(outside)('rejects a patch moving an event to $name with VALIDATION', async ({ at }) => {
        const event = await create(new Date('2026-05-01T10:00:00.000Z'), new Date('2026-05-01T11:00:00.000Z'));
        const patch = at.getTime() < FIRST.getTime() ? { startsAt: at } : { endsAt: at };
        await expectValidation(s().events.update(event.id, patch, event.version), Object.keys(patch));
        expect(await s().events.getById(event.id)).toEqual(event);
      });

      it.each(outside)('rejects listUpcoming from $name with VALIDATION', async ({ at }) => {
        await expectValidation(s().events.listUpcoming({ from: at }), 'from');
      });
    });

    describe('RecordSets.putMany', () => {
      /** One stored record of every record set, made through the ports on this group's store. */
      let samples: Record<RecordSetName, Loose>;

      beforeAll(async () => {
        const content = await s().contents.create({ kind: 'course', title: 'Edge', authorId: fixtures.id() });
        await s().contents.update(content.id, { status: 'published' }, content.version);
        const userId = (await s().users.create({ email: fixtures.email(), displayName: 'Edge' })).id;
        await s().enrollments.enroll(userId, content.id);
        await s().enrollments.recordProgress(userId, content.id, 100);
        const event = await s().events.create({
          title: 'Edge',
          hostId: userId,
          startsAt: new Date('2026-05-01T10:00:00.000Z'),
          endsAt: new Date('2026-05-01T11:00:00.000Z'),
          capacity: 3,
        });
        await s().events.register(event.id, userId);
        const community = await s().communities.create({ slug: fixtures.slug(), name: 'Edge', ownerId: userId });
        const post = await s().posts.create({ communityId: community.id, authorId: userId, body: 'Edge' });
        await s().posts.addComment(post.id, { authorId: userId, body: 'Edge' });
        await s().posts.react(post.id, userId, 'like');
        samples = {} as Record<RecordSetName, Loose>;
        for (const name of recordSetNames) {
          const [record] = await scanAll(s(), name);
          if (!record) throw new Error(`no ${name} record to start from`);
          samples[name] = record;
        }
      }, 120_000);

      const timed = recordSetNames.filter((name) => name !== 'activityCounts');

      it.each(timed)('%s keeps records whose instants are all at the first or the last instant', async (name) => {
        const key = recordKeys[name] as (record: Loose) => string;
        for (const edge of [FIRST, LAST]) {
          const record = allAt(samples[name], edge);
          await putMany(s(), name, [record]);
          const stored = (await scanAll(s(), name)).find((candidate) => key(candidate) === key(record));
          expect(stored, `${name} at ${edge.toISOString()}`).toEqual(record);
        }
      });

      it.each(timed)('%s rejects an instant one millisecond outside the range, field by field', async (name) => {
        const key = recordKeys[name] as (record: Loose) => string;
        const before = await scanAll(s(), name);
        for (const field of dateFields(samples[name])) {
          for (const at of [BEFORE_FIRST, AFTER_LAST, ...FAR_OUTSIDE]) {
            const record = { ...allAt(samples[name], at.getTime() < FIRST.getTime() ? FIRST : LAST), [field]: at };
            await expectValidation(putMany(s(), name, [record]), { path: [0, field] });
          }
        }
        const after = await scanAll(s(), name);
        expect(after.map(key).sort()).toEqual(before.map(key).sort());
        expect(after).toEqual(expect.arrayContaining(before));
      });

      it('activityCounts keeps counters of 0001-01-01 and 9999-12-31 and rejects the days beyond', async () => {
        const counters = [
          { day: '0001-01-01', verb: 'left', count: 4 },
          { day: '9999-12-31', verb: 'left', count: 5 },
        ];
        await putMany(s(), 'activityCounts', counters);
        expect(await s().activity.dailyCounts({ from: '0001-01-01', to: '0001-01-01', verb: 'left' })).toEqual([
          counters[0],
        ]);
        expect(await s().activity.dailyCounts({ from: '9999-12-31', to: '9999-12-31', verb: 'left' })).toEqual([
          counters[1],
        ]);
        for (const day of ['0000-12-31', '10000-01-01', '+010000-01-01']) {
          await expectValidation(putMany(s(), 'activityCounts', [{ day, verb: 'joined', count: 1 }]), {
            path: [0, 'day'],
          });
        }
        expect((await scanAll(s(), 'activityCounts')).filter((count) => count['verb'] === 'joined')).toEqual([]);
      });
    });
  });
}
