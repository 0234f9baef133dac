import { setTimeout as sleep } from 'node:timers/promises';
import type { ChangeFeed, CohortStore, ControlRecords, PortName, RecordSetName, RecordSets } from '@cohort/core';
import {
  DEFAULT_FLEET_KEY,
  DEFAULT_LAG_GATE_MS,
  fleetControl,
  recordSetsOf,
  startOnlineMove,
  verify,
  LagRecorder,
  type LagSample,
  type LagSummary,
  type MoveHandle,
  type MoveReport,
  type OnlineMove,
  type SwitchReport,
  type SwitchStep,
  type VerifyReport,
} from '@cohort/migrate';
import { checkTraffic, generatePlatform, loadPlatform } from '@cohort/testkit/generator';
import { CliError, firstLine } from '../cli-error.js';
import {
  formatMoveDemoSummary,
  formatVerify,
  formatSteps,
  type MoveDemoSummary,
  type ServiceSummary,
  type SwitchOutcome,
} from '../demo/move-print.js';
import { MoveLiveView } from '../demo/move-live-view.js';
import { formatSeeded } from '../demo/print.js';
import { spawnServiceProcess, type HeldCall, type ServiceProcess } from '../demo/service-processes.js';
import { Progress, formatSeconds } from '../progress.js';
import { openStores } from '../stores/open-stores.js';
import { storeLabels, wirings } from '../stores/wirings.js';
import { DEFAULT_DEMO_SEED, demoPlatformSizes } from './demo.js';

export interface MoveDemoOptions {
  /** The generator's seed (default 7). */
  readonly seed?: number;
  /** Service processes writing through the move (default 3). */
  readonly services?: number;
  /** Writes per second each service aims at (default 50). */
  readonly writesPerSecond?: number;
  /** Where the demo is printed (default: stdout). */
  readonly write?: (text: string) => void;
  /** Where progress and the live view go (default: stderr). */
  readonly progress?: Progress;
  /** Read for DATABASE_URL / DYNAMODB_ENDPOINT, and handed to the service processes (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  readonly verbose?: boolean;
}

export interface MoveDemoResult {
  readonly summary: MoveDemoSummary;
  /** 0 when every check passed, 1 otherwise. */
  readonly exitCode: number;
}

/**
 * The context that moves. Activity is a context of its own (its port checks no reference in another store), so it
 * can be served by DynamoDB while users stay in PostgreSQL: the move ends in the hybrid wiring. The posts port alone
 * could not: DynamoDB's posts.create checks the post's community in DynamoDB, and communities stay in PostgreSQL.
 */
const MOVING_PORTS: readonly PortName[] = ['activity'];
const SUBSCRIPTION = 'demo_move';
/** The lag gate of both switches (the library's default). */
const LAG_GATE_MS = DEFAULT_LAG_GATE_MS;
/** How long the replication follows before the cut-over, and the services write to the new store before a rollback. */
const FOLLOW_MS = 3_000;
const SERVE_MS = 3_000;
/** How long a switch may wait for the lag gate (retrying a refusal or an abort) before the demo gives up. */
const SWITCH_WINDOW_MS = 60_000;
const LIVE_EVERY_MS = 1_000;
/**
 * The services' leases: 2 s, not the controller's default 1 s. The demo runs four Node processes, PostgreSQL and a JVM
 * on what may be two busy cores; at a load average of 14 a 1 s lease lapsed several times a run, and a write under way
 * through a lapse is refused (its outcome unknown), which the demo would count as a service error. A longer lease only
 * makes a frozen instance count out of a fence later; the demo has none.
 */
const LEASE_MS = 2_000;
/** Verify's buckets, all drilled in one pass: the demo's sets fit in memory, and each drill pass rescans both sets. */
const VERIFY_BUCKETS = 256;

/**
 * `cohort demo --move`: an online move under traffic, end to end on embedded servers. The small platform is seeded
 * into PostgreSQL; three service processes (each a strangler store over PostgreSQL and DynamoDB whose phases come
 * from PostgreSQL's control records) write a steady mix; this process moves the activity context to DynamoDB with
 * `startOnlineMove` (backfill, follow), cuts over behind the fence once the lag is under the gate, lets the services
 * write to DynamoDB, verifies, rolls back the same way, verifies again, stops the services and checks that every
 * write each saw acknowledged is in the final store of record. A live view on stderr; a summary on stdout.
 */
