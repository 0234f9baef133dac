import { MAX_SCAN_LIMIT, systemClock, type Clock, type RecordOf, type RecordSetName } from '@cohort/core';
import { selectRecordSets } from '../record-graph.js';
import { recordSetOf, type MigrationEndpoint } from '../shared/endpoint.js';
import { forEachByReferences } from '../shared/schedule.js';
import { scanAll, withRetry } from '../shared/scan.js';
import { reconcile, type ReconcileOptions, type ReconcileReport } from '../verify/reconcile.js';
import {
  CheckpointWriter,
  type BackfillCheckpoint,
  type CheckpointStore,
  type RecordSetCheckpoint,
} from './checkpoint.js';
import type { BackfillProgress } from './progress.js';

/** The most records one `putMany` takes: a batch is one scan page, so no more than a page holds. */
export const MAX_BATCH_SIZE = MAX_SCAN_LIMIT;

export interface BackfillOptions {
  /** The store copied from (`--from`). */
  readonly source: MigrationEndpoint;
  /** The store copied to (`--to`). */
  readonly target: MigrationEndpoint;
  /** Copy only these record sets (`--only users,posts`), still parents first; all by default. */
  readonly only?: readonly RecordSetName[];
  /** Records per `putMany` (`--batch N`): 1–1,000, default 500. */
  readonly batchSize?: number;
  /** `putMany` calls in flight per record set (default 4); the checkpoint only moves past batches all written. */
  readonly concurrency?: number;
  /**
   * Record sets copied at the same time (default 6). A set starts only once every set it references is copied
   * (users before enrollments, posts before comments, …); reading a set is one cursor chain, so this is what lets a
   * backfill from a store with slow scans keep the target busy.
   */
  readonly parallelSets?: number;
  /** Where progress is saved after every batch; without one, a killed run starts over. */
  readonly checkpoint?: CheckpointStore;
  /** Continue from the checkpoint (`--resume`); otherwise an existing checkpoint is replaced and the copy restarts. */
  readonly resume?: boolean;
  /** Names the pair of stores in the checkpoint (e.g. `postgres->dynamo`): resuming another pair's run is refused. */
  readonly label?: string;
  /** Progress events; `createProgressRenderer(process.stderr)` draws them. */
  readonly onProgress?: (event: BackfillProgress) => void;
  /**
   * Count each source set beside its copy, so progress carries a total and an ETA (default true). A count reads the
   * whole set a second time on some stores (DynamoDB counts by reading every item), and on DynamoDB Local, which
   * serves one storage request at a time, those reads take turns with the copy's. With false, progress has no total
   * (`total: null`) and the source is read once.
   */
  readonly countTotals?: boolean;
  /** Stops the copy after the batches in flight (the checkpoint stays consistent). */
  readonly signal?: AbortSignal;
  /**
   * After copying, reconcile the target with the source until a round finds no difference: needed when dual writes
   * ran during the copy (a batch read before a dual write may land after it). Off by default.
   */
  readonly catchUp?: boolean | Omit<ReconcileOptions, 'source' | 'target' | 'only'>;
  /** For the checkpoint's timestamps (default: system clock). */
  readonly clock?: Clock;
}

/** What the backfill did to one record set. */
export interface BackfillSetReport {
  readonly recordSet: RecordSetName;
  /** Records written by this run. */
  readonly copied: number;
  /** Records the resumed run had already copied. */
  readonly resumedFrom: number;
  /** `putMany` calls made. */
  readonly batches: number;
  /** True when the checkpoint said the set was already copied. */
  readonly skipped: boolean;
  readonly elapsedMs: number;
  readonly rowsPerSecond: number;
}

export interface BackfillReport {
  readonly recordSets: readonly BackfillSetReport[];
  /** Records written by this run over all sets. */
  readonly copied: number;
  readonly elapsedMs: number;
  readonly rowsPerSecond: number;
  /** The catch-up reconciliation, when asked for. */
  readonly catchUp: ReconcileReport | null;
}

