import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CohortError, type ControlRecords, type PortName } from '@cohort/core';
import {
  DEFAULT_FLEET_KEY,
  fleetStateOf,
  fleetValueOf,
  leaseKey,
  type FleetState,
  type LeaseValue,
} from './fleet-record.js';
import type { Phase, PhaseChange, PhaseController } from './phase.js';
import { portNames } from './ports.js';
import type { WriteGate, WriteTicket } from './write-gate.js';

/** The lease a fleet instance holds unless told otherwise, in ms. */
export const DEFAULT_LEASE_MS = 1_000;

/**
 * How long a PostgreSQL store of a fleet instance may let a transaction sit idle (`createPostgresDataSource({
 * idleInTransactionTimeoutMs })`): half the lease, so the server ends a transaction frozen with its process before
 * the fleet can count the instance out, and it cannot commit in the old store of record after a cut-over.
 */
export function idleInTransactionBoundFor(leaseMs: number = DEFAULT_LEASE_MS): number {
  return Math.max(1, Math.floor(leaseMs / 2));
}

export interface FleetPhaseControllerOptions {
  /** Where the fleet's control record lives: a store every instance reaches (`store.control`). */
  readonly control: ControlRecords;
  /** This instance's name in its lease; unique in the fleet. Default: `<hostname>-<pid>-<random>`. */
  readonly instanceId?: string;
  /** The control record's key (default `cohort/migrate/phases`); the operator's `fleetControl` must use the same. */
  readonly key?: string;
  /** How often the control record is read and the lease renewed, in ms (default 100). */
  readonly pollMs?: number;
  /**
   * How long a renewal proves the lease, from the moment it began, in ms (default 1,000). Past it without another
   * renewal, this instance writes nothing, and the operator counts it out of a fence once it has seen the lease
   * unchanged that long.
   */
  readonly leaseMs?: number;
  /**
   * The longest a write is held (fenced port, lease not proven) before it fails with UNAVAILABLE, in ms (default
   * 3,000: longer than `fenceAbandonMs`, so the writes held by a fence whose operator died are released, not failed).
   */
  readonly holdBoundMs?: number;
  /**
   * A fence still in place this long after this instance first saw it is taken as abandoned (its operator died
   * mid cut-over): the instance lifts it with a write conditional on the fence's epoch, so exactly one lift wins and
   * the operator's flip at that epoch, should it still come, fails and changes no store of record. In ms (default
   * 2,500: past the operator's own pause bound of 2,000, after which a live operator lifts the fence itself).
   */
  readonly fenceAbandonMs?: number;
  /** Hears every held write, phase change, fence acknowledgement and lease loss (metrics, logs). Must not throw. */
  readonly onEvent?: (event: FleetEvent) => void;
}

/** What a fleet controller reports through `onEvent`. */
export type FleetEvent =
  | {
      /** A write was held, then released (it then ran) or timed out (it failed with UNAVAILABLE). */
      readonly type: 'held';
      readonly port: PortName;
      readonly method: string;
      readonly reason: 'fenced' | 'lease';
      readonly outcome: 'released' | 'timed-out';
      /** The extra latency the hold added. */
      readonly waitedMs: number;
    }
  | { readonly type: 'phases'; readonly epoch: number; readonly fenced: readonly PortName[] }
  | {
      /** This instance acknowledged a fence: it holds new writes to the fenced ports and has none in flight. */
      readonly type: 'fence-acknowledged';
      readonly epoch: number;
      /** From seeing the fence to writing the acknowledgement (the in-flight writes' drain). */
      readonly drainMs: number;
    }
  | { readonly type: 'lease-proven'; readonly epoch: number }
  /** This instance lifted a fence it took as abandoned (see `fenceAbandonMs`). */
  | { readonly type: 'fence-abandoned'; readonly epoch: number; readonly heldMs: number }
  | { readonly type: 'lease-lost'; readonly epoch: number }
  | { readonly type: 'control-error'; readonly error: unknown };

/** The pause writes saw on this instance: every held call's extra latency. */
export interface HoldStats {
  readonly held: number;
  readonly released: number;
  readonly timedOut: number;
  /** Median and largest extra latency over all held calls, in ms (0 when none were held). */
  readonly p50Ms: number;
  readonly p100Ms: number;
}

