import type { CohortStore, RecordSet, User } from '@cohort/core';
import { createMemoryStore } from '@cohort/adapters-memory';
import { TestClock } from '@cohort/testkit/generator';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BucketDigests,
  backfill,
  bucketOf,
  canonicalJson,
  formatVerifyReport,
  normalize,
  reconcile,
  verify,
  verifyExitCode,
  verifyReportJson,
} from '../src/index.js';
import { allRecords, seededMemoryStore } from './support/platform.js';

let source: CohortStore;

beforeAll(async () => {
  source = await seededMemoryStore();
});

async function copyOf(from: CohortStore): Promise<CohortStore> {
  const target = createMemoryStore();
  await backfill({ source: from, target });
  return target;
}

describe('verify', () => {
  it('reports zero differences, readable and as JSON, with exit code 0', async () => {
    const target = await copyOf(source);
    const report = await verify({ source, target, labels: { source: 'memory-a', target: 'memory-b' } });
    expect(report.ok).toBe(true);
    expect(verifyExitCode(report)).toBe(0);
    expect(
      report.recordSets.every((set) => set.counts.source === set.counts.target && set.differingBuckets === 0),
    ).toBe(true);
    const text = formatVerifyReport(report);
    expect(text).toContain('verify memory-a -> memory-b');
    expect(text).toContain('RESULT: no differences');
    const json = JSON.parse(verifyReportJson(report)) as typeof report;
    expect(json.summary).toEqual({ differences: 0, inFlight: 0, danglingReferences: 0, recordSetsWithDifferences: [] });
    // Integrity covers both stores: the references of every record set were checked.
    expect(json.integrity.filter((check) => check.store === 'target').length).toBe(17);
  });

  it('names a corrupted record and the changed field, and a deleted one, by key', async () => {
    const target = await copyOf(source);
    const [user] = await allRecords(target, 'users');
    const corrupted: User = { ...(user as User), displayName: 'Corrupted Name' };
    await target.recordSets.users.putMany([corrupted]);
    const [membership] = (await allRecords(target, 'memberships')).filter((m) => m.role === 'member');
    expect(await target.memberships.leave(membership!.communityId, membership!.userId)).toBe(true);

    const report = await verify({ source, target, recheckDelayMs: 0 });
    expect(report.ok).toBe(false);
    expect(verifyExitCode(report)).toBe(1);
    const byName = Object.fromEntries(report.recordSets.map((set) => [set.recordSet, set]));
    expect(byName.users?.differences).toEqual([{ key: user!.id, kind: 'changed', fields: ['displayName'] }]);
    expect(byName.memberships?.differences).toEqual([
      { key: `${membership!.communityId}/${membership!.userId}`, kind: 'missing-in-target', fields: [] },
    ]);
    // Leaving decremented the target's memberCount: the community differs too.
    expect(byName.communities?.differences).toEqual([
      { key: membership!.communityId, kind: 'changed', fields: ['memberCount'] },
    ]);
    expect(report.summary.recordSetsWithDifferences).toEqual(['users', 'communities', 'memberships']);
    const text = formatVerifyReport(report);
    expect(text).toContain(`changed           ${user!.id} (displayName)`);
    expect(text).toContain(`missing-in-target ${membership!.communityId}/${membership!.userId}`);
    expect(text).toMatch(/RESULT: 3 differences in users, communities, memberships/);
  });

  it('reports records only the target has', async () => {
    const target = await copyOf(source);
    const extra = await target.users.create({ email: 'extra@example.com', displayName: 'Extra' });
    const report = await verify({ source, target, recheckDelayMs: 0, clock: { now: () => new Date('2030-01-01') } });
    const users = report.recordSets.find((set) => set.recordSet === 'users');
    expect(users?.differences).toEqual([{ key: extra.id, kind: 'missing-in-source', fields: [] }]);
    expect(users?.counts).toEqual({ source: 300, target: 301 });
  });

  it('finds dangling references in either store and names them', async () => {
    const target = await copyOf(source);
    const [content] = await allRecords(target, 'contents');
    const ghost = '01900000-0000-7000-8000-000000000001';
    const enrollment = {
      userId: ghost,
      contentId: content!.id,
      progress: 0,
      status: 'enrolled' as const,
      enrolledAt: new Date('2025-01-01T00:00:00Z'),
      completedAt: null,
      updatedAt: new Date('2025-01-01T00:00:00Z'),
    };
    await target.recordSets.enrollments.putMany([enrollment]);
    await source.recordSets.enrollments.putMany([enrollment]);
    try {
      const report = await verify({ source, target, recheckDelayMs: 0 });
      expect(report.ok).toBe(false);
      expect(report.summary.differences).toBe(0);
      const dangling = report.integrity.filter((check) => check.danglingCount > 0);
      expect(dangling).toEqual([
        expect.objectContaining({ store: 'source', recordSet: 'enrollments', field: 'userId', danglingCount: 1 }),
        expect.objectContaining({ store: 'target', recordSet: 'enrollments', field: 'userId', danglingCount: 1 }),
      ]);
      expect(dangling[0]?.dangling).toEqual([{ key: `${ghost}/${content!.id}`, missingId: ghost }]);
      expect(formatVerifyReport(report)).toContain(`target enrollments.userId -> users: 1 dangling`);
    } finally {
      source = await seededMemoryStore();
    }
  });

  it('reports writes made while it runs as in flight, not as differences', async () => {
    const target = await copyOf(source);
    const [first, second] = await allRecords(source, 'users');
    // During the scan, one write reaches the source and the target a moment later (a dual write in progress); another
    // reaches only the source, after verify started.
    let injected = false;
    const sourceUsers: RecordSet<User> = {
      count: () => source.recordSets.users.count(),
      putMany: (records) => source.recordSets.users.putMany(records),
      deleteMany: (keys) => source.recordSets.users.deleteMany(keys),
      scan: async (page) => {
        if (!injected) {
          injected = true;
          const renamed = await source.users.update(first!.id, { displayName: 'Renamed Meanwhile' }, first!.version);
          setTimeout(() => void target.recordSets.users.putMany([renamed]), 150);
          await source.users.update(second!.id, { displayName: 'Not Yet Mirrored' }, second!.version);
        }
        return source.recordSets.users.scan(page);
      },
    };
    const report = await verify({
      source: { recordSets: { ...source.recordSets, users: sourceUsers } },
      target,
      only: ['users'],
      recheckDelayMs: 400,
    });
    const users = report.recordSets[0];
    expect(users?.differences).toEqual([]);
    expect(users?.inFlight.map((d) => [d.key, d.reason]).sort()).toEqual(
      [
        [first!.id, 'converged'],
        [second!.id, 'written-after-start'],
      ].sort(),
    );
    expect(report.ok).toBe(true);
    expect(formatVerifyReport(report)).toContain('2 keys changed while verify ran');
    source = await seededMemoryStore();
  });

  it('drills into a bounded number of buckets and says when the listed keys are a sample', async () => {
    const target = createMemoryStore();
    const report = await verify({
      source,
      target,
      only: ['activity'],
      maxListed: 5,
      maxDrilled: 5,
      drillBuckets: 2,
      recheckDelayMs: 0,
    });
    const activity = report.recordSets[0];
    expect(activity?.ok).toBe(false);
    expect(activity?.truncated).toBe(true);
    expect(activity?.differences).toHaveLength(5);
    expect(activity?.differences.every((d) => d.kind === 'missing-in-target')).toBe(true);
    expect(formatVerifyReport(report)).toContain('there may be more');
  });
});

