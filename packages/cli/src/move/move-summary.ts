import type { MoveDirection, MoveReport, SwitchReport, SwitchStep, VerifyReport } from '@cohort/migrate';
import { formatSeconds } from '../progress.js';
import { formatCount, formatMs, plural } from './move-format.js';

const row = (name: string, text: string) => `${name.padEnd(16)} ${text}`;

/** What the switch has done once each step ends, for the line printed then. */
const stepMeaning: Readonly<Record<string, string>> = {
  fenced: 'every instance holds new writes to the moving ports',
  acknowledged: 'every live lease acknowledged (none in flight)',
  'marker-written': 'marker written to the store of record',
  'marker-applied': 'the replication applied everything before the marker',
  'back-subscribed': 'subscription for the replication back taken',
  flipped: 'phases flipped, the held writes released to the new store of record',
};

/** One step of a switch as it ends: `  +105.2 ms  acknowledged     every live lease acknowledged …`. */
export function formatStep(step: SwitchStep, atMs: number): string {
  return `  ${`+${atMs.toFixed(1)} ms`.padStart(11)}  ${step.padEnd(16)} ${stepMeaning[step] ?? ''}`.trimEnd();
}

const names = (list: readonly string[]) => (list.length === 0 ? 'none' : list.join(', '));

/** The switch's report (`cut-over` or `rollback`): outcome, pause, lag at the gate, and what the instances did. */
export function formatSwitchReport(
  report: SwitchReport,
  context: { readonly name: 'cut-over' | 'rollback'; readonly lagGateMs: number },
): string[] {
  const gate = `lag at the gate ${formatMs(report.lagMs)} (gate ${formatMs(context.lagGateMs)})`;
  const lines: string[] = [];
  switch (report.outcome) {
    case 'switched':
      lines.push(
        row(
          context.name,
          `switched (fence epoch ${report.epoch}): pause ${formatMs(report.pauseMs)} from fence to release; ${gate}`,
        ),
      );
      break;
    case 'aborted':
      lines.push(
        row(
          context.name,
          `ABORTED (fence epoch ${report.epoch}) after a pause of ${formatMs(report.pauseMs)}, phases unchanged: ` +
            `${report.reason ?? 'no reason given'}; ${gate}`,
        ),
      );
      break;
    case 'refused':
      lines.push(row(context.name, `REFUSED, nothing fenced: ${report.reason ?? 'no reason given'}`));
      break;
  }
  if (report.wait !== null) {
    lines.push(
      row(
        'instances',
        `acknowledged: ${names(report.wait.acknowledged)}; counted out (lease expired): ${names(report.wait.expired)}; ` +
          `pending: ${names(report.wait.pending)}`,
      ),
    );
  }
  return lines;
}

/** One replication a run of `cohort move` ran: forward (backfill and follow) or back (follow only). */
export interface ReplicationLeg {
  readonly direction: MoveDirection;
  readonly subscription: string;
  readonly report: MoveReport;
}

export interface MoveSummaryInput {
  /** The stores as the command names them: the move's source and target, whatever the direction. */
  readonly from: string;
  readonly to: string;
  /** The replication the run started with. */
  readonly first: ReplicationLeg;
  /** The switch, when the run made one (with its gate), and the replication that ran after it. */
  readonly switched: {
    readonly report: SwitchReport;
    readonly lagGateMs: number;
    readonly then: ReplicationLeg;
  } | null;
  readonly verified: VerifyReport | null;
  readonly why: 'time' | 'interrupt';
  /** How many times a failed replication was started again during the run. */
  readonly restarts: number;
}

const stores = (input: MoveSummaryInput, direction: MoveDirection) =>
  direction === 'forward' ? `${input.from} -> ${input.to}` : `${input.to} -> ${input.from}`;

function lagText(report: MoveReport): string {
  return (
    `p50 ${formatMs(report.lag.p50Ms)}, p99 ${formatMs(report.lag.p99Ms)}, max ${formatMs(report.lag.maxMs)} ` +
    `(${plural(report.lag.samples, 'batch', 'batches')} measured)` +
    (report.lag.lastBacklog === null ? '' : `, backlog ${formatCount(report.lag.lastBacklog)}`)
  );
}

