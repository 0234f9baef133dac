import { CohortError, systemClock, type Clock, type CohortStore, type PortName } from '@cohort/core';
import { KeyedGate } from '@cohort/core/adapter';
import { isMirrorClock } from './mirror-clock.js';
import { applyActions, planMirror, prepareWrite, type SyncAction } from './mirror.js';
import { callPort, wrapPort } from './ports.js';

/** Which way a mirror goes: from the primary to the secondary (dual-write phases) or back (secondary-primary). */
export type MirrorDirection = 'primary-to-secondary' | 'secondary-to-primary';

/** A write the store of record took but the other store did not: what `repair` replays. */
export interface RepairEntry {
  readonly id: number;
  readonly port: PortName;
  readonly method: string;
  readonly direction: MirrorDirection;
  /** The mirror steps, replayed as they are (copies re-read the store of record, so a late replay is still right). */
  readonly actions: readonly SyncAction[];
  /** The aggregate the steps touch, locked while they replay. */
  readonly lock: string | null;
  /** The error of the last attempt. */
  readonly error: string;
  readonly code: string | null;
  readonly at: string;
  readonly attempts: number;
}

/** Where failed mirrors wait for `repair`. The default keeps them in memory; persist them by implementing this. */
export interface RepairLog {
  add(entry: Omit<RepairEntry, 'id'>): RepairEntry;
  update(entry: RepairEntry): void;
  remove(id: number): void;
  /** Pending entries, oldest first. */
  entries(): readonly RepairEntry[];
}

export function memoryRepairLog(): RepairLog {
  const entries = new Map<number, RepairEntry>();
  let nextId = 1;
  return {
    add: (entry) => {
      const stored = { ...entry, id: nextId };
      nextId += 1;
      entries.set(stored.id, stored);
      return stored;
    },
    update: (entry) => {
      if (entries.has(entry.id)) entries.set(entry.id, entry);
    },
    remove: (id) => {
      entries.delete(id);
    },
    entries: () => [...entries.values()],
  };
}

/** What a failed secondary write does: `record` keeps the primary's result and logs a repair; `fail` also throws. */
export type SecondaryFailurePolicy = 'record' | 'fail';

export interface DualWriteOptions {
  /** `record` (default) or `fail`; either way the failure is logged for repair. A map sets it per port. */
  readonly onSecondaryFailure?: SecondaryFailurePolicy | Partial<Record<PortName, SecondaryFailurePolicy>>;
  /** Where failed mirrors go (default: in memory). */
  readonly repairLog?: RepairLog;
  /** Fixes appended events' ids and times; a MirrorClock shared by both stores also pins `now` during each write. */
  readonly clock?: Clock;
  /** Called with each failed mirror as it is logged. */
  readonly onMirrorFailure?: (entry: RepairEntry) => void;
}

/** What a repair pass did. */
export interface RepairReport {
  readonly repaired: number;
  readonly failed: number;
  /** Entries still pending, oldest first. */
  readonly pending: readonly RepairEntry[];
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Writes through the store of record, then mirrors what the write changed into the other store (see `planMirror`).
 * The caller gets the store of record's result; a mirror failure is logged and, under the `fail` policy, thrown as
 * UNAVAILABLE after the write was applied.
 */
export class DualWriter {
  /** Writes to one record are mirrored one at a time, in the order they were made. */
  private readonly lock = new KeyedGate(1);
  private readonly clock: Clock;
  readonly repairLog: RepairLog;

  constructor(
    private readonly stores: (direction: MirrorDirection) => { from: CohortStore; to: CohortStore },
    private readonly options: DualWriteOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.repairLog = options.repairLog ?? memoryRepairLog();
  }

  /** Runs `task` after the earlier mirror writes to the same record; a write without a record key runs at once. */
  private inOrder<T>(key: string | null, task: () => Promise<T>): Promise<T> {
    return key === null ? task() : this.lock.run(key, task);
  }

