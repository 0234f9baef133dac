import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlRecords } from '@cohort/core';
import { backfill, fleetControl, reconcile, type ReconcileReport } from '@cohort/migrate';
import {
  holdsBetween,
  startFleet,
  trafficFigures,
  verifyUnderTraffic,
  type HoldFigures,
  type ScenarioSettings,
  type TrafficFigures,
  type VerifyFigures,
} from './move-fleet.js';

/**
 * The dual-write path's services hold fenced writes this long (and take a fence as abandoned after FENCE_ABANDON_MS):
 * its reconcile runs inside the fence and takes seconds, past the controller's defaults (3,000 and 2,500 ms), which
 * would fail the held writes with UNAVAILABLE, or lift the fence mid-reconcile.
 */
export const DUAL_WRITE_HOLD_BOUND_MS = 120_000;
const FENCE_ABANDON_MS = 110_000;
/** How long the instances get to take a phase set without a fence (they read the control record every 100 ms). */
const PHASE_SETTLE_MS = 1_000;
/** Held writes let go this long after the cut-over returned still count as its pause. */
const HOLD_WINDOW_AFTER_MS = 2_000;

export interface DualWriteResult {
  readonly path: 'dual-write + reconcile';
  readonly from: string;
  readonly to: string;
  readonly records: number;
  readonly backfill: { readonly elapsedMs: number; readonly copied: number; readonly rowsPerSecond: number };
  /** The backfill's catch-up (a reconcile after the copy, while the services dual-write). */
  readonly catchUp: ReconcileSummary | null;
  readonly catchUpMs: number;
  /** The reconcile run inside the fence (beforeFlip). */
  readonly fencedReconcile: ReconcileSummary | null;
  readonly cutOver: {
    readonly outcome: 'flipped' | 'aborted';
    /** Fence → release, by the operator's clock. */
    readonly pauseMs: number;
    /** Fence → every lease acknowledged. */
    readonly awaitFenceMs: number;
    readonly reconcileMs: number;
    readonly holds: HoldFigures;
  };
  readonly afterCutOver: VerifyFigures;
  /** dual-write set → cut over. */
  readonly moveMs: number;
  readonly traffic: TrafficFigures;
  readonly fleetEvents: readonly string[];
}

export interface ReconcileSummary {
  readonly converged: boolean;
  readonly rounds: number;
  readonly copied: number;
  readonly deleted: number;
  readonly unrepairable: number;
}

const summary = (report: ReconcileReport): ReconcileSummary => ({
  converged: report.converged,
  rounds: report.rounds,
  copied: report.recordSets.reduce((sum, set) => sum + set.copied, 0),
  deleted: report.recordSets.reduce((sum, set) => sum + set.deleted, 0),
  unrepairable: report.recordSets.reduce((sum, set) => sum + set.unrepairable.length, 0),
});

/**
 * Today's path under the same traffic, on fresh stores: the fleet to dual-write, a backfill with its catch-up
 * reconcile, shadow-read, then a fenced cut-over to secondary-primary whose beforeFlip reconciles the stores while
 * every write waits; a verify while the services go on writing, then their ledgers checked against the new store of
 * record.
 */
export async function runDualWrite(settings: ScenarioSettings, followBackSeconds: number): Promise<DualWriteResult> {
  const { log } = settings;
  const fleet = await startFleet(settings, { holdBoundMs: DUAL_WRITE_HOLD_BOUND_MS, fenceAbandonMs: FENCE_ABANDON_MS });
  try {
    const operator = fleetControl(fleet.control.store.control as ControlRecords, { key: fleet.fleetKey });
    const started = performance.now();
    await operator.setPhase('all', 'dual-write');
    await sleep(PHASE_SETTLE_MS);
    log(`dual-write ${settings.from} -> ${settings.to}: backfill with catch-up`);
    const copying = performance.now();
    const copy = await backfill({
      source: fleet.source.store,
      target: fleet.target.store,
      label: `${settings.from}->${settings.to}`,
      countTotals: false,
      catchUp: true,
    });
    const catchUpMs = performance.now() - copying - copy.elapsedMs;
    log(
      `backfilled ${copy.copied} in ${(copy.elapsedMs / 1000).toFixed(1)} s; catch-up ${JSON.stringify(copy.catchUp && summary(copy.catchUp))}`,
    );
    await operator.setPhase('all', 'shadow-read');
    await sleep(PHASE_SETTLE_MS);

    let fencedReconcile: ReconcileReport | null = null;
    let reconcileMs = 0;
    const calledAt = Date.now();
    const report = await operator.cutOver({
      ports: 'all',
      phase: 'secondary-primary',
      timeoutMs: 10_000,
      beforeFlip: async () => {
        const reconciling = performance.now();
        fencedReconcile = await reconcile({ source: fleet.source.store, target: fleet.target.store });
        reconcileMs = performance.now() - reconciling;
      },
    });
    const moveMs = performance.now() - started;
    await sleep(HOLD_WINDOW_AFTER_MS);
    const holds = holdsBetween(fleet.services.held(), calledAt, Date.now());
    log(
      `cut-over: ${report.outcome}, pause ${report.release.pauseMs.toFixed(0)} ms (reconcile ${reconcileMs.toFixed(0)} ms); ` +
        `services held ${holds.held} writes, p100 ${holds.p100Ms?.toFixed(0) ?? '-'} ms`,
    );
    await sleep(Math.max(0, followBackSeconds * 1_000 - HOLD_WINDOW_AFTER_MS));
    log('verifying (the target is the store of record) while the services write');
    const afterCutOver = await verifyUnderTraffic(fleet.target, fleet.source);
    log(`verify: ${JSON.stringify(afterCutOver)}`);
    const reports = await fleet.services.stop();
    const traffic = await trafficFigures(reports, report.outcome === 'flipped' ? fleet.target : fleet.source);
    const fenced = fencedReconcile as ReconcileReport | null;
    return {
      path: 'dual-write + reconcile',
      from: settings.from,
      to: settings.to,
      records: fleet.load.records,
      backfill: { elapsedMs: copy.elapsedMs, copied: copy.copied, rowsPerSecond: copy.rowsPerSecond },
      catchUp: copy.catchUp && summary(copy.catchUp),
      catchUpMs: Math.round(catchUpMs),
      fencedReconcile: fenced && summary(fenced),
      cutOver: {
        outcome: report.outcome,
        pauseMs: Math.round(report.release.pauseMs),
        awaitFenceMs: Math.round(report.wait.waitedMs),
        reconcileMs: Math.round(reconcileMs),
        holds,
      },
      afterCutOver,
      moveMs: Math.round(moveMs),
      traffic,
      fleetEvents: fleet.services.fleetEvents(),
    };
  } finally {
    await fleet.close();
  }
}
