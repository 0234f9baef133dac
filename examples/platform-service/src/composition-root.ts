import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoClient, dynamoModule, ensureTable } from '@cohort/adapters-dynamo';
import { createPostgresDataSource, postgresModule, runPostgresMigrations } from '@cohort/adapters-postgres';
import type { CohortServices } from '@cohort/core';
import { memoryModule } from '@cohort/adapters-memory';
import {
  contextNames,
  createCohortContainer,
  portsOf,
  servicesModule,
  servicesOf,
  type Container,
  type ContainerModule,
} from '@cohort/wiring';
import type { PlatformConfig, StoreKind } from './config.js';

/** A started platform: the services to call, the container they came from, and how to shut it all down. */
export interface Platform {
  readonly services: CohortServices;
  readonly container: Container;
  /** Closes the PostgreSQL pool and the DynamoDB client. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The composition root: opens the clients the configuration asks for, binds each context's ports to its store, and
 * checks the wiring before the first request (a port left unbound or bound twice fails here, naming the port).
 * Adapters receive ready clients; creating and closing them is this function's job, nobody else's.
 */
export async function startPlatform(
  config: PlatformConfig,
  log: (line: string) => void = () => undefined,
): Promise<Platform> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  /** The ports of every context the configuration puts on `kind`. */
  const portsOn = (kind: StoreKind) => portsOf(...contextNames.filter((context) => config.stores[context] === kind));

  try {
    const modules: ContainerModule[] = [servicesModule()];

    if (config.postgres) {
      const { url, schema, poolSize, migrate } = config.postgres;
      const dataSource = createPostgresDataSource({ url, schema, poolSize, applicationName: 'platform-service' });
      closers.push(async () => {
        if (dataSource.isInitialized) await dataSource.destroy();
      });
      if (migrate) {
        const applied = await runPostgresMigrations(dataSource);
        log(`postgres: ${applied.length} migrations applied`);
      } else {
        await dataSource.initialize();
      }
      modules.push(postgresModule({ dataSource, ports: portsOn('postgres') }));
    }

    if (config.dynamo) {
      const { endpoint, region, credentials, tableName } = config.dynamo;
      // Request and connection timeouts (the SDK's defaults have none), within the store's deadline (timeoutMs).
      const low = createDynamoClient({
        region,
        ...(endpoint ? { endpoint } : {}),
        ...(credentials ? { credentials } : {}),
      });
      closers.push(() => Promise.resolve(low.destroy()));
      const client = DynamoDBDocumentClient.from(low);
      if (config.dynamo.ensureTable) await ensureTable(client, { tableName });
      modules.push(dynamoModule({ client, tableName, ports: portsOn('dynamo') }));
    }

    if (portsOn('memory').length > 0) modules.push(memoryModule({ ports: portsOn('memory') }));

    const container = await createCohortContainer(...modules);
    for (const context of contextNames) log(`${context}: ${config.stores[context]}`);
    return { services: servicesOf(container), container, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
