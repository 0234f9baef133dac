import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordSetName } from '@cohort/core';
import type { BackfillProgress, FleetControl, MoveHandle, OnlineMove } from '@cohort/migrate';
import type { Progress } from '../progress.js';
import type { ServiceProcess } from './service-processes.js';

export interface MoveLiveViewOptions {
  /** The operator's side of the fleet's phases: the leases of the instances that obey them. */
  readonly fleet: FleetControl;
  readonly services: readonly ServiceProcess[];
  /** The stores' names, e.g. `PostgreSQL` and `DynamoDB`. */
  readonly from: string;
  readonly to: string;
  /** What moves, e.g. `activity`. */
  readonly moving: string;
  readonly progress: Progress;
  /** How often the line is redrawn (default 1,000 ms). */
  readonly everyMs?: number;
}

const number = new Intl.NumberFormat('en-US');
const ms = (value: number | null) => (value === null ? '–' : `${number.format(Math.round(value))} ms`);

/**
 * The move demo's live view, one line redrawn every second: the replication's phase and direction, rows copied by the
 * backfill, changes/s applied, lag now and p99, the instances holding live leases, writes/s the services saw
 * acknowledged, and which store serves the moving ports.
 */
export class MoveLiveView {
  private readonly copiedBySet = new Map<RecordSetName, number>();
  private readonly rates = new RateMeter();
  private leases: readonly string[] = [];
  private changesPerSecond = 0;
  private writesPerSecond = 0;
  private running: Promise<void> | null = null;
  private stopping = false;
  /** What the demo does besides following (e.g. `verifying`), shown first; null: nothing. */
  stage: string | null = null;

  constructor(private readonly options: MoveLiveViewOptions) {}

  /** For the backfill's `onProgress`: rows copied per record set. */
  readonly onBackfill = (event: BackfillProgress): void => void this.copiedBySet.set(event.recordSet, event.copied);

  /** Starts redrawing the line for `move`. */
  start(move: OnlineMove): void {
    this.running ??= (async () => {
      while (!this.stopping) {
        await this.measure(move);
        this.options.progress.update(this.line(move));
        await sleep(this.options.everyMs ?? 1_000);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.options.progress.clear();
  }

  /** The line as of the last measurement (rates and leases) and the move's status now. */
  line(move: OnlineMove): string {
    const { from, to } = this.options;
    const { direction, replication } = move.status();
    const copied = [...this.copiedBySet.values()].reduce((sum, count) => sum + count, 0);
    const parts = [
      ...(this.stage === null ? [] : [this.stage]),
      `${replication.phase} ${direction === 'forward' ? `${from} -> ${to}` : `${to} -> ${from}`}`,
      `${number.format(copied)} rows copied`,
    ];
    if (replication.phase !== 'backfill') {
      parts.push(
        `${number.format(Math.round(this.changesPerSecond))} changes/s`,
        `lag ${ms(replication.lagMs)} (p99 ${ms(move.replication().lag().p99Ms)})`,
      );
    }
    parts.push(
      `${this.leases.length} leases${this.leases.length > 0 ? ` (${this.leases.join(' ')})` : ''}`,
      `${number.format(Math.round(this.writesPerSecond))} writes/s acknowledged`,
      `${this.options.moving} served by ${direction === 'forward' ? from : to}`,
    );
    return parts.join(' │ ');
  }

  private async measure(move: OnlineMove): Promise<void> {
    const live = await this.options.fleet.leases().catch(() => null);
    if (live !== null) {
      this.leases = live
        .filter((lease) => lease.live)
        .map((lease) => lease.instanceId)
        .sort();
    }
    const acknowledged = this.options.services.reduce((sum, service) => sum + service.acknowledged(), 0);
    this.writesPerSecond = this.rates.rate('acknowledged', acknowledged);
    this.changesPerSecond = this.rates.rate('applied', move.status().replication.applied, move.replication());
  }
}

/** Per-second rates of growing counts, each from its previous reading (reset when its source changes). */
class RateMeter {
  private readonly last = new Map<string, { value: number; at: number; source: unknown }>();

  rate(name: string, value: number, source?: MoveHandle): number {
    const now = performance.now();
    const previous = this.last.get(name);
    this.last.set(name, { value, at: now, source });
    if (previous === undefined || previous.source !== source || now <= previous.at) return 0;
    return Math.max(0, ((value - previous.value) * 1000) / (now - previous.at));
  }
}
