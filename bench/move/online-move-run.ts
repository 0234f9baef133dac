import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlRecords } from '@cohort/core';
import {
  startOnlineMove,
  type LagSample,
  type LagSummary,
  type MoveReport,
  type MoveSource,
  type OnlineMove,
  type SwitchReport,
} from '@cohort/migrate';
import {
  holdsBetween,
  nearestRank,
  startFleet,
  trafficFigures,
  verifyUnderTraffic,
  type HoldFigures,
  type ScenarioSettings,
  type TrafficFigures,
  type VerifyFigures,
} from './move-fleet.js';
import type { OpenStore } from './move-stores.js';

/** Held writes let go this long after a switch returned still count as its pause (services poll every 100 ms). */
const HOLD_WINDOW_AFTER_MS = 2_000;
/** A verify starts once the replication's last lag is at most this. */
const READY_LAG_MS = 300;
/** The catch-up after the backfill is over once the lag is at most this (the target while following). */
const CAUGHT_UP_LAG_MS = 1_000;

export interface OnlineMoveTiming {
  readonly followSeconds: number;
  readonly followBackSeconds: number;
  /** How long the replication gets to catch up after the backfill before the follow window starts regardless. */
  readonly catchUpTimeoutSeconds: number;
  /**
   * How long a switch's lag gate keeps probing (its `gateWaitMs`: a probe marker's trip must come within 500 ms), and
   * how long a verify waits for the replication to follow within 300 ms before it goes ahead anyway.
   */
  readonly gateWaitSeconds: number;
}

/** One switch (cut-over or rollback) as the operator and the services saw it. */
export interface SwitchFigures {
  readonly outcome: SwitchReport['outcome'];
  readonly reason: string | null;
  /** The gate's last probe: a marker's trip from the store of record through the replication. */
  readonly lagAtGateMs: number | null;
  /** Fence → release, by the operator's clock. */
  readonly pauseMs: number | null;
  /** Each step's ms since the fence. */
  readonly steps: SwitchReport['steps'];
  /** Instances that acknowledged the fence, and those counted out. */
  readonly acknowledged: number;
  readonly expired: number;
  /** The write pause as the services felt it: every held call let go during the switch. */
  readonly holds: HoldFigures;
  /** The whole call, the back subscription taken before the fence included. */
  readonly callMs: number;
  /**
   * From the call to the fence: the gate's probes until one came within 500 ms, and the back subscription taken;
   * bounded by --gate-wait-seconds (the whole call when refused).
   */
  readonly waitedForGateMs: number;
}

export interface OnlineMoveResult {
  readonly path: 'online move';
  readonly from: string;
  readonly to: string;
  /** The DynamoDB feed's pollMs (250: the adapter's default). */
  readonly dynamoPollMs: number;
  readonly records: number;
  readonly loadRowsPerSecond: number;
  readonly backfill: {
    readonly elapsedMs: number;
    readonly copied: number;
    readonly rowsPerSecond: number;
    readonly leftToFeed: number;
  };
  /** From the end of the backfill until a read found nothing left (the changes written during the backfill). */
  readonly catchUpMs: number | null;
  /** Lag while following, over the follow window only (after the catch-up), from the replication's own samples. */
  readonly follow: {
    readonly seconds: number;
    readonly samples: number;
    readonly p50Ms: number | null;
    readonly p99Ms: number | null;
    readonly maxMs: number | null;
    readonly maxBacklog: number | null;
    /** Changes applied per second during the window. */
    readonly appliedPerSecond: number;
  };
  /** The forward replication's whole LagSummary (catch-up after the backfill included). */
  readonly forwardLag: LagSummary | null;
  readonly cutOver: SwitchFigures;
  readonly afterCutOver: VerifyFigures | null;
  readonly rollback: SwitchFigures | null;
  readonly afterRollback: VerifyFigures | null;
  /** Start of the move → cut-over switched (backfill, catch-up, the follow window and the switch). */
  readonly moveMs: number;
  /** Start of the move → the rollback verified. */
  readonly totalMs: number;
  readonly traffic: TrafficFigures;
  /** Held writes let go outside both switches (a lease the instance could not prove in time). */
  readonly otherHolds: HoldFigures;
  readonly fleetEvents: readonly string[];
}

const asMoveSource = (opened: OpenStore): MoveSource => {
  const feed = opened.store.changeFeed;
  if (!feed) throw new Error(`the ${opened.spec.kind} store has no change feed`);
  return { ...opened.store, changeFeed: feed };
};

/**
 * The online move under the services' traffic: backfill, catch up, follow for a while, cut over behind the fence,
 * follow back, verify, roll back, verify again; then the services stop and their ledgers are checked against the store
 * of record.
 */