describe('verify under traffic, many keys in flight', () => {
  it('drills past the listing bound: keys written during the run do not make equal stores fail', async () => {
    const clock = new TestClock();
    const start = new Date();
    const source = createMemoryStore({ clock });
    const target = createMemoryStore({ clock });
    // 30 users only the source has, written (by their timestamps) after verify started: in flight, not differences.
    clock.freeze(new Date(start.getTime() + 5_000));
    for (let i = 0; i < 30; i += 1) {
      await source.users.create({ email: `in-flight-${i}@example.com`, displayName: 'In flight' });
    }
    clock.freeze(start);
    const report = await verify({ source, target, only: ['users'], maxListed: 5, recheckDelayMs: 0, clock });
    const users = report.recordSets[0];
    expect(users).toMatchObject({ ok: true, truncated: false, differenceCount: 0, inFlightCount: 30 });
    expect(users?.inFlight).toHaveLength(5);
    expect(report.ok).toBe(true);
  });
});

describe('reconcile', () => {
  it('repairs changed, missing and target-only records until the stores match', async () => {
    const target = await copyOf(source);
    const [user] = await allRecords(target, 'users');
    await target.recordSets.users.putMany([{ ...user!, displayName: 'Wrong' }]);
    const [membership] = (await allRecords(target, 'memberships')).filter((m) => m.role === 'member');
    await target.memberships.leave(membership!.communityId, membership!.userId);
    const [post] = await allRecords(source, 'posts');
    const stray = await target.posts.addComment(post!.id, { authorId: user!.id, body: 'only here' });
    const members = new Set(
      (await allRecords(source, 'memberships'))
        .filter((m) => m.communityId === membership!.communityId)
        .map((m) => m.userId),
    );
    const outsider = (await allRecords(source, 'users')).find((u) => !members.has(u.id));
    await target.memberships.join(membership!.communityId, outsider!.id);

    const report = await reconcile({ source, target });
    // The lone comment goes too (deleteMany): nothing is left for an operator.
    expect(report.converged).toBe(true);
    const byName = Object.fromEntries(report.recordSets.map((set) => [set.recordSet, set]));
    expect(byName.comments).toMatchObject({ deleted: 1, unrepairable: [] });
    expect(byName.users?.copied).toBe(1);
    expect(byName.memberships).toMatchObject({ copied: 1, deleted: 1 });

    const after = await verify({ source, target, recheckDelayMs: 0 });
    expect(after.summary.recordSetsWithDifferences).toEqual([]);
    expect((await target.posts.listComments(post!.id)).items).not.toContainEqual(stray);
  });
});

describe('digests', () => {
  it('normalizes Dates and key order, and does not depend on record order', () => {
    const a = { b: new Date('2026-01-01T00:00:00.123Z'), a: [2, 1], c: { y: 1, x: undefined } };
    expect(canonicalJson(a)).toBe('{"a":[2,1],"b":"2026-01-01T00:00:00.123Z","c":{"y":1}}');
    expect(normalize({ z: 1, a: 2 })).toEqual({ a: 2, z: 1 });
    const left = new BucketDigests(8);
    const right = new BucketDigests(8);
    left.add('k1', '{"v":1}');
    left.add('k2', '{"v":2}');
    right.add('k2', '{"v":2}');
    right.add('k1', '{"v":1}');
    expect(left.differingBuckets(right)).toEqual([]);
    right.add('k3', '{"v":3}');
    expect(left.differingBuckets(right)).toEqual([bucketOf('k3', 8)]);
  });
});
