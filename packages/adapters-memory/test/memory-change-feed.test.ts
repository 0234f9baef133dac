import { TestClock, expectCohortError } from '@cohort/testkit';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../src/index.js';

const DAY = 86_400_000;

describe('the memory change feed', () => {
  it('stamps changes with the store clock', async () => {
    const clock = new TestClock();
    const at = new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678));
    clock.freeze(at);
    const store = createMemoryStore({ clock });
    await store.changeFeed.createSubscription('stamps');
    const reader = await store.changeFeed.openReader('stamps');
    const user = await store.users.create({ email: 'ada@example.com', displayName: 'Ada' });
    const [change] = await reader.read();
    expect(change).toMatchObject({ recordSet: 'users', key: user.id, op: 'upsert', committedAt: at, record: user });
  });

  it('loses a reading session whose next changes passed the retention (POSITION_LOST at read), not only new sessions', async () => {
    const clock = new TestClock();
    clock.freeze(new Date(Date.UTC(2030, 0, 1)));
    const store = createMemoryStore({ clock, changeRetentionMs: DAY });
    await store.changeFeed.createSubscription('slow');
    const reader = await store.changeFeed.openReader('slow');
    await store.users.create({ email: 'a@example.com', displayName: 'A' });
    await store.users.create({ email: 'b@example.com', displayName: 'B' });
    expect(await reader.read({ limit: 1 })).toHaveLength(1);
    clock.advance(DAY + 1);
    await expectCohortError(reader.read(), 'POSITION_LOST');
    const [info] = await store.changeFeed.listSubscriptions();
    expect(info?.lag).toEqual({ changes: 2, bytes: null, ms: null });
  });

  it('keeps changes within the retention', async () => {
    const clock = new TestClock();
    clock.freeze(new Date(Date.UTC(2030, 0, 1)));
    const store = createMemoryStore({ clock, changeRetentionMs: DAY });
    await store.changeFeed.createSubscription('timely');
    await store.users.create({ email: 'a@example.com', displayName: 'A' });
    clock.advance(DAY - 1);
    const [info] = await store.changeFeed.listSubscriptions();
    expect(info?.lag).toEqual({ changes: 1, bytes: null, ms: DAY - 1 });
    const reader = await store.changeFeed.openReader('timely');
    expect(await reader.read()).toHaveLength(1);
  });

  it('refuses a retention that is not a positive number of milliseconds', () => {
    for (const changeRetentionMs of [0, -1, Number.NaN, '1' as unknown as number]) {
      expect(() => createMemoryStore({ changeRetentionMs })).toThrow(/changeRetentionMs/);
    }
  });
});
