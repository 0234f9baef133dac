import { CohortError, newId, type CohortStore, type Registration, type User } from '@cohort/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyItem } from './normalize.js';
import type { OpenedStore } from './stores.js';
import { HOUR } from './world.js';

/** A store whose server a test can kill and start again. */
export interface CrashTarget {
  readonly store: CohortStore;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

/** The error code of a rejection, or a description of something that is not a CohortError. */
export function codeOf(error: unknown): string {
  if (CohortError.is(error)) return error.code;
  return `not a CohortError: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function usersBatch(size: number): User[] {
  const at = new Date('2024-03-01T10:00:00.000Z');
  return Array.from({ length: size }, (_, index) => {
    const id = newId();
    return {
      id,
      email: `crash-${id}@example.com`,
      displayName: `Crash ${index}`,
      role: 'learner',
      status: 'active',
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
  });
}

export interface CrashOptions {
  /** Whether the server keeps every write it acknowledged through a SIGKILL (PostgreSQL does; DynamoDB Local not). */
  readonly durableAcknowledgements: boolean;
  /** Users per putMany batch; with `atomicBatch`, the interrupted batch must be all there or not at all. */
  readonly batchSize: number;
  readonly atomicBatch: boolean;
  /** How many users register at once for an event of `capacity` seats. */
  readonly registrants: number;
  readonly capacity: number;
}

/** What one crash showed, for the report (and RELIABILITY.md). */
export interface CrashReport {
  readonly putMany: {
    readonly batchesAcknowledged: number;
    readonly failedWith: string;
    /** Records of the interrupted batch found after the restart (each whole: the user and the email finding it). */
    readonly interruptedBatchFound: number;
    /** Records of acknowledged batches missing after the restart (DynamoDB Local only; see RELIABILITY.md). */
    readonly acknowledgedButLost: number;
  };
  readonly register: {
    readonly succeeded: number;
    readonly failed: number;
    /** Failed calls whose registration was found after the restart: committed, the response lost in the crash. */
    readonly failedButStored: number;
    /** Acknowledged registrations missing after the restart (DynamoDB Local only). */
    readonly acknowledgedButLost: number;
  };
}

/**
 * Kills the server while a putMany loop and a register burst are both in flight, then starts it again.
 *
 * While it is down: the putMany in flight, the registrations in flight and any new call fail with UNAVAILABLE
 * (nothing hangs, nothing else leaks out). After the restart: the first call succeeds; every user is there whole
 * (with the email guard or unique index entry that finds it) or not at all; with `atomicBatch` the interrupted batch
 * is all there or not at all; the event's counters equal its registrations (no registration without its seat, no
 * seat without its registration), in arrival order; with durable acknowledgements, everything acknowledged is there.
 * Writing the batches and registering every user again then completes both, each record once.
 */
export async function crashDuringWrites(target: CrashTarget, options: CrashOptions): Promise<CrashReport> {
  const { store } = target;
  const usersBefore = await store.recordSets.users.count();
  const startsAt = new Date(Date.now() + 24 * HOUR);
  const event = await store.events.create({
    title: 'Crash burst',
    hostId: newId(),
    startsAt,
    endsAt: new Date(startsAt.getTime() + HOUR),
    capacity: options.capacity,
  });

  const batches = Array.from({ length: 200 }, () => usersBatch(options.batchSize));
  const written: string[] = [];
  const writer = (async () => {
    for (const batch of batches) {
      try {
        await store.recordSets.users.putMany(batch);
        written.push('ok');
      } catch (error) {
        written.push(codeOf(error));
        return;
      }
    }
  })();
  await waitFor(() => written.length >= 1, 'a first batch to land');

  const registrants = Array.from({ length: options.registrants }, () => newId());
  let settled = 0;
  const burst = Promise.allSettled(
    registrants.map((userId) =>
      store.events.register(event.id, userId).finally(() => {
        settled += 1;
      }),
    ),
  );
  await waitFor(() => settled >= 2, 'the first registrations');

  await target.kill();
  const [, outcomes, down] = await Promise.all([
    writer,
    burst,
    store.users.getById(newId()).catch((error: unknown) => error),
  ]);
  const failedWith = written[written.length - 1] ?? 'none';
  expect(failedWith, 'the putMany in flight when the server died').toBe('UNAVAILABLE');
  expect(codeOf(down), 'a call while the server is down').toBe('UNAVAILABLE');
  const failed = registrants.filter((_, index) => outcomes[index]?.status === 'rejected');
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') {
      expect(codeOf(outcome.reason), 'a register cut off by the crash').toBe('UNAVAILABLE');
    }
  }
  expect(failed.length, 'the crash interrupted the burst').toBeGreaterThan(0);

  await target.restart();
  expect(await store.users.getById(newId()), 'the first call after the restart').toBeNull();

  // The batches: acknowledged ones, then the interrupted one.
  const acknowledged = written.length - 1;
  const touched = batches.slice(0, acknowledged + 1);
  const stored = new Map((await everyItem((page) => store.recordSets.users.scan(page))).map((u) => [u.id, u]));
  let batchLost = 0;
  let interruptedBatchFound = 0;
  for (const [index, batch] of touched.entries()) {
    // With durable acknowledgements the ends of each acknowledged batch suffice (the count below covers the rest).
    const checked = options.durableAcknowledgements && index < acknowledged ? [batch[0], batch.at(-1)] : batch;
    for (const user of checked as User[]) {
      const byId = stored.get(user.id) ?? null;
      const byEmail = await store.users.findByEmail(user.email);
      expect(byEmail?.id ?? null, `user ${user.id} and its email were written together or not at all`).toBe(
        byId ? user.id : null,
      );
      if (byId) expect(byId).toEqual(user);
      if (index === acknowledged && byId) interruptedBatchFound += 1;
      if (index < acknowledged && !byId) batchLost += 1;
    }
  }
  if (options.durableAcknowledgements) expect(batchLost, 'acknowledged batches survive').toBe(0);
  if (options.atomicBatch) {
    expect([0, options.batchSize], 'the interrupted batch is all there or not at all').toContain(interruptedBatchFound);
  }
  expect(await store.recordSets.users.count(), 'nothing but what was written').toBe(
    usersBefore + acknowledged * options.batchSize + interruptedBatchFound - batchLost,
  );

  // The burst.
  const registrations = await expectConsistentEvent(store, event.id);
  let registrationsLost = 0;
  for (const outcome of outcomes) {
    if (outcome.status !== 'fulfilled') continue;
    const found = registrations.find((r) => r.userId === outcome.value.userId);
    if (found) expect(found, 'an acknowledged registration is stored as returned').toEqual(outcome.value);
    else registrationsLost += 1;
  }
  if (options.durableAcknowledgements) expect(registrationsLost, 'acknowledged registrations survive').toBe(0);
  const registered = new Set(registrations.map((r) => r.userId));

  // Both completed by doing them again: idempotent upserts, idempotent registrations.
  for (const batch of touched) await store.recordSets.users.putMany(batch);
  expect(await store.recordSets.users.count(), 'writing the batches again completes them, once').toBe(
    usersBefore + touched.length * options.batchSize,
  );
  for (const userId of registrants) await store.events.register(event.id, userId);
  expect(await expectConsistentEvent(store, event.id), 'every user registered once').toHaveLength(options.registrants);
  expect(await store.events.getById(event.id)).toMatchObject({
    registeredCount: options.capacity,
    waitlistCount: options.registrants - options.capacity,
  });
  return {
    putMany: { batchesAcknowledged: acknowledged, failedWith, interruptedBatchFound, acknowledgedButLost: batchLost },
    register: {
      succeeded: registrants.length - failed.length,
      failed: failed.length,
      failedButStored: failed.filter((userId) => registered.has(userId)).length,
      acknowledgedButLost: registrationsLost,
    },
  };
}

/** Every registration of an event, checked against the event's counters and the arrival-order rules. */
export async function expectConsistentEvent(store: CohortStore, eventId: string): Promise<Registration[]> {
  const event = await store.events.getById(eventId);
  if (!event) throw new Error(`event ${eventId} is missing`);
  const registrations = await everyItem((page) => store.events.listRegistrations(eventId, {}, page));
  const seated = registrations.filter((r) => r.status === 'registered' || r.status === 'attended');
  const waiting = registrations.filter((r) => r.status === 'waitlisted');
  expect(event.registeredCount, 'registeredCount equals the seated registrations').toBe(seated.length);
  expect(event.waitlistCount, 'waitlistCount equals the waitlisted registrations').toBe(waiting.length);
  expect(seated.length).toBeLessThanOrEqual(event.capacity);
  expect(new Set(registrations.map((r) => r.position)).size, 'positions are unique').toBe(registrations.length);
  if (waiting.length > 0) {
    expect(seated.length, 'nobody waits while a seat is free').toBe(event.capacity);
    expect(Math.max(...seated.map((r) => r.position))).toBeLessThan(Math.min(...waiting.map((r) => r.position)));
  }
  return registrations;
}

/** A server of a crash test's own, which it can kill with SIGKILL and start again on the same port and data. */
export interface KillableServer {
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The crash test of one store: a server of the file's own (never the run's shared one), a store opened on it that lives
 * through the crash, and `crashDuringWrites` with the store's options; the report goes to the log.
 */
export function describeCrash<S extends KillableServer>(
  title: string,
  servers: { readonly start: () => Promise<S>; readonly open: (server: S) => Promise<OpenedStore> },
  options: CrashOptions,
): void {
  describe(title, () => {
    let server: S | undefined;
    let opened: OpenedStore | undefined;

    beforeAll(async () => {
      server = await servers.start();
      opened = await servers.open(server);
    });

    afterAll(async () => {
      await opened?.close().catch(() => undefined);
      await server?.stop();
    });

    it('a putMany and a register burst cut off by the crash: UNAVAILABLE, then each whole or absent', async () => {
      const killable = server;
      if (!killable || !opened) throw new Error('the server did not start');
      const report = await crashDuringWrites(
        { store: opened.store, kill: () => killable.kill(), restart: () => killable.restart() },
        options,
      );
      console.log(`${opened.adapter} crash: ${JSON.stringify(report)}`);
    });
  });
}
