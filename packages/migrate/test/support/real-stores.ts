import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStore, ensureTable } from '@cohort/adapters-dynamo';
import { createPostgresDataSource, createPostgresStore, runPostgresMigrations } from '@cohort/adapters-postgres';
import type { Clock, CohortStore } from '@cohort/core';
import { idleInTransactionBoundFor } from '../../src/index.js';

/** Enough to open the same store from another process (the SIGKILL test's child). */
export type StoreSpec =
  | {
      readonly kind: 'postgres';
      readonly url: string;
      /** PostgreSQL's idle-in-transaction bound for this process's connections (the adapter's default otherwise). */
      readonly idleInTransactionTimeoutMs?: number;
    }
  | {
      readonly kind: 'dynamo';
      readonly endpoint: string;
      readonly tableName: string;
      /** How often the change feed asks the stream again (the adapter's default otherwise). */
      readonly feedPollMs?: number;
    };

export interface OpenStore {
  readonly spec: StoreSpec;
  readonly store: CohortStore;
  /** Releases connections (the data stays). */
  close(): Promise<void>;
  /** Releases connections and deletes the data (database or table). */
  drop(): Promise<void>;
}

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** A fresh, migrated database on the server of `serverUrl`. */
export async function createPostgresSpec(serverUrl: string): Promise<StoreSpec> {
  const name = `cohort_migrate_${unique()}`;
  const admin = createPostgresDataSource({ url: serverUrl, poolSize: 1 });
  await admin.initialize();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { kind: 'postgres', url: url.toString() };
}

/** A fresh table name on `endpoint` (the table is created when the store is opened). */
export function createDynamoSpec(endpoint: string, feedPollMs?: number): StoreSpec {
  return {
    kind: 'dynamo',
    endpoint,
    tableName: `cohort-migrate-${unique()}`,
    ...(feedPollMs !== undefined ? { feedPollMs } : {}),
  };
}

function assertLocal(endpoint: string): void {
  const host = new URL(endpoint).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host) && !process.env['DYNAMODB_ENDPOINT']) {
    throw new Error(`refusing to test against ${endpoint}`);
  }
}

/**
 * The spec as a fleet instance opens it: PostgreSQL ends a transaction idle for half the instance's lease, so a write
 * frozen inside one cannot commit after the fleet passed the instance by (see createPostgresDataSource).
 */
export function asFleetInstance(spec: StoreSpec, leaseMs: number): StoreSpec {
  return spec.kind === 'postgres' ? { ...spec, idleInTransactionTimeoutMs: idleInTransactionBoundFor(leaseMs) } : spec;
}

/** Opens (and on first use creates) the store a spec names. */
export async function openStore(spec: StoreSpec, clock?: Clock): Promise<OpenStore> {
  if (spec.kind === 'postgres') {
    const dataSource = createPostgresDataSource({
      url: spec.url,
      poolSize: 8,
      statementTimeoutMs: 120_000,
      ...(spec.idleInTransactionTimeoutMs === undefined
        ? {}
        : { idleInTransactionTimeoutMs: spec.idleInTransactionTimeoutMs }),
    });
    await runPostgresMigrations(dataSource);
    const store = createPostgresStore({ dataSource, ...(clock ? { clock } : {}) });
    const close = async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    };
    return {
      spec,
      store,
      close,
      drop: async () => {
        await close();
        const url = new URL(spec.url);
        const name = url.pathname.slice(1);
        url.pathname = '/postgres';
        const admin = createPostgresDataSource({ url: url.toString(), poolSize: 1 });
        await admin.initialize();
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await admin.destroy();
        }
      },
    };
  }
  assertLocal(spec.endpoint);
  const low = new DynamoDBClient({
    endpoint: spec.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'cohort', secretAccessKey: 'cohort' },
    maxAttempts: 8,
  });
  const client = DynamoDBDocumentClient.from(low);
  await ensureTable(client, { tableName: spec.tableName });
  const store = createDynamoStore({
    client,
    tableName: spec.tableName,
    ...(clock ? { clock } : {}),
    ...(spec.feedPollMs !== undefined ? { changeFeed: { pollMs: spec.feedPollMs } } : {}),
  });
  let closed = false;
  const close = () => {
    if (!closed) low.destroy();
    closed = true;
    return Promise.resolve();
  };
  return {
    spec,
    store,
    close,
    drop: async () => {
      if (!closed) await low.send(new DeleteTableCommand({ TableName: spec.tableName })).catch(() => undefined);
      await close();
    },
  };
}
