import { createMemoryStore } from '@cohort/adapters-memory';
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
