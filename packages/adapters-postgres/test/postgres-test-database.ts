import type { Clock, CohortStore } from '@cohort/core';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import {
  createPostgresDataSource,
  createPostgresStore,
  runPostgresMigrations,
  type PostgresDataSourceOptions,
} from '../src/index.js';

/** Creates an empty database on the server of `serverUrl` and returns its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database made by `createDatabase`, disconnecting anyone still on it. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
  );
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A migrated store on a database of its own, and how to get rid of both. */
export interface TestStore {
  readonly store: CohortStore;
  readonly dataSource: DataSource;
  readonly url: string;
  close(): Promise<void>;
}

export async function openTestStore(
  serverUrl: string,
  options: { clock?: Clock; dataSource?: Partial<PostgresDataSourceOptions> } = {},
): Promise<TestStore> {
  const name = `cohort_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const url = await createDatabase(serverUrl, name);
  const dataSource = createPostgresDataSource({ url, poolSize: 8, ...options.dataSource });
  await runPostgresMigrations(dataSource);
  const store = createPostgresStore({ dataSource, ...(options.clock ? { clock: options.clock } : {}) });
  return {
    store,
    dataSource,
    url,
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await dropDatabase(serverUrl, name);
    },
  };
}
