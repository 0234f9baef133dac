import { DescribeTableCommand, UpdateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoStore, ensureTable } from '@cohort/adapters-dynamo';
import type { CohortStore } from '@cohort/core';
import { startDynamo, type DynamoServer } from '@cohort/local-servers';
import { runContractSuite } from '@cohort/testkit';
import { afterAll, expect } from 'vitest';
import { accessPatternViolations, deleteTable, randomTableName, testClients } from './dynamo-test-client.js';

// The suite back-dates activity to 2021 and beyond; with the default 400-day retention, DynamoDB Local's TTL sweeper
// would delete such events mid-test (as AWS would). The contract knows no retention, so keep them for ~2,700 years.
const ACTIVITY_RETENTION_DAYS = 1_000_000;

/** The contract suite on the run's DynamoDB Local; the two `*.contract.test.ts` files differ only in time zone. */
export function runDynamoContract(timeZone?: string): void {
  const tables = new Map<CohortStore, { low: DynamoDBClient; tableName: string }>();
  // A DynamoDB Local of this file's own (unless DYNAMODB_ENDPOINT names one): every table streams, and DynamoDB Local
  // keeps the records of every stream it ever had in memory and reads them slower as they pile up. On the package's
  // shared server the second contract file, run after the first, took over 15 minutes instead of 3.
  let server: Promise<DynamoServer> | undefined;
  const endpoint = async (): Promise<string> =>
    (await (server ??= startDynamo({ log: () => undefined, useDocker: false }))).endpoint;

  runContractSuite({
    name: 'dynamo',
    ...(timeZone ? { timeZone } : {}),
    setup: async ({ clock }) => {
      // Every call the suite makes goes through a client that refuses Scan and FilterExpression.
      const { low, client } = testClients({ guard: true, endpoint: await endpoint() });
      const tableName = randomTableName('contract');
      await ensureTable(client, { tableName });
      const store = createDynamoStore({ client, tableName, clock, activityRetentionDays: ACTIVITY_RETENTION_DAYS });
      tables.set(store, { low, tableName });
      return store;
    },
    changeFeed: {
      // DynamoDB keeps a stream's records 24 hours; a test cannot wait that long. Disabling the stream and enabling
      // it again loses every record as surely (the table gets a new stream), which the feed must report the same way.
      losePosition: async ({ store }) => {
        const table = tables.get(store);
        if (!table) throw new Error('losePosition: not a store of this suite');
        await replaceStream(table.low, table.tableName);
      },
    },
    teardown: async (store) => {
      const table = tables.get(store);
      if (!table) return;
      tables.delete(store);
      await deleteTable(table.low, table.tableName);
      table.low.destroy();
    },
  });

  afterAll(async () => {
    expect(accessPatternViolations, 'no Scan and no FilterExpression anywhere in the suite').toEqual([]);
    await (await server)?.stop();
  });
}

/** Disables the table's stream and enables a new one (ensureTable does), waiting for the table to be ACTIVE between. */
async function replaceStream(low: DynamoDBClient, tableName: string): Promise<void> {
  await low.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: false } }));
  for (;;) {
    const table = (await low.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    if (table?.TableStatus === 'ACTIVE' && table.StreamSpecification?.StreamEnabled !== true) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await ensureTable(low, { tableName });
}
