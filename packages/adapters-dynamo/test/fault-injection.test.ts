import {
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { createDynamoStore, ensureTable } from '@cohort/adapters-dynamo';
import { CohortError, newId, type ActivityEvent, type CohortStore, type Membership } from '@cohort/core';
import { expectCohortError } from '@cohort/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deleteTable, randomTableName, testClients } from './dynamo-test-client.js';

// DynamoDB Local never throttles, never leaves batch items unprocessed and rarely conflicts. These tests make the
// client do so on its first calls (middleware at the initialize step, above the SDK's own retries, so the adapter's
// handling is what is tested) and check that nothing is lost or counted twice.

type Output = { output: Record<string, unknown> };
type Args = { input: Record<string, unknown> };
type Next = (args: Args) => Promise<Output>;
type Fault = (args: Args, next: Next) => Promise<Output>;

const tableName = randomTableName('faults');
let admin: DynamoDBClient;
const opened: DynamoDBClient[] = [];

/** A store whose client injects `fault` into the first `times` calls of commands whose name contains `command`. */
function faultyStore(
  command: string,
  times: number,
  fault: Fault,
): { store: CohortStore; injected: () => number; sent: string[] } {
  const { low, client } = testClients();
  opened.push(low);
  let injected = 0;
  const sent: string[] = [];
  low.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(context.commandName ?? '');
      if (context.commandName?.includes(command) && injected < times) {
        injected += 1;
        return (await fault(args as Args, next as unknown as Next)) as never;
      }
      return next(args);
    },
    { step: 'initialize', name: 'cohortFaultInjection' },
  );
  return { store: createDynamoStore({ client, tableName }), injected: () => injected, sent };
}

const throttled = (): Promise<never> =>
  Promise.reject(
    new ProvisionedThroughputExceededException({ message: 'injected: throughput exceeded', $metadata: {} }),
  );

/** A TransactWriteItems cancelled because another transaction touched one of its items. */
const conflicted: Fault = (args) => {
  const items = args.input.TransactItems as unknown[];
  return Promise.reject(
    new TransactionCanceledException({
      message: 'injected: transaction conflict',
      $metadata: {},
      CancellationReasons: items.map((_, index) => ({ Code: index === 0 ? 'TransactionConflict' : 'None' })),
    }),
  );
};

/** Lets the first half of a BatchWriteItem through and hands the rest back as UnprocessedItems. */
const halfUnprocessed: Fault = async (args, next) => {
  const requests = args.input.RequestItems as Record<string, unknown[]>;
  const [table, writes = []] = Object.entries(requests)[0] ?? ['', []];
  const kept = writes.slice(0, Math.ceil(writes.length / 2));
  const result = await next({ ...args, input: { ...args.input, RequestItems: { [table]: kept } } });
  result.output.UnprocessedItems = { [table]: writes.slice(kept.length) };
  return result;
};

/** Hands back half of a BatchGetItem's keys as UnprocessedKeys. */
const halfUnprocessedKeys: Fault = async (args, next) => {
  const requests = args.input.RequestItems as Record<string, { Keys: unknown[]; ConsistentRead?: boolean }>;
  const [table, request] = Object.entries(requests)[0] ?? ['', { Keys: [] }];
  const kept = request.Keys.slice(0, Math.ceil(request.Keys.length / 2));
  const result = await next({
    ...args,
    input: { ...args.input, RequestItems: { [table]: { ...request, Keys: kept } } },
  });
  result.output.UnprocessedKeys = { [table]: { ...request, Keys: request.Keys.slice(kept.length) } };
  return result;
};

/** Makes DynamoDB stop after one item, as it does at 1 MB: a short page that is not the end. */
const shortPage: Fault = (args, next) => next({ ...args, input: { ...args.input, Limit: 1 } });

/** Commits the transaction, then loses the response, as a dropped connection would. */
const responseLost: Fault = async (args, next) => {
  await next(args);
  throw Object.assign(new Error('injected: socket timed out after the commit'), { name: 'TimeoutError' });
};

function activities(count: number, day: string): ActivityEvent[] {
  const occurredAt = new Date(`${day}T12:00:00.000Z`);
  return Array.from({ length: count }, (_, index) => ({
    id: newId(),
    actorId: newId(),
    verb: 'viewed' as const,
    object: { type: 'content' as const, id: `content-${index}` },
    occurredAt: new Date(occurredAt.getTime() + index),
    metadata: {},
  }));
}

