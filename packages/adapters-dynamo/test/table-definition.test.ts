import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndexDescription,
} from '@aws-sdk/client-dynamodb';
import { ensureTable, tableDefinition } from '@cohort/adapters-dynamo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTable, randomTableName, testClients } from './dynamo-test-client.js';

const byName = <T extends { AttributeName?: string | undefined }>(items: readonly T[] = []): T[] =>
  [...items].sort((a, b) => String(a.AttributeName).localeCompare(String(b.AttributeName)));

const indexShape = (
  indexes: readonly Pick<GlobalSecondaryIndexDescription, 'IndexName' | 'KeySchema' | 'Projection'>[] = [],
) =>
  [...indexes]
    .map((index) => ({
      IndexName: index.IndexName,
      KeySchema: index.KeySchema,
      Projection: {
        ProjectionType: index.Projection?.ProjectionType,
        NonKeyAttributes: index.Projection?.NonKeyAttributes ?? [],
      },
    }))
    .sort((a, b) => String(a.IndexName).localeCompare(String(b.IndexName)));

describe('tableDefinition', () => {
  let low: DynamoDBClient;
  const tableName = randomTableName('definition');

  beforeAll(async () => {
    const clients = testClients();
    low = clients.low;
    await ensureTable(clients.client, { tableName });
  });

  afterAll(async () => {
    await deleteTable(low, tableName);
    low.destroy();
  });

  it('describes the table ensureTable creates: keys, attributes, indexes and projections, billing, TTL', async () => {
    const definition = tableDefinition(tableName);
    const { Table: table } = await low.send(new DescribeTableCommand({ TableName: tableName }));
    expect(table?.TableStatus).toBe('ACTIVE');
    expect(table?.KeySchema).toEqual(definition.KeySchema);
    expect(byName(table?.AttributeDefinitions)).toEqual(byName(definition.AttributeDefinitions));
    expect(indexShape(table?.GlobalSecondaryIndexes)).toEqual(indexShape(definition.GlobalSecondaryIndexes));
    expect(table?.BillingModeSummary?.BillingMode ?? 'PAY_PER_REQUEST').toBe(definition.BillingMode);

    const { TimeToLiveDescription: ttl } = await low.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl?.AttributeName).toBe(definition.TimeToLiveSpecification.AttributeName);
    expect(ttl?.TimeToLiveStatus).toBe('ENABLED');
  });

  it('declares every key attribute it indexes, and nothing else', () => {
    const definition = tableDefinition(tableName);
    const keyAttributes = new Set(
      [
        ...(definition.KeySchema ?? []),
        ...(definition.GlobalSecondaryIndexes ?? []).flatMap((index) => index.KeySchema ?? []),
      ].map((key) => key.AttributeName),
    );
    expect(new Set(definition.AttributeDefinitions?.map((attribute) => attribute.AttributeName))).toEqual(
      keyAttributes,
    );
  });

  it('leaves an existing table as it is when ensured again', async () => {
    const before = await low.send(new DescribeTableCommand({ TableName: tableName }));
    const again = testClients();
    await ensureTable(again.client, { tableName });
    again.low.destroy();
    const after = await low.send(new DescribeTableCommand({ TableName: tableName }));
    expect(after.Table?.CreationDateTime).toEqual(before.Table?.CreationDateTime);
  });
});
