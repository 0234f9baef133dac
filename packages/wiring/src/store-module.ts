import { TOKENS, type CohortStore, type PortName } from '@cohort/core';
import { ContainerModule } from 'inversify';
import { portLabel, portNames, portTokens } from './ports.js';

/** Options of `storeModule`. */
export interface StoreModuleOptions {
  /** The ports this store serves; every port by default. */
  readonly ports?: readonly PortName[];
  /** Names the module in errors, e.g. `postgresModule`. */
  readonly moduleName?: string;
}

/**
 * The ports to bind, checked: every port when none are given; an unknown or repeated name fails at once, naming it.
 * Adapter modules accept the same `ports` option.
 */
export function selectPorts(ports: readonly PortName[] | undefined, moduleName = 'storeModule'): readonly PortName[] {
  if (ports === undefined) return portNames;
  const seen = new Set<PortName>();
  for (const port of ports) {
    if (!(portNames as readonly string[]).includes(port)) {
      throw new Error(
        `Cohort wiring: ${moduleName} got an unknown port ${String(port)} (ports: ${portNames.join(', ')})`,
      );
    }
    if (seen.has(port)) throw new Error(`Cohort wiring: ${moduleName} got port ${portLabel(port)} twice`);
    seen.add(port);
  }
  return [...seen];
}

/**
 * Binds some or all ports of a ready store to core's tokens, plus the store's record sets under `TOKENS.RecordSets`
 * named after each port (how `recordSetsOf` and `verifyWiring` tell which store serves which port). The adapter
 * modules (`postgresModule`, `dynamoModule`, `memoryModule`) follow the same convention; use this one for a store of
 * your own, or a store wrapped in decorators.
 */
export function storeModule(store: CohortStore, options: StoreModuleOptions = {}): ContainerModule {
  const ports = selectPorts(options.ports, options.moduleName);
  return new ContainerModule(({ bind }) => {
    for (const port of ports) {
      bind(portTokens[port]).toConstantValue(store[port]);
      bind(TOKENS.RecordSets).toConstantValue(store.recordSets).whenNamed(port);
    }
  });
}
