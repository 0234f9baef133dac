import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDynamoStore, ensureTable } from '@cohort/adapters-dynamo';
import type { ChangeFeed, CohortStore } from '@cohort/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTable, randomTableName, testClients, testEndpoint } from './dynamo-test-client.js';

const here = dirname(fileURLToPath(import.meta.url));

/** A consumer process: its stdout lines as they come, and its exit. */
function consumer(args: object): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@cohort/source',
      '--import',
      'tsx',
      join(here, 'fixtures', 'feed-consumer-child.ts'),
      JSON.stringify(args),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  const lines: string[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(stderr);
      resolve(code);
    }),
  );
  return { child, lines, exited };
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const keysOf = (lines: readonly string[], verb: string): string[] =>
  lines.filter((line) => line.startsWith(`${verb} `)).map((line) => line.slice(verb.length + 1));

describe('DynamoDB change feed: a consumer killed with SIGKILL mid-batch', () => {
  const { low, client } = testClients();
  const tableName = randomTableName('feed-crash');
  let store: CohortStore;
  let feed: ChangeFeed;

  beforeAll(async () => {
    await ensureTable(client, { tableName });
    store = createDynamoStore({ client, tableName });
    feed = store.changeFeed as ChangeFeed;
  }, 60_000);

  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await deleteTable(low, tableName);
    low.destroy();
  });

  it('resumes in a new process from the last acknowledgement: every change at least once, none missing', async () => {
    const subscription = 'crash_consumer';
    await feed.createSubscription(subscription);
    const ids: string[] = [];
    const create = async (count: number) => {
      for (let i = 0; i < count; i += 1) {
        ids.push(
          (await store.users.create({ email: `crash-${ids.length}-${Date.now()}@example.com`, displayName: 'C' })).id,
        );
      }
    };
    await create(30);
    const args = { endpoint: testEndpoint(), tableName, subscription, limit: 7, delayMs: 20 };

    // The first consumer is killed in the middle of its third batch, with more writes coming meanwhile.
    const first = consumer({ ...args, last: 'none' });
    children.push(first.child);
    const writing = create(20);
    await until(() => keysOf(first.lines, 'got').length >= 17, 60_000, 'the first consumer to apply 17 changes');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    await writing;
    const applied = keysOf(first.lines, 'got');
    const acknowledged = keysOf(first.lines, 'ack');
    expect(
      acknowledged.length,
      'the first consumer acknowledged two batches before it was killed',
    ).toBeGreaterThanOrEqual(2);

    const second = consumer({ ...args, last: ids[ids.length - 1] });
    children.push(second.child);
    expect(await second.exited).toBe(0);
    const resumed = keysOf(second.lines, 'got');

    // Nothing missing: every user written came through one process or the other.
    const seen = new Set([...applied, ...resumed]);
    expect(ids.filter((id) => !seen.has(id))).toEqual([]);
    // At least once: the second process starts right after the last acknowledged change, so what the first applied
    // after it (the killed batch) comes again, and nothing acknowledged does.
    const lastAcked = acknowledged[acknowledged.length - 1] as string;
    const unacknowledged = applied.slice(applied.indexOf(lastAcked) + 1);
    expect(unacknowledged.length).toBeGreaterThan(0);
    expect(resumed.slice(0, unacknowledged.length)).toEqual(unacknowledged);
    expect(resumed.filter((id) => applied.slice(0, applied.indexOf(lastAcked) + 1).includes(id))).toEqual([]);
    // In commit order: the users come in the order they were created.
    expect([...applied.slice(0, applied.indexOf(lastAcked) + 1), ...resumed]).toEqual(ids);
    await feed.dropSubscription(subscription);
  }, 120_000);

  it('frozen with SIGSTOP past its session lease while writes go on, woken, reads on: every change, in order', async () => {
    const subscription = 'frozen_consumer';
    await feed.createSubscription(subscription);
    const ids: string[] = [];
    const create = async (count: number) => {
      for (let i = 0; i < count; i += 1) {
        ids.push(
          (await store.users.create({ email: `frozen-${ids.length}-${Date.now()}@example.com`, displayName: 'F' })).id,
        );
      }
    };
    await create(20);
    const args = { endpoint: testEndpoint(), tableName, subscription, limit: 7, delayMs: 5 };
    const frozen = consumer({ ...args, last: 'none' });
    children.push(frozen.child);
    await until(() => keysOf(frozen.lines, 'got').length >= 10, 60_000, 'the consumer to apply 10 changes');
    frozen.child.kill('SIGSTOP');
    // 3 s frozen: past its 1 s session lease; the writes pile up behind it.
    await create(20);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const wokenAt = performance.now();
    frozen.child.kill('SIGCONT');
    await until(
      () => ids.every((id) => keysOf(frozen.lines, 'got').includes(id)),
      60_000,
      'the woken consumer to apply every change',
    );
    const catchUpMs = Math.round(performance.now() - wokenAt);
    frozen.child.kill('SIGKILL');
    await frozen.exited;
    // Nothing skipped, in commit order (a batch read again after the wake may repeat: at least once).
    const got = keysOf(frozen.lines, 'got');
    expect(got.filter((id, index) => got.indexOf(id) === index)).toEqual(ids);
    console.log(`DynamoDB consumer frozen 3 s behind 20 changes: caught up ${catchUpMs} ms after SIGCONT`);
    await feed.dropSubscription(subscription);
  }, 120_000);
});
