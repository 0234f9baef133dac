import type { Page, PageRequest } from './page.js';

/**
 * The migration face of one record set: all that @cohort/migrate needs to copy and compare stores.
 * Records are domain objects exactly as stored, counters and versions included.
 */
export interface RecordSet<T> {
  /** Every record exactly once, in an order that stays stable while the set is not written. */
  scan(page?: PageRequest): Promise<Page<T>>;
  /** Upserts records as they are (ids, timestamps, versions, counters kept); re-running it changes nothing. */
  putMany(records: readonly T[]): Promise<void>;
  /** How many records the set holds. */
  count(): Promise<number>;
}
