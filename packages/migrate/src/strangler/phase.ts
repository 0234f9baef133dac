import {
  CohortError,
  recordSetPorts,
  type CohortStore,
  type PortName,
  type RecordSet,
  type RecordSetName,
  type RecordSets,
} from '@cohort/core';
import {
  DualWriter,
  type DualWriteOptions,
  type MirrorDirection,
  type RepairLog,
  type RepairReport,
} from './dual-write.js';
import { portNames, wrapPort, callPort } from './ports.js';
import { ShadowReader, type ShadowReadOptions } from './shadow-read.js';
import type { WriteGate, WriteTicket } from './write-gate.js';

/**
 * Where a port stands in its move from the primary store to the secondary, in order:
 * - `primary-only`: everything on the primary;
 * - `dual-write`: writes on the primary, mirrored into the secondary; reads from the primary;
 * - `shadow-read`: dual-write, and reads from the primary are compared against the secondary in the background;
 * - `secondary-primary`: the secondary is the store of record: writes on it, mirrored back into the primary (so the
 *   move can still be undone); reads from it, compared against the primary;
 * - `secondary-only`: everything on the secondary.
 */
export const phases = ['primary-only', 'dual-write', 'shadow-read', 'secondary-primary', 'secondary-only'] as const;
export type Phase = (typeof phases)[number];

/** A phase switch, as `onChange` listeners see it. */
export interface PhaseChange {
  readonly port: PortName;
  readonly from: Phase;
  readonly to: Phase;
}

/** Each port's phase, switchable while the service runs: the next call of a port follows its new phase. */
export interface PhaseController {
  /** The phase of one port. */
  get(port: PortName): Phase;
  /**
   * Moves a port (or every port) to `phase`. Only one step at a time (either way) unless `force`: skipping
   * dual-write would leave the other store missing the writes made meanwhile.
   */
  set(port: PortName | 'all', phase: Phase, options?: { readonly force?: boolean }): void;
  /** One step towards the secondary; returns the new phase. */
  advance(port: PortName): Phase;
  /** One step back towards the primary; returns the new phase. */
  retreat(port: PortName): Phase;
  /** Every port's phase. */
  snapshot(): Record<PortName, Phase>;
  /** Calls `listener` on every switch; returns an unsubscribe function. */
  onChange(listener: (change: PhaseChange) => void): () => void;
}

export function isPhase(value: string): value is Phase {
  return (phases as readonly string[]).includes(value);
}

