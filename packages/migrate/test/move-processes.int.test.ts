// `move()` between the real stores in a process of its own, killed with SIGKILL during the backfill and again while
// following, rerun each time, while this process writes to the source: PostgreSQL (logical replication) → DynamoDB
// Local, and DynamoDB Local (its stream) → PostgreSQL, each in a database or table of its own. After the writes stop
// and the move caught up, it is stopped cleanly and `verify` must find no difference and no dangling reference.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CohortError, type CohortStore, type Post } from '@cohort/core';
import { startDynamo, startPostgres, type DynamoServer, type PostgresServer } from '@cohort/local-servers';
import { generatePlatform, loadPlatform } from '@cohort/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { copyOrder, formatVerifyReport, parseCheckpoint, verify, type MoveReport } from '../src/index.js';
import { allRecords } from './support/platform.js';
import {
  createDynamoSpec,
  createPostgresSpec,
  openStore,
  type OpenStore,
  type StoreSpec,
} from './support/real-stores.js';
import { spawnFixture } from './support/json-child.js';

const TIMEOUT = 240_000;
/** Records per backfill batch: small, so the backfill of a tiny platform takes long enough to be killed inside. */
const BATCH_SIZE = 10;

type Kind = 'postgres' | 'dynamo';

let postgres: PostgresServer;
let dynamo: DynamoServer;
let workDir: string;
const opened: OpenStore[] = [];
const subscriptions: { store: CohortStore; name: string }[] = [];
const children: ChildProcess[] = [];

async function fresh(kind: Kind): Promise<OpenStore> {
  const spec: StoreSpec =
    kind === 'postgres' ? await createPostgresSpec(postgres.url) : createDynamoSpec(dynamo.endpoint);
  const store = await openStore(spec);
  opened.push(store);
  return store;
}

/** A move child: its output lines, a wait for a line, its exit. */
interface MoveChild {
  readonly lines: string[];
  /** When each line arrived (Date.now()), and when the process was spawned. */
  readonly times: number[];
  readonly spawnedAt: number;
  /** Resolves with the first line from `from` on that matches; rejects if the child exits or time runs out first. */
  waitFor(match: (line: string) => boolean, from?: number, timeoutMs?: number): Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  stderr(): string;
}

function startMove(args: object): MoveChild {
  const child = spawnFixture('move-child.ts', args);
  children.push(child);
  const spawnedAt = Date.now();
  const lines: string[] = [];
  const times: number[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const complete = buffer.split('\n');
    buffer = complete.pop() ?? '';
    lines.push(...complete);
    for (const _ of complete) times.push(Date.now());
    for (const wake of waiters) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
      for (const wake of waiters) wake();
    }),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  return {
    lines,
    times,
    spawnedAt,
    exited,
    stderr: () => errors,
    kill: (signal) => void child.kill(signal),
    waitFor: (match, from = 0, timeoutMs = 90_000) =>
      new Promise((resolve, reject) => {
        const deadline = setTimeout(() => finish(new Error(`timed out waiting; last lines: ${tail()}`)), timeoutMs);
        const tail = () => `${lines.slice(-8).join(' | ')}; stderr: ${errors.slice(-1500)}`;
        const finish = (error: Error | null, line?: string) => {
          clearTimeout(deadline);
          waiters.delete(check);
          if (error) reject(error);
          else resolve(line as string);
        };
        let cursor = from;
        const check = () => {
          // Each line is shown to `match` once, in order, so a predicate may count.
          while (cursor < lines.length) {
            const line = lines[cursor] as string;
            cursor += 1;
            if (match(line)) return finish(null, line);
          }
          if (gone || child.exitCode !== null || child.signalCode !== null) {
            finish(new Error(`move child exited (${child.exitCode ?? child.signalCode}); last lines: ${tail()}`));
          }
        };
        waiters.add(check);
        check();
      }),
  };
}

