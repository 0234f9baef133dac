import type { RecordOf, RecordSet, RecordSetName } from '@cohort/core';
import { keyOf } from '../record-graph.js';
import { scanAll } from '../shared/scan.js';
import { BucketDigests, bucketOf, canonicalJson, differingFields } from './digest.js';

/** How one record differs between the two stores. */
export type DifferenceKind = 'missing-in-target' | 'missing-in-source' | 'changed';

/** One record (by key) that is not the same in both stores. */
export interface KeyDifference {
  readonly key: string;
  readonly kind: DifferenceKind;
  /** For `changed`: the top-level fields whose values differ. */
  readonly fields: readonly string[];
}

/** A record seen during a drill-down: its canonical JSON and, when asked for, the record itself. */
export interface SeenRecord<T> {
  readonly json: string;
  readonly record: T | null;
}

/** A whole scan of one store's record set: per-bucket digests and how many records it read. */
export interface DigestScan {
  readonly digests: BucketDigests;
  readonly scanned: number;
}

/** Scans one record set and digests every record into `buckets` buckets; `onRecord` sees each record too. */
export async function digestSet<N extends RecordSetName>(
  name: N,
  set: RecordSet<RecordOf<N>>,
  buckets: number,
  onRecord?: (record: RecordOf<N>) => void,
): Promise<DigestScan> {
  const digests = new BucketDigests(buckets);
  const scanned = await scanAll(set, (items) => {
    for (const record of items) {
      digests.add(keyOf(name, record), canonicalJson(record));
      onRecord?.(record);
    }
  });
  return { digests, scanned };
}

/** Scans one record set and keeps the records whose key is selected (by bucket or by key). */
export async function collectRecords<N extends RecordSetName>(
  name: N,
  set: RecordSet<RecordOf<N>>,
  select: { buckets: number; wanted: ReadonlySet<number> } | { keys: ReadonlySet<string> },
  keepRecords: boolean,
): Promise<Map<string, SeenRecord<RecordOf<N>>>> {
  const seen = new Map<string, SeenRecord<RecordOf<N>>>();
  await scanAll(set, (items) => {
    for (const record of items) {
      const key = keyOf(name, record);
      const wanted = 'keys' in select ? select.keys.has(key) : select.wanted.has(bucketOf(key, select.buckets));
      if (wanted) seen.set(key, { json: canonicalJson(record), record: keepRecords ? record : null });
    }
  });
  return seen;
}

/** The keys that differ between what two drill-downs saw, in key order. */
export function diffSeen(
  source: ReadonlyMap<string, SeenRecord<unknown>>,
  target: ReadonlyMap<string, SeenRecord<unknown>>,
): KeyDifference[] {
  const differences: KeyDifference[] = [];
  for (const [key, left] of source) {
    const right = target.get(key);
    if (right === undefined) differences.push({ key, kind: 'missing-in-target', fields: [] });
    else if (right.json !== left.json)
      differences.push({ key, kind: 'changed', fields: differingFields(left.json, right.json) });
  }
  for (const key of target.keys()) {
    if (!source.has(key)) differences.push({ key, kind: 'missing-in-source', fields: [] });
  }
  return differences.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Splits differing buckets into groups drilled one scan at a time, so a drill-down holds a bounded share of a set. */
export function bucketChunks(differing: readonly number[], perChunk: number): number[][] {
  const chunks: number[][] = [];
  for (let i = 0; i < differing.length; i += perChunk) chunks.push(differing.slice(i, i + perChunk));
  return chunks;
}
