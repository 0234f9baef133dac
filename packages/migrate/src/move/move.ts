import {
  CohortError,
  systemClock,
  type Change,
  type ChangeFeed,
  type ChangeReader,
  type Clock,
  type RecordSet,
  type RecordSetName,
} from '@cohort/core';
import { parseSubscriptionName } from '@cohort/core/adapter';
import { backfill, type BackfillOptions, type BackfillReport } from '../backfill/backfill.js';
import type { CheckpointStore } from '../backfill/checkpoint.js';
import { selectRecordSets } from '../record-graph.js';
import type { MigrationEndpoint } from '../shared/endpoint.js';
import { sleep } from '../shared/scan.js';
import { ChangeApplier, refusedForNow } from './apply-changes.js';
import { LagRecorder, type LagSample, type LagSummary } from './lag.js';

/** The store moved from: its migration face and its change feed. */
export type MoveSource = MigrationEndpoint & { readonly changeFeed: ChangeFeed };

export interface MoveOptions {
  readonly source: MoveSource;
  /** The store moved to: only its migration face is written (putMany, deleteMany). */
  readonly target: MigrationEndpoint;
  /**
   * The source feed's subscription the move follows (a name of `parseSubscriptionName`'s form). Created at the
   * source's current position before the backfill starts; reused on `resume`. Left in place when the move stops
   * (the cut-over, or the next run, continues from it): drop it with `changeFeed.dropSubscription` when done.
   */
  readonly subscription: string;
  /** Move only these record sets (changes of others are acknowledged and skipped); all by default. */
  readonly only?: readonly RecordSetName[];
  /** The backfill's checkpoint: where a killed backfill resumes. Without one a resumed move backfills again. */
  readonly checkpoint?: CheckpointStore;
  /**
   * Continue a move that was stopped or killed: the subscription is reused (its changes since the first start still
   * held), the backfill resumes from its checkpoint (or is skipped when done). Without it an existing subscription of
   * that name is dropped and everything starts over.
   */
  readonly resume?: boolean;
  /** Names the pair of stores in the checkpoint (e.g. `postgres->dynamo`). */
  readonly label?: string;
  /** Backfill tuning: batchSize, concurrency, parallelSets, countTotals, onProgress. */
  readonly backfill?: Pick<
    BackfillOptions,
    'batchSize' | 'concurrency' | 'parallelSets' | 'countTotals' | 'onProgress'
  >;
  /**
   * Follow only: the subscription must exist (it is reused whatever `resume` says) and nothing is backfilled. For a
   * reverse replication whose subscription was created while the writes were fenced, so the source held everything.
   */
  readonly skipBackfill?: boolean;
  /** Changes read per batch (1–10,000; default 1,000). */
  readonly readLimit?: number;
  /** How long a read waits for changes when none are ready (default 500 ms). */
  readonly waitMs?: number;
  /** How often the subscription's backlog is asked for (default 2,000 ms; it costs a query on some stores). */
  readonly backlogEveryMs?: number;
  /** After every batch applied (and every empty read, with lag 0): the lag. */
  readonly onLag?: (sample: LagSample, status: MoveStatus) => void;
  /** Stops following (after the batch in progress); same as `stop()`. */
  readonly signal?: AbortSignal;
  /** For lag (default: system clock). */
  readonly clock?: Clock;
}

export type MovePhase = 'starting' | 'backfill' | 'follow' | 'stopped' | 'failed';

export interface MoveStatus {
  readonly phase: MovePhase;
  readonly subscription: string;
  /** True when the subscription was found and reused rather than created. */
  readonly resumed: boolean;
  /** Changes applied to the target while following. */
  readonly applied: number;
  /** Batches read while following (empty reads not counted). */
  readonly batches: number;
  /** Changes waiting for a parent, a unique value or their children, and a few of their keys. */
  readonly waiting: number;
  readonly waitingKeys: readonly string[];
  /**
   * The last lag measured (null before the first): now − commit time of the newest change read, after its batch was
   * applied; 0 after a read that found nothing. A sample, not a promise: a read can find nothing while the source has
   * yet to send what it holds (PostgreSQL's walsender catching up), so the switch's gate times a probe marker instead.
   */
  readonly lagMs: number | null;
  readonly backlog: number | null;
  /** Commit time of the newest change read and applied (or skipped, outside `only`). */
  readonly lastCommittedAt: Date | null;
  /** True once a read found nothing left: the target had every change acknowledged so far. */
  readonly caughtUp: boolean;
}

