import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoStore, ensureTable } from '@cohort/adapters-dynamo';
import {
  CohortError,
  type Change,
  type ChangeFeed,
  type ChangeReader,
  type CohortStore,
  type RecordSet,
  recordSetNames,
} from '@cohort/core';
import { decodeFeedPosition, encodeFeedPosition } from '@cohort/core/adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stampUpdate } from '../src/shared/committed-at.js';
import { deleteTable, randomTableName, testClients, testEndpoint } from './dynamo-test-client.js';

/** Faults the streams client raises on demand, and how often it was asked for an iterator. */
const faults = { getRecords: null as string | null, getShardIterator: null as string | null, iterators: 0 };

function faultyStreamsClient(): DynamoDBStreamsClient {
  const streams = new DynamoDBStreamsClient({
    endpoint: testEndpoint(),
    region: 'local',
    credentials: { accessKeyId: 'cohort', secretAccessKey: 'cohort' },
  });
  streams.middlewareStack.add(
    (next, context) => async (args) => {
      const fault = (name: string | null): never | void => {
        if (name === null) return;
        throw Object.assign(new Error(`injected ${name}`), { name, $metadata: { httpStatusCode: 400 } });
      };
      if (context.commandName === 'GetShardIteratorCommand') {
        faults.iterators += 1;
        const name = faults.getShardIterator;
        faults.getShardIterator = null;
        fault(name);
      }
      if (context.commandName === 'GetRecordsCommand') {
        const name = faults.getRecords;
        faults.getRecords = null;
        fault(name);
      }
      return next(args);
    },
    { step: 'initialize', name: 'cohortStreamFaults' },
  );
  return streams;
}

async function readUntil(reader: ChangeReader, done: (changes: readonly Change[]) => boolean): Promise<Change[]> {
  const changes: Change[] = [];
  const deadline = Date.now() + 10_000;
  while (!done(changes) && Date.now() < deadline) changes.push(...(await reader.read({ waitMs: 1_000 })));
  return changes;
}

const userKeys = (changes: readonly Change[]): string[] =>
  changes.filter((change) => change.recordSet === 'users').map((change) => change.key);

