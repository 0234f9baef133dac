import { resolve } from 'node:path';
import type { RecordSetName, SubscriptionInfo } from '@cohort/core';
import { fileCheckpoint, type BackfillCheckpoint, type FleetState, type LeaseInfo } from '@cohort/migrate';
import { CliError, firstLine } from '../cli-error.js';
import { Progress } from '../progress.js';
import { formatCount } from '../move/move-format.js';
import { describePhases, fleetDirection, planMove, type FleetDirection } from '../move/move-plan.js';
import { openMoveStores } from '../move/move-stores.js';
import { checkEndpoints, type EndpointKind } from '../stores/open-endpoints.js';
import { backSubscriptionOf, defaultMoveSubscription, moveCheckpointPath } from './move.js';

export interface MoveStatusOptions {
  readonly from: EndpointKind;
  readonly to: EndpointKind;
  /** The record sets whose ports move; every port by default. */
  readonly only?: readonly RecordSetName[];
  readonly subscription?: string;
  /** The store holding the fleet's control record (default `from`). */
  readonly control?: EndpointKind;
  readonly write?: (text: string) => void;
  readonly progress?: Progress;
  readonly env?: NodeJS.ProcessEnv;
  readonly verbose?: boolean;
}

/**
 * `cohort move --status`, moving nothing: the fleet's phases of the moving ports (fenced or not, the epoch), each
 * instance's lease, the direction, both subscriptions (forward on the source, back on the target) with their lag,
 * and the backfill checkpoint.
 */
export async function runMoveStatus(options: MoveStatusOptions): Promise<void> {
  const write = options.write ?? ((text: string) => void process.stdout.write(`${text}\n`));
  const progress = options.progress ?? new Progress();
  const env = options.env ?? process.env;
  const { from, to } = options;
  checkEndpoints(from, to, env);
  const plan = planMove(options.only);
  const forward = options.subscription ?? defaultMoveSubscription(from, to);
  const back = backSubscriptionOf(forward);
  const shownPath = moveCheckpointPath(from, to);
  const saved = await fileCheckpoint(resolve(shownPath))
    .load()
    .catch((error: unknown) => {
      throw new CliError(firstLine(error), 2, { cause: error });
    });
  const stores = await openMoveStores(options, env, progress);
  try {
    const [state, leases, forwardInfo, backInfo] = await Promise.all([
      stores.fleet.read(),
      stores.fleet.leases(),
      stores.source.changeFeed.listSubscriptions().then((list) => list.find((info) => info.name === forward)),
      stores.target.changeFeed.listSubscriptions().then((list) => list.find((info) => info.name === back)),
    ]);
    const direction = fleetDirection(state, plan.ports);
    const lines = [
      `from: ${stores.endpoints.from.description}`,
      `to:   ${stores.endpoints.to.description}`,
      `control: ${stores.controlDescription}`,
      plan.description,
      fleetLine(state),
      `phases: ${describePhases(state, plan.ports)}`,
      directionLine(direction, from, to),
      ...leaseLines(leases),
      subscriptionLine('forward', forward, from, forwardInfo),
      subscriptionLine('back', back, to, backInfo),
      ...checkpointLines(shownPath, saved),
    ];
    for (const line of lines) write(line);
  } finally {
    await stores.endpoints.close();
  }
}

function fleetLine(state: FleetState): string {
  if (state.epoch === 0) return 'fleet: no control record yet (epoch 0): every port primary-only, not fenced';
  if (state.fenced.length === 0) return `fleet: epoch ${state.epoch}, not fenced`;
  return (
    `fleet: epoch ${state.epoch}, FENCED since ${state.fencedAt ?? '?'} (${state.fenced.join(', ')}): a switch is ` +
    'under way, or its operator died and the instances lift it as abandoned'
  );
}

function directionLine(direction: FleetDirection, from: string, to: string): string {
  switch (direction) {
    case 'forward':
      return `direction: forward: ${from} serves the ports, the replication runs ${from} -> ${to} (--cutover switches them to ${to})`;
    case 'back':
      return `direction: back: ${to} serves the ports, the replication runs back ${to} -> ${from} (--rollback switches them back to ${from})`;
    case 'mixed':
      return 'direction: none: the moving ports are neither all primary-only nor all secondary-only, so no online move runs';
  }
}

function leaseLines(leases: readonly LeaseInfo[]): string[] {
  if (leases.length === 0) return ['leases: none (no service instance watches this key: a fence would mean nothing)'];
  const live = leases.filter((lease) => lease.live).length;
  return [
    `leases: ${formatCount(leases.length)} (${formatCount(live)} live)`,
    ...leases.map(
      (lease) =>
        `  ${lease.instanceId}: obeys epoch ${lease.epoch}, acknowledged fence ${lease.acknowledged ?? '–'}, ` +
        `renewed ${lease.renewedAt} (lease ${formatCount(lease.leaseMs)} ms), ${lease.live ? 'live' : 'not renewed'}`,
    ),
  ];
}

function subscriptionLine(role: 'forward' | 'back', name: string, store: string, info: SubscriptionInfo | undefined) {
  const head = `${role.padEnd(7)} subscription ${name} on ${store}`;
  if (info === undefined) {
    return `${head}: none (${role === 'forward' ? 'no move started with it, or a cut-over dropped it' : 'no cut-over made yet, or a rollback dropped it'})`;
  }
  const count = (value: number | null, unit: string) => (value === null ? null : `${formatCount(value)} ${unit}`);
  const lag = [count(info.lag.changes, 'changes'), count(info.lag.bytes, 'bytes'), count(info.lag.ms, 'ms')]
    .filter((part) => part !== null)
    .join(', ');
  return (
    `${head}: position ${info.position}, created ${info.createdAt.toISOString()}, ` +
    `${info.reading ? 'reading (a move follows it)' : 'idle'}, lag ${lag || 'unknown'}`
  );
}

function checkpointLines(shownPath: string, saved: BackfillCheckpoint | null): string[] {
  if (saved === null) return [`backfill: no checkpoint at ${shownPath}`];
  const sets = Object.entries(saved.recordSets);
  const done = sets.filter(([, set]) => set?.done).length;
  const copied = sets.reduce((sum, [, set]) => sum + (set?.copied ?? 0), 0);
  return [
    `backfill: ${shownPath} (${saved.label ?? 'unlabelled'}, started ${saved.startedAt}, updated ${saved.updatedAt}): ` +
      `${done} of ${sets.length} record sets done, ${formatCount(copied)} records copied`,
    ...sets.map(
      ([set, state]) =>
        `  ${set.padEnd(15)} ${formatCount(state?.copied ?? 0).padStart(10)}  ${state?.done ? 'done' : 'copying'}`,
    ),
  ];
}
