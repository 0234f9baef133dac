import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CohortError, type CohortStore, type RecordSetName } from '@cohort/core';
import { createMemoryStore } from '@cohort/adapters-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backfill,
  canonicalJson,
  copyOrder,
  createProgressRenderer,
  fileCheckpoint,
  memoryCheckpoint,
  parentsOf,
  parseCheckpoint,
  verify,
  type BackfillProgress,
} from '../src/index.js';
import { allRecords, countsOf, seededMemoryStore, spyOnPuts } from './support/platform.js';

let source: CohortStore;
let expected: Record<RecordSetName, number>;

beforeAll(async () => {
  source = await seededMemoryStore();
  expected = await countsOf(source);
});

describe('backfill', () => {
  it('copies every record set, parents first, and verify then finds no difference', async () => {
    const target = createMemoryStore();
    const log: string[] = [];
    const report = await backfill({
      source,
      target,
      batchSize: 250,
      onProgress: (event) => {
        if (event.type === 'start' || event.type === 'done') log.push(`${event.type} ${event.recordSet}`);
      },
    });
    expect(log.filter((line) => line.startsWith('start')).sort()).toEqual(copyOrder.map((n) => `start ${n}`).sort());
    for (const name of copyOrder) {
      for (const parent of parentsOf(name)) {
        expect(log.indexOf(`done ${parent}`), `${parent} before ${name}`).toBeLessThan(log.indexOf(`start ${name}`));
      }
    }
    expect(await countsOf(target)).toEqual(expected);
    expect(report.copied).toBe(Object.values(expected).reduce((a, b) => a + b, 0));
    const parity = await verify({ source, target, recheckDelayMs: 0 });
    expect(parity.ok).toBe(true);
    expect(parity.summary).toMatchObject({ differences: 0, danglingReferences: 0, inFlight: 0 });
  });

  it('copies without waiting for the source to count its records, and reports the total once known', async () => {
    const target = createMemoryStore();
    // users.count() answers only once every user is in the target: a copy that waited for it would never finish.
    let release = (): void => undefined;
    const counted = new Promise<number>((resolve) => (release = () => resolve(expected.users)));
    const users = { ...source.recordSets.users, count: () => counted };
    const slowCounting = { ...source, recordSets: { ...source.recordSets, users } } as CohortStore;
    const watched = { ...target.recordSets.users };
    watched.putMany = async (records) => {
      await target.recordSets.users.putMany(records);
      if ((await target.recordSets.users.count()) === expected.users) release();
    };
    const events: BackfillProgress[] = [];
    await backfill({
      source: slowCounting,
      target: { ...target, recordSets: { ...target.recordSets, users: watched } },
      only: ['users'],
      batchSize: 100,
      onProgress: (event) => events.push(event),
    });
    expect(await countsOf(target)).toMatchObject({ users: expected.users });
    expect(events[0]).toMatchObject({ type: 'start', recordSet: 'users', total: null, counting: true });
    expect(events.filter((event) => event.type === 'batch').map((event) => event.total)).toContain(null);
  });

  it('with countTotals false, never counts the source and reports no total', async () => {
    const target = createMemoryStore();
    let counts = 0;
    const users = {
      ...source.recordSets.users,
      count: () => {
        counts += 1;
        return source.recordSets.users.count();
      },
    };
    const events: BackfillProgress[] = [];
    await backfill({
      source: { ...source, recordSets: { ...source.recordSets, users } },
      target,
      only: ['users'],
      batchSize: 100,
      countTotals: false,
      onProgress: (event) => events.push(event),
    });
    expect(counts).toBe(0);
    expect(await countsOf(target)).toMatchObject({ users: expected.users });
    const totals = events.flatMap((event) => ('total' in event ? [event.total] : []));
    expect(totals.length).toBeGreaterThan(1);
    expect(new Set(totals)).toEqual(new Set([null]));
    expect(events.some((event) => 'counting' in event && event.counting)).toBe(false);
    let out = '';
    const render = createProgressRenderer({ write: (chunk: string) => (out += chunk), isTTY: false });
    events.forEach(render);
    expect(out).toContain('users: copying records (not counted)');
    expect(out).not.toContain('counting');
  });

  it('copies only the chosen record sets', async () => {
    const target = createMemoryStore();
    const report = await backfill({ source, target, only: ['posts', 'users'] });
    expect(report.recordSets.map((set) => set.recordSet)).toEqual(['users', 'posts']);
    const counts = await countsOf(target);
    expect(counts.users).toBe(expected.users);
    expect(counts.posts).toBe(expected.posts);
    expect(counts.comments).toBe(0);
    const parity = await verify({ source, target, only: ['users', 'posts'], recheckDelayMs: 0, integrity: false });
    expect(parity.ok).toBe(true);
    // With integrity on, the posts' communities are missing from the target: every post's reference dangles there.
    const integrity = await verify({ source, target, only: ['users', 'posts'], recheckDelayMs: 0 });
    expect(integrity.ok).toBe(false);
    const dangling = integrity.integrity.filter((check) => check.danglingCount > 0);
    expect(dangling.map((check) => [check.store, check.recordSet, check.field, check.danglingCount])).toEqual([
      ['target', 'posts', 'communityId', expected.posts],
    ]);
  });

  it('writes batches of at most batchSize records', async () => {
    const { store: target, spy } = spyOnPuts(createMemoryStore());
    await backfill({ source, target, batchSize: 150, only: ['activity'] });
    expect(spy.calls['activity']).toBe(Math.ceil(expected.activity / 150));
    expect(spy.records['activity']).toBe(expected.activity);
  });

  it('changes nothing when run again, and a resumed finished run writes nothing at all', async () => {
    const target = createMemoryStore();
    const checkpoint = memoryCheckpoint();
    await backfill({ source, target, checkpoint });
    const before = await snapshot(target);

    const again = spyOnPuts(target);
    const second = await backfill({ source, target: again.store, checkpoint });
    expect(second.copied).toBe(Object.values(expected).reduce((a, b) => a + b, 0));
    expect(await snapshot(target)).toEqual(before);

    const resumed = spyOnPuts(target);
    const third = await backfill({ source, target: resumed.store, checkpoint, resume: true });
    expect(third.copied).toBe(0);
    expect(third.recordSets.every((set) => set.skipped)).toBe(true);
    expect(resumed.spy.calls).toEqual({});
  });

  it('resumes after a failure from the last acknowledged batch, re-writing at most the batches in flight', async () => {
    const { store: target, spy } = spyOnPuts(createMemoryStore());
    const checkpoint = memoryCheckpoint();
    let activityBatches = 0;
    spy.fail = (name) => {
      if (name !== 'activity') return null;
      activityBatches += 1;
      return activityBatches === 4 ? CohortError.conflict('injected failure') : null;
    };
    await expect(backfill({ source, target, checkpoint, batchSize: 200, concurrency: 2 })).rejects.toThrow(
      'injected failure',
    );
    const saved = await checkpoint.load();
    expect(saved?.recordSets.users?.done).toBe(true);
    expect(saved?.recordSets.activity?.done).toBe(false);
    const acknowledged = saved?.recordSets.activity?.copied ?? -1;
    expect(acknowledged).toBeGreaterThanOrEqual(400);

    spy.fail = null;
    const before = { ...spy.records };
    const resumed = await backfill({ source, target, checkpoint, batchSize: 200, concurrency: 2, resume: true });
    const activity = resumed.recordSets.find((set) => set.recordSet === 'activity');
    expect(activity?.resumedFrom).toBe(acknowledged);
    expect(activity?.copied).toBe(expected.activity - acknowledged);
    expect(resumed.recordSets.find((set) => set.recordSet === 'users')?.skipped).toBe(true);
    expect((spy.records['users'] ?? 0) - (before['users'] ?? 0)).toBe(0);
    expect(await countsOf(target)).toEqual(expected);
    expect((await verify({ source, target, recheckDelayMs: 0 })).ok).toBe(true);
  });

  it('refuses to resume the checkpoint of another pair of stores', async () => {
    const checkpoint = memoryCheckpoint();
    await backfill({ source, target: createMemoryStore(), checkpoint, label: 'postgres->dynamo', only: ['users'] });
    await expect(
      backfill({ source, target: createMemoryStore(), checkpoint, label: 'dynamo->postgres', resume: true }),
    ).rejects.toThrow(/belongs to postgres->dynamo/);
  });

  it('rejects a batch size outside 1–1,000 and unknown record sets', async () => {
    const target = createMemoryStore();
    await expect(backfill({ source, target, batchSize: 1001 })).rejects.toThrow(RangeError);
    await expect(backfill({ source, target, batchSize: 0 })).rejects.toThrow(RangeError);
    await expect(backfill({ source, target, only: ['nope' as RecordSetName] })).rejects.toThrow(/Unknown record set/);
  });

  it('stops at an abort signal with a checkpoint it can resume from', async () => {
    const target = createMemoryStore();
    const checkpoint = memoryCheckpoint();
    const controller = new AbortController();
    await expect(
      backfill({
        source,
        target,
        checkpoint,
        batchSize: 100,
        signal: controller.signal,
        onProgress: (event) => {
          if (event.type === 'batch' && event.recordSet === 'memberships' && event.copied >= 200) controller.abort();
        },
      }),
    ).rejects.toThrow();
    expect((await checkpoint.load())?.recordSets.memberships?.done).toBe(false);
    await backfill({ source, target, checkpoint, resume: true });
    expect((await verify({ source, target, recheckDelayMs: 0 })).ok).toBe(true);
  });
});