describe('DynamoDB change feed', () => {
  const { low, client } = testClients();
  const tableName = randomTableName('feed');
  const streams = faultyStreamsClient();
  let store: CohortStore;
  let feed: ChangeFeed;
  let counter = 0;
  const user = async (): Promise<string> =>
    (await store.users.create({ email: `feed-${(counter += 1)}-${Date.now()}@example.com`, displayName: 'F' })).id;

  beforeAll(async () => {
    await ensureTable(client, { tableName });
    // DynamoDB Local does not throttle GetRecords: waiting reads may look every 20 ms.
    store = createDynamoStore({ client, tableName, changeFeed: { streamsClient: streams, pollMs: 20 } });
    feed = store.changeFeed as ChangeFeed;
  }, 60_000);

  afterAll(async () => {
    await deleteTable(low, tableName);
    streams.destroy();
    low.destroy();
  });

  it('renews an expired shard iterator at the same place: nothing skipped, nothing repeated', async () => {
    await feed.createSubscription('expired_iterator');
    const reader = await feed.openReader('expired_iterator');
    const first = await user();
    expect(userKeys(await readUntil(reader, (changes) => userKeys(changes).includes(first)))).toEqual([first]);
    const second = await user();
    const third = await user();
    const asked = faults.iterators;
    faults.getRecords = 'ExpiredIteratorException';
    const after = await readUntil(reader, (changes) => userKeys(changes).includes(third));
    expect(faults.getRecords, 'the fault was raised').toBeNull();
    expect(faults.iterators).toBe(asked + 1);
    expect(userKeys(after)).toEqual([second, third]);
    await reader.close();
    await feed.dropSubscription('expired_iterator');
  });

  /** A well-formed position of this feed whose shards are `shards` (id=sequence number). */
  async function forged(shards: string): Promise<string> {
    await user();
    const feedId = `dynamo:${tableName}`;
    const [label] = decodeFeedPosition(feedId, await feed.currentPosition(), 2);
    return encodeFeedPosition(feedId, [label as string, shards]);
  }

  it('is POSITION_LOST for a position naming a shard the stream no longer has, as a start and as a checkpoint', async () => {
    const gone = await forged('shardId-00000000000000000001-deadbeef=000000000000000000001');
    await expect(feed.createSubscription('lost_start', { from: gone })).rejects.toSatisfy((error) =>
      CohortError.is(error, 'POSITION_LOST'),
    );

    await feed.createSubscription('lost_checkpoint');
    // The checkpoint the subscription holds in the table now names a shard trimmed away.
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: 'FEED_SUBSCRIPTIONS', sk: 'lost_checkpoint' },
        UpdateExpression: 'SET #p = :p',
        ExpressionAttributeNames: { '#p': 'position' },
        ExpressionAttributeValues: { ':p': gone },
      }),
    );
    const reader = await feed.openReader('lost_checkpoint');
    await expect(reader.read()).rejects.toSatisfy((error) => CohortError.is(error, 'POSITION_LOST'));
    await reader.close();
    const [listed] = (await feed.listSubscriptions()).filter((info) => info.name === 'lost_checkpoint');
    expect(listed?.lag.ms).toBeNull();
    await feed.dropSubscription('lost_checkpoint');
  });

  it('goes on when DynamoDB Local refuses an iterator it handed out on an empty shard once another table wrote', async () => {
    // DynamoDB Local numbers stream records across all its tables: the iterator a read of an empty shard returns can
    // be refused as trimmed after another table's writes used the numbers it points at. The feed's own position is
    // still good, and a fresh iterator after it reads on.
    const otherName = randomTableName('feed-other');
    await ensureTable(client, { tableName: otherName });
    const other = createDynamoStore({ client, tableName: otherName, changeFeed: { pollMs: 20 } });
    try {
      await feed.createSubscription('shared_local');
      const reader = await feed.openReader('shared_local');
      expect(await reader.read({ waitMs: 100 })).toEqual([]);
      for (let i = 0; i < 5; i += 1) {
        await other.users.create({ email: `other-${i}-${Date.now()}@example.com`, displayName: 'Other' });
      }
      expect(await reader.read({ waitMs: 100 })).toEqual([]);
      const mine = await user();
      expect(userKeys(await readUntil(reader, (changes) => userKeys(changes).includes(mine)))).toEqual([mine]);
      await reader.close();
      await feed.dropSubscription('shared_local');
      expect(await feed.currentPosition()).toEqual(expect.any(String));
    } finally {
      await deleteTable(low, otherName);
    }
  }, 60_000);

  it('is POSITION_LOST when the stream answers TrimmedDataAccessException (past its 24-hour retention)', async () => {
    await feed.createSubscription('trimmed');
    const reader = await feed.openReader('trimmed');
    await user();
    faults.getShardIterator = 'TrimmedDataAccessException';
    await expect(reader.read()).rejects.toSatisfy((error) => CohortError.is(error, 'POSITION_LOST'));
    await reader.close();
    await feed.dropSubscription('trimmed');
  });

  it('skips its own items and guard items, and stamps every written record with its commit time', async () => {
    await feed.createSubscription('own_items');
    const reader = await feed.openReader('own_items');
    const before = Date.now();
    const id = await user();
    const changes = await readUntil(reader, (read) => userKeys(read).includes(id));
    // The user's email guard and the subscription's lease renewals are items of the table too: never changes.
    expect(changes.map((change) => change.recordSet)).toEqual(['users']);
    const stored = await client.send(new GetCommand({ TableName: tableName, Key: { pk: `USER#${id}`, sk: 'USER' } }));
    expect(changes[0]?.committedAt.getTime()).toBe(stored.Item?.['_committedAt']);
    expect(changes[0]?.committedAt.getTime()).toBeGreaterThanOrEqual(before);
    await reader.close();
    await feed.dropSubscription('own_items');
  });

  it('measures write-acknowledged → change-read latency, for a consumer that tails the feed', async () => {
    await feed.createSubscription('latency');
    const reader = await feed.openReader('latency');
    const received = new Map<string, number>();
    let writing = true;
    const tail = (async () => {
      while (writing || received.size < 200) {
        for (const change of await reader.read({ waitMs: 1_000 })) received.set(change.key, Date.now());
      }
    })();
    const acknowledged = new Map<string, number>();
    for (let i = 0; i < 200; i += 1) {
      const id = await user();
      acknowledged.set(id, Date.now());
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    writing = false;
    await tail;
    const delays = [...acknowledged].map(([id, at]) => (received.get(id) as number) - at).sort((a, b) => a - b);
    const at = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))] as number;
    console.log(
      `change feed latency over ${delays.length} writes: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`,
    );
    expect(at(0.5)).toBeLessThan(1_000);
    await reader.close();
    await feed.dropSubscription('latency');
  }, 60_000);

  it('writes a marker as an item of its own partition, stamped, which no record set counts', async () => {
    const countAll = () =>
      Promise.all(recordSetNames.map((set) => (store.recordSets[set] as RecordSet<unknown>).count()));
    const counts = await countAll();
    const before = Date.now();
    await feed.writeMarker('item-check');
    const stored = await client.send(
      new GetCommand({ TableName: tableName, Key: { pk: 'FEED_MARKERS', sk: 'item-check' } }),
    );
    expect(stored.Item).toMatchObject({ _type: 'feedMarker', marker: 'item-check' });
    expect(stored.Item?.['_committedAt']).toBeGreaterThanOrEqual(before);
    // No index key: no list, scan or count reads it.
    for (const attribute of ['gsi1pk', 'gsi2pk', 'scanPk']) expect(stored.Item).not.toHaveProperty(attribute);
    expect(await countAll()).toEqual(counts);
  });

  it('hears a marker name written again (the item is overwritten: a MODIFY), each time', async () => {
    await feed.createSubscription('marker_again');
    const heard: string[] = [];
    const reader = await feed.openReader('marker_again', { onMarker: (marker) => heard.push(marker) });
    await feed.writeMarker('again');
    await feed.writeMarker('again');
    const changes = await readUntil(reader, () => heard.length >= 2);
    expect(heard).toEqual(['again', 'again']);
    expect(changes).toEqual([]);
    await reader.close();
    await feed.dropSubscription('marker_again');
  });

  it('measures writeMarker called → onMarker, for a reader waiting in read (pollMs 20, and the default 250)', async () => {
    const summary: string[] = [];
    for (const pollMs of [20, 250]) {
      const polling = createDynamoStore({ client, tableName, changeFeed: { streamsClient: streams, pollMs } });
      const pollingFeed = polling.changeFeed as ChangeFeed;
      const name = `marker_latency_${pollMs}`;
      await pollingFeed.createSubscription(name);
      const heardAt = new Map<string, number>();
      const reader = await pollingFeed.openReader(name, {
        onMarker: (marker) => heardAt.set(marker, performance.now()),
      });
      const latencies: number[] = [];
      for (let i = 0; i < 20; i += 1) {
        await user();
        const marker = `latency-${pollMs}-${i}`;
        // The reader waits in read() when the marker is written, as a move's applier does.
        const listening = (async () => {
          const until = Date.now() + 5_000;
          while (!heardAt.has(marker) && Date.now() < until) await reader.read({ waitMs: 1_000 });
        })();
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * pollMs));
        const started = performance.now();
        await pollingFeed.writeMarker(marker);
        await listening;
        expect(heardAt.has(marker), `marker ${marker} heard`).toBe(true);
        latencies.push((heardAt.get(marker) as number) - started);
      }
      await reader.close();
      await pollingFeed.dropSubscription(name);
      const sorted = latencies.sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
      summary.push(
        `pollMs ${pollMs}: p50 ${at(0.5).toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms, max ${at(1).toFixed(0)} ms`,
      );
      expect(at(0.5)).toBeLessThan(pollMs + 500);
    }
    console.log(`DynamoDB marker, writeMarker called → onMarker (20 samples each): ${summary.join('; ')}`);
  }, 60_000);
});

describe('the commit stamp on updates', () => {
  it('joins the SET clause, or adds one, and leaves placeholders named like clauses alone', () => {
    expect(stampUpdate({ UpdateExpression: 'SET #a = :a REMOVE #b' }, 5).UpdateExpression).toBe(
      'SET #cohortCommittedAt = :cohortCommittedAt, #a = :a REMOVE #b',
    );
    expect(stampUpdate({ UpdateExpression: 'REMOVE #set ADD #n :set' }, 5).UpdateExpression).toBe(
      'REMOVE #set ADD #n :set SET #cohortCommittedAt = :cohortCommittedAt',
    );
    const stamped = stampUpdate(
      {
        UpdateExpression: 'ADD #n :one',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: { ':one': 1 },
      },
      7,
    );
    expect(stamped.ExpressionAttributeValues).toEqual({ ':one': 1, ':cohortCommittedAt': 7 });
    expect(stamped.ExpressionAttributeNames).toEqual({ '#n': 'n', '#cohortCommittedAt': '_committedAt' });
  });
});