interface Settings {
  readonly batchSize: number;
  readonly countTotals: boolean;
  readonly concurrency: number;
  readonly emit: (event: BackfillProgress) => void;
  readonly signal: AbortSignal | undefined;
  readonly save: (name: RecordSetName, state: RecordSetCheckpoint) => void;
}

const rate = (records: number, ms: number) => (ms > 0 ? Math.round((records * 1000) / ms) : 0);

function wholeNumber(value: number, name: string, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be a whole number from 1 to ${max}`);
  }
  return value;
}

/**
 * Copies record sets from one store to another through the migration face: each set once the sets it references are
 * copied (up to `parallelSets` at a time), scanned in pages of `batchSize`, each page upserted into the target with
 * `putMany` while the next is read. After every batch the checkpoint records the scan cursor past the
 * last batch the target acknowledged (in order), so a run killed at any instant resumes there; the batches in flight
 * are written again, which changes nothing because `putMany` is an idempotent upsert. A completed set is skipped on
 * resume.
 */
export async function backfill(options: BackfillOptions): Promise<BackfillReport> {
  const batchSize = wholeNumber(options.batchSize ?? 500, 'batchSize', MAX_BATCH_SIZE);
  const concurrency = wholeNumber(options.concurrency ?? 4, 'concurrency', 64);
  const parallelSets = wholeNumber(options.parallelSets ?? 6, 'parallelSets', 12);
  const selected = selectRecordSets(options.only);
  const clock = options.clock ?? systemClock;
  const label = options.label ?? null;
  if (options.resume && !options.checkpoint) throw new RangeError('resume needs a checkpoint to resume from');

  let loaded: BackfillCheckpoint | null = null;
  if (options.resume && options.checkpoint) {
    loaded = await options.checkpoint.load();
    if (loaded !== null && loaded.label !== label) {
      throw new RangeError(
        `the checkpoint belongs to ${loaded.label ?? 'an unlabelled run'}, not ${label ?? 'an unlabelled run'}: ` +
          'resume with the same stores, or start over without resume',
      );
    }
  }
  let checkpoint: BackfillCheckpoint = loaded ?? {
    version: 1,
    label,
    startedAt: clock.now().toISOString(),
    updatedAt: clock.now().toISOString(),
    recordSets: {},
  };
  const writer = options.checkpoint ? new CheckpointWriter(options.checkpoint) : null;
  const settings: Settings = {
    batchSize,
    countTotals: options.countTotals ?? true,
    concurrency,
    emit: options.onProgress ?? (() => undefined),
    signal: options.signal,
    save: (name, state) => {
      checkpoint = {
        ...checkpoint,
        updatedAt: clock.now().toISOString(),
        recordSets: { ...checkpoint.recordSets, [name]: state },
      };
      writer?.schedule(checkpoint);
    },
  };

  const started = performance.now();
  const reports = new Map<RecordSetName, BackfillSetReport>();
  // One failing set stops the others after their batches in flight; the checkpoint keeps what each acknowledged.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  try {
    await forEachByReferences(selected, parallelSets, async (name) => {
      const state = checkpoint.recordSets[name] ?? { cursor: null, copied: 0, done: false };
      try {
        reports.set(name, await copySet(name, options, state, { ...settings, signal }));
      } catch (error) {
        stop.abort(error);
        throw error;
      }
    });
  } finally {
    await writer?.flush();
  }
  const ordered = selected.map((name) => reports.get(name) as BackfillSetReport);
  const copied = ordered.reduce((sum, report) => sum + report.copied, 0);
  const copyMs = performance.now() - started;
  let catchUp: ReconcileReport | null = null;
  if (options.catchUp) {
    const tuning = typeof options.catchUp === 'object' ? options.catchUp : {};
    catchUp = await reconcile({ ...tuning, source: options.source, target: options.target, only: selected });
  }
  return { recordSets: ordered, copied, elapsedMs: Math.round(copyMs), rowsPerSecond: rate(copied, copyMs), catchUp };
}

async function copySet<N extends RecordSetName>(
  name: N,
  options: BackfillOptions,
  initial: RecordSetCheckpoint,
  settings: Settings,
): Promise<BackfillSetReport> {
  if (initial.done) {
    settings.emit({ type: 'skipped', recordSet: name, copied: initial.copied });
    return {
      recordSet: name,
      copied: 0,
      resumedFrom: initial.copied,
      batches: 0,
      skipped: true,
      elapsedMs: 0,
      rowsPerSecond: 0,
    };
  }
  const source = recordSetOf(options.source, name);
  const target = recordSetOf(options.target, name);
  // Counted beside the copy, for progress only: DynamoDB counts by reading every item, which on a large set held the
  // copy back for minutes when it came first. A failed count leaves the total unknown; it never fails the copy.
  let total: number | null = null;
  let stillCounting = settings.countTotals;
  const counting = settings.countTotals
    ? withRetry(() => source.count())
        .then(
          (count) => {
            total = count;
          },
          () => undefined,
        )
        .finally(() => {
          stillCounting = false;
        })
    : Promise.resolve();
  settings.emit({
    type: 'start',
    recordSet: name,
    total,
    counting: stillCounting,
    copied: initial.copied,
    resumed: initial.cursor !== null,
  });
  const started = performance.now();

  // Batches are written concurrently but acknowledged in order: the checkpoint moves to a batch's end cursor only
  // once it and every batch before it are written.
  let acknowledged = initial.copied;
  let copiedNow = 0;
  let batches = 0;
  let nextSequence = 0;
  let ackSequence = 0;
  const finished = new Map<number, { cursor: string | null; count: number }>();
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;

  const acknowledge = () => {
    for (let done = finished.get(ackSequence); done !== undefined; done = finished.get(ackSequence)) {
      finished.delete(ackSequence);
      ackSequence += 1;
      acknowledged += done.count;
      copiedNow += done.count;
      settings.save(name, { cursor: done.cursor, copied: acknowledged, done: done.cursor === null });
      const elapsedMs = performance.now() - started;
      const rowsPerSecond = rate(copiedNow, elapsedMs);
      const known = total === null ? null : Math.max(total, acknowledged);
      settings.emit({
        type: 'batch',
        recordSet: name,
        copied: acknowledged,
        total: known,
        counting: stillCounting,
        elapsedMs,
        rowsPerSecond,
        etaMs: known !== null && rowsPerSecond > 0 ? ((known - acknowledged) * 1000) / rowsPerSecond : null,
      });
    }
  };
  const write = (records: readonly RecordOf<N>[], endCursor: string | null) => {
    const sequence = nextSequence;
    nextSequence += 1;
    const work = (records.length === 0 ? Promise.resolve() : withRetry(() => target.putMany(records)))
      .then(
        () => {
          if (records.length > 0) batches += 1;
          finished.set(sequence, { cursor: endCursor, count: records.length });
          acknowledge();
        },
        (error: unknown) => {
          failure ??= { error };
        },
      )
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  };

  // A batch is one scan page, read one page ahead of the writers (scanAll), so the source serves a page while this
  // process turns the previous one into writes.
  try {
    await scanAll(
      source,
      async (items, nextCursor) => {
        while (inFlight.size >= settings.concurrency) await Promise.race(inFlight);
        if (failure !== null) throw failure.error;
        write(items, nextCursor);
      },
      { limit: settings.batchSize, from: initial.cursor, signal: settings.signal },
    );
  } finally {
    await Promise.all([...inFlight, counting]);
  }
  if (failure !== null) throw (failure as { error: unknown }).error;
  const elapsedMs = performance.now() - started;
  const report = {
    recordSet: name,
    copied: copiedNow,
    resumedFrom: initial.copied,
    batches,
    skipped: false,
    elapsedMs: Math.round(elapsedMs),
    rowsPerSecond: rate(copiedNow, elapsedMs),
  };
  settings.emit({
    type: 'done',
    recordSet: name,
    copied: acknowledged,
    elapsedMs,
    rowsPerSecond: report.rowsPerSecond,
  });
  return report;
}
