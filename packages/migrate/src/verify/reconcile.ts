import { CohortError, type RecordOf, type RecordSet, type RecordSetName } from '@cohort/core';
import { copyOrder, selectRecordSets } from '../record-graph.js';
import { recordSetOf, type MigrationEndpoint } from '../shared/endpoint.js';
import { forEachByReferences } from '../shared/schedule.js';
import { withRetry } from '../shared/scan.js';
import { bucketChunks, collectRecords, diffSeen, digestSet, type KeyDifference } from './compare-sets.js';

export interface ReconcileOptions {
  /** The store whose records are right. */
  readonly source: MigrationEndpoint;
  /** The store to make equal to it (its migration face's `deleteMany` deletes what the source no longer has). */
  readonly target: MigrationEndpoint;
  /** Reconcile only these record sets; all by default. */
  readonly only?: readonly RecordSetName[];
  /** Buckets per record set (default 256). */
  readonly buckets?: number;
  /** Differing buckets drilled per scan (default 16). */
  readonly drillBuckets?: number;
  /**
   * Compare-and-repair rounds at most (default 5); the last round that finds nothing proves convergence. A target-only
   * record is deleted only when two rounds in a row find it, so that a dual write on its way is not undone.
   */
  readonly maxRounds?: number;
  /** Record sets compared at the same time (default 6); a set is repaired only after the sets it references. */
  readonly parallelSets?: number;
  /** Called after each record set of each round. */
  readonly onProgress?: (event: { round: number; recordSet: RecordSetName; copied: number; deleted: number }) => void;
}

/** What reconciliation repaired in one record set. */
export interface ReconciledSet {
  readonly recordSet: RecordSetName;
  /** Records copied from the source (missing in the target, or different there). */
  readonly copied: number;
  /** Records deleted from the target because the source no longer has them. */
  readonly deleted: number;
  /**
   * Target-only records the last round found and could not delete (the store refused: children still there), by key;
   * empty once every target-only record is gone.
   */
  readonly unrepairable: readonly KeyDifference[];
}

export interface ReconcileReport {
  /** True when a round found both stores equal. */
  readonly converged: boolean;
  readonly rounds: number;
  readonly recordSets: readonly ReconciledSet[];
}

const PUT_MANY_MAX = 1000;

/** A set's running account: repairs made, and the target-only keys it could not delete, by key. */
interface SetTotal {
  copied: number;
  deleted: number;
  readonly unrepairable: Map<string, KeyDifference>;
}

/**
 * Makes the target equal to the source: compares per-bucket digests, drills into differing buckets, copies the
 * source's version of every differing key and deletes target-only records (`deleteMany`: orphaned comments, reactions,
 * memberships and activity included), then compares again, until a round finds nothing (or `maxRounds`). Comparing
 * after writing is what makes it safe while dual writes continue: a record a dual write changed after the copy read
 * it shows up in the next round and is copied again. A target-only key is deleted only once two rounds in a row found
 * it. `unrepairable` lists, by key, what the last round still found and could not delete (a store refusing to delete
 * a parent whose children are still there, until they go); a key leaves it as soon as a round no longer finds it.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const buckets = options.buckets ?? 256;
  const drillBuckets = options.drillBuckets ?? 16;
  const maxRounds = options.maxRounds ?? 5;
  const totals = new Map<RecordSetName, SetTotal>();
  // Target-only keys found by the previous round and not deleted: only a key found twice is deleted, since a record a
  // dual write just added can look target-only to scans that ran while the write was on its way.
  const suspects = new Map<RecordSetName, Set<string>>();
  let pending = selectRecordSets(options.only);
  let round = 0;
  while (pending.length > 0 && round < maxRounds) {
    round += 1;
    const next = new Set<RecordSetName>();
    const thisRound = round;
    await forEachByReferences(pending, options.parallelSets ?? 6, async (name) => {
      const seenBefore = suspects.get(name) ?? new Set<string>();
      const result = await reconcileSet(name, options, buckets, drillBuckets, seenBefore);
      suspects.set(name, result.suspects);
      const total = totals.get(name) ?? { copied: 0, deleted: 0, unrepairable: new Map<string, KeyDifference>() };
      // Truthful across rounds: what this round still found and could not delete, never an older or partial list.
      total.unrepairable.clear();
      for (const difference of result.unrepairable) total.unrepairable.set(difference.key, difference);
      if (!result.differed) {
        if (totals.has(name)) totals.set(name, total);
        return;
      }
      next.add(name);
      total.copied += result.copied;
      total.deleted += result.deleted;
      totals.set(name, total);
      options.onProgress?.({ round: thisRound, recordSet: name, copied: result.copied, deleted: result.deleted });
    });
    // A set whose only differences are ones it could not repair, and that repaired nothing, would never converge.
    pending = copyOrder.filter((name) => next.has(name) && !stuck(name, totals.get(name), suspects.get(name), next));
    if (next.size === 0) break;
  }
  const recordSets = copyOrder
    .filter((name) => totals.has(name))
    .map((name): ReconciledSet => {
      const total = totals.get(name) as SetTotal;
      const unrepairable = [...total.unrepairable.values()].sort((a, b) =>
        a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
      );
      return { recordSet: name, copied: total.copied, deleted: total.deleted, unrepairable };
    });
  const unrepaired = recordSets.some((set) => set.unrepairable.length > 0);
  return { converged: pending.length === 0 && !unrepaired, rounds: round, recordSets };
}

/**
 * True when a set's remaining differences are all keys it could not delete, no new suspect waits for a second
 * sighting, and no other set is still changing (whose repairs, deleting children, may let its deletes through).
 */
