import { startPostgres } from '@cohort/local-servers';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared test server's maintenance database; each test file creates its own databases on it. */
    postgresUrl: string;
  }
}

/** One PostgreSQL server per test run (env, Docker or embedded, see startPostgres), stopped when the run ends. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}
