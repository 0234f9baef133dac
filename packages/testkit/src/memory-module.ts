import { TOKENS, type Clock, type CohortStore, type PortName, type Token } from '@cohort/core';
import { ContainerModule } from 'inversify';
import { createMemoryStore } from './memory/memory-store.js';

export interface MemoryModuleOptions {
  /** The ports the in-memory store serves; every port by default. */
  readonly ports?: readonly PortName[];
  /** Where a new store reads the time (default: the system clock); ignored when `store` is given. */
  readonly clock?: Clock;
  /** A store to bind (e.g. one a test also inspects directly); a new, empty one by default. */
  readonly store?: CohortStore;
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
 * An inversify module binding the chosen ports to an in-memory store, and that store's record sets under
 * `TOKENS.RecordSets` named after each port (the convention of @cohort/wiring's `storeModule`). For unit tests and
 * the demo; each call without `store` makes a new, empty store.
 */
export function memoryModule(options: MemoryModuleOptions = {}): ContainerModule {
  const all = Object.keys(portTokens) as PortName[];
  const ports = options.ports ?? all;
  for (const port of ports) {
    if (!all.includes(port)) throw new Error(`Cohort wiring: memoryModule got an unknown port ${String(port)}`);
  }
  const store = options.store ?? createMemoryStore(options.clock ? { clock: options.clock } : {});
  return new ContainerModule(({ bind }) => {
    for (const port of new Set(ports)) {
      bind(portTokens[port]).toConstantValue(store[port]);
      bind(TOKENS.RecordSets).toConstantValue(store.recordSets).whenNamed(port);
    }
  });
}
