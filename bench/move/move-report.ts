import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlatformScale } from '@cohort/testkit/generator';
import { adapterLabels, type Machine } from '../harness/report.js';
import type { DualWriteResult } from './dual-write-run.js';
import type { HoldFigures, VerifyFigures } from './move-fleet.js';
import type { OnlineMoveResult, SwitchFigures } from './online-move-run.js';

/** The issue's targets. */
export const LAG_P99_TARGET_MS = 1_000;
export const PAUSE_P100_TARGET_MS = 250;

export interface MoveBenchResults {
  readonly benchmark: 'move';
  readonly scale: PlatformScale;
  readonly seed: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** False while the run is still going (the files are rewritten after each scenario). */
  readonly complete: boolean;
  readonly settings: {
    readonly services: number;
    readonly writesPerSecond: number;
    readonly followSeconds: number;
    readonly followBackSeconds: number;
    readonly catchUpTimeoutSeconds: number;
    readonly gateWaitSeconds: number;
    readonly dynamoPollMs: readonly number[];
    readonly dualWriteHoldBoundMs: number;
  };
  /** The commit the run started from, and how many files under packages/ differed from it then (others' work). */
  readonly code?: { readonly commit: string; readonly uncommittedPackageFiles: number };
  readonly machine: Machine;
  readonly servers: string;
  readonly online: readonly OnlineMoveResult[];
  readonly dualWrite: readonly DualWriteResult[];
  readonly targets: readonly TargetRow[];
}

export interface TargetRow {
  readonly scenario: string;
  readonly target: string;
  readonly measured: string;
  readonly limit: string;
  readonly met: boolean;
  /** For a miss: where the time or the difference came from, as measured. */
  readonly cause: string;
}

const format = new Intl.NumberFormat('en-US');
const ms = (value: number | null | undefined) =>
  value === null || value === undefined ? '–' : format.format(Math.round(value));
const s = (value: number) => (value / 1000).toFixed(1);
const direction = (from: string, to: string) =>
  `${adapterLabels[from as 'postgres' | 'dynamo']} → ${adapterLabels[to as 'postgres' | 'dynamo']}`;
const scenarioName = (result: OnlineMoveResult) =>
  `${direction(result.from, result.to)}, poll ${result.dynamoPollMs} ms`;

/** Each step of a switch as its own duration: where the pause went. */
export function stepDurations(figures: SwitchFigures): string {
  let previous = 0;
  const parts: string[] = [];
  for (const step of ['fenced', 'acknowledged', 'marker-written', 'marker-applied', 'flipped'] as const) {
    const at = figures.steps[step];
    if (at === undefined) continue;
    parts.push(`${step} +${ms(at - previous)}`);
    previous = at;
  }
  return parts.join(', ');
}

const holds = (figures: HoldFigures) =>
  figures.held === 0
    ? 'none held'
    : `${ms(figures.p50Ms)} / ${ms(figures.p100Ms)} (${figures.held}${figures.timedOut > 0 ? `, ${figures.timedOut} timed out` : ''})`;
const verified = (figures: VerifyFigures | null) =>
  figures === null
    ? 'not run'
    : `${figures.differences} diff, ${figures.inFlight} in flight, ${figures.dangling} dangling (${s(figures.elapsedMs)} s)` +
      (figures.ok
        ? ''
        : `, not ok${(figures.truncated ?? []).length > 0 ? `: drill-down stopped at 100 keys in ${(figures.truncated ?? []).join(', ')}` : ''}`);

function pauseCause(figures: SwitchFigures): string {
  if (figures.outcome === 'refused') {
    return `refused by the lag gate after probing for ${s(figures.waitedForGateMs)} s: ${figures.reason ?? ''}`;
  }
  const slowest = stepDurations(figures)
    .split(', ')
    .map((part) => ({ part, ms: Number(part.split('+')[1]?.replaceAll(',', '')) }))
    .sort((a, b) => b.ms - a.ms)[0];
  const afterRelease =
    figures.holds.p100Ms !== null && figures.pauseMs !== null ? figures.holds.p100Ms - figures.pauseMs : null;
  return (
    `${figures.outcome}; operator pause ${ms(figures.pauseMs)} ms, slowest step ${slowest?.part ?? '–'} ms` +
    (afterRelease !== null && afterRelease > 0
      ? `; held calls waited ${ms(afterRelease)} ms past the release (the instances read the control record every 100 ms)`
      : '') +
    (figures.reason ? `; ${figures.reason}` : '')
  );
}

