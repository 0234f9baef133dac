import { TOKENS, type PortName, type RecordSets } from '@cohort/core';
import { Container, type ContainerModule } from 'inversify';
import { contextNames, contextPorts, portLabel, portNames, portTokens } from './ports.js';

const HOW_TO_BIND = 'bind it with postgresModule, dynamoModule or memoryModule';

const serviceTokens = [
  TOKENS.UserService,
  TOKENS.ContentService,
  TOKENS.EventService,
  TOKENS.CommunityService,
  TOKENS.PostService,
] as const;

function label(token: symbol): string {
  return token.description?.replace(/^@cohort\//, '') ?? String(token);
}

function implementation(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== 'Object' ? name : 'an object';
}

function fail(message: string, cause?: unknown): never {
  throw new Error(`Cohort wiring: ${message}`, cause === undefined ? undefined : { cause });
}

/** Every value bound to `token` without a name; resolving one that cannot be built fails naming the token. */
function boundValues(container: Container, token: symbol, what: string): unknown[] {
  if (!container.isBound(token)) return [];
  try {
    return container.getAll(token);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return fail(`${what} ${label(token)} cannot be resolved: ${reason}`, error);
  }
}

/** The record sets of the store behind a port, when its module says (see `storeModule`); undefined otherwise. */
function recordSetsBehind(container: Container, port: PortName): RecordSets | undefined {
  return container.get<RecordSets>(TOKENS.RecordSets, { name: port, optional: true });
}

/**
 * The start-up check of a composition root. Fails with one plain Error whose message names the port when a port is
 * not bound, is bound more than once (two stores on one port) or is bound to something that is not an object; when
 * the ports of one context come from different stores; when the clock or a service is bound twice. Resolves every
 * bound service, so a wiring that would fail at the first request fails here instead.
 */
export function verifyWiring(container: Container): void {
  const unbound: string[] = [];
  for (const port of portNames) {
    const values = boundValues(container, portTokens[port], 'port');
    if (values.length === 0) {
      unbound.push(portLabel(port));
    } else if (values.length > 1) {
      fail(
        `port ${portLabel(port)} is bound ${values.length} times (${values.map(implementation).join(', ')}); ` +
          'bind each port to exactly one store',
      );
    } else if (typeof values[0] !== 'object' || values[0] === null) {
      fail(`port ${portLabel(port)} is bound to ${implementation(values[0])}, not a ${portLabel(port)}`);
    }
  }
  if (unbound.length === 1) fail(`port ${unbound[0]} is not bound (${HOW_TO_BIND})`);
  if (unbound.length > 1) {
    fail(
      `ports ${unbound.slice(0, -1).join(', ')} and ${unbound.at(-1)} are not bound (bind them with postgresModule, dynamoModule or memoryModule)`,
    );
  }

  for (const context of contextNames) {
    const ports: readonly PortName[] = contextPorts[context];
    const stores = ports.map((port) => recordSetsBehind(container, port));
    if (stores.some((store) => store === undefined)) continue;
    if (new Set(stores).size > 1) {
      fail(
        `the ${context} context is split across stores (${ports.map(portLabel).join(', ')}): ` +
          'its ports check references among themselves, so bind them to one store',
      );
    }
  }

  for (const token of [TOKENS.Clock, ...serviceTokens]) {
    const count = boundValues(container, token, token === TOKENS.Clock ? '' : 'service').length;
    if (count > 1) fail(`${label(token)} is bound ${count} times; load servicesModule once`);
  }
}

/**
 * A container with the given modules loaded and checked by `verifyWiring`: the one call a composition root makes.
 * Misconfiguration fails here, at start-up, not at the first request.
 */
export async function createCohortContainer(...modules: readonly ContainerModule[]): Promise<Container> {
  const container = new Container();
  await container.loadAsync(...modules);
  verifyWiring(container);
  return container;
}
