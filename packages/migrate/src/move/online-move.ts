import {
  CohortError,
  recordSetNames,
  recordSetPorts,
  type ControlRecords,
  type PortName,
  type RecordSetName,
} from '@cohort/core';
import { fleetControl, type FleetControl } from '../strangler/fleet-control.js';
import type { FleetState } from '../strangler/fleet-record.js';
import { portNames } from '../strangler/ports.js';
import { move, type MoveHandle, type MoveOptions, type MoveSource, type MoveStatus } from './move.js';
import { dropIfPresent, switchOver, type SwitchOverOptions, type SwitchReport } from './switch-over.js';

export interface OnlineMoveOptions {
  /** The store the ports move from (their store of record while the fleet has them `primary-only`). */
  readonly source: MoveSource;
  /** The store they move to (store of record once `secondary-only`); its feed carries the replication back. */
  readonly target: MoveSource;
  /** Where the fleet's phases live: the control records every service instance's strangler store watches. */
  readonly control: ControlRecords;
  /** The control record's key (default `cohort/migrate/phases`): the instances' controllers must use the same. */
  readonly fleetKey?: string;
  /** The ports that move (their record sets are replicated); every port by default. */
  readonly ports?: readonly PortName[] | 'all';
  /** The source's subscription for the replication forward (default `move_forward`). */
  readonly subscription?: string;
  /** The target's subscription for the replication back (default `<subscription>_back`, at most 40 characters). */
  readonly backSubscription?: string;
  /**
   * Hears a replication that failed (a store unreachable past its retries, a session taken over): it is started
   * again after `restartAfterMs` (default 1,000), resuming its subscription, until the move is stopped.
   */
  readonly onReplicationError?: (error: unknown, direction: MoveDirection) => void;
  readonly restartAfterMs?: number;
  /** Backfill and follow tuning of the replication forward (checkpoint, label, backfill, readLimit, waitMs, onLag…). */
  readonly replication?: Omit<MoveOptions, 'source' | 'target' | 'subscription' | 'only' | 'skipBackfill' | 'resume'>;
}

export type MoveDirection = 'forward' | 'back';

export interface OnlineMoveStatus {
  /** `forward`: the ports are served by the source and replicated to the target; `back`: the other way round. */
  readonly direction: MoveDirection;
  readonly ports: readonly PortName[];
  /** The fleet's phases as last read. */
  readonly fleet: FleetState;
  /** The running replication's status. */
  readonly replication: MoveStatus;
  /** How many times a failed replication was started again. */
  readonly restarts: number;
}

/** A whole online move, direction included: the replication that runs now, and the switches between stores. */
export interface OnlineMove {
  status(): OnlineMoveStatus;
  /** The replication that runs now (forward, or back after a cut-over). */
  replication(): MoveHandle;
  /** Switches the ports to the target (see `switchOver`); CONFLICT unless the direction is forward. */
  cutOver(options?: SwitchTuning): Promise<SwitchReport>;
  /** Switches the ports back to the source; CONFLICT unless the direction is back (after a cut-over). */
  rollback(options?: SwitchTuning): Promise<SwitchReport>;
  /** Stops the running replication (its subscription stays, so a new `startOnlineMove` resumes it). */
  stop(): Promise<void>;
}

export type SwitchTuning = Pick<SwitchOverOptions, 'lagGateMs' | 'gateWaitMs' | 'pauseBoundMs' | 'onStep'>;

/** The record sets of the moving ports. */
export function recordSetsOf(ports: readonly PortName[]): RecordSetName[] {
  return recordSetNames.filter((name) => ports.includes(recordSetPorts[name]));
}

/**
 * Starts, or resumes after a kill, an online move of `ports` from `source` to `target`, picking up where the stores
 * say it stands: the fleet's phases tell the direction (all moving ports `primary-only`: forward; all
 * `secondary-only`: back; anything else is CONFLICT, for a person to look at), the subscriptions tell what was
 * started. Forward, the replication resumes its subscription (backfill from the checkpoint) or starts a new one;
 * back, it follows the target's subscription. A fence found in place is left to its operator, or to the instances
 * that lift it as abandoned (see `fenceAbandonMs`): this waits until it is gone.
 */
