import { createInterface } from 'node:readline';
import { CohortError, type CohortStore, type ControlRecords } from '@cohort/core';
import { createFleetPhaseController, idleInTransactionBoundFor, stranglerStore, type HoldStats } from '@cohort/migrate';
import { startTraffic, type TrafficReport } from '@cohort/testkit/generator';
import { CliError, firstLine } from '../cli-error.js';
import { openStores, type OpenStores } from '../stores/open-stores.js';
import { wirings } from '../stores/wirings.js';

/**
 * The hidden `cohort` command that runs one service instance of `cohort demo --move`. A subcommand of `cohort` itself,
 * so a child runs exactly what its parent runs: the sources through tsx in this repository, dist/ when installed.
 */
export const DEMO_SERVICE_COMMAND = 'demo-service';

/**
 * What the operator tells a service instance, as the first line on its stdin: the process starts (and loads its
 * modules) while the servers are still starting, and learns where they are once they are up.
 */
export interface DemoServiceStart {
  readonly settings: DemoServiceSettings;
  /** The variables naming its stores (DATABASE_URL, DYNAMODB_ENDPOINT, …), over its own environment. */
  readonly environment: Readonly<Record<string, string>>;
}

export interface DemoServiceSettings {
  /** Its name in its lease, and the tag of the entities its traffic creates. */
  readonly instanceId: string;
  /** The fleet's control record in PostgreSQL, as the operator's `startOnlineMove` watches it. */
  readonly fleetKey: string;
  readonly writesPerSecond: number;
  /** The fleet controller's lease (its `leaseMs`). */
  readonly leaseMs: number;
}

/** One line a service instance prints on stdout, as JSON. */
export type ServiceMessage =
  | { readonly t: 'ready'; readonly instanceId: string; readonly pid: number }
  /** Every TICK_MS: the writes acknowledged and refused so far. */
  | { readonly t: 'tick'; readonly acknowledged: number; readonly refused: number }
  /** A write the fleet controller held (a fence, or a lease it could not prove), once released or failed. */
  | {
      readonly t: 'held';
      /** When it was let go (ms since the epoch). */
      readonly at: number;
      readonly waitedMs: number;
      readonly reason: 'fenced' | 'lease';
      readonly outcome: 'released' | 'timed-out';
    }
  /** A fleet event worth telling: the lease lost, a fence lifted as abandoned, the control record unreadable. */
  | { readonly t: 'fleet'; readonly event: string; readonly detail: string }
  /** On `stop`: what the traffic saw acknowledged, and every held call's extra latency. */
  | { readonly t: 'report'; readonly traffic: TrafficReport; readonly hold: HoldStats };

const TICK_MS = 500;

/**
 * A service instance of the move demo: a strangler store over PostgreSQL (primary) and DynamoDB (secondary), its
 * phases read from the fleet's control record in PostgreSQL by a fleet controller, carrying the steady write mix of
 * `startTraffic`. Reads a `DemoServiceStart` line on stdin, then writes until a line `stop` arrives (or stdin closes:
 * its operator is gone). Prints one JSON `ServiceMessage` per line; returns the exit code.
 */
export async function runDemoService(): Promise<number> {
  // The operator may be gone before its services: a closed pipe ends this process, not an unhandled error.
  process.stdout.on('error', () => undefined);
  const print = (message: ServiceMessage) => void process.stdout.write(`${JSON.stringify(message)}\n`);
  const lines = createInterface({ input: process.stdin });
  const input = lines[Symbol.asyncIterator]();
  const endInput = () => {
    // Nothing more is read: the open pipe must not keep this process alive.
    lines.close();
    process.stdin.destroy();
  };
  const first = await input.next();
  if (first.done === true) return 0;
  let start: DemoServiceStart;
  try {
    start = JSON.parse(first.value) as DemoServiceStart;
  } catch {
    endInput();
    throw new CliError(`cohort ${DEMO_SERVICE_COMMAND} is run by cohort demo --move, which writes its settings`, 2);
  }
  const { settings } = start;
  const env = { ...process.env, ...start.environment };

  const opened: OpenStores[] = [];
  const open = async (kind: 'postgres' | 'dynamo'): Promise<CohortStore> => {
    // A write frozen inside a PostgreSQL transaction is ended by the server before the fleet can pass this
    // instance by (its lease), so it cannot commit in the old store of record after a cut-over.
    const idleInTransactionTimeoutMs = idleInTransactionBoundFor(settings.leaseMs);
    const stores = await openStores({ layout: wirings[kind], mode: 'configured', env, idleInTransactionTimeoutMs });
    opened.push(stores);
    return (stores.stores[0] as OpenStores['stores'][number]).store;
  };
  try {
    const [postgres, dynamo] = await Promise.all([open('postgres'), open('dynamo')]);
    const controller = await createFleetPhaseController({
      control: postgres.control as ControlRecords,
      instanceId: settings.instanceId,
      key: settings.fleetKey,
      leaseMs: settings.leaseMs,
      onEvent: (event) => {
        if (event.type === 'held') {
          const { waitedMs, reason, outcome } = event;
          print({ t: 'held', at: Date.now(), waitedMs, reason, outcome });
        } else if (event.type === 'lease-lost' || event.type === 'fence-abandoned') {
          print({ t: 'fleet', event: event.type, detail: `epoch ${event.epoch}` });
        } else if (event.type === 'control-error') {
          const detail = CohortError.is(event.error)
            ? `${event.error.code}: ${firstLine(event.error)}`
            : firstLine(event.error);
          print({ t: 'fleet', event: event.type, detail });
        }
      },
    });
    try {
      const store = stranglerStore(postgres, dynamo, controller);
      let refused = 0;
      const traffic = await startTraffic(store, {
        tag: settings.instanceId,
        writesPerSecond: settings.writesPerSecond,
        onWrite: (write) => void (write.ok || (refused += 1)),
      });
      print({ t: 'ready', instanceId: settings.instanceId, pid: process.pid });
      const ticker = setInterval(() => print({ t: 'tick', acknowledged: traffic.acknowledged(), refused }), TICK_MS);
      let stopAsked = false;
      for (let line = await input.next(); line.done !== true; line = await input.next()) {
        if (line.value.trim() === 'stop') {
          stopAsked = true;
          break;
        }
      }
      clearInterval(ticker);
      endInput();
      const report = await traffic.stop();
      if (stopAsked) print({ t: 'report', traffic: report, hold: controller.holdStats() });
    } finally {
      await controller.close();
    }
  } finally {
    endInput();
    for (const stores of opened.reverse()) await stores.close();
  }
  return 0;
}
