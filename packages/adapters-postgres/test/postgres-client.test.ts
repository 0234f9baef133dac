import { CohortError, newId } from '@cohort/core';
import { expectCohortError } from '@cohort/testkit';
import type { Pool } from 'pg';
import type { DataSource, EntitySubscriberInterface, Logger } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPostgresDataSource, createPostgresStore } from '../src/index.js';
import { PostgresClient } from '../src/shared/postgres-client.js';
import { openTestStore, type TestStore } from './postgres-test-database.js';

/** The pool TypeORM made for a DataSource. */
function poolOf(dataSource: DataSource): Pool {
  const pool = (dataSource.driver as { master?: Pool }).master;
  if (!pool) throw new Error('the DataSource has no pool');
  return pool;
}

class CountingLogger implements Logger {
  queries: string[] = [];
  errors: string[] = [];
  slow: number[] = [];
  logQuery(query: string): void {
    this.queries.push(query);
  }
  logQueryError(_error: string | Error, query: string): void {
    this.errors.push(query);
  }
  logQuerySlow(time: number): void {
    this.slow.push(time);
  }
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

describe('statements underneath TypeORM', () => {
  let test: TestStore;

  beforeAll(async () => {
    test = await openTestStore(inject('postgresUrl'));
  });

  afterAll(() => test.close());

  it("run on the DataSource's own pool, without a query runner", async () => {
    const { dataSource, store } = test;
    const pool = poolOf(dataSource);
    const user = await store.users.create({ email: `p-${newId()}@example.com`, displayName: 'Pool' });
    const connect = pool.connect.bind(pool);
    const createQueryRunner = dataSource.createQueryRunner.bind(dataSource);
    let onPool = 0;
    let runners = 0;
    pool.connect = (() => {
      onPool += 1;
      return connect();
    }) as Pool['connect'];
    dataSource.createQueryRunner = (...args) => {
      runners += 1;
      return createQueryRunner(...args);
    };
    try {
      expect(await store.users.findByEmail(user.email)).toEqual(user);
      expect((await store.posts.feed(newId())).items).toEqual([]);
      expect(await store.activity.dailyCounts({ from: '2030-01-01', to: '2030-01-31' })).toEqual([]);
    } finally {
      pool.connect = connect;
      dataSource.createQueryRunner = createQueryRunner;
    }
    expect(onPool).toBe(3);
    expect(runners).toBe(0);
    // One pool: the store opened no connections beyond the DataSource's own (poolSize 8 in openTestStore).
    expect(pool.totalCount).toBeLessThanOrEqual(8);
  });

  it("still tell the DataSource's logger every statement, its failures and slow ones", async () => {
    const logger = new CountingLogger();
    const dataSource = createPostgresDataSource({ url: test.url, logger });
    Object.assign(dataSource.options, { maxQueryExecutionTime: 1 });
    await dataSource.initialize();
    try {
      const store = createPostgresStore({ dataSource });
      logger.queries = [];
      await store.users.getById(newId());
      expect(logger.queries).toHaveLength(1);
      expect(logger.queries[0]).toMatch(/FROM "users" WHERE id = \$1/);
      await new PostgresClient(dataSource).query('SELECT pg_sleep(0.01)');
      expect(logger.slow.length).toBeGreaterThan(0);
      await expectCohortError(new PostgresClient(dataSource).query('SELECT * FROM no_such_table'), 'UNAVAILABLE');
      expect(logger.errors).toEqual(['SELECT * FROM no_such_table']);
    } finally {
      await dataSource.destroy();
    }
  });

  it("go through TypeORM's runner when the DataSource has subscribers, who see every query", async () => {
    const dataSource = createPostgresDataSource({ url: test.url });
    await dataSource.initialize();
    const seen: string[] = [];
    const subscriber: EntitySubscriberInterface = { beforeQuery: (event) => void seen.push(event.query) };
    dataSource.subscribers.push(subscriber);
    try {
      await createPostgresStore({ dataSource }).users.getById(newId());
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatch(/FROM "users" WHERE id = \$1/);
    } finally {
      await dataSource.destroy();
    }
  });

  it('fail with UNAVAILABLE once the DataSource is destroyed', async () => {
    const dataSource = createPostgresDataSource({ url: test.url });
    await dataSource.initialize();
    const store = createPostgresStore({ dataSource });
    await store.users.getById(newId());
    await dataSource.destroy();
    const error = await expectCohortError(store.users.getById(newId()), 'UNAVAILABLE');
    expect(CohortError.is(error.cause)).toBe(false);
  });

  it('retry serialization failures on the pool, then give up with UNAVAILABLE', async () => {
    const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code, severity: 'ERROR' });
    let calls = 0;
    let failures = 2;
    let released = 0;
    const connection = {
      query: () => {
        calls += 1;
        if (calls <= failures) return Promise.reject(pgError(calls % 2 ? '40001' : '40P01'));
        return Promise.resolve({ rows: [{ ok: 1 }], rowCount: 1 });
      },
      release: () => void (released += 1),
      on: () => undefined,
      removeListener: () => undefined,
    };
    const pool = { connect: () => Promise.resolve(connection) };
    const logger = new CountingLogger();
    const fake = { options: { type: 'postgres' }, driver: { master: pool }, subscribers: [], logger };
    const client = new PostgresClient(fake as unknown as DataSource);
    expect(await client.query('SELECT 1')).toEqual({ rows: [{ ok: 1 }], rowCount: 1 });
    expect(calls).toBe(3);
    expect(logger.errors).toHaveLength(2);
    calls = 0;
    failures = Infinity;
    await expectCohortError(client.query('SELECT 1'), 'UNAVAILABLE');
    expect(calls).toBe(5);
    expect(released, 'every connection went back').toBe(8);
  });
});
