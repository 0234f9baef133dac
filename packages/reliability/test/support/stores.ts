import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStore, ensureTable } from '@cohort/adapters-dynamo';
import { createPostgresDataSource, createPostgresStore, runPostgresMigrations } from '@cohort/adapters-postgres';
import type { Clock, CohortStore } from '@cohort/core';
import { createMemoryStore } from '@cohort/adapters-memory';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { inject } from 'vitest';

/** The stores the reliability suite runs on; `memory` is the model the others are compared with. */
export type AdapterName = 'memory' | 'postgres' | 'dynamo';

/** The real adapters, each backed by the run's shared server. */
export const realAdapters = ['postgres', 'dynamo'] as const satisfies readonly AdapterName[];

// The suite back-dates and post-dates activity freely; DynamoDB Local's TTL sweeper must never delete it mid-test.
const ACTIVITY_RETENTION_DAYS = 1_000_000;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** A store of its own (a database, a table) on the shared server, and how to get rid of it. */
export interface OpenedStore {
  readonly adapter: AdapterName;
  readonly store: CohortStore;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  readonly clock?: Clock;
  /** Most pooled connections (PostgreSQL only; default 8). */
  readonly poolSize?: number;
}

export function openStore(adapter: AdapterName, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  switch (adapter) {
    case 'memory':
      return Promise.resolve({
        adapter,
        store: createMemoryStore(options.clock ? { clock: options.clock } : {}),
        close: () => Promise.resolve(),
      });
    case 'postgres':
      return openPostgresStore(options);
    case 'dynamo':
      return openDynamoStore(options);
  }
}

/** A unique name for a database or table. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

/** The run's PostgreSQL server (from the global setup). */
export function postgresServerUrl(): string {
  return inject('postgresUrl');
}

/** Runs `work` on a fresh connection to `url`, then closes it. */
export async function withPgClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database on the server of `serverUrl` and returns its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  await withPgClient(serverUrl, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withPgClient(serverUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
  );
}

/** A migrated PostgreSQL store on a database of its own, with its DataSource (for pool inspection). */
export interface OpenedPostgresStore extends OpenedStore {
  readonly dataSource: DataSource;
  readonly url: string;
}

export async function openPostgresStore(
  options: OpenStoreOptions & { applicationName?: string; serverUrl?: string; connectTimeoutMs?: number } = {},
): Promise<OpenedPostgresStore> {
  const serverUrl = options.serverUrl ?? postgresServerUrl();
  const name = uniqueName('reliability');
  const url = await createDatabase(serverUrl, name);
  const dataSource = createPostgresDataSource({
    url,
    poolSize: options.poolSize ?? 8,
    ...(options.applicationName === undefined ? {} : { applicationName: options.applicationName }),
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
  });
  await runPostgresMigrations(dataSource);
  const store = createPostgresStore({ dataSource, ...(options.clock ? { clock: options.clock } : {}) });
  return {
    adapter: 'postgres',
    store,
    dataSource,
    url,
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await dropDatabase(serverUrl, name);
    },
  };
}

/** The run's DynamoDB endpoint; never a remote one unless DYNAMODB_ENDPOINT says so. */
export function dynamoEndpoint(): string {
  const endpoint = inject('dynamoEndpoint');
  if (!LOOPBACK.has(new URL(endpoint).hostname) && !process.env['DYNAMODB_ENDPOINT']) {
    throw new Error(`refusing to test against ${endpoint}`);
  }
  return endpoint;
}

/** A low-level client and its document client for `endpoint`, with the dummy credentials DynamoDB Local accepts. */
export function dynamoClients(endpoint: string = dynamoEndpoint()): {
  low: DynamoDBClient;
  client: DynamoDBDocumentClient;
} {
  const low = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'cohort', secretAccessKey: 'cohort' },
  });
  return { low, client: DynamoDBDocumentClient.from(low) };
}

/** A DynamoDB store on a table of its own, with its clients (for fault injection). */
export interface OpenedDynamoStore extends OpenedStore {
  readonly low: DynamoDBClient;
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

export async function openDynamoStore(
  options: OpenStoreOptions & { endpoint?: string; tableName?: string } = {},
): Promise<OpenedDynamoStore> {
  const { low, client } = dynamoClients(options.endpoint ?? dynamoEndpoint());
  const tableName = options.tableName ?? uniqueName('reliability').replace(/_/g, '-');
  await ensureTable(client, { tableName });
  const store = createDynamoStore({
    client,
    tableName,
    activityRetentionDays: ACTIVITY_RETENTION_DAYS,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    adapter: 'dynamo',
    store,
    low,
    client,
    tableName,
    close: async () => {
      await low.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
      low.destroy();
    },
  };
}
