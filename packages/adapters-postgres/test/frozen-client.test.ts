import { setTimeout as sleep } from 'node:timers/promises';
import { CohortError } from '@cohort/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPostgresDataSource } from '../src/index.js';
import { startFixture, type Fixture } from './child-process.js';
import { openTestStore, type TestStore } from './postgres-test-database.js';

const serverUrl = inject('postgresUrl');
const IDLE_MS = 800;

/** The child's backend as the server sees it: its state, since when, and whether it holds the events table's row lock. */
async function backendOf(admin: pg.Client): Promise<{ state: string; since: Date; locksEvents: boolean } | undefined> {
  const { rows } = await admin.query<{ state: string; state_change: Date; locks_events: boolean }>(
    `SELECT a.state, a.state_change,
            EXISTS (SELECT 1 FROM pg_locks l
                     WHERE l.pid = a.pid AND l.locktype = 'relation' AND l.relation::regclass::text LIKE '%events'
                       AND l.mode IN ('RowShareLock', 'RowExclusiveLock')) AS locks_events
       FROM pg_stat_activity a
      WHERE a.application_name = 'event-writer-child' AND a.state <> 'idle'
      LIMIT 1`,
  );
  const row = rows[0];
  return row ? { state: row.state, since: row.state_change, locksEvents: row.locks_events } : undefined;
}

/**
 * Freezes the child (SIGSTOP) at random moments until one lands inside a transaction that holds the event's row
 * lock (after its SELECT … FOR UPDATE), as the server sees it 150 ms after the stop. Returns when that transaction
 * went idle.
 */
async function freezeHoldingTheLock(child: Fixture, admin: pg.Client): Promise<Date> {
  for (let attempt = 1; attempt <= 300; attempt += 1) {
    await sleep(5 + Math.random() * 40);
    child.child.kill('SIGSTOP');
    await sleep(150);
    const backend = await backendOf(admin);
    if (backend?.state === 'idle in transaction' && backend.locksEvents) return backend.since;
    child.child.kill('SIGCONT');
  }
  throw new Error('the child was never frozen holding the row lock in 300 tries');
}

describe('a client process frozen inside a transaction', () => {
  let opened: TestStore;
  let admin: pg.Client;
  const children: Fixture[] = [];

  beforeAll(async () => {
    // The test's own store gives up on a call after 5 s: without the server's bound it would wait that long.
    opened = await openTestStore(serverUrl, { dataSource: { timeoutMs: 5_000 } });
    admin = new pg.Client({ connectionString: opened.url });
    await admin.connect();
  }, 60_000);

  afterAll(async () => {
    for (const child of children) {
      child.child.kill('SIGCONT');
      await child.kill();
    }
    await admin?.end();
    await opened?.close();
  });

  it('loses its row locks and its transaction after idleInTransactionTimeoutMs, and hears why when it wakes', async () => {
    const event = await opened.store.events.create({
      title: 'Frozen writer',
      hostId: crypto.randomUUID(),
      startsAt: new Date('2030-01-01T10:00:00Z'),
      endsAt: new Date('2030-01-01T12:00:00Z'),
      capacity: 10,
    });
    const child = startFixture('event-writer-child', {
      url: opened.url,
      eventId: event.id,
      idleInTransactionTimeoutMs: IDLE_MS,
    });
    children.push(child);
    await child.until((lines) => lines.filter((line) => line.startsWith('updated ')).length >= 20);

    const idleSince = await freezeHoldingTheLock(child, admin);
    // The frozen transaction holds the event's row lock: this update waits for it, and gets it once the server has
    // ended that transaction (IDLE_MS after its last statement), long before this store's own 5 s deadline.
    const started = Date.now();
    const current = await opened.store.events.getById(event.id);
    const renamed = await opened.store.events.update(
      event.id,
      { title: 'written by a live instance' },
      current!.version,
    );
    const waitedMs = Date.now() - started;
    console.log(`update behind the frozen transaction waited ${waitedMs} ms (bound ${IDLE_MS} ms)`);
    // It was held until the bound (same host, same clock; 50 ms for the server's timer)…
    expect(Date.now() - idleSince.getTime()).toBeGreaterThanOrEqual(IDLE_MS - 50);
    // …and not much longer.
    expect(waitedMs).toBeLessThan(IDLE_MS + 2_000);
    expect(await backendOf(admin)).toBeUndefined(); // the frozen client's session is gone, not just its transaction

    // Woken, the child's call fails with UNAVAILABLE naming the cause, and its write is nowhere.
    child.child.kill('SIGCONT');
    await child.until((lines) => lines.some((line) => line.startsWith('error ')), 20_000);
    const failure = child.lines.find((line) => line.startsWith('error ')) ?? '';
    expect(failure).toMatch(
      /^error UNAVAILABLE PostgreSQL ended the transaction .*idle_in_transaction_session_timeout/,
    );
    expect(await child.exited).toBe(0);
    const stored = await opened.store.events.getById(event.id);
    expect(stored?.title).toBe('written by a live instance');
    expect(stored?.version).toBe(renamed.version);
  }, 90_000);

  it('is bounded by the call deadline unless told otherwise, and the option is checked', async () => {
    const shown = async (options: Parameters<typeof createPostgresDataSource>[0]): Promise<string> => {
      const dataSource = createPostgresDataSource(options);
      await dataSource.initialize();
      try {
        const rows = await dataSource.query<Record<string, string>[]>('SHOW idle_in_transaction_session_timeout');
        return rows[0]?.['idle_in_transaction_session_timeout'] ?? '';
      } finally {
        await dataSource.destroy();
      }
    };
    expect(await shown({ url: opened.url, poolSize: 1, timeoutMs: 4_000 })).toBe('4s');
    expect(await shown({ url: opened.url, poolSize: 1, idleInTransactionTimeoutMs: 700 })).toBe('700ms');
    for (const bad of [0, -1, 1.5]) {
      let thrown: unknown;
      try {
        createPostgresDataSource({ url: opened.url, idleInTransactionTimeoutMs: bad });
      } catch (error) {
        thrown = error;
      }
      expect(CohortError.is(thrown, 'VALIDATION')).toBe(true);
      expect((thrown as Error).message).toMatch(/idleInTransactionTimeoutMs must be a positive integer/);
    }
  });
});
