import {
  CohortError,
  type CohortStore,
  type PageRequest,
  type RecordSet,
  type User,
  type UserRepository,
} from '@cohort/core';
import { createMemoryStore } from '@cohort/adapters-memory';
import { generatePlatform, loadPlatform } from '@cohort/testkit';
import { describe, expect, it } from 'vitest';
import {
  backfill,
  createMirrorClock,
  createPhaseController,
  dualWrite,
  phases,
  portMethods,
  portNames,
  shadowRead,
  stranglerStore,
  verify,
  type PhaseChange,
  type RepairEntry,
  type ShadowResult,
} from '../src/index.js';
import { allRecords, countsOf, seededMemoryStore, testSizes } from './support/platform.js';
import { exerciseEveryWrite } from './support/workload.js';

/** Two empty memory stores stamping time from one MirrorClock, as a composition root would build them. */
function twoStores() {
  const clock = createMirrorClock();
  return { clock, primary: createMemoryStore({ clock }), secondary: createMemoryStore({ clock }) };
}

/** A store whose users port and users record set fail with UNAVAILABLE while `down` is true. */
function flaky(store: CohortStore): { store: CohortStore; setDown(down: boolean): void } {
  let down = false;
  const fail = () => {
    if (down) throw CohortError.unavailable('secondary is down');
  };
  const users = store.recordSets.users;
  return {
    setDown: (value) => (down = value),
    store: {
      ...store,
      recordSets: {
        ...store.recordSets,
        users: {
          scan: (page) => users.scan(page),
          count: () => users.count(),
          deleteMany: async (keys) => {
            fail();
            await users.deleteMany(keys);
          },
          putMany: async (records) => {
            fail();
            await users.putMany(records);
          },
        },
      },
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A users port that answers after `delayMs`, or fails. */
function slowUsers(users: UserRepository, behaviour: { delayMs?: number; fail?: boolean }): UserRepository {
  const wrap =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await sleep(behaviour.delayMs ?? 0);
      if (behaviour.fail) throw CohortError.unavailable('shadow store exploded');
      return call(...args);
    };
  return {
    create: wrap((input) => users.create(input)),
    getById: wrap((id) => users.getById(id)),
    findByEmail: wrap((email) => users.findByEmail(email)),
    update: wrap((id, patch, version) => users.update(id, patch, version)),
    list: wrap((page) => users.list(page)),
  };
}

describe('createPhaseController', () => {
  it('moves a port one phase at a time, both ways, and tells listeners', () => {
    const controller = createPhaseController();
    const changes: PhaseChange[] = [];
    controller.onChange((change) => changes.push(change));
    expect(controller.get('users')).toBe('primary-only');
    for (const phase of phases.slice(1)) expect(controller.advance('users')).toBe(phase);
    expect(() => controller.advance('users')).toThrow(/already secondary-only/);
    expect(controller.retreat('users')).toBe('secondary-primary');
    expect(() => controller.set('users', 'primary-only')).toThrow(/one phase at a time/);
    controller.set('users', 'primary-only', { force: true });
    expect(changes.map((c) => c.to)).toEqual([...phases.slice(1), 'secondary-primary', 'primary-only']);
    controller.set('all', 'dual-write');
    expect(Object.values(controller.snapshot())).toEqual(portNames.map(() => 'dual-write'));
    expect(() => controller.set('posts', 'sideways' as never)).toThrow(/Unknown phase/);
  });

  it('lists every method of every port as a read or a write', () => {
    const store = createMemoryStore() as unknown as Record<string, object>;
    for (const port of portNames) {
      const implemented = Object.getOwnPropertyNames(Object.getPrototypeOf(store[port]))
        .filter((name) => name !== 'constructor' && !name.startsWith('#'))
        .filter((name) => typeof (store[port] as Record<string, unknown>)[name] === 'function');
      const listed: readonly string[] = [...portMethods[port].reads, ...portMethods[port].writes];
      for (const method of listed) expect(implemented, `${port}.${method}`).toContain(method);
    }
  });
});

describe('dual-write', () => {
  it('mirrors every write method so that both stores hold exactly the same records', async () => {
    const { clock, primary, secondary } = twoStores();
    const store = stranglerStore(primary, secondary, createPhaseController('dual-write'), { clock });
    const { users, event } = await exerciseEveryWrite(store, 'mirror');
    expect(store.repairLog.entries()).toEqual([]);

    const report = await verify({ source: primary, target: secondary, recheckDelayMs: 0 });
    expect(report.summary).toMatchObject({ differences: 0, danglingReferences: 0 });
    expect(report.ok).toBe(true);
    const counts = await countsOf(secondary);
    expect(counts).toEqual(await countsOf(primary));
    expect(counts).toMatchObject({ users: 6, posts: 1, comments: 2, reactions: 2, memberships: 3, registrations: 5 });
    const mirrored = await secondary.events.getById(event.id);
    expect(mirrored).toMatchObject({ capacity: 3, registeredCount: 3, waitlistCount: 0 });
    expect((await secondary.events.getRegistration(event.id, users[4]!))?.status).toBe('registered');
  });

  it('logs a failed mirror, keeps the primary write, and repair replays it', async () => {
    const { clock, primary, secondary } = twoStores();
    const broken = flaky(secondary);
    const failures: RepairEntry[] = [];
    const store = stranglerStore(primary, broken.store, createPhaseController('dual-write'), {
      clock,
      onMirrorFailure: (entry) => failures.push(entry),
    });
    broken.setDown(true);
    const user = await store.users.create({ email: 'logged@example.com', displayName: 'Logged' });
    const renamed = await store.users.update(user.id, { displayName: 'Renamed' }, user.version);
    expect(await primary.users.getById(user.id)).toEqual(renamed);
    expect(await secondary.users.getById(user.id)).toBeNull();
    expect(failures.map((f) => [f.port, f.method, f.code])).toEqual([
      ['users', 'create', 'UNAVAILABLE'],
      ['users', 'update', 'UNAVAILABLE'],
    ]);
    expect(store.repairLog.entries()).toHaveLength(2);

    expect(await store.repair()).toMatchObject({ repaired: 0, failed: 2 });
    expect(store.repairLog.entries()[0]?.attempts).toBe(2);
    broken.setDown(false);
    expect(await store.repair()).toMatchObject({ repaired: 2, failed: 0, pending: [] });
    expect(await secondary.users.getById(user.id)).toEqual(renamed);
  });

  it('fails the call under the fail policy, after the primary applied it', async () => {
    const { clock, primary, secondary } = twoStores();
    const broken = flaky(secondary);
    broken.setDown(true);
    const users = dualWrite('users', primary, broken.store, { clock, onSecondaryFailure: 'fail' });
    const failure = await users.create({ email: 'fatal@example.com', displayName: 'Fatal' }).catch((e: unknown) => e);
    expect(CohortError.is(failure, 'UNAVAILABLE')).toBe(true);
    expect((failure as Error).message).toMatch(/users.create was applied but could not be mirrored/);
    expect(await primary.users.findByEmail('fatal@example.com')).not.toBeNull();
    expect(users.writer.repairLog.entries()).toHaveLength(1);
  });

  it('never mirrors a write the primary refused', async () => {
    const { clock, primary, secondary } = twoStores();
    const users = dualWrite('users', primary, secondary, { clock });
    await users.create({ email: 'taken@example.com', displayName: 'One' });
    await expect(users.create({ email: 'TAKEN@example.com', displayName: 'Two' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(await secondary.recordSets.users.count()).toBe(1);
  });

  it('keeps both stores equal under concurrent writes to the same aggregates', async () => {
    const { clock, primary, secondary } = twoStores();
    const store = stranglerStore(primary, secondary, createPhaseController('dual-write'), { clock });
    const owner = await store.users.create({ email: 'owner@example.com', displayName: 'Owner' });
    const community = await store.communities.create({ slug: 'busy', name: 'Busy', ownerId: owner.id });
    const post = await store.posts.create({ communityId: community.id, authorId: owner.id, body: 'Hot post' });
    const event = await store.events.create({
      title: 'Popular',
      hostId: owner.id,
      startsAt: new Date('2031-01-01T10:00:00Z'),
      endsAt: new Date('2031-01-01T11:00:00Z'),
      capacity: 5,
    });
    const people = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.users.create({ email: `p${i}@example.com`, displayName: `P${i}` })),
    );
    await Promise.all(
      people.flatMap((person, i) => [
        store.memberships.join(community.id, person.id),
        store.posts.react(post.id, person.id, 'like'),
        store.posts.addComment(post.id, { authorId: person.id, body: `comment ${i}` }),
        store.events.register(event.id, person.id),
      ]),
    );
    await Promise.all(people.slice(0, 8).map((person) => store.events.cancelRegistration(event.id, person.id)));
    await Promise.all(people.slice(0, 5).map((person) => store.memberships.leave(community.id, person.id)));
    const report = await verify({ source: primary, target: secondary, recheckDelayMs: 0 });
    expect(report.summary.differences).toBe(0);
    expect(await secondary.posts.getById(post.id)).toMatchObject({ commentCount: 20, reactionCounts: { like: 20 } });
    expect(await secondary.communities.getById(community.id)).toMatchObject({ memberCount: 16 });
  });

  it('keeps the target equal when writes run through it during a backfill', async () => {
    const clock = createMirrorClock();
    const primary = createMemoryStore({ clock });
    const platform = generatePlatform({ seed: 11, scale: testSizes });
    await loadPlatform(primary.recordSets, platform);
    const secondary = createMemoryStore({ clock });
    const store = stranglerStore(primary, secondary, createPhaseController('dual-write'), { clock });
    const samples = platform.sampleIds(5);
    const posts = await allRecords(primary, 'posts');
    const users = platform.activeUserIds();

    let stop = false;
    const workload = (async () => {
      let done = 0;
      for (let i = 0; !stop || done < 50; i += 1, done += 1) {
        const user = users[i % users.length]!;
        const post = posts[i % posts.length]!;
        switch (i % 6) {
          case 0:
            await store.posts.addComment(post.id, { authorId: user, body: `during backfill ${i}` });
            break;
          case 1:
            await store.posts.react(post.id, user, 'insightful');
            break;
          case 2:
            await store.memberships.join(samples.communities[i % samples.communities.length]!, user);
            break;
          case 3:
            await store.enrollments.enroll(user, samples.publishedContents[i % samples.publishedContents.length]!);
            break;
          case 4: {
            const current = (await store.users.getById(user)) as User;
            await store.users.update(user, { displayName: `Renamed ${i}` }, current.version);
            break;
          }
          default:
            await store.activity.append([{ actorId: user, verb: 'signed_in', object: { type: 'user', id: user } }]);
        }
        await sleep(0);
      }
      return done;
    })();
    // A slow target widens the window between reading a batch and writing it, where a dual write can slip in.
    const delayed = {
      ...secondary,
      recordSets: Object.fromEntries(
        Object.entries(secondary.recordSets).map(([name, set]: [string, RecordSet<never>]) => [
          name,
          {
            scan: (page: PageRequest) => set.scan(page),
            count: () => set.count(),
            putMany: async (records: readonly never[]) => {
              await sleep(2);
              await set.putMany(records);
            },
          },
        ]),
      ) as unknown as CohortStore['recordSets'],
    };
    const copy = await backfill({ source: primary, target: delayed, batchSize: 100, catchUp: { maxRounds: 10 } });
    stop = true;
    expect(await workload).toBeGreaterThanOrEqual(50);
    expect(copy.catchUp?.converged).toBe(true);
    await store.repair();
    const report = await verify({ source: primary, target: secondary, recheckDelayMs: 0 });
    expect(report.summary).toMatchObject({ differences: 0, danglingReferences: 0 });
    expect(report.ok).toBe(true);
  });
});

describe('phases', () => {
  it('routes reads and writes by phase and switches without a restart', async () => {
    const { clock, primary, secondary } = twoStores();
    const controller = createPhaseController();
    const store = stranglerStore(primary, secondary, controller, { clock });

    const a = await store.users.create({ email: 'a@example.com', displayName: 'A' });
    expect(await secondary.users.getById(a.id)).toBeNull();

    controller.advance('users'); // dual-write
    const b = await store.users.create({ email: 'b@example.com', displayName: 'B' });
    expect(await secondary.users.getById(b.id)).toEqual(b);

    controller.advance('users'); // shadow-read
    controller.advance('users'); // secondary-primary: the secondary serves and is written first
    await secondary.recordSets.users.putMany([a]);
    await primary.recordSets.users.putMany([{ ...b, displayName: 'Stale In Primary' }]);
    expect((await store.users.getById(b.id))?.displayName).toBe('B');
    const c = await store.users.create({ email: 'c@example.com', displayName: 'C' });
    expect(await primary.users.getById(c.id)).toEqual(c);
    expect(await store.recordSets.users.count()).toBe(3);

    controller.advance('users'); // secondary-only
    const d = await store.users.create({ email: 'd@example.com', displayName: 'D' });
    expect(await primary.users.getById(d.id)).toBeNull();

    controller.set('users', 'secondary-primary'); // and back
    const e = await store.users.create({ email: 'e@example.com', displayName: 'E' });
    expect(await primary.users.getById(e.id)).toEqual(e);
    // Other ports kept their own phase all along.
    const content = await store.contents.create({ kind: 'article', title: 'Stays put', authorId: a.id });
    expect(await secondary.contents.getById(content.id)).toBeNull();
    await store.settled();
  });
});

describe('shadow-read', () => {
  async function seeded() {
    const { clock, primary, secondary } = twoStores();
    const user = await primary.users.create({ email: 'shadow@example.com', displayName: 'Shadow' });
    await secondary.recordSets.users.putMany([user]);
    return { clock, primary, secondary, user };
  }

  it('serves the primary and publishes matches and mismatches with timings', async () => {
    const { primary, secondary, user } = await seeded();
    const results: ShadowResult[] = [];
    const users = shadowRead('users', primary, secondary, { onShadowResult: (r) => results.push(r) });
    expect(await users.getById(user.id)).toEqual(user);
    await users.list({ limit: 10 });
    await users.getById('not-an-id').catch(() => undefined);
    await secondary.recordSets.users.putMany([{ ...user, displayName: 'Drifted' }]);
    expect(await users.getById(user.id)).toEqual(user);
    await users.reader.settled();
    expect(results.map((r) => [r.method, r.outcome])).toEqual([
      ['getById', 'matched'],
      ['list', 'matched'],
      ['getById', 'matched'], // both refused the id with VALIDATION
      ['getById', 'mismatched'],
    ]);
    expect(results[3]?.difference).toBe('displayName: "Shadow" != "Drifted"');
    for (const result of results) {
      expect(result.servedBy).toBe('primary');
      expect(result.servedMs).toBeGreaterThanOrEqual(0);
      expect(result.shadowMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('never delays the primary for a slow secondary, and reports the timeout', async () => {
    const { primary, secondary, user } = await seeded();
    const results: ShadowResult[] = [];
    const slow = { ...secondary, users: slowUsers(secondary.users, { delayMs: 2_000 }) };
    const users = shadowRead('users', primary, slow, { timeoutMs: 100, onShadowResult: (r) => results.push(r) });
    // Each call is held to the shadow timeout (the secondary alone would take 2 s), not the five together: a busy
    // machine's pause should not count against the decorator.
    for (let i = 0; i < 5; i += 1) {
      const started = performance.now();
      expect(await users.getById(user.id)).toEqual(user);
      expect(performance.now() - started).toBeLessThan(100);
    }
    expect(results).toEqual([]);
    const settling = performance.now();
    await users.reader.settled();
    expect(performance.now() - settling).toBeLessThan(1_000);
    expect(results).toHaveLength(5);
    expect(results.every((r) => r.outcome === 'timed-out' && r.shadowMs === null)).toBe(true);
  });

  it('swallows a failing secondary and a throwing hook', async () => {
    const { primary, secondary, user } = await seeded();
    const results: ShadowResult[] = [];
    const failing = { ...secondary, users: slowUsers(secondary.users, { fail: true }) };
    const users = shadowRead('users', primary, failing, {
      onShadowResult: (r) => {
        results.push(r);
        throw new Error('hook bug');
      },
    });
    expect(await users.getById(user.id)).toEqual(user);
    await users.reader.settled();
    expect(results).toEqual([
      expect.objectContaining({ outcome: 'failed', error: 'UNAVAILABLE: shadow store exploded' }),
    ]);
  });

  it('compares only the sampled share of reads', async () => {
    const { primary, secondary, user } = await seeded();
    const results: ShadowResult[] = [];
    const draws = [0.1, 0.9, 0.4, 0.6];
    const users = shadowRead('users', primary, secondary, {
      sampleRate: 0.5,
      random: () => draws.shift() ?? 1,
      onShadowResult: (r) => results.push(r),
    });
    for (let i = 0; i < 4; i += 1) await users.getById(user.id);
    await users.reader.settled();
    expect(results).toHaveLength(2);
    const none = shadowRead('users', primary, secondary, { sampleRate: 0, onShadowResult: (r) => results.push(r) });
    await none.getById(user.id);
    await none.reader.settled();
    expect(results).toHaveLength(2);
  });

  it('shadows in the strangler phases that call for it, serving from the store of record', async () => {
    const { clock, primary, secondary } = twoStores();
    const results: ShadowResult[] = [];
    const controller = createPhaseController('dual-write');
    const store = stranglerStore(primary, secondary, controller, {
      clock,
      shadow: { onShadowResult: (r) => results.push(r) },
    });
    const user = await store.users.create({ email: 'x@example.com', displayName: 'X' });
    await store.users.getById(user.id);
    controller.advance('users');
    await store.users.getById(user.id);
    controller.advance('users');
    await store.users.getById(user.id);
    await store.settled();
    expect(results.map((r) => [r.servedBy, r.outcome])).toEqual([
      ['primary', 'matched'],
      ['secondary', 'matched'],
    ]);
  });
});

describe('seeded platform through the strangler', () => {
  it('reads a generated platform the same through every phase', async () => {
    const source = await seededMemoryStore();
    const target = createMemoryStore();
    await backfill({ source, target });
    const results: ShadowResult[] = [];
    const store = stranglerStore(source, target, createPhaseController('shadow-read'), {
      shadow: { onShadowResult: (r) => results.push(r) },
    });
    const [community] = await allRecords(source, 'communities');
    const [post] = await allRecords(source, 'posts');
    const [user] = await allRecords(source, 'users');
    await store.posts.feed(community!.id, { limit: 50 });
    await store.posts.listComments(post!.id);
    await store.memberships.listMembers(community!.id, { limit: 100 });
    await store.activity.listByActor(user!.id);
    await store.activity.dailyCounts({ from: '2026-05-01', to: '2026-05-31' });
    await store.contents.listPublished({}, { limit: 100 });
    await store.settled();
    expect(results.map((r) => r.outcome)).toEqual(Array(6).fill('matched'));
  });
});
