import type { _Record, AttributeValue } from '@aws-sdk/client-dynamodb-streams';
import { CohortError, systemClock, type Change, type User } from '@cohort/core';
import { describe, expect, it } from 'vitest';
import { ShardCursor, type StreamReads } from '../src/feed/shard-cursor.js';
import type { RecordBatch, ShardInfo, StreamInfo } from '../src/feed/stream-access.js';
import { decodePosition } from '../src/feed/stream-position.js';
import { toUserItem } from '../src/users/user.items.js';

// DynamoDB Local never splits a shard; AWS does (and rolls shards over every few hours). These tests give the cursor a
// stream of several shards, a closed parent with two children beside an unrelated shard, to pin the lineage rules.

const FEED = 'dynamo:lineage';

function wire(item: Record<string, unknown>): Record<string, AttributeValue> {
  return Object.fromEntries(
    Object.entries(item).map(([name, value]) => [
      name,
      typeof value === 'number' ? { N: String(value) } : { S: String(value) },
    ]),
  );
}

function user(name: 'A' | 'B' | 'C', version: number): User {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, version));
  return {
    id: `00000000-0000-4000-8000-${name.charCodeAt(0).toString(16).padStart(12, '0')}`,
    email: `${name.toLowerCase()}@example.com`,
    displayName: `${name} v${version}`,
    role: 'learner',
    status: 'active',
    createdAt: at,
    updatedAt: at,
    version,
  };
}

const put = (seq: number, record: User): _Record => ({
  eventName: 'MODIFY',
  dynamodb: {
    SequenceNumber: String(seq).padStart(21, '0'),
    NewImage: wire({ ...toUserItem(record), _committedAt: seq }),
  },
});

interface FakeShard extends ShardInfo {
  readonly records: _Record[];
  readonly closed: boolean;
}

class FakeStream implements StreamReads {
  constructor(public shardList: FakeShard[]) {}

  current(): Promise<StreamInfo> {
    return Promise.resolve({ arn: 'arn:fake', label: 'L1' });
  }

  shards(): Promise<readonly ShardInfo[]> {
    return Promise.resolve(this.shardList.map(({ id, parent }) => ({ id, parent })));
  }

  iterator(_arn: string, shardId: string, seq: string | null): Promise<string> {
    const shard = this.shardList.find((candidate) => candidate.id === shardId);
    if (!shard) return Promise.reject(CohortError.positionLost(`no shard ${shardId}`));
    const at = seq === null ? 0 : shard.records.findIndex((record) => record.dynamodb?.SequenceNumber === seq) + 1;
    return Promise.resolve(`${shardId}|${at}`);
  }

  records(iterator: string, shardId: string, limit: number): Promise<RecordBatch> {
    const shard = this.shardList.find((candidate) => candidate.id === shardId) as FakeShard;
    const at = Number(iterator.split('|')[1]);
    const records = shard.records.slice(at, at + limit);
    const end = at + records.length;
    return Promise.resolve({
      records,
      next: shard.closed && end >= shard.records.length ? undefined : `${shardId}|${end}`,
    });
  }
}

/** P (closed: A1, B1, A2) split into C1 (A3) and C2 (B2); Q, unrelated, holds C1. */
function lineage(): FakeStream {
  return new FakeStream([
    { id: 'Q', parent: undefined, records: [put(6, user('C', 1))], closed: false },
    { id: 'C1', parent: 'P', records: [put(4, user('A', 3))], closed: false },
    {
      id: 'P',
      parent: undefined,
      records: [put(1, user('A', 1)), put(2, user('B', 1)), put(3, user('A', 2))],
      closed: true,
    },
    { id: 'C2', parent: 'P', records: [put(5, user('B', 2))], closed: false },
  ]);
}

const names = (changes: readonly Change[]): string[] =>
  changes.map((change) => (change.record as User | null)?.displayName ?? `delete ${change.key}`);

const cursorAt = (stream: StreamReads, position?: string) =>
  new ShardCursor(
    stream,
    FEED,
    systemClock,
    position === undefined ? { label: 'L1', shards: new Map() } : decodePosition(FEED, position),
  );