/** The targets, met or missed, with the measured cause of every miss. */
export function checkTargets(online: readonly OnlineMoveResult[]): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const result of online) {
    const scenario = scenarioName(result);
    const lag = result.follow.p99Ms;
    rows.push({
      scenario,
      target: `lag p99 while following (${result.follow.seconds} s)`,
      measured: `${ms(lag)} ms`,
      limit: `≤ ${format.format(LAG_P99_TARGET_MS)} ms`,
      met: lag !== null && lag <= LAG_P99_TARGET_MS,
      cause:
        `p50 ${ms(result.follow.p50Ms)} ms, max ${ms(result.follow.maxMs)} ms over ${result.follow.samples} batches, ` +
        `${format.format(result.follow.appliedPerSecond)} changes/s applied; largest backlog ${result.follow.maxBacklog ?? '–'}` +
        (result.catchUpMs === null ? '; the replication never caught up with the backlog the backfill left' : ''),
    });
    for (const [name, figures] of [
      ['cut-over', result.cutOver],
      ['rollback', result.rollback],
    ] as const) {
      if (figures === null) continue;
      const p100 = figures.holds.p100Ms;
      rows.push({
        scenario,
        target: `${name} write pause p100 (held calls)`,
        measured: p100 === null ? 'none held' : `${ms(p100)} ms`,
        limit: `≤ ${PAUSE_P100_TARGET_MS} ms`,
        met: figures.outcome === 'switched' && (p100 === null || p100 <= PAUSE_P100_TARGET_MS),
        cause: pauseCause(figures),
      });
    }
    for (const [name, figures] of [
      ['after the move', result.afterCutOver],
      ['after the rollback', result.afterRollback],
    ] as const) {
      rows.push({
        scenario,
        target: `differences ${name}`,
        measured: figures === null ? 'not verified' : `${figures.differences} (+${figures.dangling} dangling)`,
        limit: '0',
        met: figures !== null && figures.differences === 0 && figures.dangling === 0,
        cause: figures === null ? 'the switch before it did not happen' : figures.detail,
      });
    }
  }
  return rows;
}

