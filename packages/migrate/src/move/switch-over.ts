import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CohortError, type PortName } from '@cohort/core';
import type { FenceWait, FleetControl } from '../strangler/fleet-control.js';
import type { Phase } from '../strangler/phase.js';
import { move, type MoveHandle, type MoveOptions, type MoveSource } from './move.js';

/** Refuse to fence while the move is further behind than this (ms), unless told otherwise. */
export const DEFAULT_LAG_GATE_MS = 500;
/** Give up (and lift the fence, nothing flipped) when the fence has lasted this long (ms), unless told otherwise. */
export const DEFAULT_PAUSE_BOUND_MS = 2_000;
/** How long a switch keeps probing for the lag gate before it refuses (ms), unless told otherwise. */
export const DEFAULT_GATE_WAIT_MS = 30_000;

export interface SwitchOverOptions {
  /** The operator's side of the fleet's phases: the record every instance's strangler store watches. */
  readonly fleet: FleetControl;
  /** The ports whose store of record changes. */
  readonly ports: readonly PortName[] | 'all';
  /** The phase the ports get: `secondary-only` to cut over to the target, `primary-only` to roll back. */
  readonly phase: Phase;
  /** The running replication from the current store of record (`from`) to the next one (`to`), following. */
  readonly replication: MoveHandle;
  /** The current store of record, with its feed: the marker is written to it. */
  readonly from: MoveSource;
  /** The next store of record, with its feed: the replication back to `from` starts from it. */
  readonly to: MoveSource;
  /** The subscription `replication` follows on `from` (dropped once the switch is done). */
  readonly subscription: string;
  /** The subscription on `to` that the replication back to `from` follows (created just before the fence). */
  readonly backSubscription: string;
  /** Record sets the replication back copies (all by default; the same as the move's `only`). */
  readonly only?: MoveOptions['only'];
  /**
   * The lag gate, in ms (default 500): a probe marker written to `from` must be applied to `to` within it before the
   * fence goes up — the very trip the fence's own marker will make, measured rather than inferred from batch samples.
   */
  readonly lagGateMs?: number;
  /** How long to keep probing while the gate is not met (default 30 s); refused after it, nothing fenced. */
  readonly gateWaitMs?: number;
  readonly pauseBoundMs?: number;
  /** Tuning and hooks for the replication back (readLimit, waitMs, onLag, clock). */
  readonly back?: Pick<MoveOptions, 'readLimit' | 'waitMs' | 'backlogEveryMs' | 'onLag' | 'clock'>;
  /** Hears each step as it ends, with the ms since the fence (the operator's monotonic clock). */
  readonly onStep?: (step: SwitchStep, atMs: number) => void;
}

export type SwitchStep = 'fenced' | 'acknowledged' | 'marker-written' | 'marker-applied' | 'flipped';

/** What a switch did; every figure in ms by the operator's monotonic clock. */
export interface SwitchReport {
  /**
   * `switched`: the ports' store of record is `to`, the replication back runs (`back`). `aborted`: a step ran past
   * the pause bound or failed, the fence was lifted with the phases unchanged: nothing was written to `to` by the
   * services, the replication `from` → `to` goes on. `refused`: the lag gate refused, nothing was fenced.
   */
  readonly outcome: 'switched' | 'aborted' | 'refused';
  /** Why it aborted or was refused. */
  readonly reason: string | null;
  /** The last probe's trip (marker written → applied to `to`), or null when no probe came back. */
  readonly lagMs: number | null;
  /** The fence's epoch (null when refused). */
  readonly epoch: number | null;
  /** What the fleet's instances did with the fence (null when refused). */
  readonly wait: FenceWait | null;
  /** The ms since the fence at which each step ended. */
  readonly steps: Readonly<Partial<Record<SwitchStep, number>>>;
  /** Fence → release (the flip, or the fence lifted on abort): the longest any held write can have waited. */
  readonly pauseMs: number | null;
  /** The replication back (`to` → `from`), following; null unless switched. */
  readonly back: MoveHandle | null;
}

