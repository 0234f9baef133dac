import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolClient, QueryConfig } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { DEFAULT_TIMEOUT_MS, beforeDeadline, deadlineOf, type Deadline } from './deadline.js';
import { isRetryableConflict, isTimeout, sqlStateOf, toCohortError } from './postgres-errors.js';

/** What a statement returned: its rows (RETURNING included) and how many rows it touched. */
export interface SqlResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

/** Runs one hand-written statement with positional parameters ($1, $2, …). */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
}

const MAX_ATTEMPTS = 5;

/** Ends a transaction with ROLLBACK and makes `transaction` return `value` instead of throwing. */
export class Rollback<T> {
  constructor(readonly value: T) {}
}

/**
 * The adapter's door to PostgreSQL: every statement goes through `query` or `transaction`, which borrow a pooled
 * connection from the DataSource, retry serialization failures and deadlocks, and translate every error. Both keep
 * to the port call's deadline (see Deadline): waiting for a connection and every statement spend it, each statement
 * is sent with the time left as its client-side `query_timeout`, and a connection whose statement timed out is
 * discarded, never handed to the next caller.
 */
export class PostgresClient implements SqlExecutor {
  /** Table names, schema-qualified and quoted when the DataSource names a schema. */
  readonly tables: TableNames;

  constructor(
    private readonly dataSource: DataSource,
    /** The store's deadline for a port call, in ms. */
    private readonly timeoutMs: number = DEFAULT_TIMEOUT_MS,
  ) {
    this.tables = tableNames(dataSource.options.type === 'postgres' ? dataSource.options.schema : undefined);
  }

  /**
   * One statement in its own implicit transaction (atomic on its own, CTEs included). It runs on the pg pool the
   * DataSource owns, underneath TypeORM's query runner: a runner per statement (acquire, broadcaster events, result
   * wrapping, release) cost more CPU than the statement's own round trip. The DataSource's logger still sees every
   * statement; TypeORM's runner remains the path while the DataSource has no pool (not initialized, destroyed: it
   * says so) or has subscribers that expect query events.
   */
  query<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
    const deadline = deadlineOf('query', this.timeoutMs);
    return this.retrying(deadline, async () => {
      const pool = this.pool();
      if (!pool) return beforeDeadline(deadline, this.onRunner<R>(sql, params));
      return borrowing(pool, deadline, (client, broke) =>
        this.onClient<R>(client, sql, params, deadline).catch((error: unknown) => {
          if (!sqlStateOf(error)) broke(error);
          throw error;
        }),
      );
    });
  }

  /**
   * A short READ COMMITTED transaction; the whole of `work` runs again after a serialization failure or deadlock,
   * so it must not have side effects outside the database. Throwing rolls back; returning `new Rollback(value)`
   * rolls back and returns `value`.
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T | Rollback<T>>): Promise<T> {
    const deadline = deadlineOf('transaction', this.timeoutMs);
    return this.retrying(deadline, () => {
      const pool = this.pool();
      return pool
        ? this.onPoolTransaction(pool, work, deadline)
        : beforeDeadline(deadline, this.onRunnerTransaction(work));
    });
  }

  private async retrying<T>(deadline: Deadline, attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries += 1) {
      if (deadline.remaining() <= 0) throw deadline.expired();
      try {
        const result = await attempt();
        deadline.answered();
        return result;
      } catch (error) {
        if (isTimeout(error)) throw deadline.expired(error);
        if (sqlStateOf(error) === '57014' && deadline.remaining() <= 0) throw deadline.expired(error);
        // Jittered backoff so the transactions that collided do not collide again in lockstep.
        const delay = Math.random() * 10 * tries;
        if (tries < MAX_ATTEMPTS && isRetryableConflict(error) && delay < deadline.remaining()) {
          await sleep(delay);
          continue;
        }
        throw toCohortError(error);
      }
    }
  }

  /**
   * The pg pool TypeORM made for this DataSource: `undefined` until it is initialized, after it is destroyed, and
   * while subscribers listen for query events (only TypeORM's runner raises them).
   */
  private pool(): Pool | undefined {
    const pool = (this.dataSource.driver as { master?: Pool } | undefined)?.master;
    return pool && this.dataSource.subscribers.length === 0 ? pool : undefined;
  }

  /**
   * What TypeORM's runner would do around the statement, minus the runner: log it, time it, log its failure. The
   * statement may take the time the call has left (`query_timeout`; pg then fails it with "Query read timeout").
   */
  private async onClient<R>(
    client: PoolClient,
    sql: string,
    params: readonly unknown[],
    deadline: Deadline,
  ): Promise<SqlResult<R>> {
    const { logger, options } = this.dataSource;
    const values = params as unknown[];
    logger.logQuery(sql, values);
    const started = Date.now();
    try {
      // pg reads `query_timeout` per statement too, though its types only declare it on the client's config.
      const statement: QueryConfig & { query_timeout: number } = {
        text: sql,
        values,
        query_timeout: Math.max(1, deadline.remaining()),
      };
      const result = await client.query(statement);
      const took = Date.now() - started;
      if (options.maxQueryExecutionTime && took > options.maxQueryExecutionTime) logger.logQuerySlow(took, sql, values);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    } catch (error) {
      logger.logQueryError(error instanceof Error ? error : String(error), sql, values);
      throw error;
    }
  }

  /**
   * A transaction on a connection of the pool's, every statement under the deadline. A connection that failed
   * other than with a server error (a timeout, a dropped socket) or whose ROLLBACK failed is discarded.
   */
  private async onPoolTransaction<T>(
    pool: Pool,
    work: (tx: SqlExecutor) => Promise<T | Rollback<T>>,
    deadline: Deadline,
  ): Promise<T> {
    return borrowing(pool, deadline, async (client, broke, emitted) => {
      let broken = false;
      const run = async <R>(sql: string, params: readonly unknown[] = []): Promise<SqlResult<R>> => {
        try {
          return await this.onClient<R>(client, sql, params, deadline);
        } catch (error) {
          if (!sqlStateOf(error)) {
            broken = true;
            broke(error);
          }
          throw error;
        }
      };
      try {
        await run('BEGIN');
        const outcome = await work({ query: run });
        if (outcome instanceof Rollback) {
          await run('ROLLBACK');
          return outcome.value;
        }
        await run('COMMIT');
        return outcome;
      } catch (error) {
        if (!broken) await run('ROLLBACK').catch((failed: unknown) => broke(failed));
        // When the server ended the session (an idle-in-transaction timeout, a shutdown), it said why on the
        // connection, not in answer to a statement: the statement only heard that the connection is gone.
        const said = emitted();
        throw sqlStateOf(said) !== undefined && sqlStateOf(error) === undefined ? said : error;
      }
    });
  }

  private async onRunner<R>(sql: string, params: readonly unknown[]): Promise<SqlResult<R>> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await run<R>(runner, sql, params);
    } finally {
      await release(runner);
    }
  }

  private async onRunnerTransaction<T>(work: (tx: SqlExecutor) => Promise<T | Rollback<T>>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.startTransaction();
      const outcome = await work({ query: (sql, params = []) => run(runner, sql, params) });
      if (outcome instanceof Rollback) {
        await runner.rollbackTransaction();
        return outcome.value;
      }
      await runner.commitTransaction();
      return outcome;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await release(runner);
    }
  }
}

