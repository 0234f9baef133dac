import { recordSetNames, type CohortStore, type Page, type RecordSetName } from '@cohort/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ContractContext } from '../contract-context.js';
import { collectAll } from './collect-pages.js';
import { countRecords, expectValidation, type ValidationField } from './validation.contract.js';

const HOUR = 3_600_000;

type Loose = Record<string, unknown>;

/** Thrown by the hostile values below; a port that lets it out has not translated what the caller's object threw. */
class HostileError extends Error {
  override name = 'HostileError';
}
const boom = (what: string) => (): never => {
  throw new HostileError(`${what} throws`);
};

const TRAPS = [
  'get',
  'set',
  'has',
  'ownKeys',
  'getOwnPropertyDescriptor',
  'getPrototypeOf',
  'defineProperty',
  'deleteProperty',
  'isExtensible',
  'preventExtensions',
  'setPrototypeOf',
  'apply',
  'construct',
] as const;

/** A Proxy of `target` whose every trap throws. */
function throwingProxy(target: object): object {
  return new Proxy(target, Object.fromEntries(TRAPS.map((trap) => [trap, boom(`the ${trap} trap`)])));
}

/** A Proxy that was revoked: every operation on it, even `Array.isArray`, throws a TypeError. */
function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** `value` (an object or array) whose own property `key` is a getter that throws. */
function withThrowingGetter(value: object, key: string | number): object {
  const copy: object = Array.isArray(value) ? [...(value as unknown[])] : { ...value };
  Object.defineProperty(copy, key, { get: boom(`the getter of ${String(key)}`), enumerable: true, configurable: true });
  return copy;
}

/** A genuine Date whose own methods all throw: only its time value is real. */
function dateWithThrowingMethods(at: Date): Date {
  const date = new Date(at.getTime());
  for (const method of ['toISOString', 'toJSON', 'getTime', 'valueOf', 'toString', 'getUTCFullYear', 'getFullYear']) {
    Object.defineProperty(date, method, { value: boom(method), configurable: true });
  }
  Object.defineProperty(date, Symbol.toPrimitive, { value: boom('Symbol.toPrimitive'), configurable: true });
  return date;
}

/** A genuine Date at `at` whose methods report `claimed` instead. */
function lyingDate(at: Date, claimed: Date): Date {
  const date = new Date(at.getTime());
  const iso = claimed.toISOString();
  Object.defineProperties(date, {
    getTime: { value: () => claimed.getTime() },
    valueOf: { value: () => claimed.getTime() },
    toISOString: { value: () => iso },
    toJSON: { value: () => iso },
    getUTCFullYear: { value: () => claimed.getUTCFullYear() },
  });
  return date;
}

/** What a Date slot must refuse: Proxies of Dates (not Dates) and an Invalid Date dressed up as a valid one. */
function hostileDates(valid: Date): { name: string; value: unknown }[] {
  return [
    { name: 'a Proxy of a Date', value: new Proxy(new Date(valid.getTime()), {}) },
    { name: 'a Proxy of a Date whose traps throw', value: throwingProxy(new Date(valid.getTime())) },
    { name: 'an Invalid Date whose methods claim a valid time', value: lyingDate(new Date(Number.NaN), valid) },
  ];
}

/** Where a Date sits among a call's arguments: argument index, then keys into it. */
type Path = readonly (string | number)[];

interface Baseline {
  readonly userId: string;
  readonly email: string;
  readonly contentId: string;
  readonly contentVersion: number;
  readonly eventId: string;
  readonly event: { readonly startsAt: Date; readonly endsAt: Date };
  readonly communityId: string;
  readonly slug: string;
  readonly postId: string;
  readonly actorId: string;
  readonly object: { readonly type: 'content'; readonly id: string };
  readonly records: Readonly<Record<RecordSetName, Record<string, unknown>>>;
}

interface Entry {
  readonly name: string;
  readonly args: (b: Baseline) => unknown[];
  readonly call: (store: CohortStore, args: unknown[]) => Promise<unknown>;
}

// Arguments go through untyped: the point is to hand the ports what their types forbid.
const a = (args: unknown[], index: number): never => args[index] as never;
const entry = (name: string, args: Entry['args'], call: Entry['call']): Entry => ({ name, args, call });

