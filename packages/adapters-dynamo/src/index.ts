export { createDynamoStore, DEFAULT_ACTIVITY_RETENTION_DAYS } from './dynamo-store.js';
export type { DynamoChangeFeedOptions, DynamoStoreOptions } from './dynamo-store.js';
export { createDynamoClient } from './dynamo-client.js';
export type { DynamoClientOptions } from './dynamo-client.js';
export { ensureTable, tableDefinition, TABLE } from './table-definition.js';
export type { EnsureTableOptions, TableDefinition } from './table-definition.js';
export { dynamoModule } from './dynamo-module.js';
export type { DynamoModuleOptions } from './dynamo-module.js';