/** The results as markdown: copy and follow, the switches, the dual-write path, the targets. */
export function moveMarkdown(results: MoveBenchResults): string {
  const m = results.machine;
  const lines: string[] = [
    `# Online move, ${results.scale} scale, ${results.startedAt.slice(0, 10)}${results.complete ? '' : ' (run still going: partial)'}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB RAM, ${m.os}, Node ${m.node}; load average ${m.loadAverageStart.toFixed(1)} at the start, ${m.loadAverageEnd.toFixed(1)} at the end. **A shared machine**: other sessions' builds and tests ran on the same 2 cores, so every figure here carries their noise.`,
    '',
    ...(results.code
      ? [
          `Code: commit ${results.code.commit}${results.code.uncommittedPackageFiles > 0 ? ` with ${results.code.uncommittedPackageFiles} uncommitted file(s) under packages/ (other work in progress)` : ''}.`,
          '',
        ]
      : []),
    `Servers: ${results.servers}. Workload: ${results.settings.services} service processes (each its own connections, strangler store and fleet controller) writing the traffic mix of \`startTraffic\` at ${results.settings.writesPerSecond} writes/s in all, from before the move starts until after the last verify. Follow window ${results.settings.followSeconds} s; ${results.settings.followBackSeconds} s after each switch before its verify. Platform: seed ${results.seed}.`,
    '',
    '## Online move: copy and follow',
    '',
    '| Direction | DynamoDB feed poll | Records | Backfill | Rows/s | Catch-up | Lag p50 / p99 / max (follow) | Batches | Changes/s applied | Backlog max | Whole forward lag p99 | Move (start → cut over) | Total (→ rollback verified) |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...results.online.map(
      (r) =>
        `| ${direction(r.from, r.to)} | ${r.dynamoPollMs} ms | ${format.format(r.records)} | ${s(r.backfill.elapsedMs)} s | ${format.format(r.backfill.rowsPerSecond)} | ${r.catchUpMs === null ? `not within ${results.settings.catchUpTimeoutSeconds} s` : `${s(r.catchUpMs)} s`} | ${ms(r.follow.p50Ms)} / ${ms(r.follow.p99Ms)} / ${ms(r.follow.maxMs)} ms | ${r.follow.samples} | ${format.format(r.follow.appliedPerSecond)} | ${r.follow.maxBacklog ?? '–'} | ${ms(r.forwardLag?.p99Ms)} ms | ${s(r.moveMs)} s | ${s(r.totalMs)} s |`,
    ),
    '',
    '## Online move: the switches',
    '',
    "Waited for the gate: from asking for the switch until the fence, the switch's lag gate probing (a marker written to the store of record must come through the replication within 500 ms) and the back subscription taken. Pause: fence → release by the operator. Held p50 / p100: every write the services held during the switch, as they felt it (n held). Steps: each step's own ms. Verify: after the replication followed within 300 ms again, while the services write; writes the feeds show changed during the verify are in flight, not differences.",
    '',
    '| Direction | Switch | Waited for the gate | Outcome | Pause | Held p50 / p100 ms (n) | Steps (ms each) | Verify after |',
    '|---|---|--:|---|--:|--:|---|---|',
    ...results.online.flatMap((r) =>
      (
        [
          ['cut-over', r.cutOver, r.afterCutOver],
          ['rollback', r.rollback, r.afterRollback],
        ] as const
      ).flatMap(([name, figures, after]) =>
        figures === null
          ? []
          : [
              `| ${direction(r.from, r.to)}, poll ${r.dynamoPollMs} ms | ${name} | ${s(figures.waitedForGateMs)} s | ${figures.outcome} | ${ms(figures.pauseMs)} ms | ${holds(figures.holds)} | ${stepDurations(figures)} | ${verified(after)} |`,
            ],
      ),
    ),
    '',
    '| Direction | Writes acknowledged | Writes/s | Refused | Acknowledged writes missing from the store of record | Other holds (n, p100) | Fleet events |',
    '|---|--:|--:|---|--:|--:|---|',
    ...results.online.map(
      (r) =>
        `| ${direction(r.from, r.to)}, poll ${r.dynamoPollMs} ms | ${format.format(r.traffic.acknowledged)} | ${r.traffic.writesPerSecond} | ${JSON.stringify(r.traffic.errors)} | ${r.traffic.missing} | ${r.otherHolds.held}, ${ms(r.otherHolds.p100Ms)} ms | ${r.fleetEvents.length} |`,
    ),
    '',
  ];
  if (results.dualWrite.length > 0) {
    lines.push(
      "## Today's path for comparison: dual-write → backfill with catch-up → reconcile inside the fence → flip",
      '',
      `Fresh stores, the same platform and workload. The services hold fenced writes up to ${format.format(results.settings.dualWriteHoldBoundMs / 1000)} s here (the controller's default is 3 s), or the reconcile inside the fence would fail them.`,
      '',
      '| Direction | Backfill | Catch-up (rounds, converged, repaired) | Reconcile in the fence (rounds, converged, repaired) | Pause | Held p50 / p100 ms (n) | Verify after the flip | Acknowledged writes missing | Mirror repairs pending | Refused |',
      '|---|--:|---|---|--:|--:|---|--:|--:|---|',
      ...results.dualWrite.map((r) => {
        const rec = (summary: DualWriteResult['catchUp'], msTaken: number) =>
          summary === null
            ? '–'
            : `${s(msTaken)} s (${summary.rounds}, ${summary.converged ? 'yes' : '**no**'}, ${summary.copied} copied ${summary.deleted} deleted${summary.unrepairable > 0 ? `, ${summary.unrepairable} unrepairable` : ''})`;
        return `| ${direction(r.from, r.to)} | ${s(r.backfill.elapsedMs)} s (${format.format(r.backfill.rowsPerSecond)} rows/s) | ${rec(r.catchUp, r.catchUpMs)} | ${rec(r.fencedReconcile, r.cutOver.reconcileMs)} | ${ms(r.cutOver.pauseMs)} ms (${r.cutOver.outcome}) | ${holds(r.cutOver.holds)} | ${verified(r.afterCutOver)} | ${r.traffic.missing} | ${r.traffic.repairsPending} | ${JSON.stringify(r.traffic.errors)} |`;
      }),
      '',
    );
  }
  lines.push(
    '## Targets',
    '',
    '| Scenario | Target | Measured | Limit | Met | Measured cause |',
    '|---|---|--:|--:|---|---|',
    ...results.targets.map(
      (t) =>
        `| ${t.scenario} | ${t.target} | ${t.measured} | ${t.limit} | ${t.met ? 'yes' : '**no**'} | ${t.met ? '' : t.cause} |`,
    ),
    '',
  );
  return lines.join('\n');
}

/** Writes `<date>-move-<scale><suffix>.json` and `.md` under `dir`. */
export async function writeMoveResults(
  dir: string,
  results: MoveBenchResults,
  suffix: string,
): Promise<{ json: string; markdown: string }> {
  await mkdir(dir, { recursive: true });
  const base = join(dir, `${results.startedAt.slice(0, 10)}-move-${results.scale}${suffix}`);
  await writeFile(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`${base}.md`, moveMarkdown(results));
  return { json: `${base}.json`, markdown: `${base}.md` };
}