// Exhausting the retries takes a few seconds of backoff by design.
describe('fault injection', { timeout: 30_000 }, () => {
  beforeAll(async () => {
    const { low, client } = testClients();
    admin = low;
    await ensureTable(client, { tableName });
  });

  afterEach(() => {
    for (const client of opened.splice(0)) client.destroy();
  });

  afterAll(async () => {
    await deleteTable(admin, tableName);
    admin.destroy();
  });

  describe('BatchWriteItem UnprocessedItems', () => {
    it('putMany retries unprocessed items until every record is stored, once', async () => {
      const { store, injected } = faultyStore('BatchWrite', 3, halfUnprocessed);
      const communityId = newId();
      const joinedAt = new Date('2024-05-01T00:00:00.000Z');
      const memberships: Membership[] = Array.from({ length: 60 }, (_, index) => ({
        communityId,
        userId: newId(),
        role: 'member',
        joinedAt: new Date(joinedAt.getTime() + index),
      }));
      await store.recordSets.memberships.putMany(memberships);
      expect(injected()).toBe(3);
      const listed = await store.memberships.listMembers(communityId, { limit: 100 });
      expect(listed.items.map((membership) => membership.userId)).toEqual(memberships.map((m) => m.userId));
    });

    it('activity putMany stores every event despite unprocessed items, and counts equal the input', async () => {
      const { store, injected } = faultyStore('BatchWrite', 5, halfUnprocessed);
      const before = await store.recordSets.activity.count();
      const events = activities(80, '1999-03-04');
      await store.recordSets.activity.putMany(events);
      expect(injected()).toBe(5);
      expect(await store.recordSets.activity.count()).toBe(before + events.length);
    });

    it('gives up with UNAVAILABLE when items stay unprocessed', async () => {
      const { store } = faultyStore('BatchWrite', 1_000, async (args, next) => {
        const requests = args.input.RequestItems as Record<string, unknown[]>;
        const [table] = Object.keys(requests);
        const result = await next(args);
        result.output.UnprocessedItems = requests;
        void table;
        return result;
      });
      await expectCohortError(
        store.recordSets.reactions.putMany([{ postId: newId(), userId: newId(), kind: 'like', createdAt: new Date() }]),
        'UNAVAILABLE',
      );
    });
  });

  describe('BatchGetItem UnprocessedKeys', () => {
    it('append finds every stored id although BatchGet hands keys back unprocessed', async () => {
      const events = activities(12, '2026-03-04');
      const { store: plain } = faultyStore('none', 0, halfUnprocessedKeys);
      expect(await plain.activity.append(events)).toEqual({ appended: 12, duplicates: 0 });
      const { store, injected, sent } = faultyStore('BatchGet', 4, halfUnprocessedKeys);
      expect(await store.activity.append(events)).toEqual({ appended: 0, duplicates: 12 });
      expect(injected()).toBeGreaterThan(0);
      // Every id was found by the retried BatchGets: no transaction was tried for an event already stored.
      expect(sent.filter((name) => name.startsWith('TransactWrite'))).toEqual([]);
    });
  });

  describe('short Query responses (as at the 1 MB limit)', () => {
    it('a list keeps querying across LastEvaluatedKey to fill its page, and knows where it ends', async () => {
      const { store: plain } = faultyStore('none', 0, shortPage);
      const community = await plain.communities.create({
        slug: `short-${newId().slice(-12)}`,
        name: 'S',
        ownerId: newId(),
      });
      const posts = [];
      for (let index = 0; index < 5; index += 1) {
        posts.push(await plain.posts.create({ communityId: community.id, authorId: newId(), body: `post ${index}` }));
      }
      const newestFirst = [...posts].reverse().map((post) => post.id);
      const { store, injected } = faultyStore('Query', 1_000, shortPage);
      const first = await store.posts.feed(community.id, { limit: 3 });
      expect(first.items.map((post) => post.id)).toEqual(newestFirst.slice(0, 3));
      expect(first.nextCursor).not.toBeNull();
      const second = await store.posts.feed(community.id, { limit: 3, cursor: first.nextCursor });
      expect(second).toEqual({ items: posts.slice(0, 2).reverse(), nextCursor: null });
      expect(injected()).toBeGreaterThanOrEqual(6);
    });

    it('a scan-index list and a count read on through short responses', async () => {
      const { store, injected } = faultyStore('Query', 1_000, shortPage);
      const before = await store.recordSets.users.count();
      for (let index = 0; index < 4; index += 1) {
        await store.users.create({ email: `short-${newId().slice(-12)}@example.com`, displayName: 'S' });
      }
      expect(await store.recordSets.users.count()).toBe(before + 4);
      const page = await store.recordSets.users.scan({ limit: 100 });
      expect(page.items).toHaveLength(before + 4);
      expect(page.nextCursor).toBeNull();
      expect(injected()).toBeGreaterThan(before + 8);
    });
  });

  describe('throttling', () => {
    it('retries a throttled read and succeeds', async () => {
      const { store: plain } = faultyStore('none', 0, throttled);
      const user = await plain.users.create({ email: `throttle-${newId().slice(-12)}@example.com`, displayName: 'T' });
      const { store, injected } = faultyStore('GetItem', 3, throttled);
      expect(await store.users.getById(user.id)).toEqual(user);
      expect(injected()).toBe(3);
    });

    it('reports throttling that outlives the retries as UNAVAILABLE, with the SDK error as cause', async () => {
      const { store } = faultyStore('GetItem', 1_000, throttled);
      const error = await expectCohortError(store.users.getById(newId()), 'UNAVAILABLE');
      expect(error.retryable).toBe(true);
      expect((error.cause as Error).name).toBe('ProvisionedThroughputExceededException');
      expect(CohortError.is(error.cause)).toBe(false);
    });

    it('retries throttled query pages of a list', async () => {
      const { store, injected } = faultyStore('Query', 2, throttled);
      const page = await store.posts.feed(newId());
      expect(page).toEqual({ items: [], nextCursor: null });
      expect(injected()).toBe(2);
    });
  });

  describe('dropped connections', () => {
    it.each(['ECONNRESET', 'ENETUNREACH', 'ECONNABORTED'])(
      'retries a read whose connection failed with %s, and reports one that keeps failing as UNAVAILABLE',
      async (code) => {
        const dropped = (): Promise<never> => Promise.reject(Object.assign(new Error(`injected: ${code}`), { code }));
        const { store: plain } = faultyStore('none', 0, dropped);
        const user = await plain.users.create({ email: `drop-${newId().slice(-12)}@example.com`, displayName: 'D' });
        const { store, injected } = faultyStore('GetItem', 2, dropped);
        expect(await store.users.getById(user.id)).toEqual(user);
        expect(injected()).toBe(2);
        const { store: down } = faultyStore('GetItem', 1_000, dropped);
        const error = await expectCohortError(down.users.getById(user.id), 'UNAVAILABLE');
        expect((error.cause as { code?: string }).code).toBe(code);
      },
    );
  });

  describe('TransactionConflict', () => {
    it('append retries conflicting transactions and counts each event once', async () => {
      const { store, injected } = faultyStore('TransactWrite', 3, conflicted);
      const events = activities(150, '1999-05-06');
      const result = await store.activity.append(events);
      expect(injected()).toBe(3);
      expect(result).toEqual({ appended: 150, duplicates: 0 });
      expect(await store.activity.dailyCounts({ from: '1999-05-06', to: '1999-05-06', verb: 'viewed' })).toEqual([
        { day: '1999-05-06', verb: 'viewed', count: 150 },
      ]);
      expect(await store.activity.append(events)).toEqual({ appended: 0, duplicates: 150 });
      expect(await store.activity.dailyCounts({ from: '1999-05-06', to: '1999-05-06' })).toEqual([
        { day: '1999-05-06', verb: 'viewed', count: 150 },
      ]);
    });

    it('an append whose committed response was lost is neither doubled nor reported as duplicates', async () => {
      const { store, injected } = faultyStore('TransactWrite', 1, responseLost);
      const events = activities(40, '1999-07-08');
      expect(await store.activity.append(events)).toEqual({ appended: 40, duplicates: 0 });
      expect(injected()).toBe(1);
      expect(await store.activity.dailyCounts({ from: '1999-07-08', to: '1999-07-08' })).toEqual([
        { day: '1999-07-08', verb: 'viewed', count: 40 },
      ]);
    });

    it('register retries a conflicting transaction and takes exactly one seat', async () => {
      const { store: plain } = faultyStore('none', 0, conflicted);
      const startsAt = new Date(Date.now() + 86_400_000);
      const event = await plain.events.create({
        title: 'Faults',
        hostId: newId(),
        startsAt,
        endsAt: new Date(startsAt.getTime() + 3_600_000),
        capacity: 5,
      });
      const { store, injected } = faultyStore('TransactWrite', 4, conflicted);
      const registration = await store.events.register(event.id, newId());
      expect(injected()).toBe(4);
      expect(registration).toMatchObject({ status: 'registered', position: 1 });
      expect(await store.events.getById(event.id)).toMatchObject({ registeredCount: 1, waitlistCount: 0 });
    });

    it('gives up with UNAVAILABLE when conflicts never stop', async () => {
      const { store } = faultyStore('TransactWrite', 10_000, conflicted);
      await expectCohortError(
        store.users.create({ email: `conflict-${newId().slice(-12)}@example.com`, displayName: 'C' }),
        'UNAVAILABLE',
      );
    });
  });
});