export async function runMoveDemo(options: MoveDemoOptions = {}): Promise<MoveDemoResult> {
  const write = options.write ?? ((text: string) => void process.stdout.write(`${text}\n`));
  const progress = options.progress ?? new Progress();
  const env = options.env ?? process.env;
  const started = performance.now();
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const serviceCount = options.services ?? 3;
  const writesPerSecond = options.writesPerSecond ?? 50;
  const moving: RecordSetName[] = recordSetsOf(MOVING_PORTS);
  const problems: string[] = [];

  write('Cohort demo: an online move under traffic');
  // The service processes start first: they load their modules while the servers start, then wait to be told where
  // the stores are. Each has its own connections and fleet controller.
  const services: ServiceProcess[] = [];
  for (let index = 1; index <= serviceCount; index += 1) {
    const settings = {
      instanceId: `service-${index}`,
      fleetKey: DEFAULT_FLEET_KEY,
      writesPerSecond,
      leaseMs: LEASE_MS,
    };
    services.push(spawnServiceProcess(settings, env));
  }
  const killServices = async () => void (await Promise.all(services.map((service) => service.kill())));
  try {
    return await moveUnderTraffic();
  } finally {
    await killServices();
  }

  async function moveUnderTraffic(): Promise<MoveDemoResult> {
    progress.start('starting PostgreSQL and DynamoDB Local');
    const stores = await openStores({
      layout: wirings.hybrid,
      mode: 'fresh',
      env,
      log: (line) => (options.verbose ? progress.note(line) : progress.update(line)),
    });
    try {
      progress.done('stores ready');
      const pg = stores.stores.find((store) => store.kind === 'postgres');
      const dy = stores.stores.find((store) => store.kind === 'dynamo');
      if (!pg || !dy) throw new CliError('the move demo needs PostgreSQL and DynamoDB');
      const postgres = pg.store;
      const dynamo = dy.store;
      const from = storeLabels.postgres;
      const to = storeLabels.dynamo;
      const feeds = { postgres: feedOf(postgres, from), dynamo: feedOf(dynamo, to) };
      const control = postgres.control as ControlRecords;
      write(`  ${from} (${pg.where}) serves every context, and keeps the fleet's phases in its control records`);
      write(`  ${to} (${dy.where}) stands by for the ${MOVING_PORTS.join(', ')} context`);

      progress.start('seeding PostgreSQL');
      const platform = generatePlatform({ seed, scale: demoPlatformSizes });
      await loadPlatform(postgres.recordSets, platform, {
        onProgress: ({ recordSet, written, total }) => progress.update(`seeding ${recordSet} ${written}/${total}`),
      });
      progress.done('seeded');
      write('');
      write(`Seeded a generated platform (seed ${seed}) into ${from}:`);
      write(`  ${formatSeeded(platform.counts())}`);

      progress.start(`starting ${serviceCount} service processes`);
      let online: OnlineMove | null = null;
      // On Ctrl-C (closeAllStores) and on any failure: the services end, the move stops, its subscriptions go.
      stores.defer(async () => {
        if (online !== null) await online.stop();
        await dropSubscriptions(feeds);
      });
      stores.defer(killServices);
      await Promise.all(services.map((service) => service.start({ ...pg.environment, ...dy.environment })));
      progress.done(`${serviceCount} service processes write`);
      write('');
      write(
        `${serviceCount} service processes (pids ${services.map((service) => service.pid ?? '?').join(', ')}) write ` +
          `~${writesPerSecond}/s each (profiles, joins, registrations, posts, comments, reactions, removals, activity): ` +
          `each a strangler store over ${from} (primary) and ${to} (secondary), routing by the fleet's phases.`,
      );

      const view = new MoveLiveView({
        fleet: fleetControl(control, { key: DEFAULT_FLEET_KEY }),
        services,
        from,
        to,
        moving: MOVING_PORTS.join(', '),
        progress,
        everyMs: LIVE_EVERY_MS,
      });
      const followLag = new FollowLag();
      const replicationErrors: string[] = [];
      progress.start('moving');
      write('');
      write(`Moving the ${MOVING_PORTS.join(', ')} context (${moving.join(', ')}) from ${from} to ${to}, online:`);
      online = await startOnlineMove({
        source: { ...postgres, changeFeed: feeds.postgres },
        target: { ...dynamo, changeFeed: feeds.dynamo },
        control,
        fleetKey: DEFAULT_FLEET_KEY,
        ports: MOVING_PORTS,
        subscription: SUBSCRIPTION,
        onReplicationError: (error, direction) => {
          const line = `the replication ${direction === 'forward' ? `${from} -> ${to}` : `${to} -> ${from}`} failed`;
          replicationErrors.push(`${line}: ${firstLine(error)}`);
          progress.note(`${line} (${firstLine(error)}); starting it again in 1 s`);
        },
        replication: {
          label: `${from} -> ${to}`,
          backfill: { onProgress: view.onBackfill },
          waitMs: 200,
          onLag: (sample, status) => followLag.record(status.subscription, sample),
        },
      });
      const move = online;
      view.start(move);
      const snapshot = (label: string) => write(`  ${label.padEnd(16)} ${view.line(move)}`);

      /** Verify while the services write (keys in flight are told apart by the feeds), and say how it went. */
      const verifyNow = async (after: 'cut-over' | 'rollback') => {
        view.stage = 'verifying';
        const report = await verifyMoved({ postgres, dynamo, moving, progress });
        view.stage = null;
        verifies.push({ after, report });
        write(`  ${'verified'.padEnd(16)} ${formatVerify(report)}`);
      };
      const switches: SwitchOutcome[] = [];
      const verifies: { after: string; report: VerifyReport }[] = [];
      /** When each switch's first attempt began (ms since the epoch): the services' held calls are told apart by it. */
      const starts: number[] = [];
      const lagForward: { steady: LagSummary | null; run: LagSummary | null } = { steady: null, run: null };
      const lagBack: { steady: LagSummary | null; run: LagSummary | null } = { steady: null, run: null };
      let forwardReport: MoveReport | null = null;
      // The replication a switch stops: taken when its fence is set (a failed replication is started again, so the
      // one running earlier may be gone by then). Its report has the backfill and the lag of its whole run.
      let switched: MoveHandle = move.replication();
      const onStep = (name: SwitchOutcome['name'], step: SwitchStep, atMs: number) => {
        if (step === 'fenced') switched = move.replication();
        progress.update(`${name}: ${step} at ${Math.round(atMs)} ms`);
      };
      try {
        await until(() => move.replication().status().phase === 'follow', 120_000);
        snapshot('backfilled');
        await sleep(FOLLOW_MS);
        snapshot('following');

        const cut = await switchWhenReady(move, { name: 'cut-over', starts, onStep });
        switches.push(cut);
        if (cut.report?.outcome !== 'switched') {
          problems.push(`the cut-over did not switch: ${cut.report?.reason ?? 'the lag never came under the gate'}`);
        } else {
          write(`  ${'cut over'.padEnd(16)} ${formatSteps(cut.report)}; ${to} now serves ${MOVING_PORTS.join(', ')}`);
          lagForward.steady = followLag.takeSteady(SUBSCRIPTION);
          forwardReport = await switched.done.catch(() => null);
          lagForward.run = forwardReport?.lag ?? null;
          await sleep(SERVE_MS);
          snapshot(`serving (${to})`);
          await verifyNow('cut-over');

          const rollback = await switchWhenReady(move, { name: 'rollback', starts, onStep });
          switches.push(rollback);
          if (rollback.report?.outcome !== 'switched') {
            problems.push(
              `the rollback did not switch: ${rollback.report?.reason ?? 'the lag never came under the gate'}`,
            );
          } else {
            write(
              `  ${'rolled back'.padEnd(16)} ${formatSteps(rollback.report)}; ${from} serves ${MOVING_PORTS.join(', ')} again`,
            );
            lagBack.steady = followLag.takeSteady(switched.status().subscription);
            lagBack.run = (await switched.done.catch(() => null))?.lag ?? null;
            await sleep(SERVE_MS / 2);
            snapshot(`serving (${from})`);
          }
          await verifyNow('rollback');
        }
      } finally {
        await view.stop();
      }

      const held = services.flatMap((service) => service.held());
      switches.forEach((outcome, index) => {
        const calls = heldBetween(held, starts[index], starts[index + 1]);
        switches[index] = { ...outcome, held: calls };
        if (calls.timedOut > 0) problems.push(`${calls.timedOut} calls held by the ${outcome.name} timed out`);
      });

      // The store of record of every port at the end: PostgreSQL, with the moved ports from DynamoDB if still there.
      const direction = move.status().direction;
      const moved = Object.fromEntries(MOVING_PORTS.map((port) => [port, dynamo[port]]));
      const storeOfRecord: CohortStore = direction === 'forward' ? postgres : { ...postgres, ...moved };
      const { ledgers, serviceSummaries } = await stopServices({ services, storeOfRecord, progress, problems });
      const refused = serviceSummaries.filter((service) => Object.keys(service.errors).length > 0);
      if (refused.length > 0) problems.push(`${refused.length} services saw errors`);
      for (const { after, report } of verifies)
        if (!report.ok) problems.push(`verify after the ${after} found differences`);

      progress.start('stopping the move');
      await move.stop();
      // Had the cut-over not switched, the replication forward ran to here: its report has the backfill and the lag.
      forwardReport ??= await move.replication().done.catch(() => null);
      lagForward.run ??= forwardReport?.lag ?? null;
      await dropSubscriptions(feeds);
      progress.done(`stopped the replication and dropped its subscriptions`);

      const summary: MoveDemoSummary = {
        from,
        to,
        backfill: forwardReport && {
          copied: forwardReport.backfill.copied,
          elapsedMs: forwardReport.backfill.elapsedMs,
          rowsPerSecond: forwardReport.backfill.rowsPerSecond,
          sets: forwardReport.backfill.recordSets.map((set) => ({ recordSet: set.recordSet, copied: set.copied })),
        },
        lagForward,
        lagBack,
        switches,
        verifies,
        ledgers,
        storeOfRecord: direction === 'forward' ? from : `${to} (activity) and ${from}`,
        services: serviceSummaries,
        replicationErrors,
        problems,
      };

      progress.start('stopping');
      await stores.close();
      progress.done('closed the stores and stopped the servers the demo started');
      write('');
      formatMoveDemoSummary(summary).forEach((line) => write(line));
      write('');
      write(`Done in ${formatSeconds(performance.now() - started)}.`);
      return { summary, exitCode: problems.length === 0 ? 0 : 1 };
    } finally {
      await stores.close();
    }
  }
}