describe('ShardCursor across shard lineages', () => {
  it('reads a parent to its end before its children, each key in commit order', async () => {
    const changes = await cursorAt(lineage()).next(100);
    const order = names(changes);
    expect(order).toHaveLength(6);
    for (const child of ['A v3', 'B v2']) {
      for (const parent of ['A v1', 'B v1', 'A v2']) expect(order.indexOf(parent)).toBeLessThan(order.indexOf(child));
    }
    expect(changes.map((change) => change.committedAt.getTime()).filter((_, i) => order[i]?.startsWith('A'))).toEqual([
      1, 3, 4,
    ]);
  });

  it('resumes from any delivered position with exactly what came after it', async () => {
    const stream = lineage();
    const all = await cursorAt(stream).next(100);
    for (let i = 0; i < all.length; i += 1) {
      const resumed = await cursorAt(stream, (all[i] as Change).position).next(100);
      expect(names(resumed)).toEqual(names(all.slice(i + 1)));
    }
  });

  it('leaves a finished parent out of positions once a child is named, and still never rereads it', async () => {
    const stream = lineage();
    const all = await cursorAt(stream).next(100);
    const afterChild = all.find((change) => (change.record as User).displayName === 'A v3') as Change;
    expect([...decodePosition(FEED, afterChild.position).shards.keys()]).not.toContain('P');
    const resumed = names(await cursorAt(stream, afterChild.position).next(100));
    expect(resumed).not.toContain('A v1');
    expect(resumed).not.toContain('A v3');
    expect(resumed).toContain('B v2');
  });

  it('reads shards created after a position from their start, once their parent is done', async () => {
    const stream = lineage();
    const children = stream.shardList.filter((shard) => shard.parent === 'P');
    stream.shardList = stream.shardList.filter((shard) => shard.parent !== 'P');
    const before = await cursorAt(stream).next(100);
    expect(names(before)).toEqual(['C v1', 'A v1', 'B v1', 'A v2']);
    stream.shardList.push(...children);
    expect(names(await cursorAt(stream, (before[3] as Change).position).next(100))).toEqual(['A v3', 'B v2']);
  });

  it('is POSITION_LOST when a shard the position is reading is gone from the stream, read or not', async () => {
    const stream = lineage();
    const [first, second] = await cursorAt(stream).next(2);
    stream.shardList = stream.shardList.filter((shard) => shard.id !== 'P');
    // After Q's record P had not been read at all; after A v1 it had been read in part.
    for (const change of [first, second] as Change[]) {
      await expect(cursorAt(stream, change.position).next(100)).rejects.toSatisfy((error) =>
        CohortError.is(error, 'POSITION_LOST'),
      );
    }
  });
});

const marker = (seq: number, name: string, eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT'): _Record => {
  const item = wire({ pk: 'FEED_MARKERS', sk: name, _type: 'feedMarker', _v: 1, marker: name, _committedAt: seq });
  return {
    eventName,
    dynamodb: {
      SequenceNumber: String(seq).padStart(21, '0'),
      ...(eventName === 'REMOVE' ? { OldImage: item } : { NewImage: item }),
    },
  };
};

/** A fake stream whose reads can make records appear elsewhere (late) or be throttled. */
class EventfulStream extends FakeStream {
  /** Called before each GetRecords of a shard, with the shard and how many reads of it came before. */
  beforeRead: (shardId: string, reads: number) => void = () => undefined;
  readonly throttled = new Set<string>();
  private readonly reads = new Map<string, number>();

  override records(iterator: string, shardId: string, limit: number): Promise<RecordBatch> {
    const reads = this.reads.get(shardId) ?? 0;
    this.reads.set(shardId, reads + 1);
    this.beforeRead(shardId, reads);
    if (this.throttled.has(shardId)) return Promise.resolve({ records: [], next: iterator, throttled: true });
    return super.records(iterator, shardId, limit);
  }

  shard(id: string): FakeShard {
    return this.shardList.find((shard) => shard.id === id) as FakeShard;
  }
}

