import type { QueryRunner } from 'typeorm';
import { tableNames, type TableNames } from '../shared/postgres-client.js';

/** The adapter's tables in the schema the migration runs for (the DataSource's `schema` option, if any). */
export function migrationTables(queryRunner: QueryRunner): TableNames {
  const options = queryRunner.connection.options;
  return tableNames(options.type === 'postgres' ? options.schema : undefined);
}
