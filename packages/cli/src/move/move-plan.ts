import { recordSetNames, recordSetPorts, type PortName, type RecordSetName } from '@cohort/core';
import { portNames, recordSetsOf, type FleetState, type MoveDirection } from '@cohort/migrate';

/** What `cohort move --only …` moves: an online move switches ports, and a port takes all its record sets along. */
export interface MovePlan {
  readonly ports: readonly PortName[];
  /** The record sets of those ports, in the platform's order. */
  readonly recordSets: readonly RecordSetName[];
  /** One line for the operator, e.g. `--only comments moves port posts: record sets posts, comments, reactions …`. */
  readonly description: string;
}

/** The ports of `only` (every port without it) and the record sets they bring along. */
export function planMove(only?: readonly RecordSetName[]): MovePlan {
  if (only === undefined) {
    return {
      ports: portNames,
      recordSets: recordSetNames,
      description: `moving every port (${portNames.join(', ')}): all ${recordSetNames.length} record sets`,
    };
  }
  const wanted = new Set(only.map((name) => recordSetPorts[name]));
  const ports = portNames.filter((port) => wanted.has(port));
  const recordSets = recordSetsOf(ports);
  const along = recordSets.filter((name) => !only.includes(name));
  return {
    ports,
    recordSets,
    description:
      `--only ${only.join(',')} moves port${ports.length === 1 ? '' : 's'} ${ports.join(', ')}: record sets ` +
      `${recordSets.join(', ')}` +
      (along.length === 0
        ? ''
        : ` (${along.join(', ')} come${along.length === 1 ? 's' : ''} along: a port moves whole)`),
  };
}

/** Where the fleet's phases put the moving ports: `mixed` unless all `primary-only` or all `secondary-only`. */
export type FleetDirection = MoveDirection | 'mixed';

/** The direction an online move of `ports` runs in, by the fleet's phases (as `startOnlineMove` reads them). */
export function fleetDirection(state: FleetState, ports: readonly PortName[]): FleetDirection {
  const phases = ports.map((port) => state.phases[port]);
  if (phases.every((phase) => phase === 'primary-only')) return 'forward';
  if (phases.every((phase) => phase === 'secondary-only')) return 'back';
  return 'mixed';
}

/** The moving ports' phases in a few words: `all 8 ports primary-only`, or each port's when they differ. */
export function describePhases(state: FleetState, ports: readonly PortName[]): string {
  const phases = new Set(ports.map((port) => state.phases[port]));
  if (phases.size === 1) {
    const [phase] = phases;
    return ports.length === 1 ? `${ports[0]} ${phase}` : `all ${ports.length} ports ${phase}`;
  }
  return ports.map((port) => `${port} ${state.phases[port]}`).join(', ');
}
