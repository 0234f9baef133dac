import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_ACTIVITY_RETENTION_DAYS, TABLE, createDynamoStore, ensureTable } from '@cohort/adapters-dynamo';
import { newId } from '@cohort/core';
import { expectCohortError } from '@cohort/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityKeys } from '../src/activity/activity.keys.js';
import { deleteTable, randomTableName, testClients } from './dynamo-test-client.js';

const DAY_SECONDS = 86_400;

describe('activity retention (TTL)', () => {
  const tableName = randomTableName('retention');
  let low: DynamoDBClient;
  let client: DynamoDBDocumentClient;

  beforeAll(async () => {
    ({ low, client } = testClients());
    await ensureTable(client, { tableName });
  });

  afterAll(async () => {
    await deleteTable(low, tableName);
    low.destroy();
  });

  async function storedExpiry(retention: number | undefined, occurredAt: Date): Promise<unknown> {
    const store = createDynamoStore({
      client,
      tableName,
      ...(retention === undefined ? {} : { activityRetentionDays: retention }),
    });
    const id = newId();
    await store.activity.append([
      { id, actorId: newId(), verb: 'viewed', object: { type: 'content', id: 'c' }, occurredAt },
    ]);
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: activityKeys.event(id) }));
    return Item?.[TABLE.ttlAttribute];
  }

  it('stamps each event with occurredAt plus 400 days, in epoch seconds, by default', async () => {
    const occurredAt = new Date('2030-01-02T03:04:05.678Z');
    expect(DEFAULT_ACTIVITY_RETENTION_DAYS).toBe(400);
    expect(await storedExpiry(undefined, occurredAt)).toBe(Math.floor(occurredAt.getTime() / 1000) + 400 * DAY_SECONDS);
  });

  it('uses the configured retention', async () => {
    const occurredAt = new Date('2031-06-07T08:09:10.000Z');
    expect(await storedExpiry(30, occurredAt)).toBe(occurredAt.getTime() / 1000 + 30 * DAY_SECONDS);
  });

  it('refuses a retention that is not a positive whole number of days', async () => {
    for (const activityRetentionDays of [0, -1, 1.5, Number.NaN]) {
      await expectCohortError(
        () => Promise.resolve().then(() => createDynamoStore({ client, tableName, activityRetentionDays })),
        'VALIDATION',
      );
    }
  });
});