/**
 * The moved record sets, PostgreSQL against the hybrid platform: DynamoDB's moved sets beside PostgreSQL's others,
 * so integrity finds the parents (users, for activity's actorId) where the platform keeps them. Run while the services
 * write and the replication follows: the feeds tell keys in flight from differences.
 */
async function verifyMoved({
  postgres,
  dynamo,
  moving,
  progress,
}: {
  readonly postgres: CohortStore;
  readonly dynamo: CohortStore;
  readonly moving: readonly RecordSetName[];
  readonly progress: Progress;
}): Promise<VerifyReport> {
  const hybrid: RecordSets = {
    ...postgres.recordSets,
    ...Object.fromEntries(moving.map((name) => [name, dynamo.recordSets[name]])),
  };
  progress.start(`verifying ${moving.join(', ')} while the services write`);
  const report = await verify({
    source: { recordSets: postgres.recordSets },
    target: { recordSets: hybrid },
    only: moving,
    feeds: { source: postgres.changeFeed, target: dynamo.changeFeed },
    labels: { source: storeLabels.postgres, target: storeLabels.dynamo },
    drillBuckets: VERIFY_BUCKETS,
    buckets: VERIFY_BUCKETS,
  });
  progress.done(`verified ${moving.join(', ')}: ${report.ok ? 'ok' : 'DIFFERENT'}`);
  return report;
}

