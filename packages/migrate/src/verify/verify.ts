import { systemClock, type Clock, type RecordSetName } from '@cohort/core';
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
import { differingFields, normalize } from './digest.js';
import { IntegrityCollector, type IntegrityCheck } from './integrity.js';

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
  /** Check references (every enrollment's user and content exist, …) in both stores (default true). */
  readonly integrity?: boolean;
  /** How long to wait before reading differing keys again to tell writes in flight from real differences (1,000 ms). */
  readonly recheckDelayMs?: number;
  /** The clock records are timestamped by: a record written after verify started is in flight (default: system). */
  readonly clock?: Clock;
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

/** Why a difference does not count: the records changed while verify ran. */
export type InFlightReason = 'converged' | 'changed-during-run' | 'written-after-start';

export interface InFlightDifference extends KeyDifference {
  readonly reason: InFlightReason;
}

/** What verify found for one record set. */
export interface RecordSetVerification {
  readonly recordSet: RecordSetName;
  /** True when the set holds the same records in both stores (writes in flight aside). */
  readonly ok: boolean;
  /** `count()` of each store. */
  readonly counts: { readonly source: number; readonly target: number };
  /** Records each store's scan returned. */
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
  readonly summary: {
    readonly differences: number;
    readonly inFlight: number;
    readonly danglingReferences: number;
    readonly recordSetsWithDifferences: readonly RecordSetName[];
  };
}

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
 * Compares two stores through their migration faces only, without locks, while writes may continue: counts per
 * record set, referential integrity in each store, then per-bucket digests of normalized records, drilling into
 * differing buckets down to the keys that differ. Differing keys are read again after `recheckDelayMs`: those that
 * changed between the reads, converged, or carry a timestamp after the start are reported as in flight.
 */
export async function verify(options: VerifyOptions): Promise<VerifyReport> {
  const clock = options.clock ?? systemClock;
  const buckets = positive(options.buckets ?? 256, 'buckets');
  const drillBuckets = positive(options.drillBuckets ?? 16, 'drillBuckets');
  const maxListed = positive(options.maxListed ?? 100, 'maxListed');
  const recheckDelayMs = Math.max(0, options.recheckDelayMs ?? 1_000);
  const parallelSets = positive(options.parallelSets ?? 6, 'parallelSets');
  const selected = selectRecordSets(options.only);
  const startedAt = clock.now();
  const since = startedAt.getTime();
  const wallStart = performance.now();
  const progress = options.onProgress ?? (() => undefined);

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
      if (found.length >= maxListed) break;
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
  if (recheckDelayMs > 0 && found.some((work) => work.found.length > 0)) await sleep(recheckDelayMs);
  const recordSets = await Promise.all(
    found.map((work) => classify(work, options, { since, clock, maxListed, progress })),
  );

  const integrity = checkIntegrity
    ? [...collectors.source.results(), ...collectors.target.results()].filter(
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
    summary: {
      differences,
      inFlight: recordSets.reduce((sum, set) => sum + set.inFlightCount, 0),
      danglingReferences,
      recordSetsWithDifferences: recordSets.filter((set) => !set.ok).map((set) => set.recordSet),
    },
  };
}

/** Reads the differing keys of a set again and sorts them into real differences and writes in flight. */
async function classify(
  work: SetWork,
  options: VerifyOptions,
  context: {
    since: number;
    clock: Clock;
    maxListed: number;
    progress: (event: VerifyProgress) => void;
  },
): Promise<RecordSetVerification> {
  const name = work.recordSet;
  const real: KeyDifference[] = [];
  const inFlight: InFlightDifference[] = [];
  if (work.found.length > 0) {
    context.progress({ recordSet: name, step: 'recheck' });
    const keys = { keys: new Set(work.found.map((difference) => difference.key)) };
    const [left, right] = await Promise.all([
      collectRecords(name, recordSetOf(options.source, name), keys, false),
      collectRecords(name, recordSetOf(options.target, name), keys, false),
    ]);
    const until = context.clock.now().getTime() + 60_000;
    for (const difference of work.found) {
      const s1 = work.first.source.get(difference.key)?.json;
      const t1 = work.first.target.get(difference.key)?.json;
      const s2 = left.get(difference.key)?.json;
      const t2 = right.get(difference.key)?.json;
      if (s2 === t2) inFlight.push({ ...difference, reason: 'converged' });
      else if (s1 !== s2 || t1 !== t2) inFlight.push({ ...difference, reason: 'changed-during-run' });
      else if (writtenBetween(s2, context.since, until) || writtenBetween(t2, context.since, until)) {
        inFlight.push({ ...difference, reason: 'written-after-start' });
      } else {
        const kind = s2 === undefined ? 'missing-in-source' : t2 === undefined ? 'missing-in-target' : 'changed';
        real.push({ key: difference.key, kind, fields: kind === 'changed' ? differingFields(s2 ?? '', t2 ?? '') : [] });
      }
    }
  }
  const countsMatch = work.counts.source === work.counts.target;
  const explained = countsMatch || inFlight.length > 0;
  return {
    recordSet: name,
    // Undrilled buckets could hide more differences: a truncated set is never reported as equal.
    ok: real.length === 0 && explained && !work.truncated,
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

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number >= 1`);
  return value;
}
