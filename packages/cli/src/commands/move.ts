import { resolve } from 'node:path';
import type { ChangeFeed, RecordSetName, SubscriptionInfo } from '@cohort/core';
import {
  copyOrder,
  createProgressRenderer,
  fileCheckpoint,
  move,
  verify,
  type BackfillCheckpoint,
  type MoveReport,
  type MoveStatus,
  type ProgressStream,
  type VerifyReport,
} from '@cohort/migrate';
import { CliError, firstLine } from '../cli-error.js';
import { Progress, formatSeconds } from '../progress.js';
import { checkEndpoint, checkEndpoints, connectEndpoints, type EndpointKind } from '../stores/open-endpoints.js';
import { openStores } from '../stores/open-stores.js';
import { storeLabels, wirings } from '../stores/wirings.js';

export interface MoveCommandOptions {
  readonly from: EndpointKind;
  readonly to: EndpointKind;
  /** Only these record sets (changes of the others are skipped); all by default. */
  readonly only?: readonly RecordSetName[];
  /** Records per putMany during the backfill (default 500; 1–1,000). */
  readonly batchSize?: number;
  /** The source feed's subscription the move follows (default `move_<from>_<to>`). */
  readonly subscription?: string;
  /** Stop following this many seconds after the backfill ended (default: follow until interrupted). */
  readonly followSeconds?: number;
  readonly write?: (text: string) => void;
  readonly progress?: Progress;
  /** Where the backfill's per-record-set progress is drawn (default process.stderr). */
  readonly progressStream?: ProgressStream;
  readonly env?: NodeJS.ProcessEnv;
  readonly verbose?: boolean;
}

export interface MoveCommandResult {
  readonly report: MoveReport | null;
  readonly verify: VerifyReport | null;
  /** 0 moved and verified equal, 1 verify found differences. */
  readonly exitCode: number;
}

/** The subscription `cohort move` follows when --subscription is not given. */
export const defaultMoveSubscription = (from: string, to: string) => `move_${from}_${to}`;

/** The backfill checkpoint of `cohort move`, relative to the current directory. */
export const moveCheckpointPath = (from: string, to: string) => `.cohort/move-${from}-${to}.json`;

/** What `--cutover` and `--rollback` would need, and what to use until they exist. */
export const notBuiltYet = {
  cutover:
    'cohort move --cutover is not built yet (it needs a marker through the change feed); meanwhile cut over with ' +
    "@cohort/migrate's fleet controls: fleetControl(control).cutOver({ ports, phase, timeoutMs, beforeFlip })",
  rollback:
    'cohort move --rollback is not built yet (it needs replication from the target back to the source); meanwhile ' +
    "move back with @cohort/migrate's fleet controls: fleetControl(control).cutOver to the previous phase",
} as const;

const number = new Intl.NumberFormat('en-US');
const plural = (count: number, one: string, many = `${one}s`) => `${number.format(count)} ${count === 1 ? one : many}`;
const ms = (value: number | null) => (value === null ? '–' : `${number.format(Math.round(value))} ms`);
/** How often the live view is redrawn (a terminal; elsewhere Progress writes a line every 5 s at most). */
const LIVE_EVERY_MS = 1_000;

/**
 * `cohort move`: an online move with `move()` of @cohort/migrate. A subscription on the source's change feed is taken
 * at its current position, the backfill copies every record set (checkpointed), then the feed is applied to the target
 * until Ctrl-C (or --follow-seconds). At the end the stores are verified while the move still follows (so keys written
 * meanwhile count as in flight, not as differences), the move stops after its batch in progress, and a summary is
 * printed. The subscription stays: a rerun with the same one resumes (the backfill from its checkpoint, or skipped).
 */
