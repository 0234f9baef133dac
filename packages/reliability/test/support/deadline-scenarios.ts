import { CohortError, newId, type CohortStore, type User } from '@cohort/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlackholeProxy } from './blackhole-proxy.js';
import { codeOf } from './crash-scenarios.js';
import { HOUR } from './world.js';

/** The store deadline the tests use: short, so a test spends seconds, not the default ten. */
export const TIMEOUT_MS = 1_500;

/** How late past its deadline a call may settle (timer granularity, a busy machine). */
const SLACK_MS = 1_000;

/** A server the test owns: it can stop answering (SIGSTOP) and answer again (SIGCONT). */
export interface FreezableServer {
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

/** A store under test, opened through the proxy with `timeoutMs` = TIMEOUT_MS. */
export interface DeadlineTarget {
  /** What kind of client the store has, for messages (e.g. `createDynamoClient`, `SDK defaults`). */
  readonly label: string;
  readonly store: CohortStore;
}

/** What one outage looked like for one call: its outcome and how long it took to settle. */
interface Settled {
  readonly call: string;
  /** `ok`, `pending`, or the error code. */
  readonly outcome: string;
  readonly message: string;
  /** The error under the UNAVAILABLE (the driver's, when it said anything). */
  readonly cause: string;
  readonly elapsedMs: number;
  readonly pending: boolean;
}

function user(): User {
  const at = new Date();
  const id = newId();
  return {
    id,
    email: `deadline-${id}@example.com`,
    displayName: 'Deadline',
    role: 'learner',
    status: 'active',
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

async function newEvent(store: CohortStore): Promise<string> {
  const startsAt = new Date(Date.now() + 24 * HOUR);
  const event = await store.events.create({
    title: 'Deadline',
    hostId: newId(),
    startsAt,
    endsAt: new Date(startsAt.getTime() + HOUR),
    capacity: 100,
  });
  return event.id;
}

/**
 * The calls in flight during an outage: reads (on a pooled connection when the store pools), a write, a bulk write,
 * a count, and three seat registrations for one event (the third queues behind the first two on DynamoDB's seat
 * gate).
 */
function callsOn(target: DeadlineTarget, eventId: string): { call: string; run: () => Promise<unknown> }[] {
  const { store } = target;
  return [
    { call: 'users.getById', run: () => store.users.getById(newId()) },
    { call: 'users.findByEmail', run: () => store.users.findByEmail(`nobody-${newId()}@example.com`) },
    { call: 'users.create', run: () => store.users.create({ email: `d-${newId()}@example.com`, displayName: 'D' }) },
    { call: 'recordSets.users.putMany', run: () => store.recordSets.users.putMany([user(), user(), user()]) },
    { call: 'recordSets.users.count', run: () => store.recordSets.users.count() },
    { call: 'events.register #1', run: () => store.events.register(eventId, newId()) },
    { call: 'events.register #2', run: () => store.events.register(eventId, newId()) },
    { call: 'events.register #3', run: () => store.events.register(eventId, newId()) },
  ].map(({ call, run }) => ({ call: `${target.label}: ${call}`, run }));
}

/** Starts every call at once and waits for each, giving up on one still pending well past its deadline. */
async function runAll(calls: { call: string; run: () => Promise<unknown> }[]): Promise<Settled[]> {
  const patience = TIMEOUT_MS + SLACK_MS + 3_000;
  return Promise.all(
    calls.map(async ({ call, run }): Promise<Settled> => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const pending = new Promise<'pending'>((resolve) => {
        timer = setTimeout(() => resolve('pending'), patience);
      });
      const outcome = await Promise.race([
        run().then(
          () => ({ outcome: 'ok', message: '', cause: '' }),
          (error: unknown) => ({
            outcome: codeOf(error),
            message: error instanceof Error ? error.message : '',
            cause:
              CohortError.is(error) && error.cause instanceof Error
                ? `${error.cause.name}: ${error.cause.message}`
                : '',
          }),
        ),
        pending,
      ]);
      clearTimeout(timer);
      const elapsedMs = Math.round(performance.now() - started);
      if (outcome === 'pending') return { call, outcome: 'pending', message: '', cause: '', elapsedMs, pending: true };
      return { call, ...outcome, elapsedMs, pending: false };
    }),
  );
}

/** Every call failed with UNAVAILABLE naming the deadline, each within TIMEOUT_MS + SLACK_MS of its start. */
function expectAllExpired(results: readonly Settled[], what: string): void {
  const pending = results.filter((result) => result.pending).map((result) => result.call);
  expect(pending, `${what}: calls still pending ${TIMEOUT_MS + SLACK_MS + 3_000} ms after they started`).toEqual([]);
  for (const result of results) {
    expect(result.outcome, `${what}: ${result.call} (${result.message})`).toBe('UNAVAILABLE');
    expect(result.elapsedMs, `${what}: ${result.call} settled after ${result.elapsedMs} ms`).toBeLessThanOrEqual(
      TIMEOUT_MS + SLACK_MS,
    );
    expect(result.message, `${what}: ${result.call}`).toMatch(/ did not answer within 1,500 ms \([\d,]+ ms elapsed\)$/);
  }
}

/**
 * `work` until it succeeds, for at most 30 s. Only for what a test does not assert: a cold JVM on a machine busy with
 * other test files can take longer than the short test deadline to answer its first requests.
 */
async function eventually<T>(work: () => Promise<T>): Promise<T> {
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (Date.now() > until || !CohortError.is(error) || error.code !== 'UNAVAILABLE') throw error;
      await sleep(100);
    }
  }
}

