import { CohortError, systemClock, type ChangeFeed, type Clock, type RecordSetName } from '@cohort/core';
import { parentsOf, selectRecordSets } from '../record-graph.js';
import { recordSetOf, type MigrationEndpoint } from '../shared/endpoint.js';
import { forEachByReferences } from '../shared/schedule.js';
import { sleep } from '../shared/scan.js';
import {
  bucketChunks,
  collectRecords,
  diffSeen,
  digestSet,
  type KeyDifference,
  type SeenRecord,
} from './compare-sets.js';
import { ChangeWatch, watchedKey, type WatchedChanges } from './change-watch.js';
import { differingFields, normalize } from './digest.js';
import { IntegrityCollector, type IntegrityCheck, type SettleDangling } from './integrity.js';

export interface VerifyOptions {
  /** The store copied from. */
  readonly source: MigrationEndpoint;
  /** The store copied to. */
  readonly target: MigrationEndpoint;
  /** Verify only these record sets (`--only`); all by default. Integrity still reads the ids of their parents. */
  readonly only?: readonly RecordSetName[];
  /** Buckets per record set for the digest comparison (default 256). */
  readonly buckets?: number;
  /** Differing buckets drilled into per scan (default 16): bounds what a drill-down holds in memory. */
  readonly drillBuckets?: number;
  /** Keys listed per record set, and dangling references per check (default 100). Counts are always complete. */
  readonly maxListed?: number;
  /**
   * Differing keys drilled per record set (default 10,000): bounds the records held for the recheck. A set with more
   * is reported truncated (not ok). Apart from `maxListed` on purpose: under traffic most differing keys turn out to be
   * in flight, and a bound of 100 made equal stores fail verify.
   */
  readonly maxDrilled?: number;
  /** Check references (every enrollment's user and content exist, …) in both stores (default true). */
  readonly integrity?: boolean;
  /** How long to wait before reading differing keys again to tell writes in flight from real differences (1,000 ms). */
  readonly recheckDelayMs?: number;
  /** The clock records are timestamped by: a record written after verify started is in flight (default: system). */
  readonly clock?: Clock;
  /**
   * The stores' change feeds, where they have them: verify subscribes to each at its start and drops the
   * subscriptions at its end; a differing key the feed shows changed meanwhile (on either side) is in flight. A side
   * without a feed (or whose feed fails) is judged by its records' write timestamps instead.
   */
  readonly feeds?: { readonly source?: ChangeFeed | undefined; readonly target?: ChangeFeed | undefined };
  /** How long the last read of a feed waits for changes the store already committed (default 1,000 ms). */
  readonly feedSettleMs?: number;
  /** Record sets compared at the same time (default 6), each after the sets it references. */
  readonly parallelSets?: number;
  /** Names for the report, e.g. `postgres` and `dynamo`. */
  readonly labels?: { readonly source?: string; readonly target?: string };
  /** Called as verify moves from one record set and step to the next. */
  readonly onProgress?: (event: VerifyProgress) => void;
}

/** Where verify is. */
export interface VerifyProgress {
  readonly recordSet: RecordSetName;
  readonly step: 'digest' | 'ids' | 'drill' | 'recheck' | 'done';
  /** Records the step read in both stores (for `done`: the set's total). */
  readonly scanned?: number;
}

/**
 * Why a difference does not count: the records changed while verify ran. `converged`: equal when read again;
 * `changed-during-run`: different when read again; `changed-in-feed`: a store's change feed shows a change of the key
 * after verify started; `written-after-start`: (a store without a feed) a write timestamp after the start.
 */
export type InFlightReason = 'converged' | 'changed-during-run' | 'changed-in-feed' | 'written-after-start';

export interface InFlightDifference extends KeyDifference {
  readonly reason: InFlightReason;
}