export interface MoveReport {
  readonly subscription: string;
  readonly resumed: boolean;
  readonly backfill: BackfillReport;
  /**
   * Records the backfill scanned that the target refused for now (a child whose parent was created after the
   * parents were copied, a unique value its old holder still holds in the target): each one was written after the
   * subscription's position, so the follow applies it from the feed.
   */
  readonly leftToFeed: number;
  readonly applied: number;
  readonly batches: number;
  readonly waiting: number;
  readonly lag: LagSummary;
  readonly elapsedMs: number;
}

/** A move in progress: it follows the source until stopped. */
export interface MoveHandle {
  /** Settles when the move stops (after `stop()` or the signal) or fails. */
  readonly done: Promise<MoveReport>;
  /** Stops following after the batch in progress; the subscription stays where the target is. */
  stop(): void;
  status(): MoveStatus;
  /** The lag so far. */
  lag(): LagSummary;
  /**
   * Resolves once the follow heard `marker` (written to the source with `changeFeed.writeMarker`), the target holds
   * every change read before it and nothing waits: then the target holds everything the source held when the marker
   * was written. UNAVAILABLE when `timeoutMs` passes first, and when the move stops or fails meanwhile.
   */
  awaitMarker(marker: string, options: { readonly timeoutMs: number }): Promise<void>;
}

/** How long a resumed move waits for the store to end a killed process's reading session. */
const SESSION_TAKEOVER_MS = 90_000;

/**
 * An online move: takes a subscription at the source's current position, backfills (resumable), then applies the
 * feed from that position to the target continuously — after-images as idempotent upserts, deletes as deletes, the
 * last image of each key winning, parents before children and children before parents where it matters, and what
 * the target refuses for now (a child before its parent, a unique value still held) retried — acknowledging each
 * batch only after the target acknowledged it. Killed at any point, it resumes with `resume: true`: the backfill from
 * its checkpoint, the follow from the last acknowledged change (redelivered changes are applied again, which changes
 * nothing).
 */
