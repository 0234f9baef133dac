import { startDynamo } from '@cohort/local-servers';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The DynamoDB endpoint every test file of this package shares. */
    dynamoEndpoint: string;
  }
}

/** Starts one DynamoDB server for the whole test run; each test file makes its own tables on it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startDynamo();
  project.provide('dynamoEndpoint', server.endpoint);
  return () => server.stop();
}
