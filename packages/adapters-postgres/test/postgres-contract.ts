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
    changeFeed: {
      // A slot dropped behind the feed's back (or invalidated by max_slot_wal_keep_size): its WAL is gone.
      losePosition: async ({ store, subscription }) => {
        const dataSource = open.get(store)?.dataSource;
        if (!dataSource) throw new Error('losePosition: not a store of this suite');
        await dataSource.query(
          `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
            WHERE slot_name = (SELECT 'cohort_' || tag || '_' || $1::text FROM change_feed)`,
          [subscription],
        );
      },
    },
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
