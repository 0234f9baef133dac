import type { Page } from './page.js';
import type { ScanRequest } from './scan-request.js';

/**
 * The migration face of one record set: all that @cohort/migrate needs to copy and compare stores.
 * Records are domain objects exactly as stored, counters and versions included.
 */
export interface RecordSet<T> {
  /**
   * Every record exactly once, in an order that stays stable while the set is not written. Pages hold up to 1,000
   * records (MAX_SCAN_LIMIT, putMany's batch limit; default 20), so a copy reads a batch in one call; a larger limit
   * is VALIDATION.
   */
  scan(page?: ScanRequest): Promise<Page<T>>;
  /**
   * Upserts up to 1,000 records exactly as given (ids, timestamps, versions and counters kept, nothing recomputed:
   * a record with the same key is replaced), after validating all of them; re-running it changes nothing. A store
   * that keeps hidden state, such as an event's next waitlist position, advances it past what it receives.
   * Unique values (a user's email, a community's slug) may change hands within one batch (two users swapping
   * emails); a batch taking a value held by a record outside it, or giving one value to two of its records, is
   * CONFLICT with nothing written.
   */
  putMany(records: readonly T[]): Promise<void>;
  /**
   * Deletes the records with these keys (up to 1,000, each as `recordKeys[set]` makes it; VALIDATION otherwise, with
   * nothing deleted) and nothing else: no cascade to the records that point at them, no counter moved (counters travel
   * as records of their own). A key that is not stored is fine, so re-running it changes nothing. A store with foreign
   * keys (PostgreSQL) refuses to delete a record whose children it still holds: CONFLICT, nothing deleted; delete the
   * children first. A user's email and a community's slug are free again once their holder is deleted.
   */
  deleteMany(keys: readonly string[]): Promise<void>;
  /** How many records the set holds. */
  count(): Promise<number>;
}
