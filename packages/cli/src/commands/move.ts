import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CohortError, type RecordSetName } from '@cohort/core';
import {
  DEFAULT_LAG_GATE_MS,
  DEFAULT_PAUSE_BOUND_MS,
  createProgressRenderer,
  fileCheckpoint,
  startOnlineMove,
  verify,
  type MoveDirection,
  type MoveHandle,
  type MoveReport,
  type OnlineMove,
  type ProgressStream,
  type SwitchReport,
  type SwitchTuning,
  type VerifyReport,
} from '@cohort/migrate';
import { CliError, firstLine } from '../cli-error.js';
import { Progress } from '../progress.js';
import { formatMs } from '../move/move-format.js';
import { MoveLiveView } from '../move/move-live-view.js';
import { describePhases, fleetDirection, planMove } from '../move/move-plan.js';
import { openMoveStores } from '../move/move-stores.js';
import { formatMoveSummary, formatStep, formatSwitchReport, type ReplicationLeg } from '../move/move-summary.js';
import { checkEndpoints, type EndpointKind } from '../stores/open-endpoints.js';

/** What a run of `cohort move` does once the replication runs: follow, or switch the ports first. */
export type MoveAction = 'follow' | 'cutover' | 'rollback';

export interface MoveCommandOptions {
  /** The move's source: the ports' store of record before the cut-over (and after a rollback). */
  readonly from: EndpointKind;
  /** The move's target: the store of record after the cut-over. */
  readonly to: EndpointKind;
  /** The record sets whose ports move (a port moves with all its record sets); every port by default. */
  readonly only?: readonly RecordSetName[];
  /** Records per putMany during the backfill (default 500; 1–1,000). */
  readonly batchSize?: number;
  /** The source feed's subscription the move follows (default `move_<from>_<to>`); the target's is `<it>_back`. */
  readonly subscription?: string;
  /** Stop following this many seconds after the follow began (after the switch, with one); default: until Ctrl-C. */
  readonly followSeconds?: number;
  /** `cutover` switches the ports to `to`, `rollback` back to `from`, once the lag is under the gate (default follow). */
  readonly action?: MoveAction;
  /** The switch refuses above this lag, in ms (default 500). */
  readonly lagGateMs?: number;
  /** The switch aborts (fence lifted, phases unchanged) past this pause, in ms (default 2,000). */
  readonly pauseBoundMs?: number;
  /** The store holding the fleet's control record (default `from`). */
  readonly control?: EndpointKind;
  readonly write?: (text: string) => void;
  readonly progress?: Progress;
  /** Where the backfill's per-record-set progress is drawn (default process.stderr). */
  readonly progressStream?: ProgressStream;
  readonly env?: NodeJS.ProcessEnv;
  readonly verbose?: boolean;
}

export interface MoveCommandResult {
  /** The replication the run ended with (null when stopped during the backfill). */
  readonly report: MoveReport | null;
  /** The switch, when the run made one. */
  readonly switched: SwitchReport | null;
  readonly verify: VerifyReport | null;
  /** 0 moved (and switched) and verified equal, 1 verify found differences. */
  readonly exitCode: number;
}

/** The subscription `cohort move` follows when --subscription is not given. */
export const defaultMoveSubscription = (from: string, to: string) => `move_${from}_${to}`;

/** The target's subscription for the replication back (subscription names hold at most 40 characters). */
export const backSubscriptionOf = (subscription: string) => `${subscription}_back`;

/** The backfill checkpoint of `cohort move`, relative to the current directory. */
export const moveCheckpointPath = (from: string, to: string) => `.cohort/move-${from}-${to}.json`;

/** How long a switch keeps probing, following, for the lag to get under the gate (its `gateWaitMs`). */
export const GATE_WAIT_MS = 120_000;

/** How often the live view is redrawn (a terminal; elsewhere Progress writes a line every 5 s at most). */
const LIVE_EVERY_MS = 1_000;

/**
 * `cohort move`: an online move with `startOnlineMove` of @cohort/migrate, in the direction the fleet's phases say.
 * Forward (the ports `primary-only`), a subscription on the source's change feed is taken (or resumed), the backfill
 * copies the moving ports' record sets (checkpointed) and the feed is applied to the target; back (after a cut-over,
 * `secondary-only`), the target's feed is applied to the source. `--cutover` / `--rollback` then wait until the lag is
 * under the gate and make the fenced switch, and the run follows the replication the other way. Until Ctrl-C (or
 * --follow-seconds); then the stores are verified while the replication still follows (a key written meanwhile is in
 * flight, not a difference), it stops after its batch in progress, and a summary is printed. The subscriptions stay:
 * the same command resumes.
 */
