import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoStore, ensureTable } from '@cohort/adapters-dynamo';
import type { CohortStore } from '@cohort/core';
import { runContractSuite } from '@cohort/testkit';
import { afterAll, expect } from 'vitest';
import { accessPatternViolations, deleteTable, randomTableName, testClients } from './dynamo-test-client.js';

// The suite back-dates activity to 2021 and beyond; with the default 400-day retention, DynamoDB Local's TTL sweeper
// would delete such events mid-test (as AWS would). The contract knows no retention, so keep them for ~2,700 years.
const ACTIVITY_RETENTION_DAYS = 1_000_000;

/** The contract suite on the run's DynamoDB Local; the two `*.contract.test.ts` files differ only in time zone. */
export function runDynamoContract(timeZone?: string): void {
  const tables = new Map<CohortStore, { low: DynamoDBClient; tableName: string }>();

  runContractSuite({
    name: 'dynamo',
    ...(timeZone ? { timeZone } : {}),
    setup: async ({ clock }) => {
      // Every call the suite makes goes through a client that refuses Scan and FilterExpression.
      const { low, client } = testClients({ guard: true });
      const tableName = randomTableName('contract');
      await ensureTable(client, { tableName });
      const store = createDynamoStore({ client, tableName, clock, activityRetentionDays: ACTIVITY_RETENTION_DAYS });
      tables.set(store, { low, tableName });
      return store;
    },
    teardown: async (store) => {
      const table = tables.get(store);
      if (!table) return;
      tables.delete(store);
      await deleteTable(table.low, table.tableName);
      table.low.destroy();
    },
  });

  afterAll(() => {
    expect(accessPatternViolations, 'no Scan and no FilterExpression anywhere in the suite').toEqual([]);
  });
}