function stuck(
  name: RecordSetName,
  total: SetTotal | undefined,
  suspects: ReadonlySet<string> | undefined,
  next: ReadonlySet<RecordSetName>,
): boolean {
  if (total === undefined || total.unrepairable.size === 0) return false;
  if ([...(suspects ?? [])].some((key) => !total.unrepairable.has(key))) return false;
  return [...next].every((other) => other === name);
}

async function reconcileSet<N extends RecordSetName>(
  name: N,
  options: ReconcileOptions,
  buckets: number,
  drillBuckets: number,
  seenBefore: ReadonlySet<string>,
): Promise<{
  differed: boolean;
  copied: number;
  deleted: number;
  unrepairable: KeyDifference[];
  suspects: Set<string>;
}> {
  const source = recordSetOf(options.source, name);
  const target = recordSetOf(options.target, name);
  const [left, right] = await Promise.all([digestSet(name, source, buckets), digestSet(name, target, buckets)]);
  const differing = left.digests.differingBuckets(right.digests);
  let copied = 0;
  let deleted = 0;
  const unrepairable: KeyDifference[] = [];
  const suspects = new Set<string>();
  for (const chunk of bucketChunks(differing, drillBuckets)) {
    const select = { buckets, wanted: new Set(chunk) };
    const [fromSource, fromTarget] = await Promise.all([
      collectRecords(name, source, select, true),
      collectRecords(name, target, select, false),
    ]);
    const differences = diffSeen(fromSource, fromTarget);
    const records = differences
      .filter((difference) => difference.kind !== 'missing-in-source')
      .map((difference) => fromSource.get(difference.key)?.record as RecordOf<N>);
    for (let i = 0; i < records.length; i += PUT_MANY_MAX) {
      const batch = records.slice(i, i + PUT_MANY_MAX);
      await withRetry(() => target.putMany(batch));
    }
    copied += records.length;
    const targetOnly = differences.filter((d) => d.kind === 'missing-in-source');
    for (const difference of targetOnly) if (!seenBefore.has(difference.key)) suspects.add(difference.key);
    const confirmed = targetOnly.filter((difference) => seenBefore.has(difference.key));
    for (let i = 0; i < confirmed.length; i += PUT_MANY_MAX) {
      const refused = await deleteKeys(target, confirmed.slice(i, i + PUT_MANY_MAX));
      deleted += Math.min(PUT_MANY_MAX, confirmed.length - i) - refused.length;
      // Refused now (a parent whose children are still in the target): tried again next round, reported until then.
      for (const difference of refused) {
        suspects.add(difference.key);
        unrepairable.push(difference);
      }
    }
  }
  return { differed: differing.length > 0, copied, deleted, unrepairable, suspects };
}

/**
 * Deletes target-only records with `deleteMany`; when the store refuses the batch (CONFLICT: a record whose children
 * it still holds), deletes key by key and returns those it refused.
 */
async function deleteKeys<T>(target: RecordSet<T>, differences: readonly KeyDifference[]): Promise<KeyDifference[]> {
  try {
    await withRetry(() => target.deleteMany(differences.map((difference) => difference.key)));
    return [];
  } catch (error) {
    if (!CohortError.is(error, 'CONFLICT') || differences.length === 1) {
      if (CohortError.is(error, 'CONFLICT')) return [...differences];
      throw error;
    }
  }
  const refused: KeyDifference[] = [];
  for (const difference of differences) refused.push(...(await deleteKeys(target, [difference])));
  return refused;
}
