import type { CohortStore, RecordOf, RecordSet, RecordSetName } from '@cohort/core';

/**
 * One side of a migration: a store's migration face, and optionally its ports. Backfill and verify need nothing but
 * `recordSets`; a repair that must delete a record (a membership, a post, a reaction) uses `memberships` and `posts`;
 * `changeFeed` is there for whoever is given it (verify's `feeds`, which it never takes from an endpoint unasked).
 * A whole `CohortStore` fits.
 */
export type MigrationEndpoint = Pick<CohortStore, 'recordSets'> &
  Partial<Pick<CohortStore, 'memberships' | 'posts' | 'changeFeed'>>;

/** The record set `name` of an endpoint, typed by its records. */
export function recordSetOf<N extends RecordSetName>(endpoint: MigrationEndpoint, name: N): RecordSet<RecordOf<N>> {
  return endpoint.recordSets[name] as unknown as RecordSet<RecordOf<N>>;
}
