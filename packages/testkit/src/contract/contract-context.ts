import type { CohortStore } from '@cohort/core';
import type { TestClock } from '../clock/test-clock.js';
import type { Fixtures } from './fixtures.js';

/** What every contract group receives: the store under test and helpers, valid inside tests and hooks only. */
export interface ContractContext {
  /** The adapter's name, as given to `runContractSuite`. */
  readonly name: string;
  /** The shared store all groups write to (each test makes its own data). */
  store(): CohortStore;
  /** The clock the store reads; follows real time unless a test freezes it (reset after every test). */
  readonly clock: TestClock;
  /** Unique test data. */
  readonly fixtures: Fixtures;
  /** A new, empty store of the same adapter, torn down with the suite: for tests that need to see a whole store. */
  isolatedStore(): Promise<CohortStore>;
}
