import type { CohortStore } from '@cohort/core';
import type { Pool, PoolClient } from 'pg';
import type { QueryRunner } from 'typeorm';
import { openDynamoStore, openPostgresStore, type AdapterName } from './stores.js';

/**
 * A store on the run's shared server whose client, while armed, throws away the response of every write that the
 * server committed, with the error a dropped connection gives: the caller cannot tell that its write landed.
 */
export interface LossyStore {
  readonly adapter: Exclude<AdapterName, 'memory'>;
  readonly store: CohortStore;
  /** Throws away the response of the next committed write only (`once`), or of every one until `disarm`. */
  arm(mode: 'once' | 'every'): void;
  disarm(): void;
  /** How many committed responses were thrown away since the store opened. */
  lost(): number;
  close(): Promise<void>;
}

/** The arm/disarm/lost bookkeeping both stores share; `drop(error)` throws in place of a committed response. */
function lossSwitch() {
  let armed: 'once' | 'every' | false = false;
  let lost = 0;
  return {
    controls: {
      arm: (mode: 'once' | 'every') => {
        armed = mode;
      },
      disarm: () => {
        armed = false;
      },
      lost: () => lost,
    },
    /** Throws `failure()` when armed (counting it, and disarming a one-shot); otherwise returns. */
    drop(failure: () => Error): void {
      if (!armed) return;
      lost += 1;
      if (armed === 'once') armed = false;
      throw failure();
    },
  };
}

const responseLost = (): Error =>
  Object.assign(new Error('injected: the response was lost after the write committed'), { name: 'TimeoutError' });

const connectionReset = (): Error =>
  Object.assign(new Error('Connection terminated unexpectedly (injected after the commit)'), { code: 'ECONNRESET' });

// Statements that never commit anything on their own.
const READ_OR_CONTROL = /^\s*(SELECT|SHOW|BEGIN|START|ROLLBACK|SET|RELEASE|SAVEPOINT)\b/i;

/**
 * PostgreSQL: the response to COMMIT, or to a write statement outside a transaction (its own implicit transaction),
 * is replaced by ECONNRESET after the server has executed it.
 */
export async function openLossyPostgres(): Promise<LossyStore> {
  const opened = await openPostgresStore();
  const { dataSource } = opened;
  const loss = lossSwitch();
  const createQueryRunner = dataSource.createQueryRunner.bind(dataSource);
  dataSource.createQueryRunner = (mode) => {
    const runner: QueryRunner = createQueryRunner(mode);
    const query = runner.query.bind(runner) as (
      sql: string,
      params?: unknown[],
      structured?: boolean,
    ) => Promise<unknown>;
    runner.query = (async (sql: string, params?: unknown[], structured?: boolean) => {
      const commits = /^\s*COMMIT\b/i.test(sql) || (!runner.isTransactionActive && !READ_OR_CONTROL.test(sql));
      const result = await query(sql, params, structured);
      if (commits) loss.drop(connectionReset);
      return result;
    }) as QueryRunner['query'];
    return runner;
  };
  // Statements and transactions run on connections of the DataSource's pg pool, underneath TypeORM's runner: a
  // statement outside BEGIN … COMMIT is its own transaction.
  const pool = (dataSource.driver as { master?: Pool }).master;
  if (!pool) throw new Error('the DataSource has no pool');
  const lossy = new WeakSet<PoolClient>();
  const connect = pool.connect.bind(pool) as () => Promise<PoolClient>;
  pool.connect = (async () => {
    const client = await connect();
    if (lossy.has(client)) return client;
    lossy.add(client);
    const query = client.query.bind(client) as (config: unknown, values?: unknown[]) => Promise<unknown>;
    let inTransaction = false;
    client.query = (async (config: unknown, values?: unknown[]) => {
      const sql = typeof config === 'string' ? config : ((config as { text?: string }).text ?? '');
      const commits = /^\s*COMMIT\b/i.test(sql) || (!inTransaction && !READ_OR_CONTROL.test(sql));
      if (/^\s*(BEGIN|START)\b/i.test(sql)) inTransaction = true;
      if (/^\s*(COMMIT|ROLLBACK)\b/i.test(sql)) inTransaction = false;
      const result = await query(config, values);
      if (commits) loss.drop(connectionReset);
      return result;
    }) as PoolClient['query'];
    return client;
  }) as Pool['connect'];
  return {
    adapter: 'postgres',
    store: opened.store,
    ...loss.controls,
    close: () => opened.close(),
  };
}

// Writes that commit an operation, by low-level or document-client name (PutItemCommand, TransactWriteCommand, ...).
// BatchWriteItem is left alone: the adapter uses it for bookkeeping before an operation's own commit (the days an
// append registers), and putMany of plain record sets, which the PostgreSQL side covers.
const WRITES = /^(Put|Update|Delete|TransactWrite)/;

/**
 * DynamoDB: a middleware above the SDK's retries lets every write through, then throws the SDK's TimeoutError in
 * place of the response. The adapter sees what a network timeout after the commit looks like, on every attempt.
 */
export async function openLossyDynamo(): Promise<LossyStore> {
  const opened = await openDynamoStore();
  const loss = lossSwitch();
  opened.low.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (WRITES.test(context.commandName ?? '')) {
        loss.drop(responseLost);
      }
      return result;
    },
    { step: 'initialize', name: 'cohortLoseCommittedResponses' },
  );
  return {
    adapter: 'dynamo',
    store: opened.store,
    ...loss.controls,
    close: () => opened.close(),
  };
}