/** A controller with every port at `initial` (a phase, or a phase per port; `primary-only` where unset). */
export function createPhaseController(
  initial: Phase | Partial<Record<PortName, Phase>> = 'primary-only',
): PhaseController {
  const current = new Map<PortName, Phase>(
    portNames.map((port) => [port, typeof initial === 'string' ? initial : (initial[port] ?? 'primary-only')]),
  );
  const listeners = new Set<(change: PhaseChange) => void>();
  const get = (port: PortName): Phase => {
    const phase = current.get(port);
    if (phase === undefined) throw new RangeError(`Unknown port ${String(port)}`);
    return phase;
  };
  const move = (port: PortName, to: Phase, force: boolean) => {
    const from = get(port);
    if (!isPhase(to)) throw new RangeError(`Unknown phase ${String(to)}; phases: ${phases.join(', ')}`);
    if (from === to) return;
    if (!force && Math.abs(phases.indexOf(to) - phases.indexOf(from)) > 1) {
      throw new RangeError(`${port} is ${from}: move one phase at a time (to ${to} needs force)`);
    }
    current.set(port, to);
    for (const listener of listeners) {
      try {
        listener({ port, from, to });
      } catch {
        // A listener must not stop the switch.
      }
    }
  };
  const step = (port: PortName, by: 1 | -1): Phase => {
    const next = phases[phases.indexOf(get(port)) + by];
    if (next === undefined) throw new RangeError(`${port} is already ${get(port)}`);
    move(port, next, false);
    return next;
  };
  return {
    get,
    set: (port, phase, options = {}) => {
      for (const name of port === 'all' ? portNames : [port]) move(name, phase, options.force ?? false);
    },
    advance: (port) => step(port, 1),
    retreat: (port) => step(port, -1),
    snapshot: () => Object.fromEntries(current) as Record<PortName, Phase>,
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** How a phase routes a call. */
interface Route {
  readonly serving: 'primary' | 'secondary';
  readonly mirror: MirrorDirection | null;
  readonly shadow: boolean;
}

const routes: Record<Phase, Route> = {
  'primary-only': { serving: 'primary', mirror: null, shadow: false },
  'dual-write': { serving: 'primary', mirror: 'primary-to-secondary', shadow: false },
  'shadow-read': { serving: 'primary', mirror: 'primary-to-secondary', shadow: true },
  'secondary-primary': { serving: 'secondary', mirror: 'secondary-to-primary', shadow: true },
  'secondary-only': { serving: 'secondary', mirror: null, shadow: false },
};

/** A write as the strangler sends it to its store of record (see `onWrite`). */
export interface StranglerWrite {
  readonly port: PortName;
  /** A port method, or `putMany` / `deleteMany` of the migration face. */
  readonly method: string;
  readonly phase: Phase;
  readonly storeOfRecord: 'primary' | 'secondary';
  /** The fleet epoch the write was admitted under; null with an in-process controller. */
  readonly epoch: number | null;
}

export interface StranglerOptions extends DualWriteOptions {
  /** Shadow-read tuning and the `onShadowResult` hook. */
  readonly shadow?: ShadowReadOptions;
  /** Hears every write as it is sent to its store of record (audits, tests). Must not throw. */
  readonly onWrite?: (write: StranglerWrite) => void;
}

/**
 * What a strangler store needs of its controller: each port's phase, read at every call. A fleet controller
 * (`createFleetPhaseController`) adds a `writeGate` that every write passes first.
 */
export type PhaseSource = Pick<PhaseController, 'get' | 'snapshot' | 'onChange'> & { readonly writeGate?: WriteGate };

/** A CohortStore that routes every port by its phase, with the decorators' controls. */
export interface StranglerStore<C extends PhaseSource = PhaseController> extends CohortStore {
  readonly controller: C;
  readonly repairLog: RepairLog;
  /** Replays logged mirror failures (each re-reads the store of record, so a late replay is still right). */
  repair(): Promise<RepairReport>;
  /** Resolves once every shadow comparison started so far has published its result (for tests and shutdown). */
  settled(): Promise<void>;
}

/**
 * The strangler fig over two stores: each port follows its phase in `controller` (see `phases`), read at every call,
 * so moving a port forward or back needs no restart. Writes in a dual-write phase go to the store of record first
 * and are then mirrored into the other (`DualWriter`); reads in a shadow phase are compared in the background
 * (`ShadowReader`). The migration face follows the phase of the port that owns each record set.
 */
export function stranglerStore<C extends PhaseSource = PhaseController>(
  primary: CohortStore,
  secondary: CohortStore,
  controller: C,
  options: StranglerOptions = {},
): StranglerStore<C> {
  const writer = new DualWriter(
    (direction) =>
      direction === 'primary-to-secondary' ? { from: primary, to: secondary } : { from: secondary, to: primary },
    options,
  );
  const reader = new ShadowReader(options.shadow);
  const stores = { primary, secondary };
  const other = (name: 'primary' | 'secondary') => (name === 'primary' ? secondary : primary);

  const gate = controller.writeGate;
  const announce = (port: PortName, method: string, phase: Phase, ticket: WriteTicket | null) => {
    if (!options.onWrite) return;
    try {
      options.onWrite({ port, method, phase, storeOfRecord: routes[phase].serving, epoch: ticket?.epoch ?? null });
    } catch {
      // A hook must never break the write path.
    }
  };
  const send = (name: PortName, method: string, args: readonly unknown[], ticket: WriteTicket | null) => {
    const phase = controller.get(name);
    const route = routes[phase];
    const direction = route.mirror ?? (route.serving === 'primary' ? 'primary-to-secondary' : 'secondary-to-primary');
    announce(name, method, phase, ticket);
    return writer.write(
      name,
      method,
      args,
      direction,
      route.mirror !== null,
      ticket ? () => ticket.proven() : undefined,
    );
  };
  /**
   * A write through the fleet's gate: held until admitted, routed by the phase in force when it is. Its lease is
   * proven again once the store answered: a process frozen between the check before the write and sending it (a GC
   * pause, SIGSTOP, a stalled VM) may have written after the fleet counted it out and moved the store of record, so
   * such a write is not acknowledged — UNAVAILABLE, outcome unknown — rather than acknowledged and then lost.
   */
  const gated = async <T>(name: PortName, method: string, write: (ticket: WriteTicket) => Promise<T>): Promise<T> => {
    const ticket = await (gate as WriteGate).admit(name, method);
    try {
      const result = await write(ticket);
      try {
        ticket.proven();
      } catch (error) {
        throw CohortError.unavailable(
          `${name}.${method}: this instance's lease lapsed while the write was under way, so the fleet may have moved ` +
            'the store of record meanwhile; the write is not acknowledged (its outcome is unknown: read before retrying)',
          error,
        );
      }
      return result;
    } finally {
      ticket.done();
    }
  };

  const port = <P extends PortName>(name: P): CohortStore[P] =>
    wrapPort(name, (method, args, kind) => {
      if (kind === 'write') {
        return gate
          ? gated(name, method, (ticket) => send(name, method, args, ticket))
          : send(name, method, args, null);
      }
      const route = routes[controller.get(name)];
      const serving = { store: stores[route.serving], name: route.serving };
      return route.shadow
        ? reader.read(name, method, args, serving, other(route.serving))
        : callPort(serving.store, name, method, args);
    });

  const recordSet = <N extends RecordSetName>(name: N): RecordSets[N] => {
    const route = () => routes[controller.get(recordSetPorts[name])];
    const setOf = (which: 'primary' | 'secondary') => stores[which].recordSets[name] as unknown as RecordSet<unknown>;
    // A migration-face write goes to the store of record, then (while mirroring) to the other store, as given.
    const write = (method: 'putMany' | 'deleteMany', call: (set: RecordSet<unknown>) => Promise<void>) => {
      const owner = recordSetPorts[name];
      const run = async (ticket: WriteTicket | null) => {
        const phase = controller.get(owner);
        const { serving, mirror } = routes[phase];
        announce(owner, method, phase, ticket);
        ticket?.proven();
        await call(setOf(serving));
        if (mirror === null) return;
        ticket?.proven();
        await call(setOf(serving === 'primary' ? 'secondary' : 'primary'));
      };
      return gate ? gated(owner, method, run) : run(null);
    };
    const wrapped: RecordSet<unknown> = {
      scan: (page) => setOf(route().serving).scan(page),
      count: () => setOf(route().serving).count(),
      putMany: (records) => write('putMany', (set) => set.putMany(records)),
      deleteMany: (keys) => write('deleteMany', (set) => set.deleteMany(keys)),
    };
    return wrapped as unknown as RecordSets[N];
  };

  return {
    users: port('users'),
    contents: port('contents'),
    enrollments: port('enrollments'),
    events: port('events'),
    communities: port('communities'),
    memberships: port('memberships'),
    posts: port('posts'),
    activity: port('activity'),
    recordSets: {
      users: recordSet('users'),
      contents: recordSet('contents'),
      enrollments: recordSet('enrollments'),
      events: recordSet('events'),
      registrations: recordSet('registrations'),
      communities: recordSet('communities'),
      memberships: recordSet('memberships'),
      posts: recordSet('posts'),
      comments: recordSet('comments'),
      reactions: recordSet('reactions'),
      activity: recordSet('activity'),
      activityCounts: recordSet('activityCounts'),
    },
    controller,
    repairLog: writer.repairLog,
    repair: () => writer.repair(),
    settled: () => reader.settled(),
  };
}
