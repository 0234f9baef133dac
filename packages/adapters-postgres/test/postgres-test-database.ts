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

/**
 * Drops a database made by `createDatabase`, disconnecting anyone still on it. Its change feed's replication slots go
 * first (a database with a slot cannot be dropped; slots are the server's, and a test's readers may still hold them).
 */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, async (client) => {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const { rows } = await client.query<{ slot: string; pid: number | null }>(
        'SELECT slot_name AS slot, active_pid AS pid FROM pg_replication_slots WHERE database = $1',
        [name],
      );
      if (rows.length === 0) break;
      for (const { slot, pid } of rows) {
        if (pid !== null) await client.query('SELECT pg_terminate_backend($1)', [pid]);
        else await client.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  });
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
