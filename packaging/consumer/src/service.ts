// A service's composition root as an outside team writes it, against the installed packages' types only.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createMemoryStore, memoryModule } from '@cohort/adapters-memory';
import { dynamoModule, tableDefinition } from '@cohort/adapters-dynamo';
import { createPostgresDataSource, postgresModule } from '@cohort/adapters-postgres';
import { CohortError, type CohortStore, type User } from '@cohort/core';
import { backfill, verify } from '@cohort/migrate';
import { generatePlatform, TestClock } from '@cohort/testkit/generator';
import { createCohortContainer, portsOf, servicesModule, servicesOf } from '@cohort/wiring';

export async function hybridServices(url: string, endpoint: string) {
  const dataSource = createPostgresDataSource({ url, applicationName: 'outside-consumer' });
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local', endpoint }));
  const container = await createCohortContainer(
    servicesModule(),
    postgresModule({ dataSource, ports: portsOf('users', 'content', 'events', 'community') }),
    dynamoModule({ client, tableName: tableDefinition('cohort').TableName ?? 'cohort', ports: portsOf('activity') }),
  );
  return servicesOf(container);
}

export async function firstUser(store: CohortStore = createMemoryStore()): Promise<User> {
  try {
    return await store.users.create({ email: 'ada@example.com', displayName: 'Ada' });
  } catch (error) {
    if (CohortError.is(error)) throw new Error(`${error.code}: ${error.message}`);
    throw error;
  }
}

export const tools = { backfill, verify, generatePlatform, memoryModule, clock: new TestClock() };
