import {
  recordKeys,
  recordSchemas,
  recordSetNames,
  type RecordOf,
  type RecordSet,
  type RecordSetName,
  type RecordSets,
} from '@cohort/core';
import { describe, expect, it } from 'vitest';
import { checkPlatformInvariants, type PlatformRecords } from '../src/generator/check-platform-invariants.js';
import {
  DEFAULT_PLATFORM_NOW,
  generatePlatform,
  platformScales,
  type GeneratedPlatform,
  type PlatformSizes,
} from '../src/generator/generate-platform.js';
import { loadPlatform, type LoadProgress } from '../src/generator/load-platform.js';
import { collectAll } from '../src/contract/groups/collect-pages.js';
import { createMemoryStore } from '@cohort/adapters-memory';

const DAY = 86_400_000;

type AllRecords = { [N in RecordSetName]: RecordOf<N>[] };

function allRecords(platform: GeneratedPlatform): AllRecords {
  const records = {} as Record<RecordSetName, unknown[]>;
  for (const name of recordSetNames) records[name] = [...platform.records(name)];
  return records as AllRecords;
}

const tiny = (seed: number) => generatePlatform({ seed, scale: 'tiny' });
const small = generatePlatform({ seed: 7, scale: 'small' });
const smallRecords = allRecords(small);

/** The Unix milliseconds in the first 48 bits of a UUIDv7. */
const idTime = (id: string) => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);

function scanAll<N extends RecordSetName>(recordSets: RecordSets, name: N): Promise<RecordOf<N>[]> {
  const set = recordSets[name] as unknown as RecordSet<RecordOf<N>>;
  return collectAll((cursor) => set.scan({ cursor, limit: 100 }));
}

