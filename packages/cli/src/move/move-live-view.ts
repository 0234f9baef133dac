import type { RecordSetName } from '@cohort/core';
import type { BackfillProgress, FleetControl, LeaseInfo, OnlineMove } from '@cohort/migrate';
import type { Progress } from '../progress.js';
import { formatCount, formatMs, plural } from './move-format.js';

export interface MoveLiveViewOptions {
  /** Where the instances' leases are read. */
  readonly fleet: FleetControl;
  /** The stores as the command names them: the move's source and target. */
  readonly from: string;
  readonly to: string;
  readonly progress: Progress;
  /** How often the leases are read again (default 2,000 ms; each read lists the fleet's control records). */
  readonly leasesEveryMs?: number;
}

/** Instances named in the live line up to this many; beyond it only counted. */
const NAMED_INSTANCES = 4;

/**
 * The live view of `cohort move` on stderr, one line through Progress (redrawn on a terminal, a line every few
 * seconds elsewhere): the direction and phase, rows copied or changes applied, changes/s, lag now and p99, backlog,
 * and the instances holding leases. `draw` is called on a timer; the backfill's events feed the rows copied.
 */
export class MoveLiveView {
  private readonly copied = new Map<RecordSetName, number>();
  private leases: readonly LeaseInfo[] | null = null;
  private leasesAt = -Infinity;
  private leasesReading = false;
  private lastApplied = 0;
  private lastAt = performance.now();
  private lastHandle: unknown = null;

  constructor(private readonly options: MoveLiveViewOptions) {}

  /** Hears the backfill's progress (besides its own per-record-set display). */
  onBackfill(event: BackfillProgress): void {
    this.copied.set(event.recordSet, event.copied);
  }

  /** Redraws the line from the move's status now. */
  draw(online: OnlineMove): void {
    this.refreshLeases();
    const { progress } = this.options;
    const status = online.status();
    const handle = online.replication();
    const replication = status.replication;
    const now = performance.now();
    if (handle !== this.lastHandle) {
      // A switch started another replication: its applied count starts from zero.
      this.lastHandle = handle;
      this.lastApplied = replication.applied;
      this.lastAt = now;
    }
    const [source, target] =
      status.direction === 'forward' ? [this.options.from, this.options.to] : [this.options.to, this.options.from];
    const parts = [`${status.direction} ${source} -> ${target}`];
    if (replication.phase === 'follow') {
      const rate = ((replication.applied - this.lastApplied) * 1000) / Math.max(1, now - this.lastAt);
      this.lastApplied = replication.applied;
      this.lastAt = now;
      parts.push(
        `follow: ${plural(replication.applied, 'change')} applied, ${formatCount(Math.round(rate))} changes/s, ` +
          `lag ${formatMs(replication.lagMs)} (p99 ${formatMs(handle.lag().p99Ms)}), ` +
          `backlog ${replication.backlog === null ? '–' : formatCount(replication.backlog)}` +
          (replication.waiting > 0 ? `, ${formatCount(replication.waiting)} waiting` : ''),
      );
    } else {
      const rows = [...this.copied.values()].reduce((sum, count) => sum + count, 0);
      parts.push(`${replication.phase}: ${plural(rows, 'row')} copied`);
    }
    if (status.restarts > 0) parts.push(`${plural(status.restarts, 'restart')} after failures`);
    parts.push(this.leasesText());
    progress.update(parts.join(' · '));
  }

  private leasesText(): string {
    if (this.leases === null) return 'leases: reading';
    const live = this.leases.filter((lease) => lease.live);
    const stale = this.leases.length - live.length;
    const ids =
      live.length > 0 && live.length <= NAMED_INSTANCES ? ` (${live.map((lease) => lease.instanceId).join(', ')})` : '';
    return `leases: ${formatCount(live.length)} live${ids}${stale > 0 ? `, ${formatCount(stale)} not renewed` : ''}`;
  }

  private refreshLeases(): void {
    const every = this.options.leasesEveryMs ?? 2_000;
    if (this.leasesReading || performance.now() - this.leasesAt < every) return;
    this.leasesReading = true;
    this.options.fleet
      .leases()
      .then(
        (leases) => (this.leases = leases),
        () => undefined, // the next draw shows the last leases read; the move itself reports a store that is down
      )
      .finally(() => {
        this.leasesReading = false;
        this.leasesAt = performance.now();
      });
  }
}