/** What verify found for one record set. */
export interface RecordSetVerification {
  readonly recordSet: RecordSetName;
  /**
   * True when the key-level comparison found no real difference and drilled into every differing bucket: the
   * verdict is the keys', never the counts'.
   */
  readonly ok: boolean;
  /**
   * `count()` of each store, for information: taken at another instant than the scans, so under writes they can
   * differ with no difference between the stores. Not compared.
   */
  readonly counts: { readonly source: number; readonly target: number };
  /** Records each store's digest scan returned: the scans the comparison is made of. */
  readonly scanned: { readonly source: number; readonly target: number };
  /** Buckets whose digests differed (of `buckets`). */
  readonly differingBuckets: number;
  /** Differing keys that are real differences (how many were found; `truncated` says whether there may be more). */
  readonly differenceCount: number;
  /** The first `maxListed` of them, by key. */
  readonly differences: readonly KeyDifference[];
  /** Differing keys explained by writes during the run. */
  readonly inFlightCount: number;
  readonly inFlight: readonly InFlightDifference[];
  /** True when not every differing bucket was drilled into (the differences listed are a sample). */
  readonly truncated: boolean;
}

/** Verify's findings: readable through `formatVerifyReport`, machine-readable as JSON (every value is plain JSON). */
export interface VerifyReport {
  /** True when there is no real difference and no dangling reference: exit code 0. */
  readonly ok: boolean;
  readonly source: string;
  readonly target: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly elapsedMs: number;
  readonly buckets: number;
  readonly recordSets: readonly RecordSetVerification[];
  readonly integrity: readonly IntegrityCheck[];
  /** How writes in flight were told on each side: by the store's change feed, or by the records' write timestamps. */
  readonly inFlightBy: { readonly source: InFlightEvidence; readonly target: InFlightEvidence };
  /** What went wrong with a change feed (verify then fell back to write timestamps for that side). */
  readonly warnings: readonly string[];
  readonly summary: {
    readonly differences: number;
    readonly inFlight: number;
    readonly danglingReferences: number;
    readonly recordSetsWithDifferences: readonly RecordSetName[];
  };
}

/** `feed`: the store's change feed, read through; `timestamps`: the records' write timestamps (no feed, or it failed). */
export type InFlightEvidence = 'feed' | 'timestamps';

type Sides<T> = { source: T; target: T };

const TIME_FIELDS = ['updatedAt', 'createdAt', 'joinedAt', 'occurredAt', 'registeredAt', 'enrolledAt', 'completedAt'];

/** Whether a record (as canonical JSON) was written in [since, until]: one of its write timestamps falls there. */
export function writtenBetween(json: string | undefined, since: number, until: number): boolean {
  if (json === undefined) return false;
  const record = JSON.parse(json) as Record<string, unknown>;
  return TIME_FIELDS.some((field) => {
    const value = record[field];
    if (typeof value !== 'string') return false;
    const at = Date.parse(value);
    return at >= since && at <= until;
  });
}

interface SetWork {
  readonly recordSet: RecordSetName;
  readonly counts: { source: number; target: number };
  readonly scanned: { source: number; target: number };
  readonly differingBuckets: number;
  readonly truncated: boolean;
  readonly found: KeyDifference[];
  readonly first: { source: Map<string, SeenRecord<unknown>>; target: Map<string, SeenRecord<unknown>> };
}

/**
 * Compares two stores through their migration faces only, without locks, while writes may continue: per-bucket
 * digests of normalized records, drilling into differing buckets down to the keys that differ, and referential
 * integrity in each store. Differing keys are read again after `recheckDelayMs`: those that converged, changed
 * between the reads, changed after the start by a store's change feed (`feeds`) or, for a store without one, carry a
 * write timestamp after the start are in flight. The verdict is the keys': `count()` figures, taken at other
 * instants than the scans, are reported but not compared.
 */
export async function verify(options: VerifyOptions): Promise<VerifyReport> {
  const clock = options.clock ?? systemClock;
  const buckets = positive(options.buckets ?? 256, 'buckets');
  const drillBuckets = positive(options.drillBuckets ?? 16, 'drillBuckets');
  const maxListed = positive(options.maxListed ?? 100, 'maxListed');
  const maxDrilled = Math.max(maxListed, positive(options.maxDrilled ?? 10_000, 'maxDrilled'));
  const recheckDelayMs = Math.max(0, options.recheckDelayMs ?? 1_000);
  const parallelSets = positive(options.parallelSets ?? 6, 'parallelSets');
  const selected = selectRecordSets(options.only);
  const startedAt = clock.now();
  const wallStart = performance.now();
  const progress = options.onProgress ?? (() => undefined);

  const feedSettleMs = Math.max(0, options.feedSettleMs ?? 1_000);
  const warnings: string[] = [];
  // Subscribed before the first scan: every change after this instant is delivered to verify.
  const watches = await startWatches(options.feeds ?? {}, { settleMs: feedSettleMs, maxReadMs: 30_000 }, warnings);
  try {
    return await compare(options, {
      startedAt,
      wallStart,
      buckets,
      drillBuckets,
      maxListed,
      maxDrilled,
      recheckDelayMs,
      parallelSets,
      selected,
      clock,
      progress,
      watches,
      warnings,
    });
  } finally {
    await dropWatches(watches, warnings);
  }
}

