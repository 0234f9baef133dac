import type { ControlRecords } from '@cohort/core';
import type { MigrationEndpoint } from '@cohort/migrate';
import { createCohortContainer, recordSetsOf } from '@cohort/wiring';
import { CliError } from '../cli-error.js';
import type { Progress } from '../progress.js';
import { openStores, type OpenStores } from './open-stores.js';
import { storeLabels, wirings } from './wirings.js';

/** The stores `cohort migrate` and `cohort verify` move between. */
export const endpointKinds = ['postgres', 'dynamo'] as const;
export type EndpointKind = (typeof endpointKinds)[number];

export interface OpenEndpoint {
  readonly kind: EndpointKind;
  /** e.g. `PostgreSQL (DATABASE_URL postgres://cohort:***@db:5432/cohort, schema app)`. */
  readonly description: string;
  readonly endpoint: MigrationEndpoint;
  /** The store's control records (where a fleet keeps its phases), when it has them. */
  readonly control?: ControlRecords;
}

export interface OpenEndpoints {
  readonly from: OpenEndpoint;
  readonly to: OpenEndpoint;
  /** Closes both stores' pools and clients (the data stays). Safe to call twice. */
  close(): Promise<void>;
  /**
   * Runs `cleanup` when the stores close, before the `from` store's own cleanups: on `close`, or on Ctrl-C through
   * closeAllStores, which closes stores in the order they were opened (`from` first, so `to` is still open then).
   */
  defer(cleanup: () => Promise<void>): void;
}

export interface OpenEndpointsOptions {
  readonly from: EndpointKind;
  readonly to: EndpointKind;
  /** Read for DATABASE_URL, DATABASE_SCHEMA, DYNAMODB_ENDPOINT, DYNAMODB_TABLE, AWS_REGION. */
  readonly env: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

const required: Readonly<Record<EndpointKind, { readonly variable: string; readonly hint: string }>> = {
  postgres: {
    variable: 'DATABASE_URL',
    hint: 'set it to the PostgreSQL database (postgres://user:password@host:5432/db; DATABASE_SCHEMA picks a schema)',
  },
  dynamo: {
    variable: 'DYNAMODB_ENDPOINT',
    hint: 'set it to the DynamoDB to use (e.g. http://127.0.0.1:8000; DYNAMODB_TABLE picks the table, default cohort)',
  },
};

/** Fails in one line (exit 2) unless --from and --to differ and the environment names both stores. */
export function checkEndpoints(from: EndpointKind, to: EndpointKind, env: NodeJS.ProcessEnv): void {
  if (from === to) throw new CliError(`--from and --to must name different stores; both are ${from}`, 2);
  checkEndpoint('--from', from, env);
  checkEndpoint('--to', to, env);
}

/** Fails in one line (exit 2) unless the environment names the store `flag` chose. */
export function checkEndpoint(flag: string, kind: EndpointKind, env: NodeJS.ProcessEnv): void {
  const { variable, hint } = required[kind];
  if (!env[variable]) throw new CliError(`${flag} ${kind} needs ${variable}: ${hint}`, 2);
}

/**
 * Opens the two stores of a migration, each as the environment names it (as `cohort seed` does) and serving every
 * context, so its migration face holds the whole platform. Either both open or neither stays open.
 */
export async function openEndpoints(options: OpenEndpointsOptions): Promise<OpenEndpoints> {
  checkEndpoints(options.from, options.to, options.env);
  const open = (kind: EndpointKind) =>
    openStores({ layout: wirings[kind], mode: 'configured', env: options.env, log: options.log });
  const results = await Promise.allSettled([open(options.from), open(options.to)]);
  const opened = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const close = async () => {
    const outcomes = await Promise.allSettled(opened.map((stores) => stores.close()));
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  };
  try {
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    const [from, to] = opened as [OpenStores, OpenStores];
    return {
      from: await endpointOf(options.from, from),
      to: await endpointOf(options.to, to),
      close,
      defer: (cleanup) => from.defer(cleanup),
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

async function endpointOf(kind: EndpointKind, stores: OpenStores): Promise<OpenEndpoint> {
  const container = await createCohortContainer(...stores.modules);
  const where = stores.stores.map((store) => store.where).join('; ');
  // One store serves every context here, so its change feed is the feed of the whole migration face.
  const changeFeed = stores.stores.length === 1 ? stores.stores[0]?.store.changeFeed : undefined;
  const endpoint = { recordSets: recordSetsOf(container), ...(changeFeed ? { changeFeed } : {}) };
  const control = stores.stores.length === 1 ? stores.stores[0]?.store.control : undefined;
  return { kind, description: `${storeLabels[kind]} (${where})`, endpoint, ...(control ? { control } : {}) };
}

/** Opens both stores behind a progress line (the servers' own lines shown only with --verbose), for migrate and verify. */
export async function connectEndpoints(
  options: { readonly from: EndpointKind; readonly to: EndpointKind; readonly verbose?: boolean | undefined },
  env: NodeJS.ProcessEnv,
  progress: Progress,
): Promise<OpenEndpoints> {
  progress.start(`connecting to ${options.from} and ${options.to}`);
  const stores = await openEndpoints({
    from: options.from,
    to: options.to,
    env,
    log: (line) => (options.verbose ? progress.note(line) : progress.update(line)),
  });
  progress.done('stores ready');
  return stores;
}