/** The read side of a PhaseController, fed by the fleet's control record, plus the write gate a strangler uses. */
export interface FleetPhaseController extends Pick<PhaseController, 'get' | 'snapshot' | 'onChange'> {
  readonly instanceId: string;
  readonly writeGate: WriteGate;
  /** The epoch of the phases this instance routes by (0 before any control record exists). */
  epoch(): number;
  /** The ports this instance currently holds writes for because of a fence. */
  fenced(): readonly PortName[];
  /** Whether the lease is proven now (writes may run). */
  leaseProven(): boolean;
  /** The held calls so far. */
  holdStats(): HoldStats;
  /** Stops watching, fails held writes with UNAVAILABLE and deletes the lease. */
  close(): Promise<void>;
}

interface Waiter {
  readonly port: PortName;
  readonly method: string;
  readonly since: number;
  readonly reason: 'fenced' | 'lease';
  readonly resolve: (ticket: WriteTicket) => void;
  readonly reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

const positive = (name: string, value: number): number => {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of ms`);
  return value;
};

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);

/** Most waits kept for `holdStats` (the oldest are dropped beyond it). */
const MAX_WAITS = 100_000;

/**
 * A phase controller whose phases live in a control record the whole fleet watches (see `fleetControl`), not in
 * this process. Every `pollMs` it renews its lease (naming the epoch it obeys and any fence it acknowledges), then
 * reads the record; a renewal followed by a read proves the lease for `leaseMs` from the renewal's start. Writes
 * (through `writeGate`, which `stranglerStore` uses) run only while the lease is proven and their port is not fenced;
 * otherwise they are held, and fail with UNAVAILABLE after `holdBoundMs`. On seeing a fence it holds new writes to the
 * fenced ports, lets those in flight finish, and acknowledges in its lease. Resolves once the first renewal and read
 * succeeded (rejects with their error otherwise).
 */
export async function createFleetPhaseController(options: FleetPhaseControllerOptions): Promise<FleetPhaseController> {
  const controller = new FleetController(options);
  try {
    await controller.start();
  } catch (error) {
    await controller.close();
    throw error;
  }
  return controller;
}

class FleetController implements FleetPhaseController {
  readonly instanceId: string;
  readonly writeGate: WriteGate;
  private readonly control: ControlRecords;
  private readonly key: string;
  private readonly lease: string;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly holdBoundMs: number;
  private readonly fenceAbandonMs: number;
  private state: FleetState;
  private fencedPorts = new Set<PortName>();
  /** When this instance saw the current fence (monotonic), for the drain time. */
  private fenceSeenAt = 0;
  private acknowledged: number | null = null;
  private validUntil = Number.NEGATIVE_INFINITY;
  /** How many times the lease has lapsed: a write admitted before a lapse may not go on after it. */
  private lapses = 0;
  private wasProven = false;
  private leaseVersion: number | null = null;
  private readonly inFlight = new Map<PortName, number>();
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<(change: PhaseChange) => void>();
  private readonly waits: number[] = [];
  private released = 0;
  private timedOut = 0;
  private timer: NodeJS.Timeout | undefined;
  private lapseTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private cycling: Promise<void> = Promise.resolve();
  private leaseWriting: Promise<void> | null = null;
  private leaseAgain = false;

  constructor(private readonly options: FleetPhaseControllerOptions) {
    this.control = options.control;
    this.instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.key = options.key ?? DEFAULT_FLEET_KEY;
    this.lease = leaseKey(this.key, this.instanceId);
    this.pollMs = positive('pollMs', options.pollMs ?? 100);
    this.leaseMs = positive('leaseMs', options.leaseMs ?? DEFAULT_LEASE_MS);
    this.holdBoundMs = positive('holdBoundMs', options.holdBoundMs ?? 3_000);
    this.fenceAbandonMs = positive('fenceAbandonMs', options.fenceAbandonMs ?? 2_500);
    if (this.leaseMs <= this.pollMs) throw new RangeError('leaseMs must be longer than pollMs');
    this.state = fleetStateOf(this.key, null);
    this.writeGate = { admit: (port, method) => this.admit(port, method) };
  }

  async start(): Promise<void> {
    const ok = await this.cycle(true);
    if (!ok.ok) throw ok.error;
    this.schedule();
  }

  get(port: PortName): Phase {
    const phase = this.state.phases[port] as Phase | undefined;
    if (phase === undefined) throw new RangeError(`Unknown port ${String(port)}`);
    return phase;
  }

  snapshot(): Record<PortName, Phase> {
    return { ...this.state.phases };
  }

  onChange(listener: (change: PhaseChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  epoch(): number {
    return this.state.epoch;
  }

  fenced(): readonly PortName[] {
    return [...this.fencedPorts];
  }

  leaseProven(): boolean {
    return !this.closed && performance.now() < this.validUntil;
  }

  holdStats(): HoldStats {
    const sorted = [...this.waits].sort((a, b) => a - b);
    return {
      held: this.released + this.timedOut,
      released: this.released,
      timedOut: this.timedOut,
      p50Ms: percentile(sorted, 50),
      p100Ms: percentile(sorted, 100),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.lapseTimer);
    for (const waiter of [...this.waiters]) {
      this.finish(waiter, 'timed-out');
      waiter.reject(CohortError.unavailable(`${waiter.port}.${waiter.method}: the fleet phase controller was closed`));
    }
    await this.cycling.catch(() => undefined);
    await this.leaseWriting?.catch(() => undefined);
    await this.control.delete(this.lease).catch(() => undefined);
  }

  // --- the write gate -------------------------------------------------------------------------------------------

  private blockedBy(port: PortName): 'fenced' | 'lease' | null {
    if (!this.leaseProven()) return 'lease';
    return this.fencedPorts.has(port) ? 'fenced' : null;
  }

  private admit(port: PortName, method: string): Promise<WriteTicket> {
    if (this.closed) {
      return Promise.reject(CohortError.unavailable(`${port}.${method}: the fleet phase controller is closed`));
    }
    if (this.blockedBy(port) === null) return Promise.resolve(this.ticket(port));
    return new Promise<WriteTicket>((resolve, reject) => {
      const waiter: Waiter = {
        port,
        method,
        since: performance.now(),
        reason: this.blockedBy(port) ?? 'lease',
        resolve,
        reject,
      };
      waiter.timer = setTimeout(() => {
        if (!this.waiters.has(waiter)) return;
        const reason = this.blockedBy(port);
        if (reason === null) return this.releaseWaiters();
        this.finish(waiter, 'timed-out');
        reject(
          CohortError.unavailable(
            `${port}.${method} was held ${this.holdBoundMs} ms and not written: ` +
              (reason === 'fenced'
                ? `the port is fenced (epoch ${this.state.epoch})`
                : `instance ${this.instanceId} cannot prove its lease on the fleet's phases`),
          ),
        );
      }, this.holdBoundMs);
      this.waiters.add(waiter);
    });
  }

  private finish(waiter: Waiter, outcome: 'released' | 'timed-out'): void {
    this.waiters.delete(waiter);
    clearTimeout(waiter.timer);
    const waitedMs = performance.now() - waiter.since;
    if (outcome === 'released') this.released += 1;
    else this.timedOut += 1;
    this.waits.push(waitedMs);
    if (this.waits.length > MAX_WAITS) this.waits.shift();
    this.emit({
      type: 'held',
      port: waiter.port,
      method: waiter.method,
      reason: waiter.reason,
      outcome,
      waitedMs,
    });
  }

  private releaseWaiters(): void {
    for (const waiter of [...this.waiters]) {
      if (this.blockedBy(waiter.port) !== null) continue;
      this.finish(waiter, 'released');
      waiter.resolve(this.ticket(waiter.port));
    }
  }

  private ticket(port: PortName): WriteTicket {
    this.inFlight.set(port, (this.inFlight.get(port) ?? 0) + 1);
    let open = true;
    const lapses = this.lapses;
    return {
      epoch: this.state.epoch,
      proven: () => {
        // Proven again after a lapse is not enough: while lapsed, the fleet may have counted this instance out
        // and moved the store of record, so a write admitted before the lapse stops here.
        if (!this.leaseProven() || this.lapses !== lapses) {
          throw CohortError.unavailable(
            `instance ${this.instanceId} can no longer prove its lease on the fleet's phases; nothing more is written`,
          );
        }
      },
      done: () => {
        if (!open) return;
        open = false;
        this.inFlight.set(port, (this.inFlight.get(port) ?? 1) - 1);
        if (this.fencedPorts.has(port) && this.drained() && this.acknowledged !== this.state.epoch) {
          this.renewLease().catch((error: unknown) => this.emit({ type: 'control-error', error }));
        }
      },
    };
  }

  private drained(): boolean {
    for (const port of this.fencedPorts) if ((this.inFlight.get(port) ?? 0) > 0) return false;
    return true;
  }

  // --- watching the record and renewing the lease ---------------------------------------------------------------

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.cycling = this.cycle(false).then(() => this.schedule());
    }, this.pollMs);
    this.timer.unref();
  }

  /** Renew, then read; the pair proves the lease for leaseMs from the renewal's start. */
  private async cycle(first: boolean): Promise<{ ok: true } | { ok: false; error: unknown }> {
    const started = performance.now();
    try {
      await this.renewLease();
      const record = await this.control.read(this.key);
      if (this.closed) return { ok: true };
      this.apply(fleetStateOf(this.key, record));
      this.prove(started);
      // A fence seen with nothing in flight is acknowledged at once, not a poll later.
      if (this.fencedPorts.size > 0 && this.drained() && this.acknowledged !== this.state.epoch) {
        await this.renewLease();
      }
      if (this.fencedPorts.size > 0 && performance.now() - this.fenceSeenAt >= this.fenceAbandonMs) {
        await this.liftAbandonedFence();
      }
      return { ok: true };
    } catch (error) {
      if (!first) this.emit({ type: 'control-error', error });
      return { ok: false, error };
    }
  }

  private prove(started: number): void {
    if (performance.now() >= this.validUntil) this.lapses += 1;
    this.validUntil = started + this.leaseMs;
    if (!this.wasProven) this.emit({ type: 'lease-proven', epoch: this.state.epoch });
    this.wasProven = true;
    clearTimeout(this.lapseTimer);
    this.lapseTimer = setTimeout(() => this.lapse(), Math.max(0, this.validUntil - performance.now()));
    this.lapseTimer.unref();
    this.releaseWaiters();
  }

  private lapse(): void {
    if (this.leaseProven()) {
      // Timers may fire a little early: look again when the lease really runs out.
      this.lapseTimer = setTimeout(() => this.lapse(), Math.max(1, this.validUntil - performance.now()));
      this.lapseTimer.unref();
      return;
    }
    if (!this.wasProven) return;
    this.wasProven = false;
    this.emit({ type: 'lease-lost', epoch: this.state.epoch });
  }

  private apply(next: FleetState): void {
    const previous = this.state;
    if (next.epoch === previous.epoch) return;
    this.state = next;
    const wasFenced = this.fencedPorts.size > 0;
    this.fencedPorts = new Set(next.fenced);
    if (this.fencedPorts.size > 0 && !wasFenced) this.fenceSeenAt = performance.now();
    if (this.fencedPorts.size === 0) this.acknowledged = null;
    this.emit({ type: 'phases', epoch: next.epoch, fenced: next.fenced });
    for (const port of portNames) {
      const from = previous.phases[port];
      const to = next.phases[port];
      if (from === to) continue;
      for (const listener of this.listeners) {
        try {
          listener({ port, from, to });
        } catch {
          // A listener must not stop the switch.
        }
      }
    }
  }

  /** Lifts the current fence, phases unchanged, if the record is still at its epoch (someone else may be first). */
  private async liftAbandonedFence(): Promise<void> {
    const fenced = this.state;
    try {
      const written = await this.control.write(
        this.key,
        fleetValueOf({ phases: fenced.phases, fenced: [], fencedAt: null }),
        fenced.epoch,
      );
      this.emit({ type: 'fence-abandoned', epoch: fenced.epoch, heldMs: performance.now() - this.fenceSeenAt });
      this.apply(fleetStateOf(this.key, written));
      this.releaseWaiters();
    } catch (error) {
      // Another instance lifted it, or the operator flipped or lifted it: the next read shows which.
      if (!CohortError.is(error, 'CONCURRENCY')) throw error;
    }
  }

  /** Writes the lease (one writer at a time: a renewal asked for meanwhile runs right after). */
  private renewLease(): Promise<void> {
    if (this.leaseWriting) {
      this.leaseAgain = true;
      return this.leaseWriting;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          this.leaseAgain = false;
          await this.writeLease();
        } while (this.leaseAgain && !this.closed);
      } finally {
        this.leaseWriting = null;
      }
    };
    this.leaseWriting = run();
    return this.leaseWriting;
  }

  private async writeLease(): Promise<void> {
    if (this.closed) return;
    const fenceEpoch = this.fencedPorts.size > 0 && this.drained() ? this.state.epoch : null;
    const value: LeaseValue = {
      instanceId: this.instanceId,
      epoch: this.state.epoch,
      acknowledged: fenceEpoch,
      renewedAt: new Date().toISOString(),
      leaseMs: this.leaseMs,
    };
    let written;
    try {
      written = await this.control.write(this.lease, value, this.leaseVersion);
    } catch (error) {
      if (!CohortError.is(error, 'CONCURRENCY')) throw error;
      // Someone else touched the lease (an operator's clean-up): take it over from its current version.
      const current = await this.control.read(this.lease);
      written = await this.control.write(this.lease, value, current?.version ?? null);
    }
    this.leaseVersion = written.version;
    if (fenceEpoch !== null && this.acknowledged !== fenceEpoch) {
      this.acknowledged = fenceEpoch;
      this.emit({ type: 'fence-acknowledged', epoch: fenceEpoch, drainMs: performance.now() - this.fenceSeenAt });
    }
  }

  private emit(event: FleetEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A hook must never break the write path.
    }
  }
}
