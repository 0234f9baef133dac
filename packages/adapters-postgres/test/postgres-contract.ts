import type { CohortStore } from '@cohort/core';
import { runContractSuite } from '@cohort/testkit';
import { inject } from 'vitest';
import { openTestStore, type TestStore } from './postgres-test-database.js';

const serverUrl = inject('postgresUrl');
const open = new Map<CohortStore, TestStore>();

runContractSuite({
  name: 'postgres',
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
