import { newId, type NewActivityEvent } from '@cohort/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openTestStore, type TestStore } from './postgres-test-database.js';

const serverUrl = inject('postgresUrl');
const at = (iso: string) => new Date(iso);

function event(occurredAt: Date, input: Partial<NewActivityEvent> = {}): NewActivityEvent {
  return { id: newId(), actorId: newId(), verb: 'viewed', object: { type: 'content', id: 'c1' }, occurredAt, ...input };
}

describe('activity log partitions', () => {
  let test: TestStore;

  async function partitions(): Promise<string[]> {
    const rows: { name: string }[] = await test.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'activity_events'::regclass ORDER BY 1`,
    );
    return rows.map((row) => row.name);
  }

  async function rowsIn(table: string): Promise<number> {
    const [row] = await test.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${table}`);
    return row?.n ?? -1;
  }

  beforeAll(async () => {
    test = await openTestStore(serverUrl);
  });

  afterAll(() => test.close());

  it('starts with the DEFAULT partition only', async () => {
    expect(await partitions()).toEqual(['activity_events_default']);
  });

  it('creates the partition of every month an append touches, in UTC', async () => {
    await test.store.activity.append([
      event(at('2031-01-31T23:59:59.999Z')),
      event(at('2031-02-01T00:00:00.000Z')),
      event(at('2031-04-15T12:00:00.000Z')),
    ]);
    expect(await partitions()).toEqual([
      'activity_events_2031_01',
      'activity_events_2031_02',
      'activity_events_2031_04',
      'activity_events_default',
    ]);
    expect(await rowsIn('activity_events_2031_01')).toBe(1);
    expect(await rowsIn('activity_events_default')).toBe(0);
  });

  it('purges whole months by dropping their partitions and deletes only the older rows of the month it cuts', async () => {
    const before = await test.store.activity.dailyCounts({ from: '2031-01-01', to: '2031-12-31' });
    await test.store.activity.append([event(at('2031-04-01T00:00:00.000Z')), event(at('2031-04-20T00:00:00.000Z'))]);
    // January, February and two April events (the 1st and the 15th) lie before the cut.
    expect(await test.store.activity.purgeBefore(at('2031-04-16T00:00:00.000Z'))).toBe(4);
    expect(await partitions()).toEqual(['activity_events_2031_04', 'activity_events_default']);
    expect(await rowsIn('activity_events_2031_04')).toBe(1);
    const after = await test.store.activity.dailyCounts({ from: '2031-01-01', to: '2031-12-31' });
    expect(after.filter((count) => count.day < '2031-04-01')).toEqual(
      before.filter((count) => count.day < '2031-04-01'),
    );
    expect(await test.store.recordSets.activity.count()).toBe(1);
  });

  it('makes a dropped month again when new events arrive for it, and forgets purged ids', async () => {
    const old = event(at('2031-01-10T00:00:00.000Z'));
    expect(await test.store.activity.append([old])).toEqual({ appended: 1, duplicates: 0 });
    expect(await partitions()).toContain('activity_events_2031_01');
    await test.store.activity.purgeBefore(at('2031-02-01T00:00:00.000Z'));
    expect(await test.store.activity.append([old])).toEqual({ appended: 1, duplicates: 0 });
    expect(await test.store.activity.append([old])).toEqual({ appended: 0, duplicates: 1 });
  });

  it('moves rows out of DEFAULT when their month gets a partition', async () => {
    // A writer that bypassed the adapter left a row of an unprepared month in DEFAULT.
    const stray = event(at('2032-06-15T00:00:00.000Z'));
    await test.dataSource.query(
      `INSERT INTO activity_events (id, occurred_at, actor_id, verb, object_type, object_id, metadata)
       VALUES ($1, $2, $3, 'viewed', 'content', 'c1', '{}')`,
      [stray.id, '2032-06-15T00:00:00.000Z', stray.actorId],
    );
    expect(await rowsIn('activity_events_default')).toBe(1);
    await test.store.activity.append([event(at('2032-06-20T00:00:00.000Z'), { actorId: stray.actorId })]);
    expect(await partitions()).toContain('activity_events_2032_06');
    expect(await rowsIn('activity_events_default')).toBe(0);
    expect(await rowsIn('activity_events_2032_06')).toBe(2);
    const page = await test.store.activity.listByActor(stray.actorId);
    expect(page.items.map((item) => item.id)).toContain(stray.id);
  });

  it('stores and counts an event once when the same batch is appended concurrently', async () => {
    const actorId = newId();
    const batch = Array.from({ length: 50 }, (_, i) =>
      event(new Date(Date.UTC(2033, 2, 1 + (i % 3))), { actorId, verb: 'completed' }),
    );
    const results = await Promise.all(Array.from({ length: 6 }, () => test.store.activity.append(batch)));
    expect(results.reduce((sum, result) => sum + result.appended, 0)).toBe(50);
    const counts = await test.store.activity.dailyCounts({ from: '2033-03-01', to: '2033-03-03', verb: 'completed' });
    expect(counts.reduce((sum, count) => sum + count.count, 0)).toBe(50);
  });
});
