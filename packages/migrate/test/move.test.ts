import { createMemoryStore, type MemoryStore } from '@cohort/adapters-memory';
import { CohortError, type Change, type ChangeFeed, type User } from '@cohort/core';
import { generatePlatform, loadPlatform } from '@cohort/testkit';
import { describe, expect, it } from 'vitest';
import { memoryCheckpoint, move, verify, type MoveHandle } from '../src/index.js';
import { ChangeApplier } from '../src/move/apply-changes.js';
import { testSizes } from './support/platform.js';
import { exerciseEveryWrite } from './support/workload.js';

async function seeded(seed = 11): Promise<MemoryStore> {
  const store = createMemoryStore();
  await loadPlatform(store.recordSets, generatePlatform({ seed, scale: testSizes }));
  return store;
}

/** Writes through every port, round after round, until stopped: users, posts, comments, reactions, joins, leaves, removals, appends, purges. */
function workload(store: MemoryStore, prefix: string) {
  let running = true;
  let rounds = 0;
  const done = (async () => {
    while (running) {
      await exerciseEveryWrite(store, `${prefix}-${rounds}`);
      rounds += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    get rounds() {
      return rounds;
    },
    stop: async () => {
      running = false;
      await done;
    },
  };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the target holds a user written to the source last, and the move has read everything after it. */
async function caughtUp(source: MemoryStore, target: MemoryStore, handle: MoveHandle): Promise<void> {
  const marker = await source.users.create({ email: `marker-${Date.now()}@example.com`, displayName: 'Marker' });
  await until(async () => (await target.users.getById(marker.id)) !== null);
  const applied = handle.status().applied;
  await until(() => handle.status().lagMs === 0 && handle.status().applied >= applied && handle.status().waiting === 0);
}

describe('move', () => {
  it('ends equal to the source, with no dangling reference, under writes during the backfill and the follow', async () => {
    const source = await seeded();
    const target = createMemoryStore();
    const writes = workload(source, 'during');
    const handle = move({
      source,
      target,
      subscription: 'move_test',
      checkpoint: memoryCheckpoint(),
      backfill: { batchSize: 100 },
      readLimit: 200,
      waitMs: 50,
    });
    await until(() => handle.status().phase === 'follow');
    const roundsAtFollow = writes.rounds;
    await until(() => writes.rounds >= roundsAtFollow + 5);
    await writes.stop();
    await caughtUp(source, target, handle);
    handle.stop();
    const report = await handle.done;
    expect(report.applied).toBeGreaterThan(0);
    expect(report.lag.samples).toBeGreaterThan(0);
    expect(report.lag.p50Ms).not.toBeNull();
    expect(report.lag.p99Ms).toBeGreaterThanOrEqual(report.lag.p50Ms as number);
    const verified = await verify({ source, target, recheckDelayMs: 0 });
    expect(verified.summary).toMatchObject({ differences: 0, danglingReferences: 0 });
    expect(verified.ok).toBe(true);
  }, 120_000);

  it('resumes a move stopped during the backfill and one failing during the follow, losing nothing', async () => {
    const source = await seeded(12);
    const target = createMemoryStore();
    const checkpoint = memoryCheckpoint();
    const writes = workload(source, 'resume');
    const options = {
      source,
      subscription: 'move_resume',
      checkpoint,
      backfill: { batchSize: 50, parallelSets: 1 },
      readLimit: 50,
      waitMs: 20,
    };
    // Stopped after a few backfill batches: the subscription holds every change since the start.
    let batches = 0;
    const kill = new AbortController();
    const first = move({
      ...options,
      target,
      signal: kill.signal,
      backfill: {
        ...options.backfill,
        onProgress: (event) => {
          batches += event.type === 'batch' ? 1 : 0;
          if (batches >= 3) kill.abort();
        },
      },
    });
    await first.done.catch(() => undefined);
    const stopped = await checkpoint.load();
    expect(Object.values(stopped?.recordSets ?? {}).filter((set) => set.done).length).toBeLessThan(12);

    // Resumed; the target then fails mid-follow, after some batches were applied and acknowledged.

    let broken = false;
    const failing = {
      ...target,
      recordSets: {
        ...target.recordSets,
        posts: {
          ...target.recordSets.posts,
          putMany: async (records: Parameters<typeof target.recordSets.posts.putMany>[0]) => {
            if (broken) throw new Error('target crashed');
            await target.recordSets.posts.putMany(records);
          },
        },
      },
    };
    const second = move({ ...options, target: failing, resume: true });
    expect(second.status().subscription).toBe('move_resume');
    await until(() => second.status().phase === 'follow' && second.status().applied > 0);
    const puts = second.status().applied;
    broken = true;
    await expect(second.done).rejects.toThrow('target crashed');
    expect(second.status().phase).toBe('failed');
    expect(puts).toBeGreaterThan(0);

    const third = move({ ...options, target, resume: true });
    await until(() => third.status().phase === 'follow');
    expect(third.status().resumed).toBe(true);
    await writes.stop();
    await caughtUp(source, target, third);
    third.stop();
    const report = await third.done;
    expect(report.backfill.recordSets.every((set) => set.skipped)).toBe(true);
    const verified = await verify({ source, target, recheckDelayMs: 0 });
    expect(verified.summary).toMatchObject({ differences: 0, danglingReferences: 0 });
  }, 120_000);
});

describe('move.stop', () => {
  it('ends with a report when the session refuses the acknowledgement in flight once stopped (as DynamoDB does)', async () => {
    const source = createMemoryStore();
    const target = createMemoryStore();
    let acknowledging = false;
    let closed: () => void = () => undefined;
    const closing = new Promise<void>((resolve) => (closed = resolve));
    // A session whose acknowledgement is still in flight when stop() closes it, and fails for it.
    const changeFeed: ChangeFeed = {
      ...source.changeFeed,
      listSubscriptions: () => source.changeFeed.listSubscriptions(),
      createSubscription: (name, options) => source.changeFeed.createSubscription(name, options),
      openReader: async (name, options) => {
        const reader = await source.changeFeed.openReader(name, options);
        return {
          read: (readOptions) => reader.read(readOptions),
          acknowledge: async () => {
            acknowledging = true;
            await closing;
            throw CohortError.conflict(`Subscription ${name} is being read by another session`);
          },
          close: async () => {
            closed();
            await reader.close();
          },
        };
      },
    };
    const handle = move({ source: { ...source, changeFeed }, target, subscription: 'move_stop', waitMs: 20 });
    await until(() => handle.status().phase === 'follow');
    await source.users.create({ email: 'stopped@example.com', displayName: 'Stopped' });
    await until(() => acknowledging);
    handle.stop();
    const report = await handle.done;
    expect(handle.status().phase).toBe('stopped');
    expect(report.applied).toBe(0); // applied to the target, but not acknowledged: it comes again next time
  });
});

describe('ChangeApplier', () => {
  const user = (id: string, email: string): User => ({
    id,
    email,
    displayName: 'Holder',
    role: 'learner',
    status: 'active',
    createdAt: new Date('2024-01-01T00:00:00Z'),
    updatedAt: new Date('2024-01-01T00:00:00Z'),
    version: 1,
  });
  let position = 0;
  const change = (op: 'upsert' | 'delete', record: User): Change => ({
    recordSet: 'users',
    key: record.id,
    op,
    record: op === 'upsert' ? record : null,
    committedAt: new Date(),
    position: `p${(position += 1)}`,
  });

  it('lets a unique email change hands: a taker that arrives before the holder leaves waits, unacknowledged', async () => {
    const target = createMemoryStore();
    const holder = user('018f0000-0000-7000-8000-000000000001', 'shared@example.com');
    const taker = user('018f0000-0000-7000-8000-000000000002', 'shared@example.com');
    await target.recordSets.users.putMany([holder]);
    const applier = new ChangeApplier(target, new Set(['users']));
    const first = change('upsert', taker);
    const batch1 = await applier.apply([first]);
    expect(batch1).toMatchObject({ applied: 0, deferred: 1, acknowledge: null });
    const leave = change('delete', holder);
    const batch2 = await applier.apply([leave]);
    expect(batch2).toMatchObject({ deferred: 0, acknowledge: leave.position });
    expect(await target.users.findByEmail('shared@example.com')).toEqual(taker);
    expect(await target.users.getById(holder.id)).toBeNull();
  });

  it('applies the last image of a key once, and the swap of two emails within one batch', async () => {
    const target = createMemoryStore();
    const a = user('018f0000-0000-7000-8000-00000000000a', 'a@example.com');
    const b = user('018f0000-0000-7000-8000-00000000000b', 'b@example.com');
    await target.recordSets.users.putMany([a, b]);
    const applier = new ChangeApplier(target, new Set(['users']));
    const changes = [
      change('upsert', { ...a, email: 'temp@example.com', version: 2 }),
      change('upsert', { ...b, email: 'a@example.com', version: 2 }),
      change('upsert', { ...a, email: 'b@example.com', version: 3 }),
    ];
    const batch = await applier.apply(changes);
    expect(batch).toMatchObject({ applied: 2, superseded: 1, deferred: 0, acknowledge: changes[2]?.position });
    expect((await target.users.getById(a.id))?.email).toBe('b@example.com');
    expect((await target.users.getById(b.id))?.email).toBe('a@example.com');
  });
});
