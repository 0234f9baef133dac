import type { Clock, CohortStore, PortName } from '@cohort/core';
import { storeModule } from '@cohort/wiring';
import type { ContainerModule } from 'inversify';
import { createMemoryStore } from './memory-store.js';

export interface MemoryModuleOptions {
  /** The ports the in-memory store serves; every port by default. */
  readonly ports?: readonly PortName[];
  /** Where a new store reads the time (default: the system clock); ignored when `store` is given. */
  readonly clock?: Clock;
  /** A store to bind (e.g. one a test also inspects directly); a new, empty one by default. */
  readonly store?: CohortStore;
}

/**
 * An inversify module binding the chosen ports to an in-memory store, and that store's record sets under
 * `TOKENS.RecordSets` named after each port (the convention of @cohort/wiring's `storeModule`). For unit tests and
 * the demo; each call without `store` makes a new, empty store.
 */
export function memoryModule(options: MemoryModuleOptions = {}): ContainerModule {
  const store = options.store ?? createMemoryStore(options.clock ? { clock: options.clock } : {});
  return storeModule(store, { ports: options.ports, moduleName: 'memoryModule' });
}