export async function runMove(options: MoveCommandOptions): Promise<MoveCommandResult> {
  const write = options.write ?? ((text: string) => void process.stdout.write(`${text}\n`));
  const progress = options.progress ?? new Progress();
  const env = options.env ?? process.env;
  checkEndpoints(options.from, options.to, env);
  const subscription = options.subscription ?? defaultMoveSubscription(options.from, options.to);
  const label = `${options.from}->${options.to} via ${subscription}`;
  const shownPath = moveCheckpointPath(options.from, options.to);
  const checkpoint = fileCheckpoint(resolve(shownPath));
  const saved = await checkpoint.load().catch((error: unknown) => {
    throw new CliError(firstLine(error), 2, { cause: error });
  });

  const stores = await connectEndpoints(options, env, progress);
  try {
    const feed = stores.from.endpoint.changeFeed;
    if (!feed) throw new CliError(`${storeLabels[options.from]} has no change feed: use cohort migrate`, 1);
    write(`from: ${stores.from.description}`);
    write(`to:   ${stores.to.description}`);
    const existing = (await feed.listSubscriptions()).find((info) => info.name === subscription);
    // Resume only with the subscription: a checkpoint alone would skip what was copied before the new subscription's
    // position, and the changes made to it in between would be lost.
    const resume = existing !== undefined;
    if (resume && saved !== null && saved.label !== label) {
      throw new CliError(
        `${shownPath} is the checkpoint of ${saved.label ?? 'an unlabelled run'}, not ${label}: ` +
          `move it away, or pass --subscription with the subscription it belongs to`,
        2,
      );
    }
    progress.note(
      resume
        ? `resuming subscription ${subscription}; ` +
            (saved === null
              ? `no checkpoint at ${shownPath}: backfilling from the start`
              : `backfill from ${shownPath} (started ${saved.startedAt})`)
        : `creating subscription ${subscription} at the source's current position; backfill checkpoint ${shownPath}` +
            (saved === null ? '' : ' (replaced: its subscription is gone)'),
    );

    progress.note('phase: backfill (rows copied per record set below)');
    const interrupt = new AbortController();
    const handle = move({
      source: { ...stores.from.endpoint, changeFeed: feed },
      target: stores.to.endpoint,
      subscription,
      ...(options.only ? { only: options.only } : {}),
      checkpoint,
      resume,
      label,
      backfill: {
        ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
        onProgress: createProgressRenderer(options.progressStream ?? process.stderr),
      },
      signal: interrupt.signal,
    });

    // The live view while following, and the --follow-seconds clock (it starts when the follow does).
    let followStartedAt: number | null = null;
    let followStopped = false;
    let lastApplied = 0;
    let lastAt = performance.now();
    let timeUp: () => void = () => undefined;
    const followEnded = new Promise<void>((resolve) => (timeUp = resolve));
    const live = setInterval(() => {
      const status = handle.status();
      if (status.phase !== 'follow' || followStopped) return;
      const now = performance.now();
      if (followStartedAt === null) {
        followStartedAt = now;
        progress.note('phase: follow (Ctrl-C stops following, verifies and prints a summary)');
      }
      const rate = ((status.applied - lastApplied) * 1000) / Math.max(1, now - lastAt);
      lastApplied = status.applied;
      lastAt = now;
      progress.update(followLine(status, rate, handle.lag().p99Ms));
      if (options.followSeconds !== undefined && now - followStartedAt >= options.followSeconds * 1000) timeUp();
    }, LIVE_EVERY_MS);
    live.unref();

    const sets = options.only ?? copyOrder;
    let ending: Promise<MoveCommandResult> | undefined;
    const end = async (why: 'time' | 'interrupt' | 'ended'): Promise<MoveCommandResult> => {
      let verified: VerifyReport | null = null;
      const following = handle.status().phase === 'follow';
      if (following) {
        // Verified while the move still follows: a key written meanwhile is in flight, not a difference.
        followStopped = true;
        progress.clear();
        const total = sets.length;
        let compared = 0;
        progress.start(`verifying ${total} record set${total === 1 ? '' : 's'} while following`);
        verified = await verify({
          source: stores.from.endpoint,
          target: stores.to.endpoint,
          ...(options.only ? { only: options.only } : {}),
          feeds: { source: feed, target: stores.to.endpoint.changeFeed },
          labels: { source: options.from, target: options.to },
          onProgress: ({ recordSet, step }) => {
            if (step === 'done') compared += 1;
            progress.update(`verify: compared ${compared} of ${total} (${recordSet}: ${step}) while following`);
          },
        });
        progress.done(`verified ${total} record set${total === 1 ? '' : 's'}`);
      }
      clearInterval(live);
      interrupt.abort();
      let report: MoveReport;
      try {
        report = await handle.done;
      } catch (error) {
        if (!interrupt.signal.aborted || why === 'ended' || following) throw error;
        progress.note(
          `stopped during the backfill: ${shownPath} keeps what was copied and subscription ${subscription} ` +
            'every change since the move started; run the same command again to continue',
        );
        return { report: null, verify: null, exitCode: 0 };
      }
      for (const line of formatMoveSummary(report, verified, { ...options, subscription, why })) write(line);
      return { report, verify: verified, exitCode: verified === null || verified.ok ? 0 : 1 };
    };
    const finish = (why: 'time' | 'interrupt' | 'ended') => (ending ??= end(why));
    // Ctrl-C closes the stores through closeAllStores, which runs this first (both stores are still open then).
    stores.defer(() =>
      finish('interrupt').then(
        () => undefined,
        (error: unknown) => progress.note(`cohort: ${firstLine(error)}`),
      ),
    );

    const stopped = await Promise.race([
      followEnded.then(() => 'time' as const),
      handle.done.then(
        () => 'ended' as const,
        () => 'ended' as const,
      ),
    ]);
    const result = await finish(stopped);
    progress.start('closing');
    await stores.close();
    progress.done(`subscription ${subscription} kept; closed the stores`);
    return result;
  } finally {
    await stores.close();
  }
}

