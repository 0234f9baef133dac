import { CohortError, newId } from '@cohort/core';
import { expectCohortError } from '@cohort/testkit';
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPostgresDataSource, createPostgresStore, runPostgresMigrations, toCohortError } from '../src/index.js';
import { PostgresClient } from '../src/shared/postgres-client.js';
import { openTestStore, type TestStore } from './postgres-test-database.js';

const serverUrl = inject('postgresUrl');

/** A port with no listener: bound to find a free number, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** Expects UNAVAILABLE with the driver's error as cause, never a CohortError wrapped in another. */
async function expectUnavailable(action: Promise<unknown>): Promise<CohortError> {
  const error = await expectCohortError(action, 'UNAVAILABLE');
  expect(error.retryable).toBe(true);
  expect(error.cause).toBeDefined();
  expect(CohortError.is(error.cause)).toBe(false);
  return error;
}

describe('a store whose server cannot be reached', () => {
  let url = '';

  beforeAll(async () => {
    url = `postgres://postgres:wrong@127.0.0.1:${await closedPort()}/cohort`;
  });

  it('fails every port with UNAVAILABLE, not a pg or TypeORM error', async () => {
    const dataSource = createPostgresDataSource({ url, connectTimeoutMs: 2_000 });
    const store = createPostgresStore({ dataSource });
    await expectUnavailable(store.users.getById(newId()));
    await expectUnavailable(store.events.register(newId(), newId()));
    await expectUnavailable(
      store.activity.append([{ actorId: newId(), verb: 'viewed', object: { type: 'content', id: 'x' } }]),
    );
    await expectUnavailable(store.recordSets.users.count());
  });

  it('fails runPostgresMigrations with UNAVAILABLE, quickly', async () => {
    const started = Date.now();
    const error = await expectUnavailable(
      runPostgresMigrations(createPostgresDataSource({ url, connectTimeoutMs: 2_000 })),
    );
    expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('still validates input first: bad input is VALIDATION even when the store is down', async () => {
    const store = createPostgresStore({ dataSource: createPostgresDataSource({ url }) });
    await expectCohortError(store.users.getById('not-an-id'), 'VALIDATION');
  });
});

/** Forwards TCP to the test server until `cut()`, which drops every connection and refuses new ones. */
class Proxy {
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  port = 0;

  async start(target: URL): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => this.sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (typeof address === 'object' && address !== null) this.port = address.port;
  }

  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

describe('a store whose server goes away', () => {
  const proxy = new Proxy();
  let test: TestStore;
  let dataSource: DataSource;

  beforeAll(async () => {
    test = await openTestStore(serverUrl);
    const direct = new URL(test.url);
    await proxy.start(direct);
    const viaProxy = new URL(test.url);
    viaProxy.port = String(proxy.port);
    viaProxy.hostname = '127.0.0.1';
    dataSource = createPostgresDataSource({ url: viaProxy.toString(), connectTimeoutMs: 2_000 });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource.destroy().catch(() => undefined);
    await test.close();
  });

  it('works through the proxy, then reports UNAVAILABLE once the connection is cut', async () => {
    const store = createPostgresStore({ dataSource });
    const user = await store.users.create({ email: `u-${newId()}@example.com`, displayName: 'Proxy' });
    expect(await store.users.getById(user.id)).toEqual(user);
    await proxy.cut();
    await expectUnavailable(store.users.getById(user.id));
    await expectUnavailable(store.users.update(user.id, { displayName: 'Gone' }, 1));
    await expectUnavailable(store.events.cancelRegistration(newId(), newId()));
  });
});

describe('server-side failures', () => {
  let test: TestStore;

  beforeAll(async () => {
    test = await openTestStore(serverUrl);
  });

  afterAll(() => test.close());

  it('turns a statement timeout into UNAVAILABLE', async () => {
    const slow = createPostgresDataSource({ url: test.url, statementTimeoutMs: 200 });
    await slow.initialize();
    const store = createPostgresStore({ dataSource: slow });
    const user = await store.users.create({ email: `t-${newId()}@example.com`, displayName: 'Locked' });
    const blocker = new pg.Client({ connectionString: test.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [user.id]);
      const error = await expectUnavailable(store.users.update(user.id, { displayName: 'Waited' }, 1));
      expect((error.cause as { code?: string }).code).toBe('57014');
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
      await slow.destroy();
    }
  });

  it('keeps the pg error as cause of CONFLICT and NOT_FOUND', async () => {
    const { store } = test;
    const user = await store.users.create({ email: `c-${newId()}@example.com`, displayName: 'First' });
    const conflict = await expectCohortError(
      store.users.create({ email: user.email, displayName: 'Second' }),
      'CONFLICT',
    );
    expect((conflict.cause as { code?: string }).code).toBe('23505');
    const missing = newId();
    const notFound = await expectCohortError(store.enrollments.enroll(newId(), missing), 'NOT_FOUND');
    expect(notFound.message).toContain(missing);
    expect((notFound.cause as { code?: string }).code).toBe('23503');
  });

  it('reports a database without the schema as UNAVAILABLE that says to run the migrations', async () => {
    const bare = createPostgresDataSource({ url: test.url, schema: 'never_migrated' });
    await bare.initialize();
    try {
      const error = await expectUnavailable(createPostgresStore({ dataSource: bare }).users.getById(newId()));
      expect(error.message).toContain('runPostgresMigrations');
    } finally {
      await bare.destroy();
    }
  });
});

describe('error translation', () => {
  const pgError = (code: string, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(`pg ${code}`), { code, severity: 'ERROR', ...extra });

  it('maps SQLSTATEs and socket errors to CohortError codes', () => {
    expect(toCohortError(pgError('23505', { constraint: 'users_email_key' })).code).toBe('CONFLICT');
    expect(toCohortError(pgError('23503', { constraint: 'comments_post_id_fkey' })).code).toBe('NOT_FOUND');
    expect(toCohortError(pgError('23514')).code).toBe('CONFLICT');
    expect(toCohortError(pgError('22008')).code).toBe('VALIDATION');
    expect(toCohortError(pgError('40001')).code).toBe('UNAVAILABLE');
    expect(toCohortError(pgError('40P01')).code).toBe('UNAVAILABLE');
    expect(toCohortError(pgError('57014')).code).toBe('UNAVAILABLE');
    expect(toCohortError(pgError('53300')).code).toBe('UNAVAILABLE');
    expect(toCohortError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).code).toBe(
      'UNAVAILABLE',
    );
    expect(toCohortError(new Error('Connection terminated unexpectedly')).code).toBe('UNAVAILABLE');
    expect(toCohortError(new Error('timeout exceeded when trying to connect')).code).toBe('UNAVAILABLE');
  });

  it('looks through TypeORM QueryFailedError to the pg error and keeps the original as cause', () => {
    const driverError = pgError('23505', { constraint: 'communities_slug_key' });
    const wrapped = Object.assign(new Error('QueryFailedError'), { driverError });
    const error = toCohortError(wrapped);
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('slug');
    expect(error.cause).toBe(wrapped);
  });

  it('passes CohortErrors through unchanged', () => {
    const original = CohortError.notFound('User', 'x');
    expect(toCohortError(original)).toBe(original);
  });

  it('retries serialization failures and deadlocks, then succeeds', async () => {
    let calls = 0;
    const runner = {
      query: () => {
        calls += 1;
        if (calls < 3) return Promise.reject(pgError(calls === 1 ? '40001' : '40P01'));
        return Promise.resolve({ records: [{ ok: 1 }], affected: 1 });
      },
      release: () => Promise.resolve(),
    };
    const fake = { options: { type: 'postgres' }, createQueryRunner: () => runner } as unknown as DataSource;
    const { rows } = await new PostgresClient(fake).query('SELECT 1');
    expect(rows).toEqual([{ ok: 1 }]);
    expect(calls).toBe(3);
  });

  it('gives up after a few attempts with UNAVAILABLE', async () => {
    let calls = 0;
    const runner = {
      query: () => {
        calls += 1;
        return Promise.reject(pgError('40P01'));
      },
      release: () => Promise.resolve(),
    };
    const fake = { options: { type: 'postgres' }, createQueryRunner: () => runner } as unknown as DataSource;
    await expectCohortError(new PostgresClient(fake).query('SELECT 1'), 'UNAVAILABLE');
    expect(calls).toBe(5);
  });
});
