import { createHash } from 'node:crypto';
import type { CohortStore, RecordOf, RecordSet, RecordSetName, RecordSets } from '@cohort/core';
import { createMemoryStore } from '@cohort/adapters-memory';
import { collectAll, generatePlatform, loadPlatform, type PlatformSizes } from '@cohort/testkit';
import { canonicalJson, copyOrder } from '../../src/index.js';

/** Sizes a little above `tiny`, so that every record set spans several scan pages and batches. */
export const testSizes: PlatformSizes = {
  users: 300,
  activeUsers: 60,
  contents: 20,
  tags: 12,
  enrollments: 400,
  communities: 6,
  memberships: 500,
  posts: 120,
  comments: 300,
  reactions: 400,
  events: 8,
  registrations: 250,
  activity: 2_500,
  activityDays: 30,
};

/** A memory store holding a generated platform. */
export async function seededMemoryStore(sizes: PlatformSizes = testSizes, seed = 7): Promise<CohortStore> {
  const store = createMemoryStore();
  await loadPlatform(store.recordSets, generatePlatform({ seed, scale: sizes }));
  return store;
}

/** Every record set's counts. */
export async function countsOf(store: Pick<CohortStore, 'recordSets'>): Promise<Record<RecordSetName, number>> {
  const entries = await Promise.all(copyOrder.map(async (name) => [name, await store.recordSets[name].count()]));
  return Object.fromEntries(entries) as Record<RecordSetName, number>;
}

/** Counts what goes through `putMany`, per record set; `fail` can make a call throw. */
export interface PutSpy {
  readonly calls: Record<string, number>;
  readonly records: Record<string, number>;
  fail: ((name: RecordSetName, records: readonly unknown[]) => Error | null) | null;
}

/** Wraps a store's migration face so that tests can count and break `putMany`. */
export function spyOnPuts<S extends Pick<CohortStore, 'recordSets'>>(store: S): { store: S; spy: PutSpy } {
  const spy: PutSpy = { calls: {}, records: {}, fail: null };
  const recordSets = Object.fromEntries(
    copyOrder.map((name) => {
      const set = store.recordSets[name] as unknown as RecordSet<RecordOf<typeof name>>;
      const wrapped: RecordSet<RecordOf<typeof name>> = {
        scan: (page) => set.scan(page),
        count: () => set.count(),
        deleteMany: (keys) => set.deleteMany(keys),
        putMany: async (records) => {
          const failure = spy.fail?.(name, records) ?? null;
          if (failure) throw failure;
          await set.putMany(records);
          spy.calls[name] = (spy.calls[name] ?? 0) + 1;
          spy.records[name] = (spy.records[name] ?? 0) + records.length;
        },
      };
      return [name, wrapped];
    }),
  ) as unknown as RecordSets;
  return { store: { ...store, recordSets }, spy };
}

/** Every record of a set, in scan order. */
export function allRecords<N extends RecordSetName>(
  store: Pick<CohortStore, 'recordSets'>,
  name: N,
): Promise<RecordOf<N>[]> {
  const set = store.recordSets[name] as unknown as RecordSet<RecordOf<N>>;
  return collectAll((cursor) => set.scan({ cursor, limit: 100 }));
}

/** A SHA-256 of every record of every set in scan order: equal before and after means nothing was changed. */
export async function fingerprint(store: Pick<CohortStore, 'recordSets'>): Promise<Record<RecordSetName, string>> {
  const out: Partial<Record<RecordSetName, string>> = {};
  for (const name of copyOrder) {
    const hash = createHash('sha256');
    for (const record of await allRecords(store, name)) hash.update(canonicalJson(record)).update('\n');
    out[name] = hash.digest('hex');
  }
  return out as Record<RecordSetName, string>;
}