function followLine(status: MoveStatus, rate: number, p99: number | null): string {
  const parts = [
    `following: ${plural(status.applied, 'change')} applied`,
    `${number.format(Math.round(rate))} changes/s`,
    `lag ${ms(status.lagMs)} (p99 ${ms(p99)})`,
    `backlog ${status.backlog === null ? '–' : number.format(status.backlog)}`,
  ];
  if (status.waiting > 0) parts.push(`${number.format(status.waiting)} waiting`);
  return parts.join(', ');
}

/** The one-screen summary at the end of `cohort move`. */
export function formatMoveSummary(
  report: MoveReport,
  verified: VerifyReport | null,
  context: {
    readonly from: string;
    readonly to: string;
    readonly subscription: string;
    readonly why: 'time' | 'interrupt' | 'ended';
  },
): string[] {
  const row = (name: string, text: string) => `${name.padEnd(16)} ${text}`;
  const backfill = report.backfill;
  const skipped = backfill.recordSets.filter((set) => set.skipped).length;
  const lines = [
    '',
    `move ${context.from} -> ${context.to}, subscription ${context.subscription} ` +
      `(${report.resumed ? 'resumed' : 'created'}), ${formatSeconds(report.elapsedMs)}`,
    row(
      'records copied',
      `${number.format(backfill.copied)} in ${backfill.recordSets.length} record sets, ` +
        `${formatSeconds(backfill.elapsedMs)}, ${number.format(backfill.rowsPerSecond)} rows/s` +
        (skipped > 0 ? ` (${skipped} already copied by an earlier run, skipped)` : ''),
    ),
    row('changes applied', `${number.format(report.applied)} in ${plural(report.batches, 'batch', 'batches')}`),
    row(
      'lag',
      `p50 ${ms(report.lag.p50Ms)}, p99 ${ms(report.lag.p99Ms)}, max ${ms(report.lag.maxMs)} ` +
        `(${plural(report.lag.samples, 'batch', 'batches')} measured)` +
        (report.lag.lastBacklog === null ? '' : `, backlog ${number.format(report.lag.lastBacklog)}`),
    ),
  ];
  if (report.waiting > 0) {
    lines.push(
      row('waiting', `${number.format(report.waiting)} changes the target refused for now (retried next run)`),
    );
  }
  if (verified === null) {
    lines.push(row('verify', 'not run (the move did not reach the follow)'));
  } else {
    const scanned = verified.recordSets.reduce((sum, set) => sum + set.scanned.source, 0);
    const inFlight = verified.summary.inFlight;
    const where = `${number.format(scanned)} records in ${verified.recordSets.length} record sets`;
    lines.push(
      row(
        'verify',
        verified.ok
          ? `ok: ${where}, 0 differences${inFlight > 0 ? ` (${number.format(inFlight)} keys in flight)` : ''}`
          : `DIFFERENT: ${number.format(verified.summary.differences)} differences` +
              (verified.summary.recordSetsWithDifferences.length > 0
                ? ` in ${verified.summary.recordSetsWithDifferences.join(', ')}`
                : '') +
              `, ${number.format(verified.summary.danglingReferences)} dangling references over ${where} ` +
              `(cohort verify --from ${context.from} --to ${context.to} names the keys)`,
      ),
    );
    for (const warning of verified.warnings) lines.push(row('', `warning: ${warning}`));
  }
  lines.push(
    row(
      'subscription',
      `${context.subscription} kept (${context.why === 'interrupt' ? 'interrupted' : 'stopped'}): run the same ` +
        `command to continue; cohort feed drop ${context.subscription} --from ${context.from} when done`,
    ),
  );
  return lines;
}

