import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { CohortError, type ControlRecord, type ControlRecords, type PortName } from '@cohort/core';
import {
  DEFAULT_FLEET_KEY,
  fleetStateOf,
  fleetValueOf,
  leaseOf,
  leasePrefix,
  type FleetState,
  type LeaseValue,
} from './fleet-record.js';
import { isPhase, phases, type Phase } from './phase.js';
import { portNames } from './ports.js';

export interface FleetControlOptions {
  /** The control record's key (default `cohort/migrate/phases`): the one the instances' controllers watch. */
  readonly key?: string;
  /** How often `awaitFence` reads the leases, in ms (default 20). */
  readonly pollMs?: number;
}

/** One instance's lease, as the operator sees it. */
export interface LeaseInfo extends LeaseValue {
  /** The lease record's version (every renewal bumps it). */
  readonly version: number;
  /** Renewed within its leaseMs by the wall clocks (informative: `awaitFence` judges by watching renewals). */
  readonly live: boolean;
}

/** A fence set by `fence`. */
export interface Fence {
  /** The fence's epoch: what `awaitFence`, `flip` and `unfence` take. */
  readonly epoch: number;
  readonly ports: readonly PortName[];
  /** The phases the fenced ports had (and keep if the fence is undone). */
  readonly phases: Readonly<Record<PortName, Phase>>;
}

/** What `awaitFence` found. */
export interface FenceWait {
  /** True when every live lease acknowledged the fence. */
  readonly ok: boolean;
  /** Instances that acknowledged (they hold new writes to the fenced ports and have none in flight). */
  readonly acknowledged: readonly string[];
  /** Instances counted out: their lease was not renewed for its leaseMs while watched (they write nothing). */
  readonly expired: readonly string[];
  /** Instances still renewing without acknowledging when the time ran out (empty when ok). */
  readonly pending: readonly string[];
  readonly waitedMs: number;
}

/** What releasing a fence (`flip` or `unfence`) did. */
export interface FenceRelease {
  /** The new epoch, unfenced. */
  readonly epoch: number;
  readonly phases: Readonly<Record<PortName, Phase>>;
  /**
   * From the fence to its release, in ms (this operator's monotonic clock when it set the fence; else the wall
   * clocks from the record's fencedAt): the longest any held write waited, apart from the instances' poll delay.
   */
  readonly pauseMs: number;
}

/** A whole fenced cut-over: fence, wait for every lease, flip (or undo the fence when the wait runs out). */
export interface CutOverReport {
  readonly outcome: 'flipped' | 'aborted';
  readonly fence: Fence;
  readonly wait: FenceWait;
  readonly release: FenceRelease;
}

/** The operator's side of a fleet's phases (see `createFleetPhaseController` for the instances' side). */
export interface FleetControl {
  /** The phases as the control record says them now. */
  read(): Promise<FleetState>;
  /**
   * Moves a port (or every port) to `phase` for the whole fleet, without a fence: instances follow within a poll.
   * One step at a time unless `force`; a move that changes the store of record (shadow-read ↔ secondary-primary)
   * needs a fence (`cutOver`) unless `force`, since instances switch one after another. CONFLICT while fenced.
   */
  setPhase(port: PortName | 'all', phase: Phase, options?: { readonly force?: boolean }): Promise<FleetState>;
  /** Fences `ports` (a new epoch): every instance holds new writes to them and acknowledges once drained. */
  fence(ports: readonly PortName[] | 'all'): Promise<Fence>;
  /** Waits until every live lease acknowledged the fence of `epoch` (an expired lease is out), or `timeoutMs`. */
  awaitFence(options: { readonly epoch: number; readonly timeoutMs: number }): Promise<FenceWait>;
  /** Moves the fenced ports to `phase` and lifts the fence in one write (a new epoch): held writes go to it. */
  flip(options: { readonly epoch: number; readonly phase: Phase; readonly force?: boolean }): Promise<FenceRelease>;
  /** Lifts the fence of `epoch`, phases unchanged: held writes proceed as before, nothing lost. */
  unfence(options: { readonly epoch: number }): Promise<FenceRelease>;
  /**
   * Fence → awaitFence → `beforeFlip` → flip; if the wait runs out, unfence instead (and if `beforeFlip` throws,
   * unfence and rethrow).
   */
  cutOver(options: {
    readonly ports: readonly PortName[] | 'all';
    readonly phase: Phase;
    readonly timeoutMs: number;
    readonly force?: boolean;
    /**
     * Runs once every instance holds the fenced ports' writes and none is in flight: the moment to make the next store
     * of record equal to the current one (reconcile the moving record sets, or wait for a marker through the change
     * feed). Its time is part of the pause.
     */
    readonly beforeFlip?: (fence: Fence) => Promise<void>;
  }): Promise<CutOverReport>;
  /** Every instance's lease: the epoch it obeys, the fence it acknowledged. */
  leases(): Promise<readonly LeaseInfo[]>;
}