/** Verify's work between subscribing to the feeds and dropping the subscriptions. */
async function compare(options: VerifyOptions, run: VerifyRun): Promise<VerifyReport> {
  const {
    startedAt,
    wallStart,
    buckets,
    drillBuckets,
    maxListed,
    maxDrilled,
    recheckDelayMs,
    parallelSets,
    selected,
    clock,
    progress,
  } = run;
  const since = startedAt.getTime();
  const checkIntegrity = options.integrity ?? true;
  const inFlightRecord = (record: unknown) =>
    writtenBetween(JSON.stringify(normalize(record)), since, clock.now().getTime() + 60_000);
  const collectors = {
    source: new IntegrityCollector('source', { maxListed, inFlight: inFlightRecord }),
    target: new IntegrityCollector('target', { maxListed, inFlight: inFlightRecord }),
  };
  // Parents a selected set points at are read for their ids when integrity is on, even if not compared.
  const needed = new Set<RecordSetName>(selected);
  if (checkIntegrity) for (const name of selected) for (const parent of parentsOf(name)) needed.add(parent);
  const scanOrder = selectRecordSets([...needed]);

  const works = new Map<RecordSetName, SetWork>();
  await forEachByReferences(scanOrder, parallelSets, async (name) => {
    const compare = selected.includes(name);
    const observe = (side: 'source' | 'target') =>
      checkIntegrity ? (record: unknown) => collectors[side].observe(name, record as never) : undefined;
    const source = recordSetOf(options.source, name);
    const target = recordSetOf(options.target, name);
    progress({ recordSet: name, step: compare ? 'digest' : 'ids' });
    const [counts, sourceScan, targetScan] = await Promise.all([
      compare ? Promise.all([source.count(), target.count()]) : Promise.resolve([0, 0] as const),
      digestSet(name, source, buckets, observe('source')),
      digestSet(name, target, buckets, observe('target')),
    ]);
    collectors.source.markComplete(name);
    collectors.target.markComplete(name);
    if (!compare) return;

    const differing = sourceScan.digests.differingBuckets(targetScan.digests);
    const found: KeyDifference[] = [];
    const first = { source: new Map<string, SeenRecord<unknown>>(), target: new Map<string, SeenRecord<unknown>>() };
    const chunks = bucketChunks(differing, drillBuckets);
    let drilled = 0;
    for (const chunk of chunks) {
      if (found.length >= maxDrilled) break;
      progress({ recordSet: name, step: 'drill' });
      const select = { buckets, wanted: new Set(chunk) };
      const [left, right] = await Promise.all([
        collectRecords(name, source, select, false),
        collectRecords(name, target, select, false),
      ]);
      for (const difference of diffSeen(left, right)) {
        found.push(difference);
        const l = left.get(difference.key);
        const r = right.get(difference.key);
        if (l) first.source.set(difference.key, l);
        if (r) first.target.set(difference.key, r);
      }
      drilled += 1;
    }
    works.set(name, {
      recordSet: name,
      counts: { source: counts[0], target: counts[1] },
      scanned: { source: sourceScan.scanned, target: targetScan.scanned },
      differingBuckets: differing.length,
      truncated: drilled < chunks.length,
      found,
      first,
    });
    progress({ recordSet: name, step: 'done', scanned: sourceScan.scanned + targetScan.scanned });
  });

  const found = selected.map((name) => works.get(name) as SetWork);
  const anyFound = found.some((work) => work.found.length > 0);
  if (recheckDelayMs > 0 && anyFound) await sleep(recheckDelayMs);
  const rechecked = await Promise.all(found.map((work) => recheck(work, options, progress)));
  // Read after the rechecks, so that every change the rechecks could have seen is in the feeds. Asked about: the
  // differing keys, and the records and parents of dangling references.
  const wanted = new Set(found.flatMap((work) => work.found.map((d) => watchedKey(work.recordSet, d.key))));
  for (const { reference, dangling } of [...collectors.source.held(), ...collectors.target.held()]) {
    wanted.add(watchedKey(reference.recordSet, dangling.key)).add(watchedKey(reference.parent, dangling.missingId));
  }
  const asked = wanted.size > 0;
  const fed = asked ? await readWatches(run.watches, wanted, run.warnings) : { source: null, target: null };
  const evidence = (side: 'source' | 'target'): InFlightEvidence =>
    run.watches[side] !== null && (fed[side]?.complete ?? !asked) ? 'feed' : 'timestamps';
  const changed = (key: string) => fed.source?.changed.has(key) === true || fed.target?.changed.has(key) === true;
  // A dangling reference whose record or parent changed after the start (a post removed, its comments on their way
  // out; a parent created a moment after its child was scanned) is in flight.
  const settle: SettleDangling = (reference, dangling) =>
    changed(watchedKey(reference.recordSet, dangling.key)) || changed(watchedKey(reference.parent, dangling.missingId));
  const recordSets = found.map((work, index) =>
    classify(work, rechecked[index] as Rechecked, { since, clock, maxListed, fed }),
  );

  const integrity = checkIntegrity
    ? [...collectors.source.results(settle), ...collectors.target.results(settle)].filter(
        (check) => selected.includes(check.recordSet) && needed.has(check.parent),
      )
    : [];
  const differences = recordSets.reduce((sum, set) => sum + set.differenceCount, 0);
  const danglingReferences = integrity.reduce((sum, check) => sum + check.danglingCount, 0);
  return {
    ok: recordSets.every((set) => set.ok) && danglingReferences === 0,
    source: options.labels?.source ?? 'source',
    target: options.labels?.target ?? 'target',
    startedAt: startedAt.toISOString(),
    finishedAt: clock.now().toISOString(),
    elapsedMs: Math.round(performance.now() - wallStart),
    buckets,
    recordSets,
    integrity,
    inFlightBy: { source: evidence('source'), target: evidence('target') },
    // The same array: a failure to drop the subscriptions, after this, is still reported.
    warnings: run.warnings,
    summary: {
      differences,
      inFlight: recordSets.reduce((sum, set) => sum + set.inFlightCount, 0),
      danglingReferences,
      recordSetsWithDifferences: recordSets.filter((set) => !set.ok).map((set) => set.recordSet),
    },
  };
}

