import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStore, ensureTable } from '@cohort/adapters-dynamo';
import { newId, type CohortStore } from '@cohort/core';
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf } from './support/crash-scenarios.js';
import {
  dynamoEndpoint,
  openPostgresStore,
  uniqueName,
  withPgClient,
  type OpenedPostgresStore,
} from './support/stores.js';
import { HOUR } from './support/world.js';

// More work in flight than connections, a fifth of it failing inside a transaction or a statement: every call must
// settle, quickly, with its own outcome, and every connection must go back where it came from.

const PARALLEL = 20;
const ROUNDS = 3;

/** Twenty calls: successes and failures of every kind a transaction can end with, in one burst. */
async function burst(store: CohortStore): Promise<string[]> {
  const startsAt = new Date(Date.now() + 24 * HOUR);
  const event = await store.events.create({
    title: 'Pool',
    hostId: newId(),
    startsAt,
    endsAt: new Date(startsAt.getTime() + HOUR),
    capacity: 3,
  });
  const taken = await store.users.create({ email: `pool-${newId()}@example.com`, displayName: 'Taken' });
  const calls = Array.from({ length: PARALLEL }, (_, index): Promise<unknown> => {
    switch (index % 5) {
      case 0:
        return store.events.register(newId(), newId()); // NOT_FOUND, thrown inside the transaction
      case 1:
        return store.events.register(event.id, newId()); // registered or waitlisted
      case 2:
        return store.users.create({ email: taken.email, displayName: 'Again' }); // CONFLICT from the unique index
      case 3:
        return store.users.update(taken.id, { displayName: 'Stale' }, 99); // CONCURRENCY
      default:
        return store.posts.addComment(newId(), { authorId: newId(), body: 'Nowhere' }); // NOT_FOUND
    }
  });
  const settled = await Promise.allSettled(calls);
  return settled.map((outcome) => (outcome.status === 'fulfilled' ? 'ok' : codeOf(outcome.reason)));
}

const EXPECTED = ['NOT_FOUND', 'ok', 'CONFLICT', 'CONCURRENCY', 'NOT_FOUND'];

async function timed<T>(work: Promise<T>, limitMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${limitMs} ms`)), limitMs);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

describe('PostgreSQL pool exhaustion', () => {
  const applicationName = uniqueName('cohort_pool');
  let opened: OpenedPostgresStore | undefined;

  beforeAll(async () => {
    opened = await openPostgresStore({ poolSize: 2, applicationName, connectTimeoutMs: 10_000 });
  });

  afterAll(async () => {
    await opened?.close();
  });

  it(`${PARALLEL} parallel transactions on 2 connections, some throwing, neither hang nor leak`, async () => {
    if (!opened) throw new Error('the store did not open');
    const { store, dataSource, url } = opened;
    const pool = (
      dataSource.driver as unknown as { master: { totalCount: number; idleCount: number; waitingCount: number } }
    ).master;
    for (let round = 0; round < ROUNDS; round += 1) {
      const outcomes = await timed(burst(store), 20_000, `round ${round}`);
      expect(outcomes).toEqual(Array.from({ length: PARALLEL }, (_, index) => EXPECTED[index % 5]));
      expect(pool.totalCount, 'never more connections than the pool size').toBeLessThanOrEqual(2);
      expect(pool.idleCount, 'every connection is back in the pool').toBe(pool.totalCount);
      expect(pool.waitingCount, 'nobody is left waiting for a connection').toBe(0);
      const sessions = await withPgClient(url, (client) =>
        client.query<{ state: string | null; n: string }>(
          'SELECT state, count(*) AS n FROM pg_stat_activity WHERE application_name = $1 GROUP BY state',
          [applicationName],
        ),
      );
      for (const session of sessions.rows) {
        expect(session.state, 'no session is left inside a transaction').toBe('idle');
        expect(Number(session.n)).toBeLessThanOrEqual(2);
      }
    }
    expect(await store.users.getById(newId()), 'the store still answers').toBeNull();
  });
});

describe('DynamoDB with two sockets', () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  const tableName = uniqueName('pool').replace(/_/g, '-');
  let low: DynamoDBClient | undefined;
  let store: CohortStore | undefined;

  beforeAll(async () => {
    low = new DynamoDBClient({
      endpoint: dynamoEndpoint(),
      region: 'local',
      credentials: { accessKeyId: 'cohort', secretAccessKey: 'cohort' },
      requestHandler: { httpAgent: agent, connectionTimeout: 5_000, requestTimeout: 10_000 },
    });
    const client = DynamoDBDocumentClient.from(low);
    await ensureTable(client, { tableName });
    store = createDynamoStore({ client, tableName });
  });

  afterAll(async () => {
    const { DeleteTableCommand } = await import('@aws-sdk/client-dynamodb');
    await low?.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    low?.destroy();
    agent.destroy();
  });

  it(`${PARALLEL} parallel calls on 2 sockets, some failing, neither hang nor leak`, async () => {
    if (!store) throw new Error('the store did not open');
    const pending = (record: NodeJS.ReadOnlyDict<unknown[]>): number =>
      Object.values(record).reduce((sum, list) => sum + (list?.length ?? 0), 0);
    for (let round = 0; round < ROUNDS; round += 1) {
      const outcomes = await timed(burst(store), 60_000, `round ${round}`);
      expect(outcomes).toEqual(Array.from({ length: PARALLEL }, (_, index) => EXPECTED[index % 5]));
      expect(pending(agent.requests), 'no request is left queued for a socket').toBe(0);
      expect(pending(agent.sockets), 'no socket is left busy').toBe(0);
      expect(pending(agent.freeSockets)).toBeLessThanOrEqual(2);
    }
    expect(await store.users.getById(newId()), 'the store still answers').toBeNull();
  });
});
