import type { ChangeFeed, User } from '@cohort/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFixture, type Fixture } from './child-process.js';
import { openTestStore, type TestStore } from './postgres-test-database.js';

const serverUrl = inject('postgresUrl');

const startConsumer = (url: string, subscription: string): Fixture =>
  startFixture('feed-consumer-child', { url, subscription, limit: 7 });

const keysGot = (lines: readonly string[]): string[] =>
  lines.filter((line) => line.startsWith('got ')).map((line) => line.slice(4));

function users(count: number): User[] {
  const at = new Date('2026-05-06T07:08:09.010Z');
  return Array.from({ length: count }, () => {
    const id = crypto.randomUUID();
    return {
      id,
      email: `${id}@example.com`,
      displayName: 'Crash',
      role: 'learner' as const,
      status: 'active' as const,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
  });
}

describe('change feed consumer killed with SIGKILL mid-batch', () => {
  let opened: TestStore;
  const consumers: Fixture[] = [];

  beforeAll(async () => {
    opened = await openTestStore(serverUrl);
  }, 60_000);

  afterAll(async () => {
    for (const consumer of consumers) await consumer.kill();
    await opened.close();
  });

  it('resumes in a new process with every change at least once, none missing', async () => {
    const feed = opened.store.changeFeed as ChangeFeed;
    const subscription = `crash_${crypto.randomUUID().replace(/-/g, '').slice(0, 8)}`;
    await feed.createSubscription(subscription);
    // Transactions of 5 records and batches of 7: acknowledgements often fall inside a transaction.
    const before = users(200);
    for (let i = 0; i < before.length; i += 5) await opened.store.recordSets.users.putMany(before.slice(i, i + 5));

    const first = startConsumer(opened.url, subscription);
    consumers.push(first);
    await first.until((lines) => keysGot(lines).length >= 100 && lines.includes('acked'));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const firstLines = [...first.lines];
    const lastAck = firstLines.lastIndexOf('acked');
    const notAcknowledged = keysGot(firstLines.slice(lastAck + 1));
    // The kill came after the batch was read and before it was acknowledged (the consumer applies each change in 1 ms).
    expect(firstLines.length).toBeGreaterThan(lastAck + 1);

    // Written while no consumer runs.
    const after = users(100);
    for (let i = 0; i < after.length; i += 5) await opened.store.recordSets.users.putMany(after.slice(i, i + 5));

    // The server ends the dead consumer's session when its connection drops; wait for that rather than race it.
    for (let i = 0; i < 200; i += 1) {
      const rows = await opened.dataSource.query<{ active: boolean }[]>(
        `SELECT active FROM pg_replication_slots WHERE slot_name LIKE '%\\_' || $1`,
        [subscription],
      );
      if (rows[0]?.active === false) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const everyKey = [...before, ...after].map((user) => user.id);
    const second = startConsumer(opened.url, subscription);
    consumers.push(second);
    await second.until((lines) => {
      const seen = new Set([...keysGot(firstLines), ...keysGot(lines)]);
      return everyKey.every((key) => seen.has(key));
    });
    second.child.kill('SIGKILL');
    await second.exited;

    const secondKeys = keysGot(second.lines);
    const seen = new Set([...keysGot(firstLines), ...secondKeys]);
    expect(
      everyKey.filter((key) => !seen.has(key)),
      'changes never delivered',
    ).toEqual([]);
    // What the first consumer read but did not acknowledge came again.
    expect(notAcknowledged.length).toBeGreaterThan(0);
    expect(
      notAcknowledged.filter((key) => !secondKeys.includes(key)),
      'unacknowledged, not redelivered',
    ).toEqual([]);
    // Delivery order is commit order in both sessions.
    const order = new Map(everyKey.map((key, index) => [key, index]));
    const positions = secondKeys.map((key) => order.get(key) ?? -1);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  }, 120_000);

  it('frozen with SIGSTOP mid-stream while writes go on, woken, reads on: every change exactly once, in order', async () => {
    const feed = opened.store.changeFeed as ChangeFeed;
    const subscription = `frozen_${crypto.randomUUID().replace(/-/g, '').slice(0, 8)}`;
    await feed.createSubscription(subscription);
    const before = users(100);
    for (let i = 0; i < before.length; i += 5) await opened.store.recordSets.users.putMany(before.slice(i, i + 5));
    const consumer = startConsumer(opened.url, subscription);
    consumers.push(consumer);
    await consumer.until((lines) => keysGot(lines).length >= 30);
    consumer.child.kill('SIGSTOP');
    // 3 s frozen (well inside wal_sender_timeout): its session stays, the writes pile up behind it.
    const during = users(100);
    for (let i = 0; i < during.length; i += 5) await opened.store.recordSets.users.putMany(during.slice(i, i + 5));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const wokenAt = performance.now();
    consumer.child.kill('SIGCONT');
    const everyKey = [...before, ...during].map((user) => user.id);
    await consumer.until((lines) => keysGot(lines).length >= everyKey.length);
    const catchUpMs = Math.round(performance.now() - wokenAt);
    consumer.child.kill('SIGKILL');
    await consumer.exited;
    // One session throughout: nothing redelivered, nothing skipped, commit order.
    expect(keysGot(consumer.lines)).toEqual(everyKey);
    console.log(`PostgreSQL consumer frozen 3 s behind 100 changes: caught up ${catchUpMs} ms after SIGCONT`);
  }, 120_000);
});
