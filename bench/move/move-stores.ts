import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStore, ensureTable } from '@cohort/adapters-dynamo';
import { createPostgresDataSource, createPostgresStore, runPostgresMigrations } from '@cohort/adapters-postgres';
import type { Clock, CohortStore } from '@cohort/core';

export type StoreKind = 'postgres' | 'dynamo';

/** Enough to open the same store from another process (a service instance). */
export type StoreSpec =
  | { readonly kind: 'postgres'; readonly url: string }
  | {
      readonly kind: 'dynamo';
      readonly endpoint: string;
      readonly tableName: string;
      /** How often the change feed asks the stream again (the adapter's default, 250 ms, when absent). */
      readonly feedPollMs?: number;
    };

export interface OpenStore {
  readonly spec: StoreSpec;
  readonly store: CohortStore;
  /** Releases the connections (the data stays). */
  close(): Promise<void>;
  /** Releases the connections and deletes the data (database or table). */
  drop(): Promise<void>;
}

/** A fresh, migrated database `name` on the PostgreSQL server of `serverUrl`. */
export async function createPostgresSpec(serverUrl: string, name: string): Promise<StoreSpec> {
  const database = `cohort_move_${name}`;
  const admin = createPostgresDataSource({ url: serverUrl, poolSize: 1 });
  await admin.initialize();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return { kind: 'postgres', url: url.toString() };
}

/** A table `name` on DynamoDB Local at `endpoint` (created when first opened). */
export function createDynamoSpec(endpoint: string, name: string, feedPollMs: number | undefined): StoreSpec {
  return {
    kind: 'dynamo',
    endpoint,
    tableName: `cohort-move-${name}`,
    ...(feedPollMs === undefined ? {} : { feedPollMs }),
  };
}

/** How a store is opened: the benchmark's own side gets more connections and a longer deadline than a service. */
export interface OpenOptions {
  readonly clock?: Clock;
  /** Connections on PostgreSQL (default 8). */
  readonly poolSize?: number;
  /** DynamoDB's per-call deadline (the adapter's default, 10 s, when absent). */
  readonly timeoutMs?: number;
  /** PostgreSQL's idle-in-transaction bound (a service instance's: half its fleet lease; the adapter's default else). */
  readonly idleInTransactionTimeoutMs?: number;
}

/** Opens (and on first use creates) the store a spec names. */
export async function openStore(spec: StoreSpec, options: OpenOptions = {}): Promise<OpenStore> {
  const clock = options.clock ? { clock: options.clock } : {};
  if (spec.kind === 'postgres') {
    const dataSource = createPostgresDataSource({
      url: spec.url,
      poolSize: options.poolSize ?? 8,
      statementTimeoutMs: 300_000,
      applicationName: 'cohort-bench-move',
      ...(options.idleInTransactionTimeoutMs === undefined
        ? {}
        : { idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs }),
    });
    await runPostgresMigrations(dataSource);
    const close = async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    };
    return {
      spec,
      store: createPostgresStore({ dataSource, ...clock }),
      close,
      drop: async () => {
        await close();
        const url = new URL(spec.url);
        const database = url.pathname.slice(1);
        url.pathname = '/postgres';
        const admin = createPostgresDataSource({ url: url.toString(), poolSize: 1 });
        await admin.initialize();
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        } finally {
          await admin.destroy();
        }
      },
    };
  }
  const host = new URL(spec.endpoint).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new Error(`the move benchmark runs on DynamoDB Local only, not ${spec.endpoint}`);
  }
  const low = new DynamoDBClient({
    endpoint: spec.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'cohort', secretAccessKey: 'cohort' },
    maxAttempts: 8,
  });
  const client = DynamoDBDocumentClient.from(low);
  await ensureTable(client, { tableName: spec.tableName });
  let closed = false;
  const close = () => {
    if (!closed) low.destroy();
    closed = true;
    return Promise.resolve();
  };
  return {
    spec,
    store: createDynamoStore({
      client,
      tableName: spec.tableName,
      ...clock,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(spec.feedPollMs === undefined ? {} : { changeFeed: { pollMs: spec.feedPollMs } }),
    }),
    close,
    drop: async () => {
      if (!closed) await low.send(new DeleteTableCommand({ TableName: spec.tableName })).catch(() => undefined);
      await close();
    },
  };
}