const randomTag = () => randomUUID().replaceAll('-', '').slice(0, 12);

/**
 * The fenced switch of an online move, as the best movers do it: refuse while the replication lags more than the
 * gate; take the subscription for the replication back on the next store of record (before the fence: it can be
 * slow); fence the ports (every instance holds new writes to them and drains those in flight) and wait until every
 * live lease acknowledged; write a marker to the current store of record and wait until the replication applied it
 * (then the next store of record holds everything); flip the ports' phase, which lifts the fence and releases the
 * held writes to the new store of record; then stop the replication forward (its subscription dropped) and start the
 * one back, which keeps the old store current for a rollback — a rollback is the same switch with the roles
 * exchanged. Any step past the pause bound, or failing, aborts: the fence is lifted with the phases unchanged, the
 * back subscription dropped, nothing is lost, the replication forward goes on.
 */
export async function switchOver(options: SwitchOverOptions): Promise<SwitchReport> {
  const lagGateMs = options.lagGateMs ?? DEFAULT_LAG_GATE_MS;
  const pauseBoundMs = options.pauseBoundMs ?? DEFAULT_PAUSE_BOUND_MS;
  const refused = (reason: string, lagMs: number | null): SwitchReport => ({
    outcome: 'refused',
    reason,
    lagMs,
    epoch: null,
    wait: null,
    steps: {},
    pauseMs: null,
    back: null,
  });
  // The subscription for the replication back is taken before the fence, not inside it: creating one can take
  // seconds (DynamoDB finds the end of every shard; PostgreSQL waits for running transactions), which would all be
  // pause. Taken here it also carries the forward copy's last writes back, which replays images the source already
  // holds, in the target's order, so the last image of each key still wins.
  await dropIfPresent(options.to, options.backSubscription);
  await options.to.changeFeed.createSubscription(options.backSubscription);
  const dropBack = () => options.to.changeFeed.dropSubscription(options.backSubscription).catch(() => undefined);

  // The gate, right before the fence. A batch's lag sample misleads both ways (an empty read says 0 while the source
  // has not yet sent what it holds; a slow batch goes stale), so the gate sends a marker on the trip the fence's
  // marker will make and times it.
  const gate = await probeLag(options.replication, options.from, lagGateMs, options.gateWaitMs ?? DEFAULT_GATE_WAIT_MS);
  if (!gate.ok) {
    await dropBack();
    return refused(gate.reason, gate.lagMs);
  }
  const lagMs = gate.lagMs;

  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const left = () => Math.max(1, Math.floor(pauseBoundMs - elapsed()));
  const steps: Partial<Record<SwitchStep, number>> = {};
  const step = (name: SwitchStep) => {
    steps[name] = Math.round(elapsed() * 10) / 10;
    options.onStep?.(name, steps[name]);
  };

  let fence;
  try {
    fence = await options.fleet.fence(options.ports);
  } catch (error) {
    await dropBack();
    throw error;
  }
  step('fenced');
  let wait: FenceWait | null = null;
  const abort = async (reason: string): Promise<SwitchReport> => {
    let pauseMs: number;
    try {
      pauseMs = (await options.fleet.unfence({ epoch: fence.epoch })).pauseMs;
    } catch (error) {
      // An instance lifted the fence as abandoned, or it is already gone: the phases are unchanged either way.
      if (!CohortError.is(error, 'CONFLICT') && !CohortError.is(error, 'CONCURRENCY')) throw error;
      pauseMs = elapsed();
    }
    await dropBack();
    return { outcome: 'aborted', reason, lagMs, epoch: fence.epoch, wait, steps, pauseMs, back: null };
  };

  let release: { pauseMs: number };
  try {
    wait = await options.fleet.awaitFence({ epoch: fence.epoch, timeoutMs: left() });
    if (!wait.ok) {
      return await abort(
        `${wait.pending.length} instance(s) did not acknowledge the fence within ${pauseBoundMs} ms: ` +
          wait.pending.join(', '),
      );
    }
    step('acknowledged');
    const marker = `switch-${fence.epoch}-${randomTag()}`;
    await options.from.changeFeed.writeMarker(marker);
    step('marker-written');
    await options.replication.awaitMarker(marker, { timeoutMs: left() });
    step('marker-applied');
    if (elapsed() >= pauseBoundMs)
      return await abort(`the switch took longer than the pause bound of ${pauseBoundMs} ms`);
    release = await options.fleet.flip({ epoch: fence.epoch, phase: options.phase, force: true });
    step('flipped');
  } catch (error) {
    return abort(error instanceof Error ? error.message : String(error));
  }

  // Released: the services write to `to`. Stop the replication forward before the one back writes to `from`, or each
  // would carry the other's writes back (idempotent, but endless).
  options.replication.stop();
  await options.replication.done.catch(() => undefined);
  await options.from.changeFeed.dropSubscription(options.subscription).catch(() => undefined);
  const back = move({
    ...options.back,
    source: options.to,
    target: options.from,
    subscription: options.backSubscription,
    skipBackfill: true,
    ...(options.only ? { only: options.only } : {}),
  });
  return {
    outcome: 'switched',
    reason: null,
    lagMs,
    epoch: fence.epoch,
    wait,
    steps,
    pauseMs: release.pauseMs,
    back,
  };
}