/**
 * After the outage the same stores serve calls again: every call succeeds. A call may meet the short test deadline
 * while the server works off what it received while frozen, or on a machine busy with other test files; it is then
 * made again (each makes new records), and the retries are reported. A store that kept a hung connection or socket
 * would fail every time.
 */
async function expectServing(targets: readonly DeadlineTarget[], what: string): Promise<void> {
  for (const target of targets) {
    let retries = 0;
    const again = <T>(work: () => Promise<T>): Promise<T> =>
      eventually(() =>
        work().catch((error: unknown) => {
          retries += 1;
          throw error;
        }),
      );
    const eventId = await again(() => newEvent(target.store));
    const results = await Promise.all(
      callsOn(target, eventId).map(({ call, run }) =>
        again(run).then(
          () => ({ call, outcome: 'ok', message: '' }),
          (error: unknown) => ({ call, outcome: codeOf(error), message: error instanceof Error ? error.message : '' }),
        ),
      ),
    );
    for (const result of results) {
      expect(result.outcome, `${what}: ${result.call} (${result.message})`).toBe('ok');
    }
    expect(await again(() => target.store.users.getById(newId())), `${what}: ${target.label}`).toBeNull();
    console.log(
      `${what}: ${target.label} served every call (${retries} attempts met the deadline and were made again)`,
    );
  }
}

/**
 * The deadline tests of one store: a server of the file's own behind a BlackholeProxy, stores opened through the
 * proxy with timeoutMs = 1,500 ms, warmed up (pooled connections open, an event to register for). While the server is
 * frozen (SIGSTOP), and again while the proxy drops everything, every call in flight fails with UNAVAILABLE within
 * 2.5 s; once the server answers again, the very same store objects serve every call.
 */
export function describeDeadlines<S extends FreezableServer>(
  title: string,
  servers: {
    readonly start: () => Promise<S>;
    /** Where clients reach `server` without the proxy. */
    readonly address: (server: S) => { readonly host: string; readonly port: number };
    /** Stores on `server`, reached at `proxied` (host:port of the proxy), with timeoutMs = TIMEOUT_MS. */
    readonly open: (
      server: S,
      proxied: { readonly host: string; readonly port: number },
    ) => Promise<{ readonly targets: readonly DeadlineTarget[]; close(): Promise<void> }>;
  },
): void {
  describe(title, () => {
    let server: S | undefined;
    let proxy: BlackholeProxy | undefined;
    let opened: { readonly targets: readonly DeadlineTarget[]; close(): Promise<void> } | undefined;

    beforeAll(async () => {
      server = await servers.start();
      proxy = await BlackholeProxy.start(servers.address(server));
      opened = await servers.open(server, { host: '127.0.0.1', port: proxy.port });
    });

    afterAll(async () => {
      server?.thaw();
      proxy?.blackhole(false);
      // A store whose calls never ended (the regression these tests catch) may never close: give up after 10 s.
      await Promise.race([opened?.close().catch(() => undefined), sleep(10_000, undefined, { ref: false })]);
      await proxy?.close();
      await server?.stop();
    });

    async function outage(what: string, start: () => void, end: () => void): Promise<void> {
      if (!opened) throw new Error('the stores did not open');
      const { targets } = opened;
      // Warm: pooled connections and keep-alive sockets open, and an event for each store to register for.
      const events = await Promise.all(targets.map((target) => eventually(() => newEvent(target.store))));
      await Promise.all(
        targets.flatMap((target) => [1, 2, 3].map(() => eventually(() => target.store.users.getById(newId())))),
      );
      start();
      let results: Settled[];
      try {
        results = await runAll(targets.flatMap((target, index) => callsOn(target, events[index] as string)));
      } finally {
        end();
      }
      console.log(
        `${title}, ${what}: ${results.map((r) => `${r.call} ${r.outcome} after ${r.elapsedMs} ms${r.cause ? ` (${r.cause})` : ''}`).join('; ')}`,
      );
      const sample = results.find((result) => result.outcome === 'UNAVAILABLE');
      if (sample) console.log(`${title}, ${what}: e.g. "${sample.message}"`);
      expectAllExpired(results, what);
      await expectServing(targets, `after ${what}`);
    }

    it('every call in flight while the server is frozen (SIGSTOP) fails with UNAVAILABLE by its deadline, and the same store serves calls after SIGCONT', async () => {
      const frozen = server;
      if (!frozen) throw new Error('the server did not start');
      await outage(
        'server frozen',
        () => frozen.freeze(),
        () => frozen.thaw(),
      );
    });

    it('every call in flight while the network drops everything fails with UNAVAILABLE by its deadline, and the same store serves calls once it carries traffic again', async () => {
      const hole = proxy;
      if (!hole) throw new Error('the proxy did not start');
      await outage(
        'network blackholed',
        () => hole.blackhole(true),
        () => hole.blackhole(false),
      );
    });
  });
}
