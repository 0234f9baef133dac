// The online move's fenced switch on memory stores, in one process: three service instances (each a strangler store
// with its own fleet controller) write without pause while the move backfills, follows, cuts over to the target and
// rolls back to the source. Cross-process claims are proven on the real stores in online-move-processes.int.test.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import { createMemoryStore, type MemoryStore } from '@cohort/adapters-memory';
import { CohortError, type CohortStore, type ControlRecords, type User } from '@cohort/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createFleetPhaseController,
  fleetControl,
  startOnlineMove,
  stranglerStore,
  switchOver,
  verify,
  type FleetPhaseController,
  type OnlineMove,
} from '../src/index.js';
import { exerciseEveryWrite } from './support/workload.js';

const FAST = { pollMs: 20, leaseMs: 1_000, holdBoundMs: 3_000 } as const;
const controllers: FleetPhaseController[] = [];
const moves: OnlineMove[] = [];
afterEach(async () => {
  for (const online of moves.splice(0)) await online.stop();
  for (const controller of controllers.splice(0)) await controller.close();
});

/** Following, and its last batch applied within 100 ms of its commit. */
const following = (online: OnlineMove) => {
  const { phase, lagMs } = online.replication().status();
  return phase === 'follow' && lagMs !== null && lagMs < 100;
};

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await sleep(5);
  }
}

function setup() {
  const control = createMemoryStore().control as ControlRecords;
  return { control, source: createMemoryStore(), target: createMemoryStore() };
}

/** `store` with its users' putMany passed through `putMany` (slowed, failing), everything else as it is. */
function withUsersPutMany(
  store: MemoryStore,
  putMany: (records: readonly User[], inner: (records: readonly User[]) => Promise<void>) => Promise<void>,
): MemoryStore {
  const users = store.recordSets.users;
  return {
    ...store,
    recordSets: {
      ...store.recordSets,
      users: {
        scan: (page) => users.scan(page),
        count: () => users.count(),
        deleteMany: (keys) => users.deleteMany(keys),
        putMany: (records) => putMany(records, (batch) => users.putMany(batch)),
      },
    },
  };
}

async function serviceInstance(control: ControlRecords, source: CohortStore, target: CohortStore, id: string) {
  const controller = await createFleetPhaseController({ control, instanceId: id, ...FAST });
  controllers.push(controller);
  return { controller, store: stranglerStore(source, target, controller) };
}