export interface MoveStatusOptions {
  readonly from: EndpointKind;
  readonly to: EndpointKind;
  readonly subscription?: string;
  readonly write?: (text: string) => void;
  readonly progress?: Progress;
  readonly env?: NodeJS.ProcessEnv;
  readonly verbose?: boolean;
}

/** `cohort move --status`: the subscription's state on the source and the backfill checkpoint. */
export async function runMoveStatus(options: MoveStatusOptions): Promise<void> {
  const write = options.write ?? ((text: string) => void process.stdout.write(`${text}\n`));
  const progress = options.progress ?? new Progress();
  const env = options.env ?? process.env;
  if (options.from === options.to) {
    throw new CliError(`--from and --to must name different stores; both are ${options.from}`, 2);
  }
  checkEndpoint('--from', options.from, env);
  const subscription = options.subscription ?? defaultMoveSubscription(options.from, options.to);
  const shownPath = moveCheckpointPath(options.from, options.to);
  const saved = await fileCheckpoint(resolve(shownPath))
    .load()
    .catch((error: unknown) => {
      throw new CliError(firstLine(error), 2, { cause: error });
    });
  progress.start(`connecting to ${options.from}`);
  const stores = await openStores({
    layout: wirings[options.from],
    mode: 'configured',
    env,
    log: (line) => (options.verbose ? progress.note(line) : progress.update(line)),
  });
  try {
    const opened = stores.stores[0];
    const feed: ChangeFeed | undefined = opened?.store.changeFeed;
    if (!opened || !feed) throw new CliError(`${storeLabels[options.from]} has no change feed`, 1);
    progress.done(`${storeLabels[options.from]} (${opened.where})`);
    const info = (await feed.listSubscriptions()).find((candidate) => candidate.name === subscription);
    for (const line of formatStatus(subscription, info, shownPath, saved)) write(line);
  } finally {
    await stores.close();
  }
}

function formatStatus(
  name: string,
  info: SubscriptionInfo | undefined,
  shownPath: string,
  saved: BackfillCheckpoint | null,
): string[] {
  const lines: string[] = [];
  if (info === undefined) {
    lines.push(`subscription ${name}: none (no move started with it, or it was dropped)`);
  } else {
    const count = (value: number | null, unit: string) => (value === null ? null : `${number.format(value)} ${unit}`);
    const lag = [count(info.lag.changes, 'changes'), count(info.lag.bytes, 'bytes'), count(info.lag.ms, 'ms')]
      .filter((part) => part !== null)
      .join(', ');
    lines.push(
      `subscription ${name}: position ${info.position}, created ${info.createdAt.toISOString()}, ` +
        `${info.reading ? 'reading (a move follows it)' : 'idle'}, lag ${lag || 'unknown'}`,
    );
  }
  if (saved === null) {
    lines.push(`backfill: no checkpoint at ${shownPath}`);
    return lines;
  }
  const sets = Object.entries(saved.recordSets);
  const done = sets.filter(([, set]) => set?.done).length;
  const copied = sets.reduce((sum, [, set]) => sum + (set?.copied ?? 0), 0);
  lines.push(
    `backfill: ${shownPath} (${saved.label ?? 'unlabelled'}, started ${saved.startedAt}, updated ${saved.updatedAt}): ` +
      `${done} of ${sets.length} record sets done, ${number.format(copied)} records copied`,
  );
  for (const [set, state] of sets) {
    lines.push(
      `  ${set.padEnd(15)} ${number.format(state?.copied ?? 0).padStart(10)}  ${state?.done ? 'done' : 'copying'}`,
    );
  }
  return lines;
}
