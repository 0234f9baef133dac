import type { CohortStore } from '@cohort/core';
import { runContractSuite } from '@cohort/testkit';
import { inject } from 'vitest';
import { openTestStore, type TestStore } from './postgres-test-database.js';

/** The contract suite on the run's PostgreSQL server; the two `*.contract.test.ts` files differ only in time zone. */
export function runPostgresContract(timeZone?: string): void {
  const serverUrl = inject('postgresUrl');
  const open = new Map<CohortStore, TestStore>();

  runContractSuite({
    name: 'postgres',
    ...(timeZone ? { timeZone } : {}),
    // Every store gets a database of its own (CREATE DATABASE cohort_<random>), migrated from empty.
    setup: async ({ clock }) => {
      const opened = await openTestStore(serverUrl, { clock });
      open.set(opened.store, opened);
      return opened.store;
    },
    teardown: async (store) => {
      await open.get(store)?.close();
      open.delete(store);
    },
  });
}