describe('generatePlatform', () => {
  it('gives deep-equal records, ids included, for the same seed and options', () => {
    expect(allRecords(tiny(1))).toEqual(allRecords(tiny(1)));
    expect(allRecords(generatePlatform({ seed: 7, scale: 'small' }))).toEqual(smallRecords);
  });

  it('gives different records for different seeds', () => {
    const one = allRecords(tiny(1));
    const two = allRecords(tiny(2));
    for (const name of ['users', 'communities', 'posts', 'activity'] as const) {
      expect(two[name]).not.toEqual(one[name]);
    }
    const firstIds = new Set(one.users.map((user) => user.id));
    expect(two.users.filter((user) => firstIds.has(user.id))).toEqual([]);
  });

  it('yields exactly counts() records per set, in batches of at most batchSize', () => {
    const platform = tiny(3);
    for (const name of recordSetNames) {
      const batches = [...platform.batches(name, 7)];
      expect(batches.every((batch) => batch.length >= 1 && batch.length <= 7)).toBe(true);
      expect(batches.flat()).toEqual([...platform.records(name)]);
      expect(batches.flat()).toHaveLength(platform.counts()[name]);
    }
    for (const name of recordSetNames) expect(smallRecords[name]).toHaveLength(small.counts()[name]);
    expect([...small.batches('activity')].every((batch) => batch.length <= 1000)).toBe(true);
  });

  it("builds records that core's schemas accept unchanged", () => {
    const records = allRecords(tiny(4));
    for (const name of recordSetNames) {
      expect(records[name].length, name).toBeGreaterThan(0);
      for (const record of records[name]) expect(recordSchemas[name].parse(record)).toEqual(record);
    }
  });

  it('keeps every invariant the stores keep, whatever the seed', () => {
    for (const seed of [1, 2, 3, 4, 5, 0xdeadbeef]) {
      const report = checkPlatformInvariants(allRecords(tiny(seed)));
      expect(report.messages, `seed ${seed}`).toEqual([]);
    }
    const report = checkPlatformInvariants(smallRecords);
    expect(report.messages).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.records).toEqual(small.counts());
  });

  it('places every time before now, from the given anchor and never the wall clock', () => {
    expect(small.now).toEqual(DEFAULT_PLATFORM_NOW);
    const now = new Date('2031-01-15T13:45:00.000Z');
    const platform = generatePlatform({ seed: 5, scale: 'tiny', now });
    expect(platform.now).toEqual(now);
    const times: number[] = [];
    const records = allRecords(platform);
    for (const name of recordSetNames) {
      for (const record of records[name] as object[]) {
        for (const [field, value] of Object.entries(record)) {
          if (value instanceof Date && field !== 'startsAt' && field !== 'endsAt') times.push(value.getTime());
        }
      }
    }
    expect(Math.max(...times)).toBeLessThan(now.getTime());
    const activityTimes = records.activity.map((event) => event.occurredAt.getTime());
    expect(Math.min(...activityTimes)).toBeGreaterThanOrEqual(now.getTime() - 30 * DAY);
  });

  it('makes unique UUIDv7 ids that carry the time of the record they name', () => {
    const ids = new Set<string>();
    const stamped = [
      ...smallRecords.users.map((user) => [user.id, user.createdAt] as const),
      ...smallRecords.contents.map((content) => [content.id, content.createdAt] as const),
      ...smallRecords.events.map((event) => [event.id, event.createdAt] as const),
      ...smallRecords.communities.map((community) => [community.id, community.createdAt] as const),
      ...smallRecords.posts.map((post) => [post.id, post.createdAt] as const),
      ...smallRecords.comments.map((comment) => [comment.id, comment.createdAt] as const),
      ...smallRecords.activity.map((event) => [event.id, event.occurredAt] as const),
    ];
    for (const [id, at] of stamped) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(idTime(id)).toBe(at.getTime());
      ids.add(id);
    }
    expect(ids.size).toBe(stamped.length);
  });

  it('has exactly activeUsers users signing in during the last 30 days, and nobody else acting then', () => {
    const since = small.now.getTime() - 30 * DAY;
    const recent = smallRecords.activity.filter((event) => event.occurredAt.getTime() >= since);
    const signedIn = new Set(recent.filter((event) => event.verb === 'signed_in').map((event) => event.actorId));
    expect(signedIn.size).toBe(platformScales.small.activeUsers);
    expect([...signedIn].sort()).toEqual([...small.activeUserIds()].sort());
    expect(recent.every((event) => signedIn.has(event.actorId))).toBe(true);
  });

  it('shapes the data like the case study', () => {
    const { users, contents, enrollments, events, registrations, communities, posts, activity } = smallRecords;
    const active = new Set(small.activeUserIds());

    const completed = enrollments.filter((enrollment) => enrollment.status === 'completed').length;
    expect(completed / enrollments.length).toBeGreaterThan(0.3);
    expect(completed / enrollments.length).toBeLessThan(0.5);
    const byActive = enrollments.filter((enrollment) => active.has(enrollment.userId)).length;
    expect(byActive / enrollments.length).toBeGreaterThan(0.6);

    expect(contents.every((content) => content.tags.length >= 1 && content.tags.length <= 5)).toBe(true);
    expect(new Set(contents.flatMap((content) => content.tags)).size).toBeLessThanOrEqual(platformScales.small.tags);

    const sizes = communities.map((community) => community.memberCount).sort((a, b) => a - b);
    expect(sizes.at(-1)!).toBeGreaterThan(10 * sizes[Math.floor(sizes.length / 2)]!);
    const privateShare = communities.filter((community) => community.visibility === 'private').length / sizes.length;
    expect(privateShare).toBeGreaterThan(0);
    expect(privateShare).toBeLessThan(0.5);

    const commentCounts = posts.map((post) => post.commentCount).sort((a, b) => a - b);
    expect(commentCounts.at(-1)!).toBeGreaterThan(
      20 * Math.max(1, commentCounts[Math.floor(commentCounts.length / 2)]!),
    );
    expect(small.sampleIds().hotPosts.length).toBeGreaterThan(0);

    expect(events.every((event) => event.capacity >= 20 && event.capacity <= 500)).toBe(true);
    expect(events.some((event) => event.waitlistCount > 0)).toBe(true);
    expect(registrations.some((registration) => registration.status === 'attended')).toBe(true);
    expect(registrations.some((registration) => registration.status === 'cancelled')).toBe(true);
    expect(small.sampleIds().upcomingEvents.length).toBeGreaterThan(0);

    const days = new Set(activity.map((event) => event.occurredAt.toISOString().slice(0, 10)));
    expect(days.size).toBe(platformScales.small.activityDays);
    expect(activity.length).toBeGreaterThanOrEqual(platformScales.small.activity);
    expect(new Set(activity.map((event) => event.verb)).size).toBeGreaterThanOrEqual(14);
    expect(activity.every((event) => JSON.stringify(event.metadata).length <= 120)).toBe(true);
    expect(users.filter((user) => user.status === 'deactivated').length).toBeGreaterThan(0);
  });

  it('accepts explicit sizes and rejects impossible ones', () => {
    const sizes: PlatformSizes = { ...platformScales.tiny, communities: 0, events: 0 };
    const platform = generatePlatform({ seed: 1, scale: sizes });
    expect(platform.counts()).toMatchObject({ communities: 0, memberships: 0, posts: 0, comments: 0, events: 0 });
    expect(checkPlatformInvariants(allRecords(platform)).messages).toEqual([]);
    expect(() => generatePlatform({ seed: 1, scale: { ...sizes, users: 0 } })).toThrow(RangeError);
    expect(() => generatePlatform({ seed: 1, scale: { ...sizes, posts: -1 } })).toThrow(RangeError);
    expect(() => generatePlatform({ seed: 1, scale: { ...sizes, tags: 1.5 } })).toThrow(RangeError);
    expect(() => platform.batches('users', 0)).toThrow(RangeError);
  });

  it('plans the reference platform at the sizes of DESIGN.md', { timeout: 120_000 }, () => {
    const reference = generatePlatform({ seed: 42, scale: 'reference' });
    const counts = reference.counts();
    expect(counts.users).toBe(73_717);
    expect(reference.activeUserIds()).toHaveLength(12_575);
    expect(counts.activity).toBeGreaterThanOrEqual(1_000_000);
    expect(counts.contents).toBe(2_000);
    expect(counts.communities).toBe(400);
    expect(counts.events).toBe(1_000);
    expect(counts.posts).toBe(60_000);
    expect(counts.comments).toBe(250_000);
    const near = (actual: number, target: number) => Math.abs(actual - target) / target;
    expect(near(counts.enrollments, 150_000)).toBeLessThan(0.05);
    expect(near(counts.memberships, 250_000)).toBeLessThan(0.05);
    expect(near(counts.reactions, 400_000)).toBeLessThan(0.05);
    expect(near(counts.registrations, 100_000)).toBeLessThan(0.05);
    // A sample: the first batch of every set parses, and activity streams day by day.
    for (const name of recordSetNames) {
      const [first] = reference.batches(name, 200);
      expect(first, name).toBeDefined();
      for (const record of first!) recordSchemas[name].parse(record);
    }
  });
});

