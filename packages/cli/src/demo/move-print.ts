import type { RecordSetName } from '@cohort/core';
import type { HoldStats, LagSummary, SwitchReport, VerifyReport } from '@cohort/migrate';
import { formatSeconds } from '../progress.js';

/** What `cohort demo --move` measured, for its summary. */
export interface MoveDemoSummary {
  readonly from: string;
  readonly to: string;
  readonly backfill: {
    readonly copied: number;
    readonly elapsedMs: number;
    readonly rowsPerSecond: number;
    readonly sets: readonly { readonly recordSet: RecordSetName; readonly copied: number }[];
  } | null;
  /** The replication forward up to the cut-over: steadily following, and the whole run (with the catch-up). */
  readonly lagForward: FollowLagSummary;
  /** The replication back, from the cut-over to the rollback. */
  readonly lagBack: FollowLagSummary;
  readonly switches: readonly SwitchOutcome[];
  readonly verifies: readonly { readonly after: string; readonly report: VerifyReport }[];
  readonly ledgers: readonly {
    readonly instanceId: string;
    readonly checked: number;
    readonly problems: readonly string[];
  }[];
  /** Where the services' ledgers were checked: the moved ports' store of record at the end. */
  readonly storeOfRecord: string;
  readonly services: readonly ServiceSummary[];
  /** Each time a replication failed (it was started again, resuming its subscription). */
  readonly replicationErrors: readonly string[];
  /** Everything that failed; the demo exits 1 unless empty. */
  readonly problems: readonly string[];
}

export interface FollowLagSummary {
  /** From the first batch applied under the lag gate on: the replication following steadily. */
  readonly steady: LagSummary | null;
  /** Every batch of the replication's run, the catch-up after the backfill included. */
  readonly run: LagSummary | null;
}

export interface SwitchOutcome {
  readonly name: 'cut-over' | 'rollback';
  /** The switch that went through, or the last attempt's report (null if none could be attempted). */
  readonly report: SwitchReport | null;
  readonly attempts: number;
  /** Why each attempt that did not switch did not (refused at the gate, or aborted and its fence lifted). */
  readonly failed: readonly string[];
  /** The services' calls held by this switch's fence, as they reported them. */
  readonly held: { readonly count: number; readonly timedOut: number; readonly p50Ms: number; readonly p100Ms: number };
}

export interface ServiceSummary {
  readonly instanceId: string;
  readonly acknowledged: number;
  readonly errors: Readonly<Record<string, number>>;
  readonly firstErrors: readonly string[];
  /** The fleet controller's own count of held calls over the whole run. */
  readonly hold: HoldStats | null;
  readonly fleetEvents: readonly string[];
}

const number = new Intl.NumberFormat('en-US');
const ms = (value: number | null | undefined) =>
  value === null || value === undefined ? '–' : `${number.format(Math.round(value))} ms`;
