import type { ChangeFeed, CohortStore, User } from '@cohort/core';
import { percentile } from '../harness/stats.js';

/** Commit → delivery latency of one scenario. */
export interface DeliveryResult {
  readonly scenario: string;
  readonly writers: number;
  readonly writes: number;
  /** Writes per second the writers achieved. */
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Writes whose change never came within the wait (should be 0). */
  readonly missing: number;
}

export interface DrainResult {
  readonly changes: number;
  readonly seconds: number;
  readonly perSecond: number;
}

export interface WriteCostResult {
  readonly samples: number;
  /** p50 of a single-row update with no subscription reading. */
  readonly offP50: number;
  /** p50 of the same update while a subscription is read. */
  readonly onP50: number;
  readonly ratio: number;
}

/** Users the writers edit, each owned by one lane so its expected version is always known. */
export async function makeUsers(store: CohortStore, count: number, tag: string): Promise<User[]> {
  const users: User[] = [];
  for (let start = 0; start < count; start += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - start) }, (_, offset) =>
        store.users.create({
          email: `${tag}-${start + offset}@bench.example`,
          displayName: `${tag} ${start + offset}`,
        }),
      ),
    );
    users.push(...batch);
  }
  return users;
}

/**
 * Follows a subscription in the background and notes when each user edit arrived, by the display name the edit
 * wrote (unique per write). `stop` ends it and returns the arrival times.
 */
function follow(feed: ChangeFeed, name: string) {
  const arrived = new Map<string, number>();
  let stopped = false;
  const running = (async () => {
    const reader = await feed.openReader(name);
    try {
      while (!stopped) {
        const changes = await reader.read({ limit: 1_000, waitMs: 200 });
        const now = performance.now();
        for (const change of changes) {
          if (change.recordSet === 'users' && change.record) arrived.set(change.record.displayName, now);
        }
        const last = changes.at(-1);
        if (last) await reader.acknowledge(last.position);
      }
    } finally {
      await reader.close();
    }
  })();
  return {
    arrived,
    stop: async () => {
      stopped = true;
      await running;
      return arrived;
    },
  };
}

/** One edit of `user` (the display name is the write's label); returns the user as stored. */
async function edit(store: CohortStore, user: User, label: string): Promise<User> {
  return store.users.update(user.id, { displayName: label }, user.version);
}

/**
 * Commit → delivery latency: `writers` lanes each edit their own users, back to back or paced to `ratePerSecond`
 * overall; the acknowledged time of each write is compared with the time the follower read its change.
 */
export async function measureDelivery(
  store: CohortStore,
  feed: ChangeFeed,
  options: {
    readonly scenario: string;
    readonly users: User[];
    readonly writers: number;
    readonly writes: number;
    readonly ratePerSecond?: number;
    readonly subscription: string;
  },
): Promise<DeliveryResult> {
  await feed.createSubscription(options.subscription);
  const follower = follow(feed, options.subscription);
  const acknowledged = new Map<string, number>();
  // Updated in place: the next scenario edits the users at the versions this one left them.
  const current = options.users;
  const perLane = Math.ceil(options.writes / options.writers);
  const started = performance.now();
  const interval = options.ratePerSecond ? 1_000 / options.ratePerSecond : 0;
  await Promise.all(
    Array.from({ length: options.writers }, async (_, lane) => {
      for (let i = 0; i < perLane; i += 1) {
        const n = lane + i * options.writers;
        if (n >= options.writes) return;
        if (interval > 0) {
          const due = started + n * interval;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        // Lane `lane` owns users lane, lane + writers, …: no two writes race on one user's version.
        const slot = lane + (i % Math.floor(current.length / options.writers)) * options.writers;
        const label = `${options.subscription}-${n}`;
        current[slot] = await edit(store, current[slot] as User, label);
        acknowledged.set(label, performance.now());
      }
    }),
  );
  const elapsed = performance.now() - started;
  // Give the last changes time to arrive, then stop following.
  const deadline = performance.now() + 10_000;
  while (follower.arrived.size < acknowledged.size && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const arrived = await follower.stop();
  await feed.dropSubscription(options.subscription);
  const latencies: number[] = [];
  let missing = 0;
  for (const [label, at] of acknowledged) {
    const came = arrived.get(label);
    if (came === undefined) missing += 1;
    // A change can be read before the writer's promise resolves: that counts as no delay, not a negative one.
    else latencies.push(Math.max(0, came - at));
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    scenario: options.scenario,
    writers: options.writers,
    writes: acknowledged.size,
    rate: (acknowledged.size / elapsed) * 1_000,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] ?? 0) : 0,
    missing,
  };
}

/** Backlog drain: `changes` edits written through putMany while nobody reads, then read back as fast as possible. */
export async function measureDrain(
  store: CohortStore,
  feed: ChangeFeed,
  users: User[],
  changes: number,
  log: (line: string) => void,
): Promise<DrainResult> {
  await feed.createSubscription('bench_drain');
  let written = 0;
  for (let round = 0; written < changes; round += 1) {
    for (let start = 0; start < users.length && written < changes; start += 1_000) {
      const batch = users
        .slice(start, Math.min(start + 1_000, start + changes - written))
        .map((user) => ({ ...user, displayName: `drain ${round} ${user.id.slice(-6)}` }));
      await store.recordSets.users.putMany(batch);
      written += batch.length;
    }
    if (round % 10 === 0)
      log(`drain: ${written.toLocaleString('en-US')} of ${changes.toLocaleString('en-US')} changes written`);
  }
  const reader = await feed.openReader('bench_drain');
  const started = performance.now();
  let read = 0;
  try {
    while (read < changes) {
      const batch = await reader.read({ limit: 10_000, waitMs: 2_000 });
      if (batch.length === 0) break;
      read += batch.filter((change) => change.recordSet === 'users').length;
      const last = batch.at(-1);
      if (last) await reader.acknowledge(last.position);
    }
  } finally {
    await reader.close();
  }
  const seconds = (performance.now() - started) / 1_000;
  await feed.dropSubscription('bench_drain');
  return { changes: read, seconds, perSecond: read / seconds };
}

/**
 * What the feed costs a writer: single-row updates back to back, in interleaved rounds with no subscription at all
 * and with one being read, the p50 of each side over every round.
 */
export async function measureWriteCost(
  store: CohortStore,
  feed: ChangeFeed,
  users: User[],
  options: { readonly rounds: number; readonly perRound: number },
): Promise<WriteCostResult> {
  const off: number[] = [];
  const on: number[] = [];
  const current = users;
  let n = 0;
  const run = async (into: number[]) => {
    for (let i = 0; i < options.perRound; i += 1) {
      const slot = n % current.length;
      const started = performance.now();
      current[slot] = await edit(store, current[slot] as User, `cost-${n}`);
      into.push(performance.now() - started);
      n += 1;
    }
  };
  for (let round = 0; round < options.rounds; round += 1) {
    await run(off);
    await feed.createSubscription('bench_cost');
    const follower = follow(feed, 'bench_cost');
    await run(on);
    await follower.stop();
    await feed.dropSubscription('bench_cost');
  }
  const offP50 = percentile(Float64Array.from(off).sort(), 50);
  const onP50 = percentile(Float64Array.from(on).sort(), 50);
  return { samples: off.length, offP50, onP50, ratio: onP50 / offP50 };
}
