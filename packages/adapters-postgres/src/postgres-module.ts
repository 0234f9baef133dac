import type { Clock, PortName } from '@cohort/core';
import { storeModule } from '@cohort/wiring';
import type { ContainerModule } from 'inversify';
import type { DataSource } from 'typeorm';
import { createPostgresStore } from './postgres-store.js';

export interface PostgresModuleOptions {
  /** An initialized, migrated DataSource (`createPostgresDataSource` + `runPostgresMigrations`); the caller closes it. */
  readonly dataSource: DataSource;
  /** The ports PostgreSQL serves in this deployment; every port by default. */
  readonly ports?: readonly PortName[];
  /** Where the store reads the time (default: the system clock). */
  readonly clock?: Clock;
  /** The longest a port call waits for PostgreSQL, retries included (default: the DataSource's `timeoutMs`). */
  readonly timeoutMs?: number;
}

/**
 * An inversify module binding the chosen ports to a PostgreSQL store on `dataSource`, and that store's record sets
 * under `TOKENS.RecordSets` named after each port (through @cohort/wiring's `storeModule`, which lets
 * `verifyWiring` and `recordSetsOf` see which store serves which port).
 */
export function postgresModule(options: PostgresModuleOptions): ContainerModule {
  const store = createPostgresStore({
    dataSource: options.dataSource,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  return storeModule(store, { ports: options.ports, moduleName: 'postgresModule' });
}
