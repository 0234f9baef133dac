import type { RecordOf, RecordSetName } from '@cohort/core';
import { copyOrder, selectRecordSets } from '../record-graph.js';
import { recordSetOf, type MigrationEndpoint } from '../shared/endpoint.js';
import { forEachByReferences } from '../shared/schedule.js';
import { withRetry } from '../shared/scan.js';
import { bucketChunks, collectRecords, diffSeen, digestSet, type KeyDifference } from './compare-sets.js';

export interface ReconcileOptions {
  /** The store whose records are right. */
  readonly source: MigrationEndpoint;
  /** The store to make equal to it (its `memberships` and `posts` ports delete what the source no longer has). */
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
  /** Target-only records no port can delete (e.g. a lone comment), left for an operator. */
  readonly unrepairable: readonly KeyDifference[];
}

export interface ReconcileReport {
  /** True when a round found both stores equal. */
  readonly converged: boolean;
  readonly rounds: number;
  readonly recordSets: readonly ReconciledSet[];
}

const PUT_MANY_MAX = 1000;

/** Sets whose records change when a record of the key set is deleted through a port. */
const touchedByDelete: Partial<Record<RecordSetName, readonly RecordSetName[]>> = {
  memberships: ['communities'],
  reactions: ['posts'],
  posts: ['comments', 'reactions'],
};

/**
 * Makes the target equal to the source: compares per-bucket digests, drills into differing buckets, copies the
 * source's version of every differing key and deletes target-only records where a port can, then compares again,
 * until a round finds nothing (or `maxRounds`). Comparing after writing is what makes it safe while dual writes
 * continue: a record a dual write changed after the copy read it shows up in the next round and is copied again.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const buckets = options.buckets ?? 256;
  const drillBuckets = options.drillBuckets ?? 16;
  const maxRounds = options.maxRounds ?? 5;
  const totals = new Map<RecordSetName, { copied: number; deleted: number; unrepairable: KeyDifference[] }>();
  // Target-only keys seen in the previous round: only a key seen twice is deleted (or declared unrepairable), since
  // a record a dual write just added can look target-only to scans that ran while the write was on its way.
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
      if (!result.differed) return;
      next.add(name);
      for (const touched of result.deleted > 0 ? (touchedByDelete[name] ?? []) : []) next.add(touched);
      const total = totals.get(name) ?? { copied: 0, deleted: 0, unrepairable: [] };
      total.copied += result.copied;
      total.deleted += result.deleted;
      total.unrepairable = result.unrepairable;
      totals.set(name, total);
      options.onProgress?.({ round: thisRound, recordSet: name, copied: result.copied, deleted: result.deleted });
    });
    // A set whose only differences cannot be repaired would never converge: stop re-checking it.
    pending = copyOrder.filter((name) => next.has(name) && !onlyUnrepairable(totals.get(name), suspects.get(name)));
    if (next.size === 0) break;
  }
  const recordSets = copyOrder
    .filter((name) => totals.has(name))
    .map((name): ReconciledSet => {
      const total = totals.get(name) as { copied: number; deleted: number; unrepairable: KeyDifference[] };
      return { recordSet: name, copied: total.copied, deleted: total.deleted, unrepairable: total.unrepairable };
    });
  const unrepaired = recordSets.some((set) => set.unrepairable.length > 0);
  return { converged: pending.length === 0 && !unrepaired, rounds: round, recordSets };
}

function onlyUnrepairable(
  total: { copied: number; deleted: number; unrepairable: KeyDifference[] } | undefined,
  suspects: ReadonlySet<string> | undefined,
) {
  return total !== undefined && total.unrepairable.length > 0 && (suspects?.size ?? 0) === 0;
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
    for (const difference of differences.filter((d) => d.kind === 'missing-in-source')) {
      if (!seenBefore.has(difference.key)) suspects.add(difference.key);
      else if (await deleteFromTarget(name, difference.key, options.target)) deleted += 1;
      else unrepairable.push(difference);
    }
  }
  return { differed: differing.length > 0, copied, deleted, unrepairable, suspects };
}

/** Deletes one record through the target's ports, where a port can delete that kind of record. */
async function deleteFromTarget(name: RecordSetName, key: string, target: MigrationEndpoint): Promise<boolean> {
  const [first = '', second = '', third = ''] = key.split('/');
  switch (name) {
    case 'memberships':
      if (!target.memberships) return false;
      await withRetry(() => (target.memberships as NonNullable<typeof target.memberships>).leave(first, second));
      return true;
    case 'posts':
      if (!target.posts) return false;
      await withRetry(() => (target.posts as NonNullable<typeof target.posts>).remove(first));
      return true;
    case 'reactions':
      if (!target.posts) return false;
      await withRetry(() => (target.posts as NonNullable<typeof target.posts>).unreact(first, second, third as 'like'));
      return true;
    default:
      return false;
  }
}