export async function startOnlineMove(options: OnlineMoveOptions): Promise<OnlineMove> {
  const ports = options.ports === undefined || options.ports === 'all' ? [...portNames] : [...new Set(options.ports)];
  const only = recordSetsOf(ports);
  const forward = options.subscription ?? 'move_forward';
  const backward = options.backSubscription ?? `${forward}_back`;
  const fleet: FleetControl = fleetControl(options.control, options.fleetKey ? { key: options.fleetKey } : {});
  let state = await unfencedState(fleet);
  let direction = directionOf(state, ports);
  const tuning = options.replication ?? {};
  const follow = (source: MoveSource, target: MoveSource, subscription: string) =>
    move({ ...tuning, source, target, subscription, only, skipBackfill: true });

  const forwardMove = (resume: boolean) =>
    move({ ...tuning, source: options.source, target: options.target, subscription: forward, only, resume });

  let current: MoveHandle;
  let restarts = 0;
  let stopped = false;
  /** A replication that fails is started again (resuming its subscription) while it is still the current one. */
  const supervise = (handle: MoveHandle): MoveHandle => {
    handle.done.catch(async (error: unknown) => {
      if (stopped || current !== handle) return;
      options.onReplicationError?.(error, direction);
      await new Promise((resolve) => setTimeout(resolve, options.restartAfterMs ?? 1_000));
      if (stopped || current !== handle) return;
      restarts += 1;
      current = supervise(
        direction === 'forward' ? forwardMove(true) : follow(options.target, options.source, backward),
      );
    });
    return handle;
  };
  if (direction === 'forward') {
    // Resume only with the subscription: a checkpoint alone would skip what was copied before a new subscription's
    // position, and the changes made in between would be lost.
    const resume = (await options.source.changeFeed.listSubscriptions()).some((info) => info.name === forward);
    current = supervise(forwardMove(resume));
  } else {
    // Killed between the flip and the end of the switch: the forward subscription may still be there.
    await dropIfPresent(options.source, forward);
    current = supervise(follow(options.target, options.source, backward));
  }

  const switchTo = async (to: MoveDirection, tuned: SwitchTuning = {}): Promise<SwitchReport> => {
    if (direction === to) {
      throw CohortError.conflict(`the ports are already served by the ${to === 'back' ? 'target' : 'source'}`);
    }
    const report = await switchOver({
      ...tuned,
      fleet,
      ports,
      only,
      phase: to === 'back' ? 'secondary-only' : 'primary-only',
      replication: current,
      from: to === 'back' ? options.source : options.target,
      to: to === 'back' ? options.target : options.source,
      subscription: to === 'back' ? forward : backward,
      backSubscription: to === 'back' ? backward : forward,
      back: tuning,
    });
    state = await fleet.read();
    if (report.back !== null) {
      direction = to;
      current = supervise(report.back);
    }
    return report;
  };

  return {
    status: () => ({ direction, ports, fleet: state, replication: current.status(), restarts }),
    replication: () => current,
    cutOver: (tuned) => switchTo('back', tuned),
    rollback: (tuned) => switchTo('forward', tuned),
    stop: async () => {
      stopped = true;
      current.stop();
      await current.done.catch(() => undefined);
    },
  };
}

function directionOf(state: FleetState, ports: readonly PortName[]): MoveDirection {
  const phasesNow = ports.map((port) => state.phases[port]);
  if (phasesNow.every((phase) => phase === 'primary-only')) return 'forward';
  if (phasesNow.every((phase) => phase === 'secondary-only')) return 'back';
  throw CohortError.conflict(
    `the moving ports are ${ports.map((port) => `${port}: ${state.phases[port]}`).join(', ')}: an online move needs ` +
      'them all primary-only (forward) or all secondary-only (back); set their phases with fleetControl first',
  );
}

/** The fleet's state once no fence is in place (a fence of a dead operator is lifted by the instances). */
async function unfencedState(fleet: FleetControl, timeoutMs = 15_000): Promise<FleetState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await fleet.read();
    if (state.fenced.length === 0) return state;
    if (Date.now() >= deadline) {
      throw CohortError.conflict(
        `the fleet is fenced at epoch ${state.epoch} (since ${state.fencedAt ?? '?'}): another switch is in progress, ` +
          'or its operator died and no live instance lifted the fence; lift it with fleetControl(control).unfence',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