/** `applied <n> lag <ms> backlog <n|?> waiting <n> total <n>` */
function parseApplied(line: string): { applied: number; lagMs: number; waiting: number } | null {
  const match = /^applied (\d+) lag (\d+) backlog (\S+) waiting (\d+) total (\d+)$/.exec(line);
  return match ? { applied: Number(match[1]), lagMs: Number(match[2]), waiting: Number(match[4]) } : null;
}

/**
 * Writes to the source through its ports until stopped (or 4,000 writes, or 3 minutes): users renamed, posts created
 * and one in six removed again (with its comments and reactions), comments, reactions, memberships joined and left,
 * activity appended. What the store refuses (a version conflict, a post removed meanwhile) is counted and skipped.
 */
async function startWorkload(store: CohortStore, tag: string) {
  const users = await allRecords(store, 'users');
  const communities = await allRecords(store, 'communities');
  const posts: Post[] = [...(await allRecords(store, 'posts'))];
  const joined: { communityId: string; userId: string }[] = [];
  const deadline = Date.now() + 180_000;
  let running = true;
  let writes = 0;
  let refused = 0;
  const counts: Record<string, number> = {};
  const done = (async () => {
    for (let i = 0; running && writes < 4_000 && Date.now() < deadline; i += 1) {
      const user = users[(i * 7) % users.length]!;
      const post = posts[(i * 5) % posts.length];
      const community = communities[i % communities.length]!;
      const op = ['rename', 'post', 'comment', 'react', 'join', 'activity', 'leave', 'remove'][i % 8]!;
      try {
        switch (op) {
          case 'rename': {
            const current = await store.users.getById(user.id);
            await store.users.update(user.id, { displayName: `${tag} renamed ${i}` }, current!.version);
            break;
          }
          case 'post':
            posts.push(await store.posts.create({ communityId: community.id, authorId: user.id, body: `${tag} ${i}` }));
            break;
          case 'comment':
            if (post) await store.posts.addComment(post.id, { authorId: user.id, body: `${tag} comment ${i}` });
            break;
          case 'react':
            if (post) await store.posts.react(post.id, user.id, i % 16 < 8 ? 'like' : 'celebrate');
            break;
          case 'join':
            await store.memberships.join(community.id, user.id);
            joined.push({ communityId: community.id, userId: user.id });
            break;
          case 'activity':
            await store.activity.append([
              { actorId: user.id, verb: 'signed_in', object: { type: 'user', id: user.id } },
              { actorId: user.id, verb: 'posted', object: { type: 'community', id: community.id } },
            ]);
            break;
          case 'leave': {
            const membership = joined.shift();
            if (membership) await store.memberships.leave(membership.communityId, membership.userId);
            break;
          }
          default:
            // One post in six created here is removed again, comments, reactions and all.
            if (i % 48 === 7 && posts.length > 4) {
              const [doomed] = posts.splice(posts.length - 2, 1);
              await store.posts.remove(doomed!.id);
            }
        }
        writes += 1;
        counts[op] = (counts[op] ?? 0) + 1;
      } catch (error) {
        if (!CohortError.is(error, 'CONFLICT') && !CohortError.is(error, 'NOT_FOUND')) throw error;
        refused += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    get writes() {
      return writes;
    },
    stop: async () => {
      running = false;
      await done;
      return { writes, refused, counts };
    },
  };
}

beforeAll(async () => {
  [postgres, dynamo] = await Promise.all([startPostgres(), startDynamo()]);
  workDir = mkdtempSync(join(tmpdir(), 'cohort-move-'));
}, 300_000);

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

afterAll(async () => {
  // A PostgreSQL database that still has a replication slot cannot be dropped.
  for (const { store, name } of subscriptions.splice(0)) {
    await store.changeFeed?.dropSubscription(name).catch(() => undefined);
  }
  for (const store of opened.splice(0)) await store.drop().catch(() => undefined);
  await Promise.all([postgres?.stop(), dynamo?.stop()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 300_000);

const directions = [
  { from: 'postgres', to: 'dynamo' },
  { from: 'dynamo', to: 'postgres' },
] as const;

describe.sequential('move() in a separate process, SIGKILLed and rerun, between the real stores', () => {
  for (const { from, to } of directions) {
    it(
      `${from} -> ${to}: killed during the backfill and while following, resumed, ends at zero differences`,
      async () => {
        const label = `${from}->${to}`;
        const source = await fresh(from);
        const target = await fresh(to);
        const subscription = `move_${from}_${to}`;
        subscriptions.push({ store: source.store, name: subscription });
        const platform = generatePlatform({ seed: 2027, scale: 'tiny' });
        await loadPlatform(source.store.recordSets, platform, { batchSize: 200 });
        const counts = platform.counts();
        const batches = copyOrder.reduce((sum, name) => sum + Math.max(1, Math.ceil(counts[name] / BATCH_SIZE)), 0);
        const checkpoint = join(workDir, `${from}-${to}.json`);
        const args = {
          source: source.spec,
          target: target.spec,
          subscription,
          checkpoint,
          label,
          batchSize: BATCH_SIZE,
          readLimit: 200,
        };
        const started = performance.now();
        const workload = await startWorkload(source.store, `${from}${to}`);
        try {
          // 1. Killed during the backfill, at a random batch once a checkpoint is on disk.
          const first = startMove(args);
          const killAfter = 3 + Math.floor(Math.random() * Math.floor(batches * 0.4));
          let seen = 0;
          let saves = 0;
          await first.waitFor(
            (line) => {
              if (line.startsWith('batch ')) seen += 1;
              else if (line === 'saved') saves += 1;
              return seen >= killAfter && saves > 0;
            },
            0,
            120_000,
          );
          first.kill('SIGKILL');
          expect((await first.exited).signal).toBe('SIGKILL');
          const firstBatches = first.lines.filter((line) => line.startsWith('batch ')).length;
          const saved = parseCheckpoint(readFileSync(checkpoint, 'utf8'), checkpoint);
          expect(copyOrder.some((name) => !saved.recordSets[name]?.done)).toBe(true);
          expect(first.lines).not.toContain('phase follow');

          // 2. Rerun: the backfill resumes from its checkpoint, then follows; killed once it applied the feed's changes.
          const second = startMove(args);
          await second.waitFor((line) => line === 'phase follow', 0, 120_000);
          const followAt = second.lines.length;
          let appliedBatches = 0;
          await second.waitFor(
            (line) => (parseApplied(line)?.applied ?? 0) > 0 && (appliedBatches += 1) >= 3,
            followAt,
            60_000,
          );
          second.kill('SIGKILL');
          expect((await second.exited).signal).toBe('SIGKILL');
          const secondBatches = second.lines.filter((line) => line.startsWith('batch ')).length;
          // What the first run finished is skipped; the set it was copying resumes past its start.
          const finished = copyOrder.filter((name) => saved.recordSets[name]?.done);
          for (const name of finished) {
            expect(second.lines).toContain(`skipped ${name} ${saved.recordSets[name]!.copied}`);
            expect(second.lines.some((line) => line.startsWith(`batch ${name} `))).toBe(false);
          }
          const resumed = copyOrder.filter((name) => !saved.recordSets[name]?.done && saved.recordSets[name]?.copied);
          for (const name of resumed) {
            expect(second.lines).toContain(`start ${name} ${saved.recordSets[name]!.copied}`);
          }
          const writesAtSecondKill = workload.writes;

          // 3. Rerun: no backfill left, it follows from the last acknowledged change; the writes stop, it catches up.
          const third = startMove(args);
          await third.waitFor((line) => line === 'phase follow', 0, 120_000);
          // It follows under the writes for a while (at least 20 batches applied and 5 s) before they stop.
          const followingAt = performance.now();
          let thirdBatches = 0;
          await third.waitFor(
            (line) =>
              (parseApplied(line)?.applied ?? 0) > 0 &&
              (thirdBatches += 1) >= 20 &&
              performance.now() - followingAt >= 5_000,
            0,
            90_000,
          );
          const workloadReport = await workload.stop();
          const marker = await source.store.users.create({
            email: `marker-${label.replace('->', '-')}@example.com`,
            displayName: 'Written last',
          });
          const deadline = Date.now() + 90_000;
          while ((await target.store.users.getById(marker.id)) === null) {
            if (Date.now() > deadline)
              throw new Error(`the marker never reached the target: ${third.lines.slice(-5).join(' | ')}`);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          const markerAt = third.lines.length;
          await third.waitFor(
            (line) => {
              const sample = parseApplied(line);
              return sample !== null && sample.applied === 0 && sample.lagMs === 0 && sample.waiting === 0;
            },
            markerAt,
            30_000,
          );
          third.kill('SIGTERM');
          const reportLine = await third.waitFor((line) => line.startsWith('report '), 0, 30_000);
          expect((await third.exited).code).toBe(0);
          const report = JSON.parse(reportLine.slice('report '.length)) as MoveReport;
          expect(report.resumed).toBe(true);
          expect(report.backfill.copied).toBe(0);
          expect(report.waiting).toBe(0);
          expect(report.applied).toBeGreaterThan(0);

          // Past the restart's backlog: the lag of the changes committed after the final run started following (the
          // line's arrival minus its lag is the commit time of the batch's last change), the writes still going.
          const followingSince = third.times[third.lines.indexOf('phase follow')] as number;
          const steady = third.lines
            .map((line, index) => ({ sample: parseApplied(line), at: third.times[index] as number }))
            .filter(({ sample, at }) => sample !== null && sample.applied > 0 && at - sample.lagMs >= followingSince)
            .map(({ sample }) => sample!.lagMs)
            .sort((a, b) => a - b);
          expect(steady.length).toBeGreaterThan(0);
          const rank = (q: number) => (steady.length === 0 ? 'n/a' : steady[Math.ceil(q * steady.length) - 1]);

          const parity = await verify({ source: source.store, target: target.store, recheckDelayMs: 0 });
          if (!parity.ok) console.log(formatVerifyReport(parity));
          expect(parity.summary).toMatchObject({ differences: 0, danglingReferences: 0 });
          expect(parity.ok).toBe(true);
          expect(workloadReport.writes).toBeGreaterThan(writesAtSecondKill / 2);
          console.log(
            `${label}: ${Object.values(counts).reduce((a, b) => a + b, 0)} records seeded, ` +
              `${workloadReport.writes} writes during the move (${JSON.stringify(workloadReport.counts)}, ` +
              `${workloadReport.refused} refused); killed after backfill batch ${firstBatches} of ~${batches}, ` +
              `rerun resumed ${resumed.join(', ') || '-'} (${finished.length} sets skipped), copied ${secondBatches} batches, was killed after ${appliedBatches} follow batches; ` +
              `final run applied ${report.applied} changes in ${report.batches} batches, ` +
              `lag p50 ${report.lag.p50Ms} ms p99 ${report.lag.p99Ms} ms max ${report.lag.maxMs} ms ` +
              `(${report.lag.samples} batches, the first ones draining what the kill left: the rerun was following ` +
              `${((followingSince - third.spawnedAt) / 1000).toFixed(1)} s after it was started); of changes written after it started following ` +
              `p50 ${rank(0.5)} ms p99 ${rank(0.99)} ms (${steady.length} batches); verify: 0 differences, 0 dangling; ` +
              `${((performance.now() - started) / 1000).toFixed(1)} s`,
          );
        } finally {
          await workload.stop();
          if (existsSync(checkpoint)) rmSync(checkpoint);
        }
      },
      TIMEOUT,
    );
  }
});
