import { createMemoryStore } from '@cohort/adapters-memory';
import { CohortError } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import { checkTraffic, startTraffic } from '../../src/generator/index.js';

describe('traffic', () => {
  it('writes the whole mix, and its ledger matches the store it wrote to', async () => {
    const store = createMemoryStore();
    const ops = new Set<string>();
    const traffic = await startTraffic(store, { tag: 't1', writesPerSecond: 2_000, onWrite: (w) => ops.add(w.op) });
    await new Promise((resolve) => setTimeout(resolve, 700));
    const report = await traffic.stop();
    expect(report.errors).toEqual({});
    expect(report.acknowledged).toBeGreaterThan(300);
    for (const op of ['update-profile', 'join', 'leave', 'register', 'cancel', 'post', 'comment', 'react', 'append']) {
      expect(ops, op).toContain(op);
    }
    expect(await checkTraffic(store, report.ledger)).toEqual([]);
  });

  it('keeps its ledger true when a write lands but is answered UNAVAILABLE (outcome unknown)', async () => {
    const store = createMemoryStore();
    const landed =
      <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        await write(...args);
        throw CohortError.unavailable('the answer was lost');
      };
    const flaky = {
      ...store,
      users: { ...store.users, update: landed(store.users.update.bind(store.users)) },
      memberships: { ...store.memberships, join: landed(store.memberships.join.bind(store.memberships)) },
      posts: { ...store.posts, react: landed(store.posts.react.bind(store.posts)) },
    } as typeof store;
    for (const method of ['getById', 'findByEmail', 'list', 'create'] as const) {
      (flaky.users as unknown as Record<string, unknown>)[method] = store.users[method].bind(store.users);
    }
    const traffic = await startTraffic(flaky, { tag: 't3', writesPerSecond: 2_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const report = await traffic.stop();
    expect(report.errors['UNAVAILABLE']).toBeGreaterThan(10);
    expect(await checkTraffic(store, report.ledger)).toEqual([]);
  });

  it('finds what the store of record lost', async () => {
    const store = createMemoryStore();
    const traffic = await startTraffic(store, { tag: 't2', writesPerSecond: 2_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { ledger } = await traffic.stop();
    const [userId] = Object.keys(ledger.users) as [string];
    const user = await store.users.getById(userId);
    await store.users.update(userId, { displayName: 'Someone else' }, user!.version);
    const [postId] = Object.entries(ledger.posts).find(([, live]) => live) as [string, boolean];
    await store.posts.remove(postId);
    const problems = await checkTraffic(store, ledger);
    expect(problems.some((p) => p.startsWith(`user ${userId}`))).toBe(true);
    expect(problems.some((p) => p.startsWith(`post ${postId}`))).toBe(true);
  });
});
