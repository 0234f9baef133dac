// One service instance of the move benchmark, in a process of its own (own connections, own fleet controller): a
// strangler store over the move's source (primary) and target (secondary) whose phases come from the fleet's control
// record in PostgreSQL, carrying the steady write mix of @cohort/testkit/generator at a paced rate until a line
// `stop` arrives on stdin. Prints one JSON object per line: `ready`; every held write as it is let go (`held`); lease
// and fence events (`fleet`); on stop, the traffic's report with its ledger, the hold statistics and the mirror
// failures left in the repair log (`report`). Started by services.ts.
import { createInterface } from 'node:readline';
import type { ControlRecords } from '@cohort/core';
import {
  DEFAULT_LEASE_MS,
  createFleetPhaseController,
  createMirrorClock,
  idleInTransactionBoundFor,
  stranglerStore,
} from '@cohort/migrate';
import { startTraffic } from '@cohort/testkit/generator';
import { openStore, type StoreSpec } from './move-stores.js';

/** What the benchmark tells a service instance (one JSON argument). */
export interface ServiceSettings {
  readonly instanceId: string;
  readonly source: StoreSpec;
  readonly target: StoreSpec;
  /** Which of the two holds the fleet's control record (the PostgreSQL one). */
  readonly control: 'source' | 'target';
  readonly fleetKey: string;
  readonly writesPerSecond: number;
  /** The controller's hold bound and fence-abandon time; its defaults (3,000 and 2,500 ms) when absent. */
  readonly holdBoundMs?: number;
  readonly fenceAbandonMs?: number;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as ServiceSettings;
const print = (line: object) => void process.stdout.write(`${JSON.stringify({ at: Date.now(), ...line })}\n`);
process.stdout.on('error', () => undefined);

const clock = createMirrorClock();
// A write frozen inside a PostgreSQL transaction is ended by the server before the fleet can pass this instance by.
const serviceStore = { clock, poolSize: 4, idleInTransactionTimeoutMs: idleInTransactionBoundFor(DEFAULT_LEASE_MS) };
const source = await openStore(settings.source, serviceStore);
const target = await openStore(settings.target, serviceStore);
const controller = await createFleetPhaseController({
  control: (settings.control === 'source' ? source : target).store.control as ControlRecords,
  instanceId: settings.instanceId,
  key: settings.fleetKey,
  leaseMs: DEFAULT_LEASE_MS,
  ...(settings.holdBoundMs === undefined ? {} : { holdBoundMs: settings.holdBoundMs }),
  ...(settings.fenceAbandonMs === undefined ? {} : { fenceAbandonMs: settings.fenceAbandonMs }),
  onEvent: (event) => {
    if (event.type === 'held')
      print({ t: 'held', waitedMs: event.waitedMs, reason: event.reason, outcome: event.outcome });
    else if (event.type === 'lease-lost' || event.type === 'fence-abandoned') print({ t: 'fleet', event: event.type });
    else if (event.type === 'control-error') print({ t: 'fleet', event: event.type, detail: String(event.error) });
  },
});
const store = stranglerStore(source.store, target.store, controller, { clock });
const traffic = await startTraffic(store, { tag: settings.instanceId, writesPerSecond: settings.writesPerSecond });
print({ t: 'ready' });

const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === 'stop') break;
lines.close();
const report = await traffic.stop();
const last = {
  at: Date.now(),
  t: 'report',
  traffic: report,
  hold: controller.holdStats(),
  repairsPending: store.repairLog.entries().length,
};
// The report (its ledger included) is a long line: written whole before the process exits.
await new Promise((resolve) => process.stdout.write(`${JSON.stringify(last)}\n`, resolve));
await controller.close();
await source.close();
await target.close();
process.exit(0); // stdin stays open: the readline loop alone would keep the process alive
