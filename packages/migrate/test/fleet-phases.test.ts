import { setTimeout as sleep } from 'node:timers/promises';
import { createMemoryStore } from '@cohort/adapters-memory';
import { CohortError, type CohortStore, type ControlRecords, type User } from '@cohort/core';
import { expectCohortError } from '@cohort/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createFleetPhaseController,
  createMirrorClock,
  fleetControl,
  stranglerStore,
  type FleetEvent,
  type FleetPhaseController,
  type StranglerWrite,
} from '../src/index.js';

const FAST = { pollMs: 20, leaseMs: 200, holdBoundMs: 1_500 } as const;

/** Control records that fail with UNAVAILABLE while `down` (a control store this instance cannot reach). */
function reachable(control: ControlRecords): { control: ControlRecords; setDown(down: boolean): void } {
  let down = false;
  const check = () => {
    if (down) throw CohortError.unavailable('control store unreachable');
  };
  return {
    setDown: (value) => (down = value),
    control: {
      read: async (key) => (check(), control.read(key)),
      write: async (key, value, version) => (check(), control.write(key, value, version)),
      list: async (prefix) => (check(), control.list(prefix)),
      delete: async (key, version) => (check(), control.delete(key, version)),
    },
  };
}

/** A store whose users.update waits for `release()` while `slow` (a write in flight during a fence). */
function slowUsers(store: CohortStore) {
  let gate: Promise<void> | null = null;
  let open = (): void => undefined;
  return {
    hold: () => {
      gate = new Promise((resolve) => (open = resolve));
    },
    release: () => {
      gate = null;
      open();
    },
    store: {
      ...store,
      users: {
        ...store.users,
        getById: (id: string) => store.users.getById(id),
        findByEmail: (email: string) => store.users.findByEmail(email),
        list: (page) => store.users.list(page),
        create: (input) => store.users.create(input),
        update: async (id, patch, version) => {
          if (gate) await gate;
          return store.users.update(id, patch, version);
        },
      },
    } satisfies CohortStore,
  };
}

const controllers: FleetPhaseController[] = [];
afterEach(async () => {
  for (const controller of controllers.splice(0)) await controller.close();
});

async function instance(control: ControlRecords, id: string, events: FleetEvent[] = []) {
  const controller = await createFleetPhaseController({
    control,
    instanceId: id,
    ...FAST,
    onEvent: (event) => events.push(event),
  });
  controllers.push(controller);
  return controller;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await sleep(5);
  }
}

function setup() {
  const clock = createMirrorClock();
  const controlStore = createMemoryStore();
  const control = controlStore.control as ControlRecords;
  return { clock, control, primary: createMemoryStore({ clock }), secondary: createMemoryStore({ clock }) };
}