interface Rechecked {
  readonly source: ReadonlyMap<string, SeenRecord<unknown>>;
  readonly target: ReadonlyMap<string, SeenRecord<unknown>>;
}

/** Reads the differing keys of a set again, in both stores. */
async function recheck(
  work: SetWork,
  options: VerifyOptions,
  progress: (event: VerifyProgress) => void,
): Promise<Rechecked> {
  if (work.found.length === 0) return { source: new Map(), target: new Map() };
  const name = work.recordSet;
  progress({ recordSet: name, step: 'recheck' });
  const keys = { keys: new Set(work.found.map((difference) => difference.key)) };
  const [source, target] = await Promise.all([
    collectRecords(name, recordSetOf(options.source, name), keys, false),
    collectRecords(name, recordSetOf(options.target, name), keys, false),
  ]);
  return { source, target };
}

/** Sorts the differing keys of a set into real differences and writes in flight. */
function classify(
  work: SetWork,
  again: Rechecked,
  context: {
    since: number;
    clock: Clock;
    maxListed: number;
    fed: Sides<WatchedChanges | null>;
  },
): RecordSetVerification {
  const name = work.recordSet;
  const real: KeyDifference[] = [];
  const inFlight: InFlightDifference[] = [];
  const until = context.clock.now().getTime() + 60_000;
  const { fed } = context;
  // A side whose feed was read to the present is judged by it alone; otherwise by write timestamps.
  const byTimestamps = (side: 'source' | 'target', json: string | undefined) =>
    !fed[side]?.complete && writtenBetween(json, context.since, until);
  for (const difference of work.found) {
    const s1 = work.first.source.get(difference.key)?.json;
    const t1 = work.first.target.get(difference.key)?.json;
    const s2 = again.source.get(difference.key)?.json;
    const t2 = again.target.get(difference.key)?.json;
    const key = watchedKey(name, difference.key);
    if (s2 === t2) inFlight.push({ ...difference, reason: 'converged' });
    else if (s1 !== s2 || t1 !== t2) inFlight.push({ ...difference, reason: 'changed-during-run' });
    else if (fed.source?.changed.has(key) || fed.target?.changed.has(key)) {
      inFlight.push({ ...difference, reason: 'changed-in-feed' });
    } else if (byTimestamps('source', s2) || byTimestamps('target', t2)) {
      inFlight.push({ ...difference, reason: 'written-after-start' });
    } else {
      const kind = s2 === undefined ? 'missing-in-source' : t2 === undefined ? 'missing-in-target' : 'changed';
      real.push({ key: difference.key, kind, fields: kind === 'changed' ? differingFields(s2 ?? '', t2 ?? '') : [] });
    }
  }
  return {
    recordSet: name,
    // Counts are not compared: count() runs at another instant than the scans, and equal scans are equal sets.
    // Undrilled buckets could hide more differences: a truncated set is never reported as equal.
    ok: real.length === 0 && !work.truncated,
    counts: work.counts,
    scanned: work.scanned,
    differingBuckets: work.differingBuckets,
    differenceCount: real.length,
    differences: real.slice(0, context.maxListed),
    inFlightCount: inFlight.length,
    inFlight: inFlight.slice(0, context.maxListed),
    truncated: work.truncated,
  };
}