export function move(options: MoveOptions): MoveHandle {
  const name = parseSubscriptionName(options.subscription);
  const selected = new Set(selectRecordSets(options.only));
  const clock = options.clock ?? systemClock;
  const stopper = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopper.signal]) : stopper.signal;
  const lag = new LagRecorder();
  const applier = new ChangeApplier(options.target, selected, signal);
  let state: Omit<MoveStatus, 'waiting' | 'waitingKeys'> = {
    phase: 'starting',
    subscription: name,
    resumed: false,
    applied: 0,
    batches: 0,
    lagMs: null,
    backlog: null,
    lastCommittedAt: null,
    caughtUp: false,
  };
  const status = (): MoveStatus => ({ ...state, waiting: applier.waiting, waitingKeys: applier.waitingKeys() });

  /** Markers heard whose batch is not yet all in the target, and the markers applied (the last few hundred). */
  const heard: string[] = [];
  const markers = new MarkerWaiters();

  let leftToFeed = 0;
  const run = async (): Promise<MoveReport> => {
    const started = performance.now();
    const feed = options.source.changeFeed;
    const existing = (await feed.listSubscriptions()).find((info) => info.name === name);
    if (options.skipBackfill) {
      if (!existing) throw CohortError.notFound('Subscription', name);
      state = { ...state, resumed: true };
    } else if (existing && options.resume) {
      state = { ...state, resumed: true };
    } else {
      if (existing) await feed.dropSubscription(name);
      // Before the backfill reads anything: every change its scans may miss comes after this position.
      await feed.createSubscription(name);
    }
    state = { ...state, phase: 'backfill' };
    const copied = options.skipBackfill
      ? skippedBackfill()
      : await backfill({
          ...options.backfill,
          source: options.source,
          target: leavingRefusedToFeed(options.target, () => (leftToFeed += 1)),
          only: [...selected],
          ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
          resume: options.resume === true && options.checkpoint !== undefined,
          ...(options.label !== undefined ? { label: options.label } : {}),
          signal,
        });
    state = { ...state, phase: 'follow' };
    if (!signal.aborted) await follow(feed);
    state = { ...state, phase: 'stopped' };
    return {
      subscription: name,
      resumed: state.resumed,
      backfill: copied,
      leftToFeed,
      applied: state.applied,
      batches: state.batches,
      waiting: applier.waiting,
      lag: lag.summary(),
      elapsedMs: Math.round(performance.now() - started),
    };
  };

  const follow = async (feed: ChangeFeed): Promise<void> => {
    const reader = await openReader(feed, name, signal, (marker) => heard.push(marker));
    if (reader === null) return;
    const closeOnStop = () => void reader.close();
    signal.addEventListener('abort', closeOnStop, { once: true });
    const backlogEvery = options.backlogEveryMs ?? 2_000;
    let backlogAt = 0;
    try {
      while (!signal.aborted) {
        const changes = await reader.read({ limit: options.readLimit ?? 1_000, waitMs: options.waitMs ?? 500 });
        if (signal.aborted) break;
        let applied = 0;
        let lastCommittedAt = state.lastCommittedAt;
        if (changes.length > 0) {
          const batch = await applier.apply(changes);
          // Acknowledged only now that the target holds the batch (all but what waits): a crash before this line
          // redelivers it, and applying it again changes nothing.
          if (batch.acknowledge !== null) await reader.acknowledge(batch.acknowledge);
          applied = batch.applied;
          // Every change read counts, moved or skipped: a batch of other sets' changes is progress through the log.
          lastCommittedAt = newestOf(changes) ?? lastCommittedAt;
        } else if (applier.waiting > 0) {
          const batch = await applier.apply([]);
          if (batch.acknowledge !== null) await reader.acknowledge(batch.acknowledge);
          applied = batch.applied;
        }
        const now = clock.now().getTime();
        let backlog = state.backlog;
        if (now - backlogAt >= backlogEvery) {
          backlogAt = now;
          backlog = await backlogOf(feed, name);
        }
        // A marker heard during this read is applied once the target holds all that came before it: the batch just
        // acknowledged, and nothing waiting.
        if (heard.length > 0 && applier.waiting === 0) markers.applied(heard.splice(0));
        const caughtUp = changes.length === 0 && applier.waiting === 0;
        const lagMs = caughtUp ? 0 : lastCommittedAt === null ? null : Math.max(0, now - lastCommittedAt.getTime());
        state = {
          ...state,
          applied: state.applied + applied,
          batches: state.batches + (changes.length > 0 ? 1 : 0),
          lastCommittedAt,
          lagMs,
          backlog,
          caughtUp: state.caughtUp || caughtUp,
        };
        if (lagMs === null) continue;
        const sample: LagSample = { at: now, lagMs, backlog, applied };
        if (changes.length > 0) lag.record(sample);
        options.onLag?.(sample, status());
      }
    } catch (error) {
      // Stopped mid-batch: closing the session on stop can fail the read or the acknowledgement in flight (DynamoDB
      // refuses an acknowledgement once its session released the lease). The subscription stays where the target is;
      // what was applied and not acknowledged comes again next time, and applying it again changes nothing.
      if (!signal.aborted) throw error;
    } finally {
      signal.removeEventListener('abort', closeOnStop);
      await reader.close();
    }
  };

  const done = run().catch((error: unknown) => {
    state = { ...state, phase: 'failed' };
    throw error;
  });
  // The caller may only ever call stop(); a failure is still reported through `done`.
  done.catch(() => undefined);
  void done.then(
    () => markers.end('the move stopped'),
    (error: unknown) => markers.end(`the move failed: ${error instanceof Error ? error.message : String(error)}`),
  );
  return {
    done,
    stop: () => stopper.abort(),
    status,
    lag: () => lag.summary(),
    awaitMarker: (marker, { timeoutMs }) => markers.wait(marker, timeoutMs),
  };
}

/** The newest commit time among changes (a session delivers them in commit order per key, not always overall). */
function newestOf(changes: readonly Change[]): Date | null {
  let newest: Date | null = null;
  for (const change of changes) if (newest === null || change.committedAt > newest) newest = change.committedAt;
  return newest;
}

/** Callers waiting for markers to be applied; a marker applied before anyone waited for it is remembered. */
class MarkerWaiters {
  private readonly done = new Set<string>();
  private readonly waiting = new Map<string, Set<{ resolve: () => void; reject: (error: Error) => void }>>();
  private ended: string | null = null;