export async function runMove(options: MoveCommandOptions): Promise<MoveCommandResult> {
  const write = options.write ?? ((text: string) => void process.stdout.write(`${text}\n`));
  const progress = options.progress ?? new Progress();
  const env = options.env ?? process.env;
  const action = options.action ?? 'follow';
  const { from, to } = options;
  checkEndpoints(from, to, env);
  const plan = planMove(options.only);
  const forwardName = options.subscription ?? defaultMoveSubscription(from, to);
  const subscriptionOf = (direction: MoveDirection) =>
    direction === 'forward' ? forwardName : backSubscriptionOf(forwardName);
  const storesOf = (direction: MoveDirection) => (direction === 'forward' ? `${from} -> ${to}` : `${to} -> ${from}`);
  const lagGateMs = options.lagGateMs ?? DEFAULT_LAG_GATE_MS;
  const pauseBoundMs = options.pauseBoundMs ?? DEFAULT_PAUSE_BOUND_MS;
  const label = `${from}->${to} via ${forwardName}`;
  const shownPath = moveCheckpointPath(from, to);
  const checkpoint = fileCheckpoint(resolve(shownPath));
  const saved = await checkpoint.load().catch((error: unknown) => {
    throw new CliError(firstLine(error), 2, { cause: error });
  });

  const stores = await openMoveStores(options, env, progress);
  let running: OnlineMove | undefined;
  try {
    write(`from: ${stores.endpoints.from.description}`);
    write(`to:   ${stores.endpoints.to.description}`);
    write(
      `control: ${stores.controlDescription} (every service instance's fleet controller must watch this store and key)`,
    );
    progress.note(plan.description);
    const state = await stores.fleet.read();
    const direction = fleetDirection(state, plan.ports);
    if (direction === 'mixed') {
      throw new CliError(
        `the moving ports are ${describePhases(state, plan.ports)}: an online move needs them all primary-only ` +
          `(served by ${from}) or all secondary-only (served by ${to}); set their phases with fleetControl first`,
      );
    }
    if (action === 'rollback' && direction === 'forward') {
      throw new CliError(
        `nothing to roll back: the ports are served by the source (${from}) already (${describePhases(state, plan.ports)}); ` +
          `--cutover moves them to ${to}`,
        2,
      );
    }
    if (action === 'cutover' && direction === 'back') {
      throw new CliError(
        `nothing to cut over: the ports are served by the target (${to}) already (${describePhases(state, plan.ports)}); ` +
          `--rollback moves them back to ${from}`,
        2,
      );
    }
    if (direction === 'forward') {
      const existing = (await stores.source.changeFeed.listSubscriptions()).some((info) => info.name === forwardName);
      // Resumed only with the subscription: a checkpoint alone would skip what was copied before the new
      // subscription's position, and the changes made to it in between would be lost.
      if (existing && saved !== null && saved.label !== label) {
        throw new CliError(
          `${shownPath} is the checkpoint of ${saved.label ?? 'an unlabelled run'}, not ${label}: ` +
            `move it away, or pass --subscription with the subscription it belongs to`,
          2,
        );
      }
      progress.note(
        existing
          ? `resuming subscription ${forwardName}; ` +
              (saved === null
                ? `no checkpoint at ${shownPath}: backfilling from the start`
                : `backfill from ${shownPath} (started ${saved.startedAt})`)
          : `creating subscription ${forwardName} at the source's current position; backfill checkpoint ${shownPath}` +
              (saved === null ? '' : ' (replaced: its subscription is gone)'),
      );
      progress.note('phase: backfill (rows copied per record set below)');
    } else {
      progress.note(
        `direction back: ${to} serves the ports (${describePhases(state, plan.ports)}); following the replication ` +
          `back ${to} -> ${from} from subscription ${subscriptionOf('back')} on ${to}`,
      );
    }
    if (state.fenced.length > 0) {
      progress.note(
        `the fleet is fenced at epoch ${state.epoch} since ${state.fencedAt ?? '?'}: waiting for the fence to lift`,
      );
    }

    const view = new MoveLiveView({ fleet: stores.fleet, from, to, progress });
    const render = createProgressRenderer(options.progressStream ?? process.stderr);
    const online = await startOnlineMove({
      source: stores.source,
      target: stores.target,
      control: stores.control,
      ports: plan.ports,
      subscription: forwardName,
      backSubscription: subscriptionOf('back'),
      // A store down past its driver's retries fails the replication; startOnlineMove starts it again (resuming its
      // subscription) after a second, and the run goes on: say so, once per failure.
      onReplicationError: (error, failed) =>
        progress.note(
          `the replication ${storesOf(failed)} failed (${describeFailure(error)}); starting it again in 1 s, ` +
            'resuming its subscription',
        ),
      replication: {
        checkpoint,
        label,
        backfill: {
          ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
          onProgress: (event) => {
            render(event);
            view.onBackfill(event);
          },
        },
      },
    });
    running = online;

    // The live view, and the --follow-seconds clock: it runs during the last follow of the run (after the switch).
    let drawing = true;
    let announced: MoveHandle | null = null;
    let clockFrom: number | null = null;
    let clockRuns = action === 'follow';
    let timeUp: () => void = () => undefined;
    const followEnded = new Promise<void>((resolve) => (timeUp = resolve));
    const live = setInterval(() => {
      if (!drawing) return;
      const handle = online.replication();
      const status = handle.status();
      if (status.phase === 'follow' && announced !== handle) {
        announced = handle;
        const now = online.status().direction;
        progress.note(
          `phase: follow${now === 'back' ? ' back' : ''} (${storesOf(now)}` +
            (clockRuns
              ? '; Ctrl-C stops following, verifies and prints a summary)'
              : `) until the lag is under the gate of ${formatMs(lagGateMs)}`),
        );
      }
      view.draw(online);
      if (!clockRuns || status.phase !== 'follow') return;
      const now = performance.now();
      clockFrom ??= now;
      if (options.followSeconds !== undefined && now - clockFrom >= options.followSeconds * 1000) timeUp();
    }, LIVE_EVERY_MS);
    live.unref();

    let switchRun: Promise<SwitchReport> | null = null;
    let switched: { report: SwitchReport; first: ReplicationLeg } | null = null;
    let ending: Promise<MoveCommandResult> | undefined;
    /** Stops the replication without verifying: after a switch that did not happen. */
    const stopQuietly = async (exitCode: number, report: SwitchReport | null): Promise<MoveCommandResult> => {
      drawing = false;
      clearInterval(live);
      const handle = online.replication();
      await online.stop();
      return { report: await handle.done.catch(() => null), switched: report, verify: null, exitCode };
    };
    const end = async (why: 'time' | 'interrupt'): Promise<MoveCommandResult> => {
      // A switch under way ends first (within its pause bound), so the fence is never left to the instances.
      if (switchRun !== null) await switchRun.catch(() => undefined);
      const handle = online.replication();
      const now = online.status().direction;
      const following = handle.status().phase === 'follow';
      let verified: VerifyReport | null = null;
      if (following) {
        // Verified while the replication still follows: a key written meanwhile is in flight, not a difference. The
        // store of record is the source of the comparison.
        drawing = false;
        progress.clear();
        const [source, target] = now === 'forward' ? [stores.source, stores.target] : [stores.target, stores.source];
        const total = plan.recordSets.length;
        let compared = 0;
        progress.start(`verifying ${total} record set${total === 1 ? '' : 's'} while following`);
        verified = await verify({
          source,
          target,
          only: plan.recordSets,
          feeds: { source: source.changeFeed, target: target.changeFeed },
          labels: now === 'forward' ? { source: from, target: to } : { source: to, target: from },
          onProgress: ({ recordSet, step }) => {
            if (step === 'done') compared += 1;
            progress.update(`verify: compared ${compared} of ${total} (${recordSet}: ${step}) while following`);
          },
        });
        progress.done(`verified ${total} record set${total === 1 ? '' : 's'}`);
      }
      drawing = false;
      clearInterval(live);
      const phase = handle.status().phase;
      // Stopped for good: a replication that fails now is not started again.
      await online.stop();
      let report: MoveReport;
      try {
        report = await handle.done;
      } catch (error) {
        if (phase !== 'backfill') throw error;
        progress.note(
          `stopped during the backfill: ${shownPath} keeps what was copied and subscription ${forwardName} ` +
            'every change since the move started; run the same command again to continue',
        );
        return { report: null, switched: switched?.report ?? null, verify: null, exitCode: 0 };
      }
      const leg: ReplicationLeg = { direction: now, subscription: subscriptionOf(now), report };
      const summary = formatMoveSummary({
        from,
        to,
        first: switched?.first ?? leg,
        switched: switched === null ? null : { report: switched.report, lagGateMs, then: leg },
        verified,
        why,
        restarts: online.status().restarts,
      });
      for (const line of summary) write(line);
      return { report, switched: switched?.report ?? null, verify: verified, exitCode: verified?.ok === false ? 1 : 0 };
    };
    const finish = (why: 'time' | 'interrupt') => (ending ??= end(why));
    // Ctrl-C closes the stores through closeAllStores, which runs this first (both stores are still open then).
    stores.endpoints.defer(() =>
      finish('interrupt').then(
        () => undefined,
        (error: unknown) => progress.note(`cohort: ${firstLine(error)}`),
      ),
    );

    if (action !== 'follow') {
      const name = action === 'cutover' ? 'cut-over' : 'rollback';
      // The backfill takes as long as it takes; then the switch itself probes the lag (a marker's trip) for up to
      // GATE_WAIT_MS and says in its report why it refused.
      const following = await awaitFollowing(online, () => ending !== undefined);
      if (following && ending === undefined) {
        drawing = false;
        progress.clear();
        write('');
        write(
          `${name} ${storesOf(direction)}: following; probing the lag (a marker's trip, gate ${formatMs(lagGateMs)}, ` +
            `up to ${GATE_WAIT_MS / 1000} s), then fencing ${plan.ports.length === 1 ? 'port' : 'ports'} ` +
            `${plan.ports.join(', ')} (pause bound ${formatMs(pauseBoundMs)})`,
        );
        const tuning: SwitchTuning = {
          lagGateMs,
          gateWaitMs: GATE_WAIT_MS,
          pauseBoundMs,
          onStep: (step, atMs) => write(formatStep(step, atMs)),
        };
        const before = online.replication();
        switchRun = action === 'cutover' ? online.cutOver(tuning) : online.rollback(tuning);
        const report = await switchRun.catch(async (error: unknown) => {
          // The fence itself failed (the control record changed under it): stop without verifying, say why.
          switchRun = null;
          ending ??= stopQuietly(1, null);
          await ending;
          throw error;
        });
        switchRun = null;
        for (const line of formatSwitchReport(report, { name, lagGateMs })) write(line);
        if (report.outcome !== 'switched') {
          ending ??= stopQuietly(1, report);
          await ending;
          throw new CliError(
            `the ${name} was ${report.outcome}: ${report.reason ?? 'no reason given'}; the ports stay on ` +
              `${direction === 'forward' ? from : to} and subscription ${subscriptionOf(direction)} keeps the ` +
              `replication ${storesOf(direction)}: run again`,
          );
        }
        switched = {
          report,
          first: { direction, subscription: subscriptionOf(direction), report: await before.done },
        };
        write('');
        clockRuns = true;
        drawing = true;
      }
    }

    // Until --follow-seconds or Ctrl-C (which runs finish through closeAllStores and exits 130): a replication that
    // fails is started again meanwhile.
    await followEnded;
    const result = await finish('time');
    progress.start('closing');
    await stores.endpoints.close();
    const kept = subscriptionOf(online.status().direction);
    progress.done(`subscription ${kept} kept; closed the stores`);
    return result;
  } finally {
    // Whatever failed, no replication may be started again on stores about to close.
    await running?.stop().catch(() => undefined);
    await stores.endpoints.close();
  }
}

/** Waits until the move's replication follows (its backfill done): true; false once `interrupted()` says so. */
async function awaitFollowing(online: OnlineMove, interrupted: () => boolean): Promise<boolean> {
  for (;;) {
    if (interrupted()) return false;
    if (online.replication().status().phase === 'follow') return true;
    await sleep(20);
  }
}

/** A failure in one line: a CohortError's code and message, else the message. */
function describeFailure(error: unknown): string {
  return CohortError.is(error) ? `${error.code}: ${firstLine(error)}` : firstLine(error);
}
