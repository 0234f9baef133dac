import type { Clock, CohortStore } from '@cohort/core';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { TestClock } from '../clock/test-clock.js';
import type { ContractContext } from './contract-context.js';
import { Fixtures } from './fixtures.js';
import { activityContract } from './groups/activity.contract.js';
import { communityContract } from './groups/community.contract.js';
import { concurrencyContract } from './groups/concurrency.contract.js';
import { contentContract } from './groups/content.contract.js';
import { errorsContract } from './groups/errors.contract.js';
import { eventsContract } from './groups/events.contract.js';
import { hostileTextContract } from './groups/hostile-text.contract.js';
import { migrationFaceContract } from './groups/migration-face.contract.js';
import { paginationContract } from './groups/pagination.contract.js';
import { postsContract } from './groups/posts.contract.js';
import { timeContract } from './groups/time.contract.js';
import { usersContract } from './groups/users.contract.js';
import { validationContract } from './groups/validation.contract.js';

export interface ContractSuiteOptions {
  /** Names the adapter in test titles, e.g. `postgres`. */
  readonly name: string;
  /**
   * Returns a new, empty store implementing every port, reading time from `clock`. Called once for the shared
   * store and again for each isolated store a group asks for; every call must return an independent store.
   */
  readonly setup: (context: { readonly clock: Clock }) => Promise<CohortStore>;
  /** Releases what `setup` made (drops the schema, deletes the table, closes clients). */
  readonly teardown?: (store: CohortStore) => Promise<void>;
  /** Per-test timeout in ms; real stores need more than vitest's 5 s for the concurrency tests. Default 30,000. */
  readonly timeout?: number;
}

/**
 * Registers the whole contract suite (every port, plus validation, pagination, concurrency, migration face,
 * errors, time and hostile text) with vitest. Call it from one spec file of your adapter.
 */
export function runContractSuite(options: ContractSuiteOptions): void {
  const clock = new TestClock();
  const stores: CohortStore[] = [];
  let shared: CohortStore | undefined;

  const context: ContractContext = {
    name: options.name,
    clock,
    store: () => {
      if (!shared) throw new Error('The contract store is only available inside tests and hooks');
      return shared;
    },
    fixtures: new Fixtures(() => context.store(), clock),
    isolatedStore: async () => {
      const store = await options.setup({ clock });
      stores.push(store);
      return store;
    },
  };

  describe(`contract: ${options.name}`, { timeout: options.timeout ?? 30_000 }, () => {
    beforeAll(async () => {
      shared = await context.isolatedStore();
    }, 120_000);
    afterEach(() => clock.reset());
    afterAll(async () => {
      for (const store of stores.splice(0)) await options.teardown?.(store);
    }, 120_000);

    usersContract(context);
    contentContract(context);
    eventsContract(context);
    communityContract(context);
    postsContract(context);
    activityContract(context);
    validationContract(context);
    paginationContract(context);
    concurrencyContract(context);
    migrationFaceContract(context);
    errorsContract(context);
    timeContract(context);
    hostileTextContract(context);
  });
}