const serving = (phase: Phase): 'primary' | 'secondary' =>
  phase === 'secondary-primary' || phase === 'secondary-only' ? 'secondary' : 'primary';

function checkStep(port: PortName, from: Phase, to: Phase, force: boolean): void {
  if (!isPhase(to)) throw CohortError.validation(`Unknown phase ${String(to)}; phases: ${phases.join(', ')}`);
  if (force || from === to) return;
  if (Math.abs(phases.indexOf(to) - phases.indexOf(from)) > 1) {
    throw CohortError.conflict(`${port} is ${from}: move one phase at a time (to ${to} needs force)`);
  }
}

const portsOf = (ports: readonly PortName[] | 'all'): PortName[] => {
  const list = ports === 'all' ? [...portNames] : [...new Set(ports)];
  for (const port of list) {
    if (!portNames.includes(port)) throw CohortError.validation(`Unknown port ${String(port)}`);
  }
  if (list.length === 0) throw CohortError.validation('fence needs at least one port');
  return list;
};

/** The operator's API over the fleet's control record in `control` (the same store the instances watch). */
export function fleetControl(control: ControlRecords, options: FleetControlOptions = {}): FleetControl {
  const key = options.key ?? DEFAULT_FLEET_KEY;
  const pollMs = options.pollMs ?? 20;
  /** When this operator set each fence, by its monotonic clock. */
  const fencedAt = new Map<number, number>();

  const current = async (): Promise<{ record: ControlRecord | null; state: FleetState }> => {
    const record = await control.read(key);
    return { record, state: fleetStateOf(key, record) };
  };

  /** Writes a new state over the one read (CONCURRENCY if someone changed it meanwhile). */
  const write = async (state: FleetState, next: Omit<FleetState, 'epoch'>): Promise<FleetState> => {
    const written = await control.write(key, fleetValueOf(next), state.epoch === 0 ? null : state.epoch);
    return fleetStateOf(key, written);
  };

  const fencedState = async (epoch: number): Promise<FleetState> => {
    const { state } = await current();
    if (state.epoch !== epoch || state.fenced.length === 0) {
      throw CohortError.conflict(
        `the fleet is at epoch ${state.epoch}${state.fenced.length > 0 ? ' (fenced)' : ''}, not fenced at epoch ${epoch}`,
      );
    }
    return state;
  };

  const release = async (state: FleetState, next: Record<PortName, Phase>): Promise<FenceRelease> => {
    const written = await write(state, { phases: next, fenced: [], fencedAt: null });
    const mine = fencedAt.get(state.epoch);
    fencedAt.delete(state.epoch);
    const pauseMs =
      mine !== undefined
        ? performance.now() - mine
        : Math.max(0, Date.now() - Date.parse(state.fencedAt ?? new Date().toISOString()));
    return { epoch: written.epoch, phases: written.phases, pauseMs };
  };

  const leases = async (): Promise<LeaseInfo[]> => {
    const records = await control.list(leasePrefix(key));
    return records.flatMap((record) => {
      const lease = leaseOf(record);
      if (!lease) return [];
      const live = Date.now() - Date.parse(lease.renewedAt) < lease.leaseMs;
      return [{ ...lease, version: record.version, live }];
    });
  };

  const api: FleetControl = {
    read: async () => (await current()).state,

    setPhase: async (port, phase, { force = false } = {}) => {
      const { state } = await current();
      if (state.fenced.length > 0) {
        throw CohortError.conflict(`the fleet is fenced at epoch ${state.epoch}: flip or unfence it first`);
      }
      const next = { ...state.phases };
      for (const name of port === 'all' ? portNames : portsOf([port])) {
        checkStep(name, state.phases[name], phase, force);
        if (!force && serving(state.phases[name]) !== serving(phase)) {
          throw CohortError.conflict(
            `${name}: ${state.phases[name]} -> ${phase} changes the store of record; use cutOver (a fence) or force`,
          );
        }
        next[name] = phase;
      }
      return write(state, { phases: next, fenced: [], fencedAt: null });
    },

    fence: async (ports) => {
      const list = portsOf(ports);
      const { state } = await current();
      if (state.fenced.length > 0) throw CohortError.conflict(`the fleet is already fenced at epoch ${state.epoch}`);
      const started = performance.now();
      const written = await write(state, { phases: state.phases, fenced: list, fencedAt: new Date().toISOString() });
      fencedAt.set(written.epoch, started);
      return { epoch: written.epoch, ports: list, phases: written.phases };
    },

    awaitFence: async ({ epoch, timeoutMs }) => {
      const started = performance.now();
      /** Per instance: the lease version last seen and when (monotonic) it was first seen. */
      const seen = new Map<string, { version: number; since: number }>();
      for (;;) {
        const { state } = await current();
        if (state.epoch !== epoch || state.fenced.length === 0) {
          throw CohortError.conflict(`the fleet is at epoch ${state.epoch}, no longer fenced at epoch ${epoch}`);
        }
        const now = performance.now();
        const acknowledged: string[] = [];
        const expired: string[] = [];
        const pending: string[] = [];
        for (const lease of await leases()) {
          const before = seen.get(lease.instanceId);
          if (!before || before.version !== lease.version) {
            seen.set(lease.instanceId, { version: lease.version, since: now });
          }
          const since = seen.get(lease.instanceId)?.since ?? now;
          if (lease.acknowledged === epoch) acknowledged.push(lease.instanceId);
          else if (now - since >= lease.leaseMs) expired.push(lease.instanceId);
          else pending.push(lease.instanceId);
        }
        const waitedMs = performance.now() - started;
        if (pending.length === 0) return { ok: true, acknowledged, expired, pending, waitedMs };
        if (waitedMs >= timeoutMs) return { ok: false, acknowledged, expired, pending, waitedMs };
        await sleep(Math.min(pollMs, Math.max(1, timeoutMs - waitedMs)));
      }
    },

    flip: async ({ epoch, phase, force = false }) => {
      const state = await fencedState(epoch);
      const next = { ...state.phases };
      for (const port of state.fenced) {
        checkStep(port, state.phases[port], phase, force);
        next[port] = phase;
      }
      return release(state, next);
    },

    unfence: async ({ epoch }) => {
      const state = await fencedState(epoch);
      return release(state, { ...state.phases });
    },

    cutOver: async ({ ports, phase, timeoutMs, force = false, beforeFlip }) => {
      const { state } = await current();
      for (const port of portsOf(ports)) checkStep(port, state.phases[port], phase, force);
      const fence = await api.fence(ports);
      let wait: FenceWait;
      try {
        wait = await api.awaitFence({ epoch: fence.epoch, timeoutMs });
        if (wait.ok) await beforeFlip?.(fence);
      } catch (error) {
        await api.unfence({ epoch: fence.epoch }).catch(() => undefined);
        throw error;
      }
      if (!wait.ok) return { outcome: 'aborted', fence, wait, release: await api.unfence({ epoch: fence.epoch }) };
      return { outcome: 'flipped', fence, wait, release: await api.flip({ epoch: fence.epoch, phase, force }) };
    },

    leases,
  };
  return api;
}