/**
 * Runs `work` on a pooled connection, waited for no longer than the deadline (one that arrives after it goes back to
 * the pool). The connection goes back when `work` ends, or is discarded when `work` called `broke` or the connection
 * failed meanwhile (pg then emits 'error' on it, which must have a listener while it is out of the pool; `emitted`
 * returns the first such error).
 */
async function borrowing<T>(
  pool: Pool,
  deadline: Deadline,
  work: (client: PoolClient, broke: (error: unknown) => void, emitted: () => unknown) => Promise<T>,
): Promise<T> {
  const client = await beforeDeadline(deadline, pool.connect(), (late) => late.release());
  let broken: unknown;
  let emittedError: unknown;
  const broke = (error: unknown): void => {
    broken ??= error ?? new Error('connection broken');
  };
  const onError = (error: unknown): void => {
    emittedError ??= error;
    broke(error);
  };
  client.on('error', onError);
  try {
    return await work(client, broke, () => emittedError);
  } finally {
    client.removeListener('error', onError);
    client.release(broken as Error | undefined);
  }
}

async function run<R>(runner: QueryRunner, sql: string, params: readonly unknown[]): Promise<SqlResult<R>> {
  const result = await runner.query(sql, [...params], true);
  return { rows: (result.records ?? []) as R[], rowCount: result.affected ?? 0 };
}

async function release(runner: QueryRunner): Promise<void> {
  // A connection that broke mid-query may fail to release; the pool discards it either way.
  await runner.release().catch(() => undefined);
}

/** Every table the adapter writes, as SQL identifiers. */
export interface TableNames {
  readonly schema: string | undefined;
  readonly users: string;
  readonly contents: string;
  readonly enrollments: string;
  readonly events: string;
  readonly registrations: string;
  readonly communities: string;
  readonly memberships: string;
  readonly posts: string;
  readonly comments: string;
  readonly reactions: string;
  readonly activityEvents: string;
  readonly activityIds: string;
  readonly activityDailyCounts: string;
  /** Any other relation in the adapter's schema (activity partitions). */
  readonly qualify: (name: string) => string;
}

/** Quotes an identifier for SQL. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function tableNames(schema: string | undefined): TableNames {
  const qualify = (name: string): string =>
    schema ? `${quoteIdentifier(schema)}.${quoteIdentifier(name)}` : quoteIdentifier(name);
  return {
    schema,
    users: qualify('users'),
    contents: qualify('contents'),
    enrollments: qualify('enrollments'),
    events: qualify('events'),
    registrations: qualify('registrations'),
    communities: qualify('communities'),
    memberships: qualify('memberships'),
    posts: qualify('posts'),
    comments: qualify('comments'),
    reactions: qualify('reactions'),
    activityEvents: qualify('activity_events'),
    activityIds: qualify('activity_ids'),
    activityDailyCounts: qualify('activity_daily_counts'),
    qualify,
  };
}