  applied(markers: readonly string[]): void {
    for (const marker of markers) {
      this.done.add(marker);
      for (const waiter of this.waiting.get(marker) ?? []) waiter.resolve();
      this.waiting.delete(marker);
    }
    // Only recent markers matter: a cut-over waits for the one it just wrote.
    if (this.done.size > 1_000) for (const old of [...this.done].slice(0, 500)) this.done.delete(old);
  }

  end(why: string): void {
    this.ended = why;
    for (const waiters of this.waiting.values()) {
      for (const waiter of waiters) waiter.reject(CohortError.unavailable(`marker not applied: ${why}`));
    }
    this.waiting.clear();
  }

  wait(marker: string, timeoutMs: number): Promise<void> {
    if (this.done.has(marker)) return Promise.resolve();
    if (this.ended !== null) return Promise.reject(CohortError.unavailable(`marker not applied: ${this.ended}`));
    return new Promise<void>((resolve, reject) => {
      const waiters = this.waiting.get(marker) ?? new Set();
      this.waiting.set(marker, waiters);
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(CohortError.unavailable(`marker ${marker} was not applied to the target within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  }
}

/** The report of a backfill that a follow-only move skipped. */
function skippedBackfill(): BackfillReport {
  return { recordSets: [], copied: 0, elapsedMs: 0, rowsPerSecond: 0, catchUp: null };
}

/**
 * The target as the backfill inside a move writes it. The source changes while it is scanned, so a page may hold a
 * record the target cannot take yet: a comment on a post created after the posts were copied (PostgreSQL's foreign
 * key refuses it: NOT_FOUND), a unique value whose old holder was copied before giving it up (CONFLICT). Such a record
 * was written after the subscription's position (its parent did not exist, or the value was still held, when the
 * move began), so the feed delivers it and the follow applies it, waiting for its parent if need be. Its page is
 * halved until the refused records are alone, and those are left to the feed instead of failing the backfill.
 */
function leavingRefusedToFeed(target: MigrationEndpoint, onLeft: () => void): MigrationEndpoint {
  const recordSets = Object.fromEntries(
    Object.entries(target.recordSets as unknown as Record<string, RecordSet<unknown>>).map(([name, set]) => {
      const put = async (records: readonly unknown[]): Promise<void> => {
        if (records.length === 0) return;
        try {
          await set.putMany(records);
        } catch (error) {
          if (!refusedForNow(error)) throw error;
          if (records.length === 1) return onLeft();
          const middle = Math.ceil(records.length / 2);
          await put(records.slice(0, middle));
          await put(records.slice(middle));
        }
      };
      const wrapped = new Proxy(set, {
        get: (object, property) => {
          if (property === 'putMany') return put;
          const value: unknown = Reflect.get(object, property, object);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
        },
      });
      return [name, wrapped];
    }),
  ) as unknown as MigrationEndpoint['recordSets'];
  return { ...target, recordSets };
}

/** The changes a subscription holds past its acknowledged position, where the store can count them. */
async function backlogOf(feed: ChangeFeed, name: string): Promise<number | null> {
  try {
    const info = (await feed.listSubscriptions()).find((subscription) => subscription.name === name);
    return info?.lag.changes ?? null;
  } catch {
    return null;
  }
}

/**
 * Opens the subscription's reading session. A process killed while reading may still hold it for a while (until the
 * store notices: PostgreSQL when the connection drops, others when its lease expires), so CONFLICT is retried.
 */
async function openReader(
  feed: ChangeFeed,
  name: string,
  signal: AbortSignal,
  onMarker: (marker: string) => void,
): Promise<ChangeReader | null> {
  const deadline = Date.now() + SESSION_TAKEOVER_MS;
  for (let attempt = 0; ; attempt += 1) {
    if (signal.aborted) return null;
    try {
      return await feed.openReader(name, { onMarker });
    } catch (error) {
      const retryable = CohortError.is(error, 'CONFLICT') || CohortError.is(error, 'UNAVAILABLE');
      if (!retryable || Date.now() >= deadline) throw error;
      await sleep(Math.min(2_000, 100 * 2 ** attempt));
    }
  }
}