describe('ShardCursor markers', () => {
  it('finds the end of a shard written all the time: skipToEnd stops at a read that answered less than a page', async () => {
    // Every GetRecords finds one more record written meanwhile, as on a table under steady writes.
    let seq = 0;
    const busy: FakeShard = { id: 'shard-busy', parent: undefined, records: [], closed: false };
    for (let i = 0; i < 2_500; i += 1) busy.records.push(put((seq += 1), user('A', seq)));
    const stream = new FakeStream([busy]);
    const records = stream.records.bind(stream);
    let calls = 0;
    stream.records = (iterator, shardId, limit) => {
      calls += 1;
      busy.records.push(put((seq += 1), user('A', seq)));
      return calls > 50 ? Promise.reject(new Error('never reached its end')) : records(iterator, shardId, limit);
    };
    const cursor = new ShardCursor(stream, FEED, systemClock, { label: 'L1', shards: new Map() });
    const state = await cursor.skipToEnd();
    // Two full pages, then 503 records (less than a page): that was the end when it was read.
    expect(calls).toBe(3);
    expect(state.shards.get('shard-busy')?.seq).toBe(String(2_503).padStart(21, '0'));
  });

  it('with one open shard, places a marker where its record lies: heard with the change before it', async () => {
    const stream = new EventfulStream([
      { id: 'P', parent: undefined, records: [put(1, user('A', 1)), marker(2, 'M')], closed: true },
      { id: 'Q', parent: 'P', records: [put(3, user('B', 1)), marker(4, 'N'), put(5, user('C', 1))], closed: false },
    ]);
    const cursor = cursorAt(stream);
    const reads = [];
    for (let i = 0; i < 4; i += 1) {
      const { changes, markers } = await cursor.read(1);
      reads.push([...names(changes), ...markers.map((name) => `marker ${name}`)]);
    }
    expect(reads).toEqual([['A v1', 'marker M'], ['B v1', 'marker N'], ['C v1'], []]);
    // next() (positions, lag) leaves markers out.
    expect(names(await cursorAt(stream).next(100))).toEqual(['A v1', 'B v1', 'C v1']);
  });

  it('with several open shards, places a marker behind a pass over the others begun after it was found', async () => {
    // R is read first and is empty; Q then brings Z and the marker M. X, committed before M, shows up in R only now
    // (each shard's records appear on their own schedule): the marker must come after it.
    const stream = new EventfulStream([
      { id: 'R', parent: undefined, records: [], closed: false },
      { id: 'Q', parent: undefined, records: [put(1, user('A', 1)), marker(3, 'M')], closed: false },
    ]);
    stream.beforeRead = (shardId, reads) => {
      if (shardId === 'R' && reads === 1) stream.shard('R').records.push(put(2, user('B', 1)));
    };
    const cursor = cursorAt(stream);
    const first = await cursor.read(1);
    expect([names(first.changes), first.markers]).toEqual([['A v1'], []]);
    const second = await cursor.read(1);
    expect([names(second.changes), second.markers]).toEqual([['B v1'], ['M']]);
  });

  it('waits for a throttled shard to be read to its end before placing the marker', async () => {
    const stream = new EventfulStream([
      { id: 'R', parent: undefined, records: [], closed: false },
      { id: 'Q', parent: undefined, records: [marker(1, 'M')], closed: false },
    ]);
    stream.throttled.add('R');
    const cursor = cursorAt(stream);
    expect(await cursor.read(10)).toEqual({ changes: [], markers: [] });
    expect(await cursor.read(10)).toEqual({ changes: [], markers: [] });
    stream.throttled.delete('R');
    stream.shard('R').records.push(put(2, user('B', 1)));
    const heard = await cursor.read(10);
    expect([names(heard.changes), heard.markers]).toEqual([['B v1'], ['M']]);
  });

  it('hears a marker written again (MODIFY) and nothing of its REMOVE; markers keep their order', async () => {
    const stream = new EventfulStream([
      {
        id: 'Q',
        parent: undefined,
        records: [marker(1, 'M'), marker(2, 'N'), marker(3, 'M', 'MODIFY'), marker(4, 'M', 'REMOVE')],
        closed: false,
      },
    ]);
    expect(await cursorAt(stream).read(10)).toEqual({ changes: [], markers: ['M', 'N', 'M'] });
  });
});