export async function runOnlineMove(settings: ScenarioSettings, timing: OnlineMoveTiming): Promise<OnlineMoveResult> {
  const { log } = settings;
  const fleet = await startFleet(settings);
  let online: OnlineMove | null = null;
  try {
    const samples: (LagSample & { readonly direction: 'forward' | 'back' })[] = [];
    let direction: 'forward' | 'back' = 'forward';
    const started = performance.now();
    const copied = new Map<string, number>();
    let copyLoggedAt = started;
    online = await startOnlineMove({
      source: asMoveSource(fleet.source),
      target: asMoveSource(fleet.target),
      control: fleet.control.store.control as ControlRecords,
      fleetKey: fleet.fleetKey,
      subscription: `bench_${settings.name.replaceAll('-', '_')}`.slice(0, 34),
      replication: {
        label: `${settings.from}->${settings.to}`,
        backfill: {
          countTotals: false,
          onProgress: (event) => {
            if (event.type === 'batch') copied.set(event.recordSet, event.copied);
            if (event.type !== 'batch' || performance.now() - copyLoggedAt < 10_000) return;
            copyLoggedAt = performance.now();
            log(`backfill: ${[...copied].map(([set, count]) => `${set} ${count}`).join(', ')}`);
          },
        },
        onLag: (sample) => samples.push({ ...sample, direction }),
      },
    });
    const forward = online.replication();
    let forwardReport: MoveReport | null = null;
    void forward.done.then((report) => (forwardReport = report)).catch(() => undefined);

    log(`online move ${settings.from} -> ${settings.to}: backfill`);
    let backfilledAt: number | null = null;
    let caughtUpAt: number | null = null;
    let lastLog = performance.now();
    for (;;) {
      const status = forward.status();
      if (status.phase === 'failed') await forward.done;
      if (backfilledAt === null && status.phase === 'follow') {
        backfilledAt = performance.now();
        log(`backfilled in ${((backfilledAt - started) / 1000).toFixed(1)} s; catching up`);
      }
      // Caught up: a read found nothing left, or the lag came within the target. Under steady writes a read seldom
      // comes back empty, however close the replication follows.
      if (backfilledAt !== null && (status.caughtUp || (status.lagMs !== null && status.lagMs <= CAUGHT_UP_LAG_MS))) {
        caughtUpAt = performance.now();
        break;
      }
      if (backfilledAt !== null && performance.now() - backfilledAt > timing.catchUpTimeoutSeconds * 1_000) {
        log(`not caught up ${timing.catchUpTimeoutSeconds} s after the backfill: following anyway`);
        break;
      }
      if (status.phase === 'follow' && performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(
          `${status.phase}: applied ${status.applied}, lag ${status.lagMs ?? '-'} ms, backlog ${status.backlog ?? '-'}`,
        );
      }
      await sleep(50);
    }
    const backfillEnd = backfilledAt;
    if (caughtUpAt !== null) {
      log(
        `caught up ${((caughtUpAt - backfillEnd) / 1000).toFixed(1)} s after the backfill; following ${timing.followSeconds} s`,
      );
    }
    const followFrom = Date.now();
    const appliedBefore = forward.status().applied;
    await sleep(timing.followSeconds * 1_000);
    const followUntil = Date.now();
    const appliedInWindow = forward.status().applied - appliedBefore;
    const window = samples.filter(
      (s) => s.direction === 'forward' && s.at >= followFrom && s.at <= followUntil && s.applied > 0,
    );
    const lags = window.map((s) => s.lagMs).sort((a, b) => a - b);
    const backlogs = window.flatMap((s) => (s.backlog === null ? [] : [s.backlog]));
    const forwardLag = forward.lag();

    /**
     * Waits until the running replication follows within READY_LAG_MS, at most `seconds`; the ms waited, and whether it
     * came within.
     */
    const settled = async (seconds = timing.gateWaitSeconds): Promise<{ waitedMs: number; within: boolean }> => {
      const from = performance.now();
      for (;;) {
        const status = (online as OnlineMove).replication().status();
        const waitedMs = Math.round(performance.now() - from);
        if (status.phase === 'follow' && status.lagMs !== null && status.lagMs <= READY_LAG_MS) {
          return { waitedMs, within: true };
        }
        if (waitedMs > seconds * 1_000) {
          log(`the replication still lags ${status.lagMs ?? '?'} ms after ${seconds} s: going on`);
          return { waitedMs, within: false };
        }
        await sleep(50);
      }
    };

    // One call, as an operator makes it: the switch's own gate probes the lag (a marker's trip) until it is within
    // 500 ms, for up to --gate-wait-seconds, and refuses after that.
    const switchOnce = async (command: 'cutOver' | 'rollback'): Promise<SwitchFigures> => {
      const move = online as OnlineMove;
      const calledAt = Date.now();
      const callStarted = performance.now();
      let fencedAt: number | null = null;
      const report = await move[command]({
        gateWaitMs: timing.gateWaitSeconds * 1_000,
        onStep: (step) => {
          if (step === 'fenced') fencedAt = performance.now();
        },
      });
      const callMs = performance.now() - callStarted;
      const waitedMs = Math.round((fencedAt ?? performance.now()) - callStarted);
      await sleep(HOLD_WINDOW_AFTER_MS);
      const holds = holdsBetween(fleet.services.held(), calledAt, Date.now());
      const steps = Object.entries(report.steps)
        .map(([step, ms]) => `${step} ${ms}`)
        .join(', ');
      log(
        `${command}: ${report.outcome}${report.reason ? ` (${report.reason})` : ''}, pause ${report.pauseMs?.toFixed(0) ?? '-'} ms ` +
          `[${steps}]; services held ${holds.held} writes, p50 ${holds.p50Ms?.toFixed(0) ?? '-'} p100 ${holds.p100Ms?.toFixed(0) ?? '-'} ms`,
      );
      return {
        outcome: report.outcome,
        reason: report.reason,
        lagAtGateMs: report.lagMs,
        pauseMs: report.pauseMs === null ? null : Math.round(report.pauseMs * 10) / 10,
        steps: report.steps,
        acknowledged: report.wait?.acknowledged.length ?? 0,
        expired: report.wait?.expired.length ?? 0,
        holds,
        callMs: Math.round(callMs),
        waitedForGateMs: waitedMs,
      };
    };

    const switches: { from: number; until: number }[] = [];
    const cutFrom = Date.now();
    const cutOver = await switchOnce('cutOver');
    switches.push({ from: cutFrom, until: Date.now() });
    const moveMs = performance.now() - started;
    let afterCutOver = null;
    let rollback = null;
    let afterRollback = null;
    if (cutOver.outcome === 'switched') {
      direction = 'back';
      await sleep(timing.followBackSeconds * 1_000);
      await settled();
      log('verifying (the target is the store of record) while the services write');
      afterCutOver = await verifyUnderTraffic(fleet.target, fleet.source);
      log(`verify: ${JSON.stringify(afterCutOver)}`);
      const rollFrom = Date.now();
      rollback = await switchOnce('rollback');
      switches.push({ from: rollFrom, until: Date.now() });
      if (rollback.outcome === 'switched') {
        direction = 'forward';
        await sleep(timing.followBackSeconds * 1_000);
        await settled();
        log('verifying (the source is the store of record again) while the services write');
        afterRollback = await verifyUnderTraffic(fleet.source, fleet.target);
        log(`verify: ${JSON.stringify(afterRollback)}`);
      }
    }
    const totalMs = performance.now() - started;
    const reports = await fleet.services.stop();
    const storeOfRecord =
      rollback?.outcome === 'switched' || cutOver.outcome !== 'switched' ? fleet.source : fleet.target;
    const traffic = await trafficFigures(reports, storeOfRecord);
    const outside = fleet.services
      .held()
      .filter((write) => !switches.some((w) => write.at >= w.from && write.at <= w.until));
    const otherHolds = holdsBetween(outside, 0, Number.MAX_SAFE_INTEGER);
    await online.stop();
    const forwardDone = forwardReport as MoveReport | null;
    return {
      path: 'online move',
      from: settings.from,
      to: settings.to,
      dynamoPollMs: settings.dynamoPollMs ?? 250,
      records: fleet.load.records,
      loadRowsPerSecond: fleet.load.rowsPerSecond,
      backfill: {
        elapsedMs: forwardDone?.backfill.elapsedMs ?? Math.round(backfillEnd - started),
        copied: forwardDone?.backfill.copied ?? 0,
        rowsPerSecond: forwardDone?.backfill.rowsPerSecond ?? 0,
        leftToFeed: forwardDone?.leftToFeed ?? 0,
      },
      catchUpMs: caughtUpAt === null ? null : Math.round(caughtUpAt - backfillEnd),
      follow: {
        seconds: timing.followSeconds,
        samples: lags.length,
        p50Ms: nearestRank(lags, 0.5),
        p99Ms: nearestRank(lags, 0.99),
        maxMs: lags.at(-1) ?? null,
        maxBacklog: backlogs.length > 0 ? Math.max(...backlogs) : null,
        appliedPerSecond: Math.round((appliedInWindow * 1000) / (followUntil - followFrom)),
      },
      forwardLag,
      cutOver,
      afterCutOver,
      rollback,
      afterRollback,
      moveMs: Math.round(moveMs),
      totalMs: Math.round(totalMs),
      traffic,
      otherHolds,
      fleetEvents: fleet.services.fleetEvents(),
    };
  } finally {
    await online?.stop().catch(() => undefined);
    await dropSubscriptions(fleet.source, fleet.target);
    await fleet.close();
  }
}

/** Drops what the move left subscribed (PostgreSQL keeps WAL for every replication slot until it is dropped). */
async function dropSubscriptions(...stores: OpenStore[]): Promise<void> {
  for (const opened of stores) {
    const feed = opened.store.changeFeed;
    for (const info of (await feed?.listSubscriptions().catch(() => [])) ?? []) {
      await feed?.dropSubscription(info.name).catch(() => undefined);
    }
  }
}