function feedOf(store: CohortStore, label: string): ChangeFeed {
  if (!store.changeFeed) throw new CliError(`${label} has no change feed`);
  return store.changeFeed;
}

async function dropSubscriptions(feeds: { readonly postgres: ChangeFeed; readonly dynamo: ChangeFeed }): Promise<void> {
  for (const feed of [feeds.postgres, feeds.dynamo]) {
    const names = (await feed.listSubscriptions().catch(() => [])).map((info) => info.name);
    for (const name of names.filter((candidate) => candidate.startsWith(SUBSCRIPTION))) {
      await feed.dropSubscription(name).catch(() => undefined);
    }
  }
}

/**
 * Switches, the gate probing the lag for up to SWITCH_WINDOW_MS; an abort (the fence outlasted its bound) is tried
 * again within that window. Records when the first attempt began.
 */
async function switchWhenReady(
  move: OnlineMove,
  options: {
    readonly name: SwitchOutcome['name'];
    /** Gets the time of the first attempt. */
    readonly starts: number[];
    readonly onStep: (name: SwitchOutcome['name'], step: SwitchStep, atMs: number) => void;
  },
): Promise<SwitchOutcome> {
  const { name, starts } = options;
  const onStep = (step: SwitchStep, atMs: number) => options.onStep(name, step, atMs);
  const deadline = performance.now() + SWITCH_WINDOW_MS;
  let last: SwitchReport | null = null;
  let attempts = 0;
  /** Every attempt that did not switch: the aborted ones tried again, and a refusal that ended the window. */
  const failed: string[] = [];
  starts.push(Date.now());
  while (performance.now() < deadline) {
    const tuning = { lagGateMs: LAG_GATE_MS, gateWaitMs: Math.max(0, deadline - performance.now()), onStep };
    attempts += 1;
    last = name === 'cut-over' ? await move.cutOver(tuning) : await move.rollback(tuning);
    if (last.outcome !== 'switched') failed.push(`${last.outcome}: ${last.reason ?? '?'}`);
    if (last.outcome !== 'aborted') break;
  }
  return { name, report: last, attempts, failed, held: { count: 0, timedOut: 0, p50Ms: 0, p100Ms: 0 } };
}

