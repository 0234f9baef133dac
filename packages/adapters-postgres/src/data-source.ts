import 'reflect-metadata';
import { DataSource, type Logger } from 'typeorm';
import { ActivityDailyCountEntity } from './activity/activity-daily-count.entity.js';
import { ActivityEventEntity } from './activity/activity-event.entity.js';
import { ActivityIdEntity } from './activity/activity-id.entity.js';
import { CommentEntity } from './community/comment.entity.js';
import { CommunityEntity } from './community/community.entity.js';
import { MembershipEntity } from './community/membership.entity.js';
import { PostEntity } from './community/post.entity.js';
import { ReactionEntity } from './community/reaction.entity.js';
import { ContentEntity } from './content/content.entity.js';
import { EnrollmentEntity } from './content/enrollment.entity.js';
import { EventEntity } from './events/event.entity.js';
import { RegistrationEntity } from './events/registration.entity.js';
import { CreateUsers1732406400000 } from './migrations/1732406400000-create-users.js';
import { CreateContent1732406400001 } from './migrations/1732406400001-create-content.js';
import { CreateEvents1732406400002 } from './migrations/1732406400002-create-events.js';
import { CreateCommunity1732406400003 } from './migrations/1732406400003-create-community.js';
import { CreateActivityLog1732406400004 } from './migrations/1732406400004-create-activity-log.js';
import { CreateChangeFeed1732406400005 } from './migrations/1732406400005-create-change-feed.js';
import { CreateControlRecords1732406400020 } from './migrations/1732406400020-create-control-records.js';
import { quoteIdentifier } from './shared/postgres-client.js';
import { toCohortError } from './shared/postgres-errors.js';
import { DEFAULT_TIMEOUT_MS } from './shared/deadline.js';
import { CohortError } from '@cohort/core';
import { UserEntity } from './users/user.entity.js';

/** Every entity of the adapter: the schema TypeORM compares the database with. */
export const postgresEntities = [
  UserEntity,
  ContentEntity,
  EnrollmentEntity,
  EventEntity,
  RegistrationEntity,
  CommunityEntity,
  MembershipEntity,
  PostEntity,
  CommentEntity,
  ReactionEntity,
  ActivityEventEntity,
  ActivityIdEntity,
  ActivityDailyCountEntity,
];

/** The versioned migrations, oldest first; `runPostgresMigrations` applies the ones a database has not seen. */
export const postgresMigrations = [
  CreateUsers1732406400000,
  CreateContent1732406400001,
  CreateEvents1732406400002,
  CreateCommunity1732406400003,
  CreateActivityLog1732406400004,
  CreateChangeFeed1732406400005,
  CreateControlRecords1732406400020,
];

/** The table where TypeORM records which migrations ran. */
export const MIGRATIONS_TABLE = 'cohort_migrations';

export interface PostgresDataSourceOptions {
  /** Connection URL, e.g. `postgres://user:password@host:5432/database`. */
  readonly url: string;
  /** Most connections the pool opens (default 10). */
  readonly poolSize?: number;
  /** Schema for every table (created by `runPostgresMigrations` when missing); default: the server's default schema. */
  readonly schema?: string;
  /**
   * The longest a port call waits for PostgreSQL, in ms (default 10,000, or `statementTimeoutMs` when that is
   * longer): waiting for a pooled connection, every statement and every retry included; past it the call fails with
   * UNAVAILABLE and a connection whose statement got no answer is discarded. Each answer renews it, so a call of
   * several statements goes on while the server answers. Also pg's client-side `query_timeout` for every statement
   * on this DataSource (migrations included).
   */
  readonly timeoutMs?: number;
  /** How long to wait to connect, or for a free pooled connection (default: `timeoutMs`, at most 10,000 ms). */
  readonly connectTimeoutMs?: number;
  /**
   * Idle time before TCP keepalive probes start on a pooled connection, in ms (default 10,000): a server host that
   * vanished (no RST, no FIN) is then noticed by the kernel instead of leaving a dead connection in the pool.
   */
  readonly keepAliveInitialDelayMs?: number;
  /** Server-side `statement_timeout` in ms; a slower statement fails with UNAVAILABLE (default 30,000; 0 = none). */
  readonly statementTimeoutMs?: number;
  /**
   * Server-side `idle_in_transaction_session_timeout` in ms (default: `timeoutMs`): PostgreSQL ends a transaction
   * whose client sent nothing for this long, releasing its row locks, and the session with it. The adapter's own
   * transactions send their statements back to back, so only a stalled or frozen process sits idle in one; without
   * the bound its locks would stop every other instance's writes to those rows for as long as it stays frozen, and
   * its transaction would commit whenever it woke. In a fleet moving stores, keep it under the fleet's lease (half
   * of `leaseMs`): a write frozen mid-transaction is then ended before the cut-over can pass its instance by, so it
   * cannot land in the old store of record afterwards.
   */
  readonly idleInTransactionTimeoutMs?: number;
  /** `application_name`, as pg_stat_activity shows it (default `cohort`). */
  readonly applicationName?: string;
  /** TLS options passed to pg (`true`, or a `tls.connect` options object). */
  readonly ssl?: boolean | Record<string, unknown>;
  /** A TypeORM logger, e.g. to record or time statements (default: none). */
  readonly logger?: Logger;
}