/** The one-screen summary at the end of `cohort move`. */
export function formatMoveSummary(input: MoveSummaryInput): string[] {
  const { first, switched, verified } = input;
  const report = first.report;
  const backfill = report.backfill;
  const skipped = backfill.recordSets.filter((set) => set.skipped).length;
  const lines = [
    '',
    `move ${stores(input, first.direction)}${first.direction === 'back' ? ' (the replication back)' : ''}, ` +
      `subscription ${first.subscription} (${report.resumed ? 'resumed' : 'created'}), ${formatSeconds(report.elapsedMs)}`,
  ];
  if (backfill.recordSets.length > 0) {
    lines.push(
      row(
        'records copied',
        `${formatCount(backfill.copied)} in ${backfill.recordSets.length} record sets, ` +
          `${formatSeconds(backfill.elapsedMs)}, ${formatCount(backfill.rowsPerSecond)} rows/s` +
          (skipped > 0 ? ` (${skipped} already copied by an earlier run, skipped)` : ''),
      ),
    );
  }
  lines.push(row('changes applied', `${formatCount(report.applied)} in ${plural(report.batches, 'batch', 'batches')}`));
  lines.push(row('lag', lagText(report)));
  if (report.waiting > 0) {
    lines.push(row('waiting', `${formatCount(report.waiting)} changes the target refused for now (retried next run)`));
  }
  let last = first;
  if (switched !== null) {
    const then = switched.then;
    const name = then.direction === 'back' ? 'cut-over' : 'rollback';
    lines.push(...formatSwitchReport(switched.report, { name, lagGateMs: switched.lagGateMs }));
    lines.push(
      row(
        `then ${then.direction}`,
        `${stores(input, then.direction)}, subscription ${then.subscription}: ${formatCount(then.report.applied)} ` +
          `changes applied in ${plural(then.report.batches, 'batch', 'batches')}, ${formatSeconds(then.report.elapsedMs)}`,
      ),
    );
    lines.push(row('lag', lagText(then.report)));
    last = then;
  }
  if (input.restarts > 0) {
    lines.push(
      row(
        'restarts',
        `${plural(input.restarts, 'time')} a replication failed and was started again (counts above: since its last start)`,
      ),
    );
  }
  lines.push(row('verify', verifyText(input, last.direction)));
  for (const warning of verified?.warnings ?? []) lines.push(row('', `warning: ${warning}`));
  lines.push(row('subscription', subscriptionText(input, last)));
  return lines;
}

function verifyText(input: MoveSummaryInput, direction: MoveDirection): string {
  const verified = input.verified;
  if (verified === null) return 'not run (the move did not reach the follow)';
  const scanned = verified.recordSets.reduce((sum, set) => sum + set.scanned.source, 0);
  const inFlight = verified.summary.inFlight;
  const where = `${formatCount(scanned)} records in ${verified.recordSets.length} record sets`;
  const [source, target] = direction === 'forward' ? [input.from, input.to] : [input.to, input.from];
  if (verified.ok) {
    return `ok: ${where}, 0 differences${inFlight > 0 ? ` (${plural(inFlight, 'key')} in flight)` : ''}`;
  }
  return (
    `DIFFERENT: ${formatCount(verified.summary.differences)} differences` +
    (verified.summary.recordSetsWithDifferences.length > 0
      ? ` in ${verified.summary.recordSetsWithDifferences.join(', ')}`
      : '') +
    `, ${formatCount(verified.summary.danglingReferences)} dangling references over ${where} ` +
    `(cohort verify --from ${source} --to ${target} names the keys)`
  );
}

function subscriptionText(input: MoveSummaryInput, last: ReplicationLeg): string {
  const stopped = input.why === 'interrupt' ? 'interrupted' : 'stopped';
  const again = `cohort move --from ${input.from} --to ${input.to}`;
  if (last.direction === 'forward') {
    return (
      `${last.subscription} kept (${stopped}): \`${again}\` continues, \`${again} --cutover\` switches the ports to ` +
      `${input.to}; cohort feed drop ${last.subscription} --from ${input.from} to give up the move`
    );
  }
  return (
    `${last.subscription} kept on ${input.to} (${stopped}): \`${again}\` keeps following back, \`${again} ` +
    `--rollback\` switches the ports back to ${input.from}; once no rollback is needed: cohort feed drop ` +
    `${last.subscription} --from ${input.to}`
  );
}
