export { createPostgresStore } from './postgres-store.js';
export type { PostgresStoreOptions } from './postgres-store.js';
export {
  MIGRATIONS_TABLE,
  createPostgresDataSource,
  postgresEntities,
  postgresMigrations,
  runPostgresMigrations,
} from './data-source.js';
export type { PostgresDataSourceOptions } from './data-source.js';
export { toCohortError } from './shared/postgres-errors.js';
export { postgresModule } from './postgres-module.js';
export type { PostgresModuleOptions } from './postgres-module.js';
