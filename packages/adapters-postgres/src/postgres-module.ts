import { TOKENS, type Clock, type CohortStore, type PortName, type Token } from '@cohort/core';
import { ContainerModule } from 'inversify';
import type { DataSource } from 'typeorm';
import { createPostgresStore } from './postgres-store.js';

export interface PostgresModuleOptions {
  /** An initialized, migrated DataSource (`createPostgresDataSource` + `runPostgresMigrations`); the caller closes it. */
  readonly dataSource: DataSource;
  /** The ports PostgreSQL serves in this deployment; every port by default. */
  readonly ports?: readonly PortName[];
  /** Where the store reads the time (default: the system clock). */
  readonly clock?: Clock;
}

const portTokens: { readonly [P in PortName]: Token<CohortStore[P]> } = {
  users: TOKENS.UserRepository,
  contents: TOKENS.ContentRepository,
  enrollments: TOKENS.EnrollmentRepository,
  events: TOKENS.EventRepository,
  communities: TOKENS.CommunityRepository,
  memberships: TOKENS.MembershipRepository,
  posts: TOKENS.PostRepository,
  activity: TOKENS.ActivityLog,
};

/**
 * An inversify module binding the chosen ports to a PostgreSQL store on `dataSource`, and that store's record sets
 * under `TOKENS.RecordSets` named after each port (the convention of @cohort/wiring's `storeModule`, which lets
 * `verifyWiring` and `recordSetsOf` see which store serves which port).
 */
export function postgresModule(options: PostgresModuleOptions): ContainerModule {
  const all = Object.keys(portTokens) as PortName[];
  const ports = options.ports ?? all;
  for (const port of ports) {
    if (!all.includes(port)) throw new Error(`Cohort wiring: postgresModule got an unknown port ${String(port)}`);
  }
  const store = createPostgresStore({
    dataSource: options.dataSource,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return new ContainerModule(({ bind }) => {
    for (const port of new Set(ports)) {
      bind(portTokens[port]).toConstantValue(store[port]);
      bind(TOKENS.RecordSets).toConstantValue(store.recordSets).whenNamed(port);
    }
  });
}