const row = (name: string, text: string) => `  ${name.padEnd(17)} ${text}`;
const ordinal = (n: number) => (n === 1 ? '1st' : n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`);

/** The one-screen summary that ends `cohort demo --move`. */
export function formatMoveDemoSummary(summary: MoveDemoSummary): string[] {
  const { from, to } = summary;
  const lines = [`── Summary ${'─'.repeat(89)}`];
  const backfill = summary.backfill;
  lines.push(
    row(
      'backfill',
      backfill === null
        ? 'did not finish'
        : `${number.format(backfill.copied)} records (` +
            backfill.sets.map((set) => `${set.recordSet} ${number.format(set.copied)}`).join(', ') +
            `) in ${formatSeconds(backfill.elapsedMs)}, ${number.format(backfill.rowsPerSecond)} rows/s`,
    ),
  );
  lines.push(row('lag forward', lagText(`${from} -> ${to}`, summary.lagForward, 'the catch-up after the backfill')));
  lines.push(row('lag back', lagText(`${to} -> ${from}`, summary.lagBack, 'the start')));
  for (const outcome of summary.switches) lines.push(row(`${outcome.name} pause`, switchText(outcome)));
  summary.verifies.forEach(({ after, report }, index) =>
    lines.push(row(index === 0 ? 'verify' : '', `after the ${after}: ${formatVerify(report)}`)),
  );
  if (summary.verifies.length === 0) lines.push(row('verify', 'not run'));

  const checked = summary.ledgers.reduce((sum, ledger) => sum + ledger.checked, 0);
  const failing = summary.ledgers.filter((ledger) => ledger.problems.length > 0);
  lines.push(
    row(
      'ledgers',
      summary.ledgers.length === 0
        ? 'not checked (no service reported its ledger)'
        : failing.length === 0
          ? `${summary.ledgers.length} of ${summary.services.length} services: all ${number.format(checked)} writes they saw ` +
            `acknowledged are in ${summary.storeOfRecord}, the final store of record`
          : `${failing.length} of ${summary.ledgers.length} services MISSING writes in ${summary.storeOfRecord}: ` +
            failing.map((ledger) => `${ledger.instanceId}: ${ledger.problems[0] ?? ''}`).join('; '),
    ),
  );

  const acknowledged = summary.services.reduce((sum, service) => sum + service.acknowledged, 0);
  const errors = summary.services.flatMap((service) =>
    Object.entries(service.errors).map(([code, count]) => `${service.instanceId} ${code} ×${count}`),
  );
  lines.push(
    row(
      'service errors',
      errors.length === 0
        ? `none (${number.format(acknowledged)} writes acknowledged by ${summary.services.length} services)`
        : `${errors.join(', ')}; first: ${summary.services.flatMap((service) => service.firstErrors)[0] ?? '?'}`,
    ),
  );
  lines.push(
    row(
      'held calls',
      summary.services
        .map((service) =>
          service.hold === null
            ? `${service.instanceId}: –`
            : `${service.instanceId} ${service.hold.held} (p100 ${ms(service.hold.p100Ms)}` +
              (service.hold.timedOut > 0 ? `, ${service.hold.timedOut} timed out` : '') +
              ')',
        )
        .join(' · ') + ' (each fleet controller’s holdStats, whole run)',
    ),
  );
  const events = summary.services.flatMap((service) =>
    service.fleetEvents.map((event) => `${service.instanceId} ${event}`),
  );
  if (events.length > 0)
    lines.push(row('fleet events', events.slice(0, 4).join('; ') + (events.length > 4 ? ' …' : '')));
  const restarts = summary.replicationErrors;
  if (restarts.length > 0) {
    lines.push(row('restarts', `${restarts.length} (each resumed its subscription); first: ${restarts[0] ?? ''}`));
  }
  lines.push(row('result', summary.problems.length === 0 ? 'ok' : `FAILED: ${summary.problems.join('; ')}`));
  return lines;
}

function lagText(direction: string, lag: FollowLagSummary, before: string): string {
  const { steady, run } = lag;
  if (steady === null || steady.samples === 0) {
    return run === null || run.samples === 0
      ? `${direction}: not measured`
      : `${direction}: never under the gate; p50 ${ms(run.p50Ms)}, p99 ${ms(run.p99Ms)} over ${number.format(run.samples)} batches`;
  }
  const peak = run !== null && (run.maxMs ?? 0) > (steady.maxMs ?? 0) ? `; ${before} peaked at ${ms(run.maxMs)}` : '';
  return (
    `${direction}: p50 ${ms(steady.p50Ms)}, p99 ${ms(steady.p99Ms)}, max ${ms(steady.maxMs)} ` +
    `over ${number.format(steady.samples)} batches following${peak}`
  );
}

function switchText(outcome: SwitchOutcome): string {
  const report = outcome.report;
  if (report === null) return 'not attempted: the switch window had closed';
  if (report.outcome !== 'switched') {
    return `NOT SWITCHED after ${outcome.attempts} attempt(s); the last ${report.outcome}: ${report.reason ?? '?'}`;
  }
  const held = outcome.held;
  const earlier = outcome.failed.length === 0 ? '' : ` (before it: ${outcome.failed.join('; ')})`;
  return (
    `${ms(report.pauseMs)} fence -> release (epoch ${report.epoch ?? '?'}, ${ordinal(outcome.attempts)} attempt, ` +
    `lag ${ms(report.lagMs)} at the gate); ` +
    (held.count === 0
      ? 'no call was held'
      : `${held.count} held call${held.count === 1 ? '' : 's'}, extra latency p50 ${ms(held.p50Ms)}, ` +
        `p100 ${ms(held.p100Ms)}` +
        (held.timedOut > 0 ? `, ${held.timedOut} TIMED OUT` : '')) +
    earlier
  );
}

/** A verify report on one line: ok with what was compared, or what differs and why. */
export function formatVerify(report: VerifyReport): string {
  const scanned = report.recordSets.reduce((sum, set) => sum + set.scanned.source, 0);
  const sets = report.recordSets.map((set) => set.recordSet).join(', ');
  const inFlight = report.summary.inFlight;
  const warnings = report.warnings.map((warning) => `; ${warning}`).join('');
  if (report.ok) {
    return (
      `ok, ${number.format(scanned)} records of ${sets}, 0 differences, ` +
      `${number.format(report.summary.danglingReferences)} dangling references` +
      (inFlight > 0 ? ` (${number.format(inFlight)} keys in flight)` : '') +
      warnings
    );
  }
  const differing = report.summary.recordSetsWithDifferences;
  const truncated = report.recordSets.filter((set) => set.truncated).map((set) => set.recordSet);
  return (
    `DIFFERENT: ${number.format(report.summary.differences)} differences` +
    (differing.length > 0 ? ` in ${differing.join(', ')}` : '') +
    `, ${number.format(report.summary.danglingReferences)} dangling references over ${number.format(scanned)} records` +
    (inFlight > 0 ? `, ${number.format(inFlight)} keys in flight` : '') +
    (truncated.length > 0 ? `; more differing keys than verify drills into: ${truncated.join(', ')}` : '') +
    warnings
  );
}

/** The switch steps as a compact line: `fenced 0 · acknowledged 12 · … · flipped 84 ms`. */
export function formatSteps(report: SwitchReport): string {
  const steps = Object.entries(report.steps).map(([step, at]) => `${step} ${Math.round(at)}`);
  return steps.length === 0 ? '' : `${steps.join(' · ')} ms`;
}