const entries: readonly Entry[] = [
  entry(
    'users.create',
    () => [{ email: 'hostile@example.com', displayName: 'Hostile' }],
    (s, x) => s.users.create(a(x, 0)),
  ),
  entry(
    'users.getById',
    (b) => [b.userId],
    (s, x) => s.users.getById(a(x, 0)),
  ),
  entry(
    'users.findByEmail',
    (b) => [b.email],
    (s, x) => s.users.findByEmail(a(x, 0)),
  ),
  entry(
    'users.update',
    (b) => [b.userId, { displayName: 'Changed' }, 1],
    (s, x) => s.users.update(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'users.list',
    () => [{ limit: 1 }],
    (s, x) => s.users.list(a(x, 0)),
  ),
  entry(
    'contents.create',
    (b) => [{ kind: 'article', title: 'Hostile', authorId: b.userId, tags: ['hostile'] }],
    (s, x) => s.contents.create(a(x, 0)),
  ),
  entry(
    'contents.getById',
    (b) => [b.contentId],
    (s, x) => s.contents.getById(a(x, 0)),
  ),
  entry(
    'contents.update',
    (b) => [b.contentId, { title: 'Changed' }, b.contentVersion],
    (s, x) => s.contents.update(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'contents.listPublished',
    (b) => [{ authorId: b.userId }, { limit: 1 }],
    (s, x) => s.contents.listPublished(a(x, 0), a(x, 1)),
  ),
  entry(
    'enrollments.enroll',
    (b) => [b.actorId, b.contentId],
    (s, x) => s.enrollments.enroll(a(x, 0), a(x, 1)),
  ),
  entry(
    'enrollments.recordProgress',
    (b) => [b.userId, b.contentId, 60],
    (s, x) => s.enrollments.recordProgress(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'enrollments.get',
    (b) => [b.userId, b.contentId],
    (s, x) => s.enrollments.get(a(x, 0), a(x, 1)),
  ),
  entry(
    'enrollments.listByUser',
    (b) => [b.userId, { limit: 1 }],
    (s, x) => s.enrollments.listByUser(a(x, 0), a(x, 1)),
  ),
  entry(
    'enrollments.countsFor',
    (b) => [b.contentId],
    (s, x) => s.enrollments.countsFor(a(x, 0)),
  ),
  entry(
    'events.create',
    (b) => [{ title: 'Hostile', hostId: b.userId, startsAt: b.event.startsAt, endsAt: b.event.endsAt, capacity: 2 }],
    (s, x) => s.events.create(a(x, 0)),
  ),
  entry(
    'events.getById',
    (b) => [b.eventId],
    (s, x) => s.events.getById(a(x, 0)),
  ),
  entry(
    'events.update',
    (b) => [b.eventId, { startsAt: b.event.startsAt, endsAt: b.event.endsAt, title: 'Changed' }, 1],
    (s, x) => s.events.update(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'events.listUpcoming',
    (b) => [{ from: b.event.startsAt, communityId: b.communityId }, { limit: 1 }],
    (s, x) => s.events.listUpcoming(a(x, 0), a(x, 1)),
  ),
  entry(
    'events.register',
    (b) => [b.eventId, b.actorId],
    (s, x) => s.events.register(a(x, 0), a(x, 1)),
  ),
  entry(
    'events.cancelRegistration',
    (b) => [b.eventId, b.userId],
    (s, x) => s.events.cancelRegistration(a(x, 0), a(x, 1)),
  ),
  entry(
    'events.markAttended',
    (b) => [b.eventId, b.userId],
    (s, x) => s.events.markAttended(a(x, 0), a(x, 1)),
  ),
  entry(
    'events.getRegistration',
    (b) => [b.eventId, b.userId],
    (s, x) => s.events.getRegistration(a(x, 0), a(x, 1)),
  ),
  entry(
    'events.listRegistrations',
    (b) => [b.eventId, { status: 'registered' }, { limit: 1 }],
    (s, x) => s.events.listRegistrations(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'communities.create',
    (b) => [{ slug: `${b.slug}-new`, name: 'Hostile', ownerId: b.userId }],
    (s, x) => s.communities.create(a(x, 0)),
  ),
  entry(
    'communities.getById',
    (b) => [b.communityId],
    (s, x) => s.communities.getById(a(x, 0)),
  ),
  entry(
    'communities.getBySlug',
    (b) => [b.slug],
    (s, x) => s.communities.getBySlug(a(x, 0)),
  ),
  entry(
    'communities.update',
    (b) => [b.communityId, { name: 'Changed' }, 1],
    (s, x) => s.communities.update(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'communities.list',
    () => [{ limit: 1 }],
    (s, x) => s.communities.list(a(x, 0)),
  ),
  entry(
    'memberships.join',
    (b) => [b.communityId, b.actorId, 'member'],
    (s, x) => s.memberships.join(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'memberships.leave',
    (b) => [b.communityId, b.userId],
    (s, x) => s.memberships.leave(a(x, 0), a(x, 1)),
  ),
  entry(
    'memberships.get',
    (b) => [b.communityId, b.userId],
    (s, x) => s.memberships.get(a(x, 0), a(x, 1)),
  ),
  entry(
    'memberships.setRole',
    (b) => [b.communityId, b.userId, 'moderator'],
    (s, x) => s.memberships.setRole(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'memberships.listMembers',
    (b) => [b.communityId, { limit: 1 }],
    (s, x) => s.memberships.listMembers(a(x, 0), a(x, 1)),
  ),
  entry(
    'memberships.listByUser',
    (b) => [b.userId, { limit: 1 }],
    (s, x) => s.memberships.listByUser(a(x, 0), a(x, 1)),
  ),
  entry(
    'posts.create',
    (b) => [{ communityId: b.communityId, authorId: b.userId, body: 'Hostile' }],
    (s, x) => s.posts.create(a(x, 0)),
  ),
  entry(
    'posts.getById',
    (b) => [b.postId],
    (s, x) => s.posts.getById(a(x, 0)),
  ),
  entry(
    'posts.update',
    (b) => [b.postId, { body: 'Changed' }, 1],
    (s, x) => s.posts.update(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'posts.remove',
    (b) => [b.postId],
    (s, x) => s.posts.remove(a(x, 0)),
  ),
  entry(
    'posts.feed',
    (b) => [b.communityId, { limit: 1 }],
    (s, x) => s.posts.feed(a(x, 0), a(x, 1)),
  ),
  entry(
    'posts.addComment',
    (b) => [b.postId, { authorId: b.userId, body: 'Hostile' }],
    (s, x) => s.posts.addComment(a(x, 0), a(x, 1)),
  ),
  entry(
    'posts.listComments',
    (b) => [b.postId, { limit: 1 }],
    (s, x) => s.posts.listComments(a(x, 0), a(x, 1)),
  ),
  entry(
    'posts.react',
    (b) => [b.postId, b.actorId, 'celebrate'],
    (s, x) => s.posts.react(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'posts.unreact',
    (b) => [b.postId, b.userId, 'like'],
    (s, x) => s.posts.unreact(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'activity.append',
    (b) => [
      [{ actorId: b.actorId, verb: 'viewed', object: b.object, occurredAt: b.event.startsAt, metadata: { ok: 1 } }],
    ],
    (s, x) => s.activity.append(a(x, 0)),
  ),
  entry(
    'activity.listByActor',
    (b) => [b.userId, { from: b.event.startsAt, to: b.event.endsAt }, { limit: 1 }],
    (s, x) => s.activity.listByActor(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'activity.listByObject',
    (b) => [b.object, { from: b.event.startsAt, to: b.event.endsAt }, { limit: 1 }],
    (s, x) => s.activity.listByObject(a(x, 0), a(x, 1), a(x, 2)),
  ),
  entry(
    'activity.dailyCounts',
    () => [{ from: '2026-01-01', to: '2026-01-31', verb: 'viewed' }],
    (s, x) => s.activity.dailyCounts(a(x, 0)),
  ),
  entry(
    'activity.purgeBefore',
    () => [new Date('2000-01-01T00:00:00.000Z')],
    (s, x) => s.activity.purgeBefore(a(x, 0)),
  ),
  ...recordSetNames.flatMap((name): Entry[] => [
    entry(
      `recordSets.${name}.scan`,
      () => [{ limit: 1 }],
      (s, x) => (s.recordSets[name] as { scan(page: never): Promise<unknown> }).scan(a(x, 0)),
    ),
    entry(
      `recordSets.${name}.putMany`,
      (b) => [[b.records[name]]],
      (s, x) => (s.recordSets[name] as { putMany(records: never): Promise<unknown> }).putMany(a(x, 0)),
    ),
  ]),
];

interface HostileCase {
  readonly name: string;
  readonly entry: Entry;
  /** Replaces what sits at `path` among the valid arguments. */
  readonly path: Path;
  readonly value: unknown;
  readonly field: ValidationField;
}

function valueAt(args: unknown[], path: Path): unknown {
  return path.reduce<unknown>((value, key) => (value as Record<string | number, unknown>)[key], args);
}

/** A copy of `args` with the value at `path` replaced (every container on the way copied). */
function replaceAt(args: unknown[], path: Path, value: unknown): unknown[] {
  const swap = (container: unknown, index: number): unknown => {
    if (index === path.length) return value;
    const key = path[index] as string | number;
    const copy = (Array.isArray(container) ? [...(container as unknown[])] : { ...(container as object) }) as Record<
      string | number,
      unknown
    >;
    copy[key] = swap(copy[key], index + 1);
    return copy;
  };
  return swap(args, 0) as unknown[];
}

/** The paths of every Date among `args` (arguments, their fields, batch items' fields). */
function datePaths(args: readonly unknown[]): Path[] {
  const found: Path[] = [];
  const visit = (value: unknown, path: Path, depth: number): void => {
    if (value instanceof Date) found.push(path);
    else if (typeof value === 'object' && value !== null && depth < 3) {
      for (const [key, item] of Object.entries(value))
        visit(item, [...path, Array.isArray(value) ? Number(key) : key], depth + 1);
    }
  };
  args.forEach((arg, index) => visit(arg, [index], 0));
  return found;
}

/** Every hostile case of one entry point: both Proxies on every argument, a throwing getter in every object, bad Dates. */
function casesOf(entryPoint: Entry, baseline: Baseline): HostileCase[] {
  const args = entryPoint.args(baseline);
  const cases: HostileCase[] = [];
  args.forEach((arg, index) => {
    const target = typeof arg === 'object' && arg !== null ? arg : {};
    cases.push(
      {
        name: `argument ${index}: a Proxy whose traps throw`,
        entry: entryPoint,
        path: [index],
        value: throwingProxy(target),
        field: null,
      },
      {
        name: `argument ${index}: a revoked Proxy`,
        entry: entryPoint,
        path: [index],
        value: revokedProxy(),
        field: null,
      },
    );
    if (typeof arg !== 'object' || arg === null || arg instanceof Date) return;
    const [first] = Object.keys(arg);
    if (first === undefined) return;
    if (Array.isArray(arg)) {
      cases.push({
        name: `argument ${index}: an array whose item 0 is a getter that throws`,
        entry: entryPoint,
        path: [index],
        value: withThrowingGetter(arg, 0),
        field: { path: [0] },
      });
      const item = arg[0] as object;
      for (const key of Object.keys(item).slice(0, 2)) {
        cases.push({
          name: `argument ${index}: item 0 with a getter of ${key} that throws`,
          entry: entryPoint,
          path: [index, 0],
          value: withThrowingGetter(item, key),
          field: { path: [0, key] },
        });
      }
      return;
    }
    cases.push({
      name: `argument ${index}: a getter of ${first} that throws`,
      entry: entryPoint,
      path: [index],
      value: withThrowingGetter(arg, first),
      field: first,
    });
  });
  for (const path of datePaths(args)) {
    const at = valueAt(args, path) as Date;
    const field = path.length > 1 ? String(path[path.length - 1]) : null;
    const inBatch = typeof path[1] === 'number';
    for (const hostile of hostileDates(at)) {
      cases.push({
        name: `${path.join('.')}: ${hostile.name}`,
        entry: entryPoint,
        path,
        value: hostile.value,
        field: field === null ? null : inBatch ? { path: path.slice(1) } : field,
      });
    }
  }
  return cases;
}

/** Calls `hostile` and reports the error it ended with, or that it returned. */
async function outcomeOf(store: CohortStore, baseline: Baseline, hostile: HostileCase): Promise<unknown> {
  const args = replaceAt(hostile.entry.args(baseline), hostile.path, hostile.value);
  return hostile.entry.call(store, args);
}

/**
 * DESIGN §2, errors: nothing the caller's own objects throw leaves a port as anything but VALIDATION. Every port method
 * and every record set's scan and putMany is handed, in each argument, a Proxy whose traps throw and a revoked Proxy;
 * in each object a getter that throws; in each Date slot a Proxy of a Date and an Invalid Date whose methods claim a
 * valid time. All are VALIDATION (naming the field where there is one) and write nothing. A genuine Date is read only
 * through its time value: one whose own methods throw or lie is taken at its real time, and the port never calls them.
 */
export function hostileInputContract(context: ContractContext): void {
  const { fixtures } = context;
  let store: CohortStore;
  let baseline: Baseline;
  const s = (): CohortStore => store;

  async function openBaseline(target: CohortStore): Promise<Baseline> {
    const user = await target.users.create({ email: fixtures.email(), displayName: 'Baseline' });
    const actorId = fixtures.id();
    const draft = await target.contents.create({ kind: 'course', title: 'Baseline', authorId: user.id });
    const content = await target.contents.update(draft.id, { status: 'published' }, draft.version);
    await target.enrollments.enroll(user.id, content.id);
    await target.enrollments.recordProgress(user.id, content.id, 100);
    const community = await target.communities.create({ slug: fixtures.slug(), name: 'Baseline', ownerId: user.id });
    const startsAt = new Date(Date.now() + 48 * HOUR);
    const event = await target.events.create({
      title: 'Baseline',
      hostId: user.id,
      communityId: community.id,
      startsAt,
      endsAt: new Date(startsAt.getTime() + HOUR),
      capacity: 3,
    });
    await target.events.register(event.id, user.id);
    const post = await target.posts.create({ communityId: community.id, authorId: user.id, body: 'Baseline' });
    await target.posts.addComment(post.id, { authorId: user.id, body: 'Baseline' });
    await target.posts.react(post.id, user.id, 'like');
    const object = { type: 'content' as const, id: content.id };
    await target.activity.append([{ actorId: user.id, verb: 'viewed', object, occurredAt: startsAt }]);
    const records = {} as Record<RecordSetName, Record<string, unknown>>;
    for (const name of recordSetNames) {
      const set = target.recordSets[name] as { scan(page: unknown): Promise<{ items: Record<string, unknown>[] }> };
      const [record] = (await set.scan({ limit: 1 })).items;
      if (!record) throw new Error(`the baseline holds no ${name} record`);
      records[name] = record;
    }
    return {
      userId: user.id,
      email: user.email,
      contentId: content.id,
      contentVersion: content.version,
      eventId: event.id,
      event: { startsAt: event.startsAt, endsAt: event.endsAt },
      communityId: community.id,
      slug: community.slug,
      postId: post.id,
      actorId,
      object,
      records,
    };
  }

  describe('hostile input', () => {
    let before: Record<RecordSetName, number>;
    let everything: Record<string, unknown[]>;

    const snapshot = async (): Promise<Record<string, unknown[]>> => {
      const result: Record<string, unknown[]> = {};
      for (const name of recordSetNames) {
        const set = s().recordSets[name] as unknown as { scan(page: unknown): Promise<Page<Loose>> };
        result[name] = await collectAll((cursor) => set.scan({ cursor, limit: 100 }));
      }
      return result;
    };

    beforeAll(async () => {
      // A store of its own, so a refused call is proved to have written nothing by scanning all of it.
      store = await context.isolatedStore();
      baseline = await openBaseline(store);
      before = await countRecords(store);
      everything = await snapshot();
    }, 120_000);

    describe.each(entries.map((entryPoint) => ({ entryPoint, name: entryPoint.name })))('$name', ({ entryPoint }) => {
      it('answers VALIDATION to every hostile argument and writes nothing', async () => {
        const failures: string[] = [];
        for (const hostile of casesOf(entryPoint, baseline)) {
          let outcome: unknown;
          const call = outcomeOf(s(), baseline, hostile);
          try {
            outcome = { returned: await call };
          } catch (error) {
            outcome = error;
          }
          try {
            await expectValidation(call, hostile.field);
          } catch (failure) {
            const detail = outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : 'it returned';
            failures.push(`${hostile.name}: ${detail.slice(0, 300)} (${(failure as Error).message.slice(0, 200)})`);
          }
        }
        expect(failures, failures.join('\n')).toEqual([]);
        expect(await countRecords(s())).toEqual(before);
      });
    });

    it('left every record of the store as it was', async () => {
      expect(await snapshot()).toEqual(everything);
    });

    describe('a genuine Date is read by its time value alone', () => {
      const at = new Date('2026-04-05T06:07:08.009Z');
      const claimed = new Date('2031-01-01T00:00:00.000Z');
      const variants = [
        { name: 'whose methods all throw', make: (when: Date) => dateWithThrowingMethods(when) },
        { name: 'whose getTime and toISOString lie', make: (when: Date) => lyingDate(when, claimed) },
      ];

      it.each(variants)('appends an event at a Date $name, at its real time and on its real day', async ({ make }) => {
        const event = fixtures.activity({ verb: 'progressed', occurredAt: make(at) });
        const day = '2026-04-05';
        const countOf = async () =>
          (await context.store().activity.dailyCounts({ from: day, to: day, verb: 'progressed' }))[0]?.count ?? 0;
        const counted = await countOf();
        expect(await context.store().activity.append([event])).toEqual({ appended: 1, duplicates: 0 });
        const [stored] = (await context.store().activity.listByActor(event.actorId)).items;
        expect(stored?.occurredAt.getTime()).toBe(at.getTime());
        expect(await countOf()).toBe(counted + 1);
        const inRange = await context.store().activity.listByActor(event.actorId, {
          from: make(at),
          to: make(new Date(at.getTime() + 1)),
        });
        expect(inRange.items.map((item) => item.id)).toEqual([event.id]);
      });

      it.each(variants)('creates, moves and lists an event at a Date $name by its real time', async ({ make }) => {
        const community = await fixtures.community();
        const created = await fixtures.event({
          communityId: community.id,
          startsAt: make(at),
          endsAt: make(new Date(at.getTime() + HOUR)),
        });
        expect(created.startsAt.getTime()).toBe(at.getTime());
        const moved = await context
          .store()
          .events.update(created.id, { endsAt: make(new Date(at.getTime() + 2 * HOUR)) }, created.version);
        expect(moved.endsAt.getTime()).toBe(at.getTime() + 2 * HOUR);
        expect((await context.store().events.getById(created.id))?.endsAt.getTime()).toBe(at.getTime() + 2 * HOUR);
        const upcoming = await context.store().events.listUpcoming({ from: make(at), communityId: community.id });
        expect(upcoming.items.map((event) => event.id)).toEqual([created.id]);
        const later = await context
          .store()
          .events.listUpcoming({ from: make(new Date(at.getTime() + 1)), communityId: community.id });
        expect(later.items).toEqual([]);
      });

      it.each(variants)('puts records whose instants are Dates $name at their real times', async ({ make }) => {
        const user: Loose = { ...baseline.records.users, id: fixtures.id(), email: fixtures.email() };
        await context
          .store()
          .recordSets.users.putMany([{ ...user, createdAt: make(at), updatedAt: make(at) } as never]);
        const stored = await context.store().users.getById(user.id as string);
        expect(stored?.createdAt.getTime()).toBe(at.getTime());
        const event = fixtures.activity({ occurredAt: at });
        await context
          .store()
          .recordSets.activity.putMany([{ ...event, id: event.id, metadata: {}, occurredAt: make(at) } as never]);
        const [listed] = (await context.store().activity.listByActor(event.actorId)).items;
        expect(listed?.occurredAt.getTime()).toBe(at.getTime());
      });

      it.each(variants)('purges before a Date $name by its real time', async ({ make }) => {
        const purging = await context.isolatedStore();
        const early = fixtures.activity({ occurredAt: new Date(at.getTime() - 1) });
        const onTime = fixtures.activity({ occurredAt: at });
        await purging.activity.append([early, onTime]);
        expect(await purging.activity.purgeBefore(make(at))).toBe(1);
        expect((await purging.activity.listByActor(onTime.actorId)).items.map((event) => event.id)).toEqual([
          onTime.id,
        ]);
        expect((await purging.activity.listByActor(early.actorId)).items).toEqual([]);
      });
    });
  });
}