/** A worker writing without pause through one instance until stopped; the users it saw created, and any errors. */
function writer(store: CohortStore, tag: string) {
  const created: string[] = [];
  const errors: unknown[] = [];
  let running = true;
  const done = (async () => {
    for (let round = 0; running; round += 1) {
      try {
        const user = await store.users.create({ email: `${tag}-${round}@example.com`, displayName: `${tag} ${round}` });
        created.push(user.id);
        await store.users.update(user.id, { displayName: `${tag} ${round} renamed` }, user.version);
        await store.activity.append([{ actorId: user.id, verb: 'signed_in', object: { type: 'user', id: user.id } }]);
      } catch (error) {
        errors.push(error);
      }
      await sleep(2);
    }
  })();
  return {
    created,
    errors,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

const equal = async (a: MemoryStore, b: MemoryStore) => {
  const report = await verify({ source: a, target: b, feeds: { source: a.changeFeed, target: b.changeFeed } });
  expect(report.summary).toMatchObject({ differences: 0, danglingReferences: 0 });
  expect(report.ok).toBe(true);
};

describe('online move: fenced switch', () => {
  it('cuts over and rolls back under steady writes from three instances: nothing lost, stores equal each time', async () => {
    const { control, source, target } = setup();
    await exerciseEveryWrite(source, 'before');
    const instances = await Promise.all(['a', 'b', 'c'].map((id) => serviceInstance(control, source, target, id)));
    const writers = instances.map(({ store }, index) => writer(store, `w${index}`));

    const online = await startOnlineMove({ source, target, control, subscription: 'switch_test' });
    moves.push(online);
    await until(() => following(online));
    const cut = await online.cutOver({ lagGateMs: 1_000 });
    expect(cut.outcome, cut.reason ?? '').toBe('switched');
    expect([...(cut.wait?.acknowledged ?? [])].sort()).toEqual(['a', 'b', 'c']);
    expect(cut.steps['marker-applied']).toBeGreaterThan(0);
    expect(cut.pauseMs).toBeLessThan(2_000);
    expect(online.status().direction).toBe('back');
    await until(() => instances.every(({ controller }) => controller.get('users') === 'secondary-only'));
    // The forward subscription is gone, the one back follows the target.
    expect((await source.changeFeed.listSubscriptions()).map((info) => info.name)).toEqual([]);
    expect((await target.changeFeed.listSubscriptions()).map((info) => info.name)).toEqual(['switch_test_back']);

    await sleep(150);
    const afterCut = writers.map((w) => w.created.length);
    await until(() => following(online));
    const back = await online.rollback({ lagGateMs: 1_000 });
    expect(back.outcome, back.reason ?? '').toBe('switched');
    expect(online.status().direction).toBe('forward');
    await sleep(150);
    for (const w of writers) await w.stop();
    // Writes went on through both switches.
    writers.forEach((w, index) => expect(w.created.length).toBeGreaterThan(afterCut[index] as number));
    expect(writers.flatMap((w) => w.errors)).toEqual([]);

    await until(() => online.status().replication.caughtUp && online.status().replication.lagMs === 0);
    await equal(source, target);
    for (const id of writers.flatMap((w) => w.created)) {
      expect((await source.users.getById(id))?.displayName, id).toMatch(/renamed$/);
    }
  }, 60_000);

  it('refuses at the lag gate and fences nothing', async () => {
    const { control, source, target } = setup();
    const online = await startOnlineMove({ source, target, control, subscription: 'gate_test' });
    moves.push(online);
    // Not yet following and no time to wait for it: refused, nothing fenced, no back subscription left.
    const report = await online.cutOver({ gateWaitMs: 0 });
    expect(report).toMatchObject({ outcome: 'refused', epoch: null });
    expect(report.reason).toMatch(/not following/);
    expect((await fleetControl(control).read()).fenced).toEqual([]);
    expect((await target.changeFeed.listSubscriptions()).map((info) => info.name)).toEqual([]);
  });

  it('times a probe marker for the gate: a replication slower than the gate is refused, with the lag it measured', async () => {
    const { control, source, target } = setup();
    // Every write to the target takes 150 ms: a probe's trip takes at least that once a change is in its way.
    const slow = withUsersPutMany(target, async (records, putMany) => {
      await sleep(150);
      return putMany(records);
    });
    const online = await startOnlineMove({ source, target: slow, control, subscription: 'probe_test' });
    moves.push(online);
    await until(() => online.replication().status().phase === 'follow');
    let writing = true;
    const writes = (async () => {
      for (let i = 0; writing; i += 1) {
        await source.users.create({ email: `probe-${i}@example.com`, displayName: 'Probe' });
        await sleep(20);
      }
    })();
    const report = await online.cutOver({ lagGateMs: 50, gateWaitMs: 600 });
    writing = false;
    await writes;
    expect(report).toMatchObject({ outcome: 'refused', epoch: null });
    expect(report.reason).toMatch(/the replication lags (over )?\d+ ms \(a probe marker's trip\)/);
    expect(report.lagMs).toBeGreaterThan(50);
    expect((await fleetControl(control).read()).fenced).toEqual([]);
    // With a gate it can meet, the same replication switches.
    const cut = await online.cutOver({ lagGateMs: 1_000 });
    expect(cut.outcome, cut.reason ?? '').toBe('switched');
    expect(cut.lagMs).toBeLessThanOrEqual(1_000);
  });

  it('aborts when an instance does not acknowledge within the pause bound, and loses nothing', async () => {
    const { control, source, target } = setup();
    const { store } = await serviceInstance(control, source, target, 'alive');
    // An instance whose lease keeps renewing but never drains: a write stuck in its store.
    let unblock = (): void => undefined;
    const stuck = new Promise<void>((resolve) => (unblock = resolve));
    const users = source.users;
    const slowSource: CohortStore = {
      ...source,
      users: {
        getById: (id) => users.getById(id),
        findByEmail: (email) => users.findByEmail(email),
        list: (page) => users.list(page),
        create: (input) => users.create(input),
        update: async (id, patch, version) => {
          await stuck;
          return users.update(id, patch, version);
        },
      },
    };
    const slow = await serviceInstance(control, slowSource, target, 'stuck');
    const user = await store.users.create({ email: 'held@example.com', displayName: 'Held' });
    const online = await startOnlineMove({ source, target, control, subscription: 'abort_test' });
    moves.push(online);
    await until(() => following(online));
    const inFlight = slow.store.users.update(user.id, { displayName: 'In flight' }, user.version);
    await sleep(20);
    const report = await online.cutOver({ pauseBoundMs: 400 });
    expect(report.outcome).toBe('aborted');
    expect(report.reason).toMatch(/stuck/);
    expect(report.wait?.pending).toEqual(['stuck']);
    unblock();
    await inFlight;
    // Phases unchanged, writes go on to the source, no back subscription left.
    expect((await fleetControl(control).read()).phases.users).toBe('primary-only');
    expect(online.status().direction).toBe('forward');
    expect((await target.changeFeed.listSubscriptions()).map((info) => info.name)).toEqual([]);
    const later = await store.users.create({ email: 'later@example.com', displayName: 'Later' });
    expect(await source.users.getById(later.id)).not.toBeNull();
    await until(async () => (await target.users.getById(later.id)) !== null);
  });

  it('an operator that died mid-fence: an instance lifts the abandoned fence, and the late flip changes nothing', async () => {
    const { control, source, target } = setup();
    const controller = await createFleetPhaseController({ control, instanceId: 'one', ...FAST, fenceAbandonMs: 300 });
    controllers.push(controller);
    const store = stranglerStore(source, target, controller);
    const operator = fleetControl(control);
    const fence = await operator.fence('all');
    await until(() => controller.fenced().length > 0);
    const started = Date.now();
    const user = await store.users.create({ email: 'abandoned@example.com', displayName: 'After' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await source.users.getById(user.id)).not.toBeNull();
    expect((await operator.read()).fenced).toEqual([]);
    await expect(operator.flip({ epoch: fence.epoch, phase: 'secondary-only', force: true })).rejects.toSatisfy(
      (error: unknown) => CohortError.is(error, 'CONFLICT'),
    );
    expect((await operator.read()).phases.users).toBe('primary-only');
  });

  it('a replication that fails is started again and resumes its subscription', async () => {
    const { control, source, target } = setup();
    let failures = 2;
    const flaky = withUsersPutMany(target, (records, putMany) => {
      if (failures > 0 && records.length > 0) {
        failures -= 1;
        throw new Error('the target fell over');
      }
      return putMany(records);
    });
    const errors: unknown[] = [];
    const online = await startOnlineMove({
      source,
      target: flaky,
      control,
      subscription: 'restart_test',
      restartAfterMs: 20,
      onReplicationError: (error) => errors.push(error),
    });
    moves.push(online);
    const user = await source.users.create({ email: 'restart@example.com', displayName: 'Restart' });
    await until(async () => (await target.users.getById(user.id)) !== null);
    expect(errors.map(String)).toEqual(['Error: the target fell over', 'Error: the target fell over']);
    expect(online.status().restarts).toBe(2);
    await equal(source, target);
  });

  it('switchOver refuses a replication that is not following', async () => {
    const { control, source, target } = setup();
    const online = await startOnlineMove({ source, target, control, subscription: 'direct_test' });
    moves.push(online);
    await online.stop();
    const report = await switchOver({
      fleet: fleetControl(control),
      ports: 'all',
      phase: 'secondary-only',
      replication: online.replication(),
      from: source,
      to: target,
      subscription: 'direct_test',
      backSubscription: 'direct_test_back',
    });
    expect(report.outcome).toBe('refused');
    expect(report.reason).toMatch(/the replication (stopped|failed)/);
  });
});
