import { startDynamo, startPostgres } from '@cohort/local-servers';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared PostgreSQL server's maintenance database; each test file creates its own database on it. */
    postgresUrl: string;
    /** The shared DynamoDB endpoint; each test file creates its own table on it. */
    dynamoEndpoint: string;
  }
}

/** One PostgreSQL and one DynamoDB Local for the whole run (env, Docker or embedded), stopped when the run ends. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [postgres, dynamo] = await Promise.allSettled([startPostgres(), startDynamo()]);
  const stopAll = async (): Promise<void> => {
    await Promise.all(
      [postgres, dynamo].map((started) => (started.status === 'fulfilled' ? started.value.stop() : Promise.resolve())),
    );
  };
  if (postgres.status === 'rejected' || dynamo.status === 'rejected') {
    await stopAll();
    throw postgres.status === 'rejected' ? postgres.reason : (dynamo as PromiseRejectedResult).reason;
  }
  project.provide('postgresUrl', postgres.value.url);
  project.provide('dynamoEndpoint', dynamo.value.endpoint);
  return stopAll;
}