describe('fileCheckpoint', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-checkpoint-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips a checkpoint and leaves no temporary file behind', async () => {
    const path = join(dir, 'nested', 'run.json');
    const store = fileCheckpoint(path);
    expect(await store.load()).toBeNull();
    const target = createMemoryStore();
    await backfill({ source, target, checkpoint: store, only: ['users', 'contents'], label: 'memory->memory' });
    const saved = await store.load();
    expect(saved).toMatchObject({ version: 1, label: 'memory->memory' });
    expect(saved?.recordSets.users).toEqual({ cursor: null, copied: expected.users, done: true });
    expect(readdirSync(join(dir, 'nested'))).toEqual(['run.json']);
    await store.clear();
    expect(await store.load()).toBeNull();
  });

  it('names a file that is not a checkpoint', async () => {
    const path = join(dir, 'junk.json');
    writeFileSync(path, '{"version": 1, "recordSets": {"users": {"cursor": 3}}}');
    await expect(fileCheckpoint(path).load()).rejects.toThrow(/junk.json is not a backfill checkpoint/);
    expect(() => parseCheckpoint('not json')).toThrow(/not JSON/);
  });
});

describe('createProgressRenderer', () => {
  const events: BackfillProgress[] = [
    { type: 'start', recordSet: 'users', total: 2000, counting: false, copied: 500, resumed: true },
    {
      type: 'batch',
      recordSet: 'users',
      copied: 1000,
      total: 2000,
      counting: false,
      elapsedMs: 1000,
      rowsPerSecond: 500,
      etaMs: 2000,
    },
    { type: 'done', recordSet: 'users', copied: 2000, elapsedMs: 3000, rowsPerSecond: 500 },
    { type: 'skipped', recordSet: 'posts', copied: 10 },
  ];

  it('prints plain lines when the stream is not a terminal', () => {
    let out = '';
    const render = createProgressRenderer({ write: (chunk: string) => (out += chunk), isTTY: false });
    events.forEach(render);
    expect(out).toBe(
      [
        'users: copying 2,000 records, resuming after 500',
        'users: 1,000/2,000 (50%)  500 rows/s  ETA 0:02',
        'users: 2,000 copied in 3.0 s (500 rows/s)',
        'posts: already copied (10 records), skipped',
        '',
      ].join('\n'),
    );
  });

  it('redraws one bar per record set on a terminal', () => {
    let out = '';
    let time = 0;
    const render = createProgressRenderer(
      { write: (chunk: string) => (out += chunk), isTTY: true, columns: 90 },
      { now: () => (time += 1000) },
    );
    events.forEach(render);
    expect(out).toContain('\r\x1b[2Kusers          [##########----------]  50%  1,000/2,000  500 rows/s  ETA 0:02\n');
    expect(out).toContain('100%  2,000 copied in 3.0 s (500 rows/s)\n');
    // Two bars on screen: the redraw after `skipped` moves up over both before rewriting them.
    expect(
      out.endsWith(
        '\x1b[1A\r\x1b[2Kusers          [####################] 100%  2,000 copied in 3.0 s (500 rows/s)\n' +
          '\r\x1b[2Kposts          already copied (10 records), skipped\n',
      ),
    ).toBe(true);
  });
});

/** Every record of every set as canonical JSON, for before/after comparisons. */
async function snapshot(store: CohortStore): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const name of copyOrder) out[name] = (await allRecords(store, name)).map(canonicalJson).sort();
  return out;
}
