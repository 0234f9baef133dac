import { CohortError, type ControlRecord, type PortName } from '@cohort/core';
import { phases, type Phase } from './phase.js';
import { portNames } from './ports.js';

/** Where a fleet keeps its phases unless told otherwise; leases live under `<key>/lease/<instanceId>`. */
export const DEFAULT_FLEET_KEY = 'cohort/migrate/phases';

/** The fleet's phases as one control record says them. */
export interface FleetState {
  /** The control record's version: every change of phases or fence is a new epoch (0: no record yet). */
  readonly epoch: number;
  /** Every port's phase (`primary-only` where the record says nothing). */
  readonly phases: Readonly<Record<PortName, Phase>>;
  /** Ports whose writes every instance holds (empty when not fenced). */
  readonly fenced: readonly PortName[];
  /** When the fence was set (ISO, the operator's clock); null when not fenced. */
  readonly fencedAt: string | null;
}

/** What the control record holds (its version is the epoch). */
export interface FleetValue {
  readonly phases: Partial<Record<PortName, Phase>>;
  readonly fenced: readonly PortName[];
  readonly fencedAt: string | null;
}

/** One instance's lease, as it writes it: renewed every poll, it names the epoch the instance obeys. */
export interface LeaseValue {
  readonly instanceId: string;
  /** The epoch of the phases this instance routes by. */
  readonly epoch: number;
  /** The fence epoch this instance has acknowledged (holds new writes to the fenced ports, none in flight); or null. */
  readonly acknowledged: number | null;
  /** When it was renewed (ISO, the instance's clock; for people: expiry is judged by watching the version). */
  readonly renewedAt: string;
  /** How long the lease holds after a renewal begins. */
  readonly leaseMs: number;
}

export const leasePrefix = (key: string): string => `${key}/lease/`;
export const leaseKey = (key: string, instanceId: string): string => `${leasePrefix(key)}${instanceId}`;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isPort = (value: unknown): value is PortName => (portNames as readonly unknown[]).includes(value);
const isPhaseValue = (value: unknown): value is Phase => (phases as readonly unknown[]).includes(value);

const malformed = (key: string, why: string): CohortError =>
  new CohortError('VALIDATION', `control record ${key} is not a fleet phase record: ${why}`);

/** The fleet state a control record says (no record: every port primary-only, epoch 0); VALIDATION if malformed. */
export function fleetStateOf(key: string, record: ControlRecord | null): FleetState {
  const all = (phase: Phase) => Object.fromEntries(portNames.map((port) => [port, phase])) as Record<PortName, Phase>;
  if (record === null) return { epoch: 0, phases: all('primary-only'), fenced: [], fencedAt: null };
  const value = record.value;
  if (!isObject(value) || !isObject(value['phases']) || !Array.isArray(value['fenced'])) {
    throw malformed(key, 'expected { phases, fenced, fencedAt }');
  }
  const current = all('primary-only');
  for (const [port, phase] of Object.entries(value['phases'])) {
    if (!isPort(port) || !isPhaseValue(phase)) throw malformed(key, `${port}: ${String(phase)}`);
    current[port] = phase;
  }
  const fenced = value['fenced'] as unknown[];
  if (!fenced.every(isPort)) throw malformed(key, 'fenced names an unknown port');
  const fencedAt = value['fencedAt'];
  if (fencedAt !== null && typeof fencedAt !== 'string') throw malformed(key, 'fencedAt');
  return { epoch: record.version, phases: current, fenced, fencedAt: fenced.length > 0 ? (fencedAt ?? null) : null };
}

/** The record value of a state. */
export function fleetValueOf(state: Omit<FleetState, 'epoch'>): FleetValue {
  return { phases: { ...state.phases }, fenced: [...state.fenced], fencedAt: state.fencedAt };
}

/** A lease as stored, or null when the record is not one. */
export function leaseOf(record: ControlRecord): LeaseValue | null {
  const value = record.value;
  if (!isObject(value)) return null;
  const { instanceId, epoch, acknowledged, renewedAt, leaseMs } = value;
  if (typeof instanceId !== 'string' || typeof epoch !== 'number' || typeof renewedAt !== 'string') return null;
  if (typeof leaseMs !== 'number' || (acknowledged !== null && typeof acknowledged !== 'number')) return null;
  return { instanceId, epoch, acknowledged, renewedAt, leaseMs };
}