interface VerifyRun {
  readonly startedAt: Date;
  readonly wallStart: number;
  readonly buckets: number;
  readonly drillBuckets: number;
  readonly maxListed: number;
  readonly maxDrilled: number;
  readonly recheckDelayMs: number;
  readonly parallelSets: number;
  readonly selected: readonly RecordSetName[];
  readonly clock: Clock;
  readonly progress: (event: VerifyProgress) => void;
  readonly watches: Sides<ChangeWatch | null>;
  readonly warnings: string[];
}

const describeError = (error: unknown): string =>
  CohortError.is(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);

/** Subscribes to each given feed; a feed that refuses (no replication rights, …) leaves its side to timestamps. */
async function startWatches(
  feeds: NonNullable<VerifyOptions['feeds']>,
  options: { settleMs: number; maxReadMs: number },
  warnings: string[],
): Promise<Sides<ChangeWatch | null>> {
  const start = async (side: 'source' | 'target'): Promise<ChangeWatch | null> => {
    const feed = feeds[side];
    if (!feed) return null;
    try {
      return await ChangeWatch.start(feed, options);
    } catch (error) {
      warnings.push(`${side} change feed not used (subscribing failed: ${describeError(error)}); timestamps used`);
      return null;
    }
  };
  const [source, target] = await Promise.all([start('source'), start('target')]);
  return { source, target };
}

/** What each feed shows of the `wanted` keys; a feed that fails to read leaves its side to timestamps. */
async function readWatches(
  watches: Sides<ChangeWatch | null>,
  wanted: ReadonlySet<string>,
  warnings: string[],
): Promise<Sides<WatchedChanges | null>> {
  const read = async (side: 'source' | 'target'): Promise<WatchedChanges | null> => {
    const watch = watches[side];
    if (!watch) return null;
    try {
      const changes = await watch.changedAmong(wanted);
      if (!changes.complete) warnings.push(`${side} change feed not read to the end in time; timestamps used too`);
      return changes;
    } catch (error) {
      warnings.push(`${side} change feed not used (reading failed: ${describeError(error)}); timestamps used`);
      return null;
    }
  };
  const [source, target] = await Promise.all([read('source'), read('target')]);
  return { source, target };
}

/** Drops verify's subscriptions, whatever happened before. */
async function dropWatches(watches: Sides<ChangeWatch | null>, warnings: string[]): Promise<void> {
  await Promise.all(
    (['source', 'target'] as const).map(async (side) => {
      await watches[side]?.drop().catch((error: unknown) => {
        warnings.push(`${side} change feed: dropping verify's subscription failed: ${describeError(error)}`);
      });
    }),
  );
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number >= 1`);
  return value;
}