describe('fleet phases', () => {
  it('every instance follows the control record within a poll, and leases name the epoch obeyed', async () => {
    const { control } = setup();
    const operator = fleetControl(control);
    const a = await instance(control, 'a');
    const b = await instance(control, 'b');
    expect(a.get('users')).toBe('primary-only');
    const changes: string[] = [];
    b.onChange((change) => changes.push(`${change.port}:${change.from}->${change.to}`));
    const state = await operator.setPhase('all', 'dual-write');
    await until(() => a.epoch() === state.epoch && b.epoch() === state.epoch);
    expect(a.snapshot().posts).toBe('dual-write');
    expect(changes).toContain('users:primary-only->dual-write');
    await until(async () => (await operator.leases()).every((lease) => lease.epoch === state.epoch));
    expect((await operator.leases()).map((lease) => [lease.instanceId, lease.epoch, lease.live])).toEqual([
      ['a', state.epoch, true],
      ['b', state.epoch, true],
    ]);
    await b.close();
    expect((await operator.leases()).map((lease) => lease.instanceId)).toEqual(['a']);
  });

  it('refuses to change the store of record without a fence, and any setPhase while fenced', async () => {
    const { control } = setup();
    const operator = fleetControl(control);
    await operator.setPhase('users', 'dual-write');
    await operator.setPhase('users', 'shadow-read');
    await expectCohortError(operator.setPhase('users', 'secondary-primary'), 'CONFLICT');
    await expectCohortError(operator.setPhase('users', 'secondary-only'), 'CONFLICT');
    const fence = await operator.fence(['users']);
    await expectCohortError(operator.setPhase('posts', 'dual-write'), 'CONFLICT');
    await expectCohortError(operator.fence(['posts']), 'CONFLICT');
    await operator.unfence({ epoch: fence.epoch });
    expect((await operator.read()).phases.users).toBe('shadow-read');
  });

  it('holds writes to fenced ports (not failed), lets other ports write, and releases them onto the new store of record', async () => {
    const { clock, control, primary, secondary } = setup();
    const operator = fleetControl(control);
    await operator.setPhase('all', 'dual-write');
    await operator.setPhase('all', 'shadow-read');
    const events: FleetEvent[] = [];
    const controller = await instance(control, 'one', events);
    const writes: StranglerWrite[] = [];
    const store = stranglerStore(primary, secondary, controller, { clock, onWrite: (write) => writes.push(write) });
    await until(() => controller.get('users') === 'shadow-read');
    const user = await store.users.create({ email: `fence-${Date.now()}@example.com`, displayName: 'Before' });

    const fence = await operator.fence(['users']);
    await until(() => controller.fenced().includes('users'));
    const held = store.users.update(user.id, { displayName: 'Held' }, user.version);
    const other = await store.communities.create({ slug: `c-${Date.now()}`, name: 'Other', ownerId: user.id });
    expect(other.memberCount).toBe(1);
    const wait = await operator.awaitFence({ epoch: fence.epoch, timeoutMs: 2_000 });
    expect(wait).toMatchObject({ ok: true, acknowledged: ['one'], expired: [], pending: [] });
    await sleep(100);
    expect((await primary.users.getById(user.id))?.displayName).toBe('Before');

    const release = await operator.flip({ epoch: fence.epoch, phase: 'secondary-primary' });
    expect(release.pauseMs).toBeGreaterThan(100);
    const updated = await held;
    expect(updated).toMatchObject({ displayName: 'Held', version: user.version + 1 });
    expect((await secondary.users.getById(user.id))?.displayName).toBe('Held');
    expect((await primary.users.getById(user.id))?.displayName).toBe('Held'); // mirrored back
    expect(writes.at(-1)).toMatchObject({ port: 'users', method: 'update', storeOfRecord: 'secondary' });
    expect(writes.at(-1)?.epoch).toBe(release.epoch);

    const stats = controller.holdStats();
    expect(stats).toMatchObject({ held: 1, released: 1, timedOut: 0 });
    expect(stats.p100Ms).toBeGreaterThan(100);
    expect(stats.p100Ms).toBeLessThan(release.pauseMs + 100);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'held', port: 'users', reason: 'fenced', outcome: 'released' }),
    );
    expect(events).toContainEqual(expect.objectContaining({ type: 'fence-acknowledged', epoch: fence.epoch }));
  });

  it('acknowledges a fence only once the writes in flight to the fenced ports have finished', async () => {
    const { clock, control, primary, secondary } = setup();
    const operator = fleetControl(control);
    await operator.setPhase('users', 'dual-write');
    const slow = slowUsers(primary);
    const controller = await instance(control, 'slow');
    const store = stranglerStore(slow.store, secondary, controller, { clock });
    await until(() => controller.get('users') === 'dual-write');
    const user = await store.users.create({ email: `slow-${Date.now()}@example.com`, displayName: 'A' });
    slow.hold();
    const inFlight = store.users.update(user.id, { displayName: 'In flight' }, user.version);
    await sleep(30);
    const fence = await operator.fence(['users']);
    const early = await operator.awaitFence({ epoch: fence.epoch, timeoutMs: 150 });
    expect(early).toMatchObject({ ok: false, pending: ['slow'] });
    slow.release();
    await inFlight;
    const wait = await operator.awaitFence({ epoch: fence.epoch, timeoutMs: 2_000 });
    expect(wait).toMatchObject({ ok: true, acknowledged: ['slow'] });
    // The write finished with its mirror before the acknowledgement.
    expect((await secondary.users.getById(user.id))?.displayName).toBe('In flight');
    await operator.unfence({ epoch: fence.epoch });
  });

  it('fails a write held longer than the bound with UNAVAILABLE, writing nothing', async () => {
    const { clock, control, primary, secondary } = setup();
    const operator = fleetControl(control);
    const controller = await createFleetPhaseController({ control, instanceId: 'bound', ...FAST, holdBoundMs: 300 });
    controllers.push(controller);
    const store = stranglerStore(primary, secondary, controller, { clock });
    const fence = await operator.fence(['users']);
    await until(() => controller.fenced().length > 0);
    const started = Date.now();
    const error = await expectCohortError(
      store.users.create({ email: `bound-${Date.now()}@example.com`, displayName: 'Never' }),
      'UNAVAILABLE',
    );
    expect(error.message).toMatch(/held 300 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect((await primary.users.list()).items).toEqual([]);
    expect(controller.holdStats()).toMatchObject({ held: 1, timedOut: 1 });
    await operator.unfence({ epoch: fence.epoch });
  });

  it('aborts a cut-over whose fence is not acknowledged in time: unfenced, old phase, held writes go through', async () => {
    const { clock, control, primary, secondary } = setup();
    const operator = fleetControl(control);
    await operator.setPhase('users', 'dual-write');
    await operator.setPhase('users', 'shadow-read');
    const slow = slowUsers(primary);
    const stuck = await instance(control, 'stuck');
    const fine = await instance(control, 'fine');
    const stuckStore = stranglerStore(slow.store, secondary, stuck, { clock });
    const fineStore = stranglerStore(primary, secondary, fine, { clock });
    await until(() => stuck.get('users') === 'shadow-read' && fine.get('users') === 'shadow-read');
    const user = await fineStore.users.create({ email: `abort-${Date.now()}@example.com`, displayName: 'A' });
    slow.hold();
    const inFlight = stuckStore.users.update(user.id, { displayName: 'Slow' }, user.version);
    await sleep(30);
    const cutOver = operator.cutOver({ ports: ['users'], phase: 'secondary-primary', timeoutMs: 300 });
    await until(() => fine.fenced().includes('users'));
    const held = fineStore.users.create({ email: `held-${Date.now()}@example.com`, displayName: 'Held' });
    const report = await cutOver;
    expect(report.outcome).toBe('aborted');
    expect(report.wait).toMatchObject({ ok: false, pending: ['stuck'], acknowledged: ['fine'] });
    expect((await operator.read()).phases.users).toBe('shadow-read');
    const created = await held;
    expect(await primary.users.getById(created.id)).toEqual(created);
    expect(await secondary.users.getById(created.id)).toEqual(created);
    slow.release();
    expect(await inFlight).toMatchObject({ displayName: 'Slow' });
  });

  it('holds every write while the lease cannot be renewed, and counts the instance out of a fence once it expired', async () => {
    const { clock, control, primary, secondary } = setup();
    const operator = fleetControl(control);
    const link = reachable(control);
    const events: FleetEvent[] = [];
    const cut = await instance(link.control, 'cut', events);
    const store = stranglerStore(primary, secondary, cut, { clock });
    link.setDown(true);
    await until(() => !cut.leaseProven() && events.some((event) => event.type === 'lease-lost'), 1_000);
    const held = store.users.create({ email: `lease-${Date.now()}@example.com`, displayName: 'Held' });
    await sleep(100);
    expect((await primary.users.list()).items).toEqual([]);

    const fence = await operator.fence(['users']);
    const wait = await operator.awaitFence({ epoch: fence.epoch, timeoutMs: 2_000 });
    expect(wait).toMatchObject({ ok: true, expired: ['cut'], acknowledged: [] });
    await operator.flip({ epoch: fence.epoch, phase: 'dual-write' });
    link.setDown(false);
    const created = await held;
    // Released only after reading the current phase: written as dual-write, into both stores.
    expect(await secondary.users.getById(created.id)).toEqual(created);
    expect(cut.holdStats()).toMatchObject({ released: 1 });
    expect(cut.holdStats().p100Ms).toBeGreaterThan(100);
  });

  it('stops the mirror of a write whose lease lapsed while it was in flight, even once the lease is proven again', async () => {
    const { clock, control, primary, secondary } = setup();
    const operator = fleetControl(control);
    await operator.setPhase('users', 'dual-write');
    const link = reachable(control);
    const slow = slowUsers(primary);
    const cut = await instance(link.control, 'lapsed');
    const store = stranglerStore(slow.store, secondary, cut, { clock });
    await until(() => cut.get('users') === 'dual-write');
    const user = await store.users.create({ email: `lapse-${Date.now()}@example.com`, displayName: 'Before' });
    slow.hold();
    const inFlight = store.users.update(user.id, { displayName: 'Frozen' }, user.version);
    await sleep(30);
    link.setDown(true);
    await until(() => !cut.leaseProven(), 1_000);
    link.setDown(false);
    await until(() => cut.leaseProven(), 1_000);
    slow.release();
    const error = await expectCohortError(inFlight, 'UNAVAILABLE');
    expect(error.message).toMatch(/applied but not mirrored/);
    expect((await primary.users.getById(user.id))?.displayName).toBe('Frozen');
    expect((await secondary.users.getById(user.id))?.displayName).toBe('Before');
    expect(store.repairLog.entries()).toHaveLength(1);
  });

  it('across instances, no write is acknowledged by two stores of record during a cut-over', async () => {
    const { clock, control, primary, secondary } = setup();
    const operator = fleetControl(control);
    await operator.setPhase('all', 'dual-write');
    await operator.setPhase('all', 'shadow-read');
    const events: FleetEvent[] = [];
    const fleet = await Promise.all(['i1', 'i2', 'i3', 'i4'].map((id) => instance(control, id, events)));
    await until(() => fleet.every((controller) => controller.get('users') === 'shadow-read'));
    const stores = fleet.map((controller) => stranglerStore(primary, secondary, controller, { clock }));
    const first = stores[0] as (typeof stores)[number];
    const user = await first.users.create({ email: `race-${Date.now()}@example.com`, displayName: 'v1' });
    const acknowledged = new Map<number, string>();
    let stop = false;
    const editor = async (store: (typeof stores)[number], name: string) => {
      while (!stop) {
        await sleep(1); // a service yields between requests; a loop that never does would starve the lease timers
        const current = (await store.users.getById(user.id)) as User;
        try {
          const next = await store.users.update(user.id, { displayName: name }, current.version);
          expect(acknowledged.has(next.version), `version ${next.version} acknowledged twice`).toBe(false);
          acknowledged.set(next.version, name);
        } catch (error) {
          if (!CohortError.is(error, 'CONCURRENCY')) throw error;
        }
      }
    };
    const editors = stores.map((store, index) => editor(store, `editor-${index}`));
    await sleep(150);
    const report = await operator.cutOver({
      ports: ['users', 'communities', 'memberships', 'posts'],
      phase: 'secondary-primary',
      timeoutMs: 2_000,
    });
    expect(report.outcome).toBe('flipped');
    await sleep(150);
    stop = true;
    await Promise.all(editors);
    const final = (await secondary.users.getById(user.id)) as User;
    expect(final.version).toBe(Math.max(...acknowledged.keys()));
    expect(final.displayName).toBe(acknowledged.get(final.version));
    expect(acknowledged.size).toBe(final.version - 1);
    expect(events.filter((event) => event.type === 'lease-lost')).toEqual([]);
    const held = events.filter((event) => event.type === 'held');
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((event) => event.type === 'held' && event.outcome === 'released')).toBe(true);
  });
});
