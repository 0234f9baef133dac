import {
  CohortError,
  type ChangeFeed,
  type CohortStore,
  type RecordSet,
  type RecordSetName,
  type RecordSets,
  type User,
} from '@cohort/core';
import { createMemoryStore } from '@cohort/adapters-memory';
import { generatePlatform, loadPlatform } from '@cohort/testkit';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  backfill,
  copyOrder,
  createMirrorClock,
  createPhaseController,
  formatVerifyReport,
  stranglerStore,
  verify,
  verifyExitCode,
} from '../src/index.js';
import { allRecords, testSizes } from './support/platform.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `target` with some members replaced, every other one as it is (bound to `target`, so class instances work). */
function override<T extends object>(target: T, members: Partial<T>): T {
  return new Proxy(target, {
    get: (object, member) => {
      if (Object.hasOwn(members, member)) return (members as Record<string | symbol, unknown>)[member];
      const value: unknown = Reflect.get(object, member, object);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}

/** Two equal memory stores (a generated platform, then a backfill) and a dual-write store over them. */
async function equalStores(seed: number) {
  const clock = createMirrorClock();
  const source = createMemoryStore({ clock });
  const platform = generatePlatform({ seed, scale: testSizes });
  await loadPlatform(source.recordSets, platform);
  const target = createMemoryStore({ clock });
  await backfill({ source, target });
  const app = stranglerStore(source, target, createPhaseController('dual-write'), { clock });
  const communities = (await allRecords(source, 'communities')).map((community) => community.id);
  return { source, target, app, ids: { users: platform.activeUserIds(), communities } };
}

/**
 * Writes through the dual-write store, one write every `paceMs`, until stopped: members join communities, users are
 * renamed. Returns how many writes it made.
 */
function pacedWorkload(
  app: CohortStore,
  ids: { users: readonly string[]; communities: readonly string[] },
  paceMs: number,
): { stop: () => Promise<number> } {
  let stopped = false;
  const running = (async () => {
    let done = 0;
    for (let i = 0; !stopped; i += 1) {
      const user = ids.users[i % ids.users.length]!;
      if (i % 2 === 0) {
        await app.memberships.join(ids.communities[i % ids.communities.length]!, user);
      } else {
        const current = (await app.users.getById(user)) as User;
        await app.users.update(user, { displayName: `Renamed ${i}` }, current.version);
      }
      done += 1;
      await sleep(paceMs);
    }
    return done;
  })();
  return {
    stop: async () => {
      stopped = true;
      return running;
    },
  };
}

/** The store's migration face with `count()` answering `delayMs` late (a DynamoDB count is a scan of its own). */
function slowCounts(store: CohortStore, delayMs: number): Pick<CohortStore, 'recordSets'> {
  const recordSets = Object.fromEntries(
    copyOrder.map((name) => {
      const set = store.recordSets[name] as RecordSet<unknown>;
      const count = async () => {
        await sleep(delayMs);
        return set.count();
      };
      return [name, override(set, { count })];
    }),
  ) as unknown as RecordSets;
  return { recordSets };
}

describe('verify under live writes', () => {
  it('reports equal stores as equal while writes continue, though count() is taken at another instant than the scans', async () => {
    const { source, target, app, ids } = await equalStores(21);
    const workload = pacedWorkload(app, ids, 15);
    await sleep(30);
    const report = await verify({ source, target: slowCounts(target, 150), recheckDelayMs: 100 });
    expect(await workload.stop()).toBeGreaterThan(5);

    // The scenario happened: the target's count() of a set the workload writes was taken later and saw more.
    const written = report.recordSets.filter((set) => set.recordSet === 'memberships' || set.recordSet === 'users');
    expect(written.some((set) => set.counts.source !== set.counts.target)).toBe(true);
    expect(report.summary.differences).toBe(0);
    expect(report.ok, formatVerifyReport(report)).toBe(true);
    expect(verifyExitCode(report)).toBe(0);
  });
});

/** The source's migration face with one write made as the scan of `name` begins. */
function writeAsScanBegins(
  source: CohortStore,
  write: () => Promise<unknown>,
  name: RecordSetName = 'users',
): Pick<CohortStore, 'recordSets'> {
  let written = false;
  const set = source.recordSets[name] as RecordSet<unknown>;
  const scan: RecordSet<unknown>['scan'] = async (page) => {
    if (!written) {
      written = true;
      await write();
    }
    return set.scan(page);
  };
  return { recordSets: { ...source.recordSets, [name]: override(set, { scan }) } };
}

describe('verify with change feeds', () => {
  it('tells a write not yet mirrored from a difference by the feed, under traffic, and drops its subscriptions', async () => {
    const { source, target, app, ids } = await equalStores(31);
    const [user] = await allRecords(source, 'users');
    // A dual write whose second half comes late: the source has it during the whole run, the target only after. Its
    // record keeps its old timestamps (a copy through putMany), so only the feed can tell it is a write in flight.
    const renamed = { ...user!, displayName: 'Mirrored Late' };
    const withFeeds = async () => {
      const workload = pacedWorkload(app, ids, 10);
      const report = await verify({
        source: writeAsScanBegins(source, () => source.recordSets.users.putMany([renamed])),
        target,
        feeds: { source: source.changeFeed, target: target.changeFeed },
        recheckDelayMs: 100,
        feedSettleMs: 100,
      });
      expect(await workload.stop()).toBeGreaterThan(3);
      return report;
    };

    const report = await withFeeds();
    expect(report.summary.differences, formatVerifyReport(report)).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.inFlightBy).toEqual({ source: 'feed', target: 'feed' });
    expect(report.warnings).toEqual([]);
    const users = report.recordSets.find((set) => set.recordSet === 'users');
    expect(users?.inFlight).toContainEqual({
      key: user!.id,
      kind: 'changed',
      fields: ['displayName'],
      reason: 'changed-in-feed',
    });
    expect(formatVerifyReport(report)).toContain('told in source by its change feed, in target by its change feed');
    expect(await source.changeFeed.listSubscriptions()).toEqual([]);
    expect(await target.changeFeed.listSubscriptions()).toEqual([]);

    // Without the feeds, nothing tells that write from a lost one (its timestamps are as old as the rest).
    await source.recordSets.users.putMany([user!]);
    const blind = await verify({
      source: writeAsScanBegins(source, () => source.recordSets.users.putMany([renamed])),
      target,
      only: ['users'],
      recheckDelayMs: 0,
    });
    expect(blind.inFlightBy).toEqual({ source: 'timestamps', target: 'timestamps' });
    expect(blind.recordSets[0]?.differences).toEqual([{ key: user!.id, kind: 'changed', fields: ['displayName'] }]);
  });

  it('still finds a record changed in the target alone, with no traffic on it, while other writes go on', async () => {
    const { source, target, app, ids } = await equalStores(32);
    const busy = new Set(ids.users);
    const quiet = (await allRecords(target, 'users')).find((user) => !busy.has(user.id))!;
    await target.recordSets.users.putMany([{ ...quiet, displayName: 'Only In Target' }]);
    const workload = pacedWorkload(app, ids, 10);
    const report = await verify({
      source,
      target,
      feeds: { source: source.changeFeed, target: target.changeFeed },
      recheckDelayMs: 100,
      feedSettleMs: 100,
    });
    await workload.stop();
    expect(report.ok).toBe(false);
    expect(verifyExitCode(report)).toBe(1);
    expect(report.summary.differences, formatVerifyReport(report)).toBe(1);
    const users = report.recordSets.find((set) => set.recordSet === 'users');
    expect(users?.differences).toEqual([{ key: quiet.id, kind: 'changed', fields: ['displayName'] }]);
    expect(await target.changeFeed.listSubscriptions()).toEqual([]);
  });

  it('drops its subscriptions when a scan fails', async () => {
    const { source, target } = await equalStores(33);
    const failing = writeAsScanBegins(source, () => Promise.reject(new Error('scan broke')));
    await expect(
      verify({ source: failing, target, feeds: { source: source.changeFeed, target: target.changeFeed } }),
    ).rejects.toThrow('scan broke');
    expect(await source.changeFeed.listSubscriptions()).toEqual([]);
    expect(await target.changeFeed.listSubscriptions()).toEqual([]);
  });

  it('falls back to write timestamps, with a warning, for a feed that refuses to subscribe', async () => {
    const { source, target } = await equalStores(34);
    const refusing = override<ChangeFeed>(target.changeFeed, {
      createSubscription: () => Promise.reject(CohortError.forbidden('no REPLICATION attribute')),
    });
    const report = await verify({ source, target, feeds: { source: source.changeFeed, target: refusing } });
    expect(report.ok).toBe(true);
    expect(report.inFlightBy).toEqual({ source: 'feed', target: 'timestamps' });
    expect(report.warnings).toEqual([
      expect.stringContaining('target change feed not used (subscribing failed: FORBIDDEN'),
    ]);
    expect(formatVerifyReport(report)).toContain('warning: target change feed not used');
  });

  it('tells a dangling reference made by writes during the run from a broken one by the feed', async () => {
    const { source, target } = await equalStores(35);
    const [community] = await allRecords(source, 'communities');
    const [membership] = await allRecords(source, 'memberships');
    // After the communities were scanned, a community and a membership in it arrive in both stores, copied with
    // their old timestamps: the membership's scan sees a community the communities' scan did not.
    const run = async (feeds: boolean) => {
      const late = { ...community!, id: randomUUID(), slug: `late-${randomUUID().slice(0, 8)}` };
      const joined = { ...membership!, communityId: late.id };
      const arrive = async () => {
        for (const store of [source, target]) {
          await store.recordSets.communities.putMany([late]);
          await store.recordSets.memberships.putMany([joined]);
        }
      };
      const report = await verify({
        source: writeAsScanBegins(source, arrive, 'memberships'),
        target,
        only: ['memberships'],
        recheckDelayMs: 50,
        feedSettleMs: 50,
        ...(feeds ? { feeds: { source: source.changeFeed, target: target.changeFeed } } : {}),
      });
      return { report, key: `${late.id}/${joined.userId}`, missingId: late.id };
    };

    const { report, key, missingId } = await run(true);
    expect(report.ok, formatVerifyReport(report)).toBe(true);
    const check = report.integrity.find((c) => c.store === 'source' && c.field === 'communityId');
    expect(check).toMatchObject({ danglingCount: 0, inFlight: [{ key, missingId }] });

    // Without the feeds the same writes leave a dangling reference nothing explains.
    const { report: blind } = await run(false);
    expect(blind.summary.danglingReferences).toBe(1);
  });
});
