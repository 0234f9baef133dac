import { CreateTableCommand, waitUntilTableExists, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE, createDynamoStore, ensureTable, tableDefinition } from '@cohort/adapters-dynamo';
import { recordSetNames, type CohortStore, type RecordSet, type RecordSetName } from '@cohort/core';
import { collectAll, generatePlatform } from '@cohort/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessPatternViolations, deleteTable, randomTableName, testClients } from './dynamo-test-client.js';

// The scan index used to project KEYS_ONLY; it projects ALL now (one Query per page instead of keys plus BatchGets).
// DynamoDB cannot change an index's projection in place, so a table made before keeps KEYS_ONLY: the adapter must
// read it exactly as it reads a new one.

function scanWhole(store: CohortStore, name: RecordSetName): Promise<unknown[]> {
  const set = store.recordSets[name] as unknown as RecordSet<unknown>;
  return collectAll((cursor) => set.scan({ cursor, limit: 7 }));
}

describe('a table whose scan index is KEYS_ONLY (created before it projected ALL)', () => {
  const oldTable = randomTableName('keys-only');
  const newTable = randomTableName('all-projection');
  let low: DynamoDBClient;
  let client: DynamoDBDocumentClient;
  let oldStore: CohortStore;
  let newStore: CohortStore;
  const platform = generatePlatform({ seed: 7, scale: 'tiny' });

  beforeAll(async () => {
    ({ low, client } = testClients({ guard: true }));
    const { TimeToLiveSpecification: _ttl, ...definition } = tableDefinition(oldTable);
    await low.send(
      new CreateTableCommand({
        ...definition,
        GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes?.map((index) =>
          index.IndexName === TABLE.scan.name ? { ...index, Projection: { ProjectionType: 'KEYS_ONLY' } } : index,
        ),
      }),
    );
    await waitUntilTableExists({ client: low, maxWaitTime: 60 }, { TableName: oldTable });
    await ensureTable(client, { tableName: oldTable });
    await ensureTable(client, { tableName: newTable });
    oldStore = createDynamoStore({ client, tableName: oldTable });
    newStore = createDynamoStore({ client, tableName: newTable });
    for (const name of recordSetNames) {
      for (const batch of platform.batches(name)) {
        const records = batch as never[];
        await Promise.all([
          (oldStore.recordSets[name] as { putMany(r: never[]): Promise<void> }).putMany(records),
          (newStore.recordSets[name] as { putMany(r: never[]): Promise<void> }).putMany(records),
        ]);
      }
    }
  }, 120_000);

  afterAll(async () => {
    await deleteTable(low, oldTable);
    await deleteTable(low, newTable);
    low.destroy();
  });

  it.each(recordSetNames)('scans %s to the same records, in the same order, as a new table', async (name) => {
    const fromOld = await scanWhole(oldStore, name);
    expect(fromOld).toHaveLength(platform.counts()[name]);
    expect(fromOld).toEqual(await scanWhole(newStore, name));
  });

  it('lists users and communities from it, and counts and purges activity', async () => {
    expect(await oldStore.users.list({ limit: 100 })).toEqual(await newStore.users.list({ limit: 100 }));
    expect(await oldStore.communities.list({ limit: 100 })).toEqual(await newStore.communities.list({ limit: 100 }));
    expect(await oldStore.recordSets.activity.count()).toBe(platform.counts().activity);
    const purged = await oldStore.activity.purgeBefore(platform.now);
    expect(purged).toBe(platform.counts().activity);
    expect(await scanWhole(oldStore, 'activity')).toEqual([]);
    expect(accessPatternViolations).toEqual([]);
  });
});
