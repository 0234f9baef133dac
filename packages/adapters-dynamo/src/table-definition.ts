import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableInput,
  type DynamoDBClient,
  type TableDescription,
  type TimeToLiveSpecification,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CohortError } from '@cohort/core';
import { toCohortError } from './shared/dynamo-errors.js';
import { sleep } from './shared/retry.js';

/** The index names and attributes every keys module writes to; see the README's access-pattern table. */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Full-item index for the first list pattern of an item (feed, members, upcoming, a user's enrollments…). */
  gsi1: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Full-item index for a second list pattern (by author, by status, by object, a user's memberships…). */
  gsi2: { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  /**
   * Full-item index listing every record of a record set in a stable order: migration scans, counts, the users and
   * communities lists. It projects ALL because a migration reads whole sets through it: on DynamoDB Local a page of
   * 1,000 came ~4× faster from one Query than as keys plus ten BatchGets, and on AWS an index write of an item under
   * 1 KB costs one write unit whatever the projection (the price is the index's storage).
   */
  scan: { name: 'scan', partitionKey: 'scanPk', sortKey: 'scanSk' },
  /** Epoch seconds after which DynamoDB may delete the item (activity retention). */
  ttlAttribute: 'expiresAt',
  /** The stream the change feed reads: every write's old and new item (see src/feed/). */
  stream: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
} as const;

/**
 * The whole table as code: CreateTable input plus the TTL specification, named as CloudFormation's
 * AWS::DynamoDB::Table names them, so infrastructure code can use it as is.
 */
export type TableDefinition = CreateTableInput & {
  readonly TableName: string;
  readonly TimeToLiveSpecification: TimeToLiveSpecification;
};

/**
 * The single table every Cohort port lives in: pk/sk, two list GSIs and the scan index (all full-item), TTL, and a
 * stream of new and old images that the change feed reads.
 */
export function tableDefinition(tableName: string): TableDefinition {
  const stringAttribute = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
  const keySchema = (partitionKey: string, sortKey: string) => [
    { AttributeName: partitionKey, KeyType: 'HASH' as const },
    { AttributeName: sortKey, KeyType: 'RANGE' as const },
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: keySchema(TABLE.partitionKey, TABLE.sortKey),
    AttributeDefinitions: [
      TABLE.partitionKey,
      TABLE.sortKey,
      TABLE.gsi1.partitionKey,
      TABLE.gsi1.sortKey,
      TABLE.gsi2.partitionKey,
      TABLE.gsi2.sortKey,
      TABLE.scan.partitionKey,
      TABLE.scan.sortKey,
    ].map(stringAttribute),
    GlobalSecondaryIndexes: [
      {
        IndexName: TABLE.gsi1.name,
        KeySchema: keySchema(TABLE.gsi1.partitionKey, TABLE.gsi1.sortKey),
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: TABLE.gsi2.name,
        KeySchema: keySchema(TABLE.gsi2.partitionKey, TABLE.gsi2.sortKey),
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: TABLE.scan.name,
        KeySchema: keySchema(TABLE.scan.partitionKey, TABLE.scan.sortKey),
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    StreamSpecification: { ...TABLE.stream },
    TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
  };
}

/** Options for `ensureTable`. */
export interface EnsureTableOptions {
  readonly tableName: string;
  /** How long to wait for the table and its indexes to become ACTIVE. Default 5 minutes. */
  readonly timeoutMs?: number;
}

type AnyClient = DynamoDBClient | DynamoDBDocumentClient;

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | null> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table ?? null;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return null;
    throw error;
  }
}

function isActive(table: TableDescription | null): boolean {
  return (
    table?.TableStatus === 'ACTIVE' &&
    (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE')
  );
}

/**
 * Creates the table from `tableDefinition` when it does not exist, waits until it and its indexes are ACTIVE, and
 * enables TTL and the stream. For tests, local development and the demo; production tables come from infrastructure
 * code. Enabling the stream on an existing table is not retroactive: the feed sees only writes made after it.
 */
export async function ensureTable(client: AnyClient, options: EnsureTableOptions): Promise<void> {
  const low: DynamoDBClient = client;
  const { TimeToLiveSpecification, ...createInput } = tableDefinition(options.tableName);
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  try {
    let table = await describe(low, options.tableName);
    if (table === null) {
      try {
        table = (await low.send(new CreateTableCommand(createInput))).TableDescription ?? null;
      } catch (error) {
        if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
      }
    }
    while (!isActive(table)) {
      if (Date.now() > deadline) throw CohortError.unavailable(`Table ${options.tableName} did not become ACTIVE`);
      await sleep(200);
      table = await describe(low, options.tableName);
    }
    const missing = (createInput.GlobalSecondaryIndexes ?? [])
      .map((index) => index.IndexName)
      .filter((name) => !(table?.GlobalSecondaryIndexes ?? []).some((index) => index.IndexName === name));
    if (missing.length > 0) {
      throw CohortError.unavailable(`Table ${options.tableName} exists without the indexes ${missing.join(', ')}`);
    }
    const stream = table?.StreamSpecification;
    if (stream?.StreamEnabled !== true || stream.StreamViewType !== TABLE.stream.StreamViewType) {
      if (stream?.StreamEnabled === true) {
        throw CohortError.unavailable(
          `Table ${options.tableName} has a ${stream.StreamViewType ?? 'different'} stream; the change feed needs ` +
            `${TABLE.stream.StreamViewType} (disable the stream, then run ensureTable again)`,
        );
      }
      await low.send(
        new UpdateTableCommand({ TableName: options.tableName, StreamSpecification: { ...TABLE.stream } }),
      );
      do {
        if (Date.now() > deadline) throw CohortError.unavailable(`Table ${options.tableName} did not become ACTIVE`);
        await sleep(200);
        table = await describe(low, options.tableName);
      } while (!isActive(table));
    }
    const ttl = await low.send(new DescribeTimeToLiveCommand({ TableName: options.tableName }));
    const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
    if (status !== 'ENABLED' && status !== 'ENABLING') {
      await low.send(new UpdateTimeToLiveCommand({ TableName: options.tableName, TimeToLiveSpecification }));
    }
  } catch (error) {
    throw toCohortError(error, `ensureTable(${options.tableName})`);
  }
}