  /**
   * Writes through `from`, then mirrors into `to` (`mirror: false` only writes). `guard`, when given, is called
   * before each store is written and stops the write by throwing (a fleet instance that lost its lease): thrown
   * before the store of record, nothing is written; before the mirror, the mirror is logged for repair and the
   * error is thrown whatever the failure policy, since the write may no longer be the fleet's.
   */
  write(
    port: PortName,
    method: string,
    args: readonly unknown[],
    direction: MirrorDirection,
    mirror = true,
    guard?: () => void,
  ) {
    const run = async (): Promise<unknown> => {
      const { from, to } = this.stores(direction);
      const prepared = mirror ? prepareWrite(port, method, args, this.clock) : args;
      guard?.();
      const result = await callPort(from, port, method, prepared);
      if (!mirror) return result;
      const plan = planMirror(port, method, prepared, result, {
        at: isMirrorClock(this.clock) ? this.clock.now() : null,
      });
      if (plan === null) return result;
      let guarded = false;
      try {
        await this.inOrder(plan.lock, () => {
          try {
            guard?.();
          } catch (error) {
            guarded = true;
            throw error;
          }
          return applyActions(from, guard ? guardedStore(to, guard) : to, plan.actions);
        });
      } catch (error) {
        const entry = this.repairLog.add({
          port,
          method,
          direction,
          actions: plan.actions,
          lock: plan.lock,
          error: describe(error),
          code: CohortError.is(error) ? error.code : null,
          at: new Date().toISOString(),
          attempts: 1,
        });
        this.notify(entry);
        if (guarded) {
          throw CohortError.unavailable(
            `${port}.${method} was applied but not mirrored (${entry.error}); it is logged for repair`,
            error,
          );
        }
        if (this.policy(port) === 'fail') {
          throw CohortError.unavailable(
            `${port}.${method} was applied but could not be mirrored (${entry.error}); it is logged for repair`,
            error,
          );
        }
      }
      return result;
    };
    return mirror && isMirrorClock(this.clock) ? this.clock.pin(run) : run();
  }

  /** Replays every logged mirror, oldest first; those that succeed leave the log. */
  async repair(): Promise<RepairReport> {
    let repaired = 0;
    let failed = 0;
    for (const entry of this.repairLog.entries()) {
      const { from, to } = this.stores(entry.direction);
      try {
        await this.inOrder(entry.lock, () => applyActions(from, to, entry.actions));
        this.repairLog.remove(entry.id);
        repaired += 1;
      } catch (error) {
        failed += 1;
        this.repairLog.update({
          ...entry,
          error: describe(error),
          code: CohortError.is(error) ? error.code : null,
          attempts: entry.attempts + 1,
        });
      }
    }
    return { repaired, failed, pending: this.repairLog.entries() };
  }

  private policy(port: PortName): SecondaryFailurePolicy {
    const setting = this.options.onSecondaryFailure ?? 'record';
    return typeof setting === 'string' ? setting : (setting[port] ?? 'record');
  }

  private notify(entry: RepairEntry): void {
    try {
      this.options.onMirrorFailure?.(entry);
    } catch {
      // A hook must never break the write path.
    }
  }
}

/**
 * `store` with `guard` called before every call of every port and record set: a mirror step stops right before the
 * call that would reach the other store, not only between steps (a process frozen mid-mirror must not land a copy
 * read before it froze).
 */
function guardedStore(store: CohortStore, guard: () => void): CohortStore {
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, property) {
        const value: unknown = Reflect.get(object, property, object);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]): unknown => {
          guard();
          return (value as (...a: unknown[]) => unknown).apply(object, args);
        };
      },
    });
  const guarded: Record<string, unknown> = {};
  for (const [name, part] of Object.entries(store)) {
    guarded[name] =
      name === 'recordSets'
        ? Object.fromEntries(Object.entries(part as object).map(([set, records]) => [set, wrap(records as object)]))
        : typeof part === 'object' && part !== null
          ? wrap(part)
          : part;
  }
  return guarded as unknown as CohortStore;
}

/** A port whose writes go to the primary, then are mirrored into the secondary; reads go to the primary. */
export function dualWrite<P extends PortName>(
  port: P,
  primary: CohortStore,
  secondary: CohortStore,
  options: DualWriteOptions = {},
): CohortStore[P] & { readonly writer: DualWriter } {
  const writer = new DualWriter(
    (direction) =>
      direction === 'primary-to-secondary' ? { from: primary, to: secondary } : { from: secondary, to: primary },
    options,
  );
  const wrapped = wrapPort(port, (method, args, kind) =>
    kind === 'write' ? writer.write(port, method, args, 'primary-to-secondary') : callPort(primary, port, method, args),
  );
  return Object.assign(wrapped, { writer });
}