/**
 * Writes probe markers to `from` until one is applied by `replication` within `lagGateMs`, for at most `waitMs`: the
 * lag as the fence's marker will meet it. Refused when the replication is not following, or the time runs out.
 */
async function probeLag(
  replication: MoveHandle,
  from: MoveSource,
  lagGateMs: number,
  waitMs: number,
): Promise<{ ok: true; lagMs: number } | { ok: false; reason: string; lagMs: number | null }> {
  const deadline = performance.now() + waitMs;
  let last: number | null = null;
  for (;;) {
    const { phase } = replication.status();
    if (phase === 'stopped' || phase === 'failed')
      return { ok: false, reason: `the replication ${phase}`, lagMs: last };
    let reason = `the replication is not following (phase ${phase})`;
    if (phase === 'follow') {
      const probe = `gate-${randomTag()}`;
      const sent = performance.now();
      await from.changeFeed.writeMarker(probe);
      try {
        // Waits past the gate (up to what is left) so that a slow probe still measures the lag it ran into.
        await replication.awaitMarker(probe, { timeoutMs: Math.max(lagGateMs, Math.floor(deadline - sent)) });
      } catch (error) {
        if (!CohortError.is(error, 'UNAVAILABLE')) throw error;
        const waited = Math.round(performance.now() - sent);
        const stopped = replication.status().phase !== 'follow';
        return {
          ok: false,
          reason: stopped
            ? error.message
            : `the replication lags over ${waited} ms (a probe marker's trip), for ${Math.round(waitMs / 1_000)} s`,
          lagMs: stopped ? last : waited,
        };
      }
      last = Math.round(performance.now() - sent);
      if (last <= lagGateMs) return { ok: true, lagMs: last };
      reason = `the replication lags ${last} ms (a probe marker's trip), above the gate of ${lagGateMs} ms`;
    }
    if (performance.now() >= deadline) {
      return { ok: false, reason: `${reason}, for ${Math.round(waitMs / 1_000)} s`, lagMs: last };
    }
    if (phase !== 'follow') await sleep(100);
  }
}

/** Drops a subscription if the store has it. */
export async function dropIfPresent(store: MoveSource, subscription: string): Promise<void> {
  const present = (await store.changeFeed.listSubscriptions()).some((info) => info.name === subscription);
  if (present) await store.changeFeed.dropSubscription(subscription);
}