describe('checkPlatformInvariants', () => {
  it('reports broken counters, references, keys and normalization', () => {
    const records = allRecords(tiny(1));
    const broken: PlatformRecords = {
      ...records,
      users: [...records.users, { ...records.users[1]!, id: '01900000-0000-7000-8000-000000000001' }],
      communities: records.communities.map((community, i) =>
        i === 0 ? { ...community, memberCount: community.memberCount + 1 } : community,
      ),
      registrations: [...records.registrations, { ...records.registrations[0]!, eventId: records.users[0]!.id }],
      posts: records.posts.map((post, i) => (i === 0 ? { ...post, body: `  ${post.body}` } : post)),
      activityCounts: records.activityCounts.slice(1),
    };
    const report = checkPlatformInvariants(broken);
    expect(report.ok).toBe(false);
    const text = report.messages.join('\n');
    expect(text).toContain('taken twice');
    expect(text).toMatch(/memberCount \d+ but \d+ memberships/);
    expect(text).toContain('unknown event');
    expect(text).toContain('is not normalized');
    expect(text).toContain('missing');
  });

  it('checks only what it is given', () => {
    const records = allRecords(tiny(2));
    const report = checkPlatformInvariants({ posts: records.posts, comments: records.comments });
    expect(report.ok).toBe(true);
    expect(report.records).toEqual({ posts: records.posts.length, comments: records.comments.length });
  });
});