/**
 * An uninitialized DataSource with the adapter's entities and migrations and `synchronize` off. The composition root
 * owns it: `initialize()` it (or let `runPostgresMigrations` do so), hand it to `createPostgresStore`, `destroy()` it
 * at shutdown.
 */
export function createPostgresDataSource(options: PostgresDataSourceOptions): DataSource {
  // A client that told the server a statement may run for minutes waits for it that long, unless it says otherwise.
  const timeoutMs =
    positiveMs(options.timeoutMs, 'timeoutMs') ?? Math.max(DEFAULT_TIMEOUT_MS, options.statementTimeoutMs ?? 0);
  return new DataSource({
    type: 'postgres',
    url: options.url,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    entities: postgresEntities,
    migrations: postgresMigrations,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsRun: false,
    synchronize: false,
    installExtensions: false,
    poolSize: options.poolSize ?? 10,
    // pg's connectionTimeoutMillis: a connection attempt, and the wait for a free pooled connection.
    connectTimeoutMS: positiveMs(options.connectTimeoutMs, 'connectTimeoutMs') ?? Math.min(timeoutMs, 10_000),
    applicationName: options.applicationName ?? 'cohort',
    ...(options.logger === undefined ? { logging: false } : { logger: options.logger, logging: true }),
    extra: {
      // Sessions in UTC: timestamptz text is then never printed with a historical offset pg's parser would misread.
      options: '-c TimeZone=UTC',
      statement_timeout: options.statementTimeoutMs ?? 30_000,
      idle_in_transaction_session_timeout:
        positiveMs(options.idleInTransactionTimeoutMs, 'idleInTransactionTimeoutMs') ?? timeoutMs,
      // Client side: pg fails a statement unanswered for this long ("Query read timeout"); the store sends each of
      // its statements with the time its call has left instead, and reads its deadline from here.
      query_timeout: timeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: positiveMs(options.keepAliveInitialDelayMs, 'keepAliveInitialDelayMs') ?? 10_000,
    },
  });
}

/** The store's deadline for a DataSource: its pg `query_timeout` (set by `createPostgresDataSource`), else the default. */
export function timeoutOf(dataSource: DataSource): number {
  const configured = (dataSource.options.extra as { query_timeout?: unknown } | undefined)?.query_timeout;
  return typeof configured === 'number' && configured > 0 ? configured : DEFAULT_TIMEOUT_MS;
}

function positiveMs(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) {
    throw CohortError.validation(`${name} must be a positive integer (ms)`, [
      { path: [name], message: 'must be a positive integer' },
    ]);
  }
  return value;
}

/**
 * Brings a database's schema up to date at start-up: initializes the DataSource if needed, creates the schema if it
 * names one, and applies the pending migrations, each in its own transaction. Concurrent start-ups wait for each other
 * on an advisory lock, so two processes never run the same migration. Returns the names of the migrations applied
 * (empty when the schema was current). Fails with a CohortError (UNAVAILABLE when the server cannot be reached).
 */
export async function runPostgresMigrations(dataSource: DataSource): Promise<string[]> {
  try {
    if (!dataSource.isInitialized) await dataSource.initialize();
    const schema = dataSource.options.type === 'postgres' ? dataSource.options.schema : undefined;
    const runner = dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`cohort:migrations:${schema ?? ''}`]);
      try {
        if (schema) await runner.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
        const applied = await dataSource.runMigrations({ transaction: 'each' });
        return applied.map((migration) => migration.name);
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`cohort:migrations:${schema ?? ''}`]);
      }
    } finally {
      await runner.release();
    }
  } catch (error) {
    throw toCohortError(error);
  }
}