/**
 * The lag of every batch that applied changes, per subscription, for the summary: the samples from the first batch
 * under the gate on are the steady follow, reported beside the whole run's (which includes the catch-up after the
 * backfill).
 */
class FollowLag {
  private readonly steady = new Map<string, LagRecorder>();

  record(subscription: string, sample: LagSample): void {
    if (sample.applied === 0) return;
    const steady = this.steady.get(subscription);
    if (steady) steady.record(sample);
    else if (sample.lagMs <= LAG_GATE_MS)
      this.steady.set(subscription, new LagRecorder()).get(subscription)?.record(sample);
  }

  /** The steady follow's lag so far, and starts it anew (the subscription's next use is another follow). */
  takeSteady(subscription: string): LagSummary | null {
    const steady = this.steady.get(subscription);
    this.steady.delete(subscription);
    return steady ? steady.summary() : null;
  }
}

/**
 * Stops the services (each reports what its traffic saw acknowledged) and checks every ledger in the store of record;
 * what failed goes to `problems`.
 */
async function stopServices({
  services,
  storeOfRecord,
  progress,
  problems,
}: {
  readonly services: readonly ServiceProcess[];
  readonly storeOfRecord: CohortStore;
  readonly progress: Progress;
  readonly problems: string[];
}): Promise<{ ledgers: MoveDemoSummary['ledgers']; serviceSummaries: ServiceSummary[] }> {
  progress.start('stopping the services');
  const stopped = await Promise.allSettled(services.map((service) => service.stop()));
  const reports = stopped.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  for (const result of stopped) if (result.status === 'rejected') problems.push(firstLine(result.reason));
  progress.done('services stopped');

  progress.start('checking every service ledger');
  const ledgers = [];
  for (const report of reports) {
    const found = await checkTraffic(storeOfRecord, report.traffic.ledger);
    ledgers.push({ instanceId: report.instanceId, checked: report.traffic.acknowledged, problems: found });
    if (found.length > 0)
      problems.push(`${report.instanceId}: ${found.length} acknowledged writes not as acknowledged`);
  }
  progress.done('ledgers checked');

  const serviceSummaries = services.map((service): ServiceSummary => {
    const report = reports.find((candidate) => candidate.instanceId === service.instanceId);
    return {
      instanceId: service.instanceId,
      acknowledged: report?.traffic.acknowledged ?? service.acknowledged(),
      errors: report?.traffic.errors ?? {},
      firstErrors: report?.traffic.firstErrors ?? [],
      hold: report?.hold ?? null,
      fleetEvents: service.fleetEvents(),
    };
  });
  return { ledgers, serviceSummaries };
}

/**
 * The calls a switch's fence held, from the services' reports: a call belongs to the last switch begun before it was
 * let go. (A call held because its instance could not prove its lease counts in holdStats, not here.)
 */
function heldBetween(held: readonly HeldCall[], from = Number.POSITIVE_INFINITY, until = Number.POSITIVE_INFINITY) {
  return heldStats(held.filter((call) => call.reason === 'fenced' && call.at >= from && call.at < until));
}

function heldStats(calls: readonly HeldCall[]): SwitchOutcome['held'] {
  const waits = calls.map((call) => call.waitedMs).sort((a, b) => a - b);
  return {
    count: calls.length,
    timedOut: calls.filter((call) => call.outcome === 'timed-out').length,
    p50Ms: waits[Math.max(0, Math.ceil(waits.length / 2) - 1)] ?? 0,
    p100Ms: waits.at(-1) ?? 0,
  };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() >= deadline)
      throw new CliError(`the move did not reach the follow within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}