describe('loadPlatform', () => {
  it('writes every record set through putMany, parents first, with progress', async () => {
    const store = createMemoryStore();
    const progress: LoadProgress[] = [];
    const report = await loadPlatform(store.recordSets, small, { onProgress: (step) => progress.push(step) });
    expect(report.rows.map((row) => row.recordSet)).toEqual([...recordSetNames]);
    for (const name of recordSetNames) {
      expect(await store.recordSets[name].count(), name).toBe(small.counts()[name]);
      const last = progress.filter((step) => step.recordSet === name).at(-1);
      expect(last).toMatchObject({ written: small.counts()[name], total: small.counts()[name] });
    }
    expect(report.records).toBe(Object.values(small.counts()).reduce((sum, count) => sum + count, 0));
    expect(report.recordsPerSecond).toBeGreaterThan(0);
  });

  it('round-trips: what the store scans back is what was generated and keeps the invariants', async () => {
    const platform = tiny(9);
    const store = createMemoryStore();
    await loadPlatform(store.recordSets, platform, { batchSize: 3, concurrency: 2 });
    const generated = allRecords(platform);
    const scanned = {} as Record<RecordSetName, unknown[]>;
    for (const name of recordSetNames) {
      const items = await scanAll(store.recordSets, name);
      const keyOf = recordKeys[name] as (record: unknown) => string;
      const byKey = (a: unknown, b: unknown) => keyOf(a).localeCompare(keyOf(b));
      expect([...items].sort(byKey), name).toEqual([...(generated[name] as unknown[])].sort(byKey));
      scanned[name] = items;
    }
    expect(checkPlatformInvariants(scanned as PlatformRecords).messages).toEqual([]);
    // Loading again changes nothing: putMany is an idempotent upsert.
    await loadPlatform(store.recordSets, platform);
    for (const name of recordSetNames) expect(await store.recordSets[name].count()).toBe(platform.counts()[name]);
  });

  it('loads only the chosen record sets', async () => {
    const store = createMemoryStore();
    const platform = tiny(1);
    const report = await loadPlatform(store.recordSets, platform, { only: ['activity', 'users'] });
    expect(report.rows.map((row) => row.recordSet)).toEqual(['users', 'activity']);
    expect(await store.recordSets.users.count()).toBe(platform.counts().users);
    expect(await store.recordSets.posts.count()).toBe(0);
  });

  it('rejects batch sizes above the putMany limit and stops at the first failing write', async () => {
    const store = createMemoryStore();
    const platform = tiny(1);
    await expect(loadPlatform(store.recordSets, platform, { batchSize: 1001 })).rejects.toThrow(RangeError);
    await expect(loadPlatform(store.recordSets, platform, { concurrency: 0 })).rejects.toThrow(RangeError);

    let calls = 0;
    const failing = new Proxy(store.recordSets, {
      get: (target, name: RecordSetName) => ({
        ...target[name],
        putMany: () => {
          calls += 1;
          return Promise.reject(new Error('store down'));
        },
      }),
    });
    await expect(loadPlatform(failing, platform, { batchSize: 1, concurrency: 3 })).rejects.toThrow('store down');
    expect(calls).toBe(3);
  });
});
