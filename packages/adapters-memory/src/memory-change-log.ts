import type { Clock, RecordOf, RecordSetName } from '@cohort/core';

/** One committed change as the log keeps it: the stored record itself (tables replace records, never mutate them). */
export type LoggedChange = {
  [N in RecordSetName]: {
    readonly seq: number;
    readonly recordSet: N;
    readonly key: string;
    readonly record: RecordOf<N> | null;
    readonly committedAt: Date;
  };
}[RecordSetName];

/**
 * The memory store's log of committed changes: every table of a record set reports each row it sets or deletes, in
 * the order the store commits them, and the log numbers them 1, 2, 3, … (a change's position is its number).
 *
 * A store whose feed nobody asked for keeps only the counter: no position was handed out yet, so no consumer can
 * need a change from before the first use (`activate`). From then on it keeps every change for `retentionMs` by the
 * store's clock (all of them by default), oldest first; `trimmedThrough` is the newest number no longer held, and a
 * position before it is lost.
 */
/** A marker (`ChangeFeed.writeMarker`): it sits after change number `afterSeq`. Markers are numbered 1, 2, 3, … */
export interface LoggedMarker {
  readonly number: number;
  readonly afterSeq: number;
  readonly name: string;
}

/** Markers kept (the newest); an older one is heard by no session opened after it was dropped. */
const MARKERS_KEPT = 10_000;

export class MemoryChangeLog {
  private seq = 0;
  private markerCount = 0;
  private markers: LoggedMarker[] = [];
  private active = false;
  private trimmed = 0;
  // entries[head] holds number trimmed + 1; the dead prefix is cut off now and then rather than shifted per change.
  private entries: LoggedChange[] = [];
  private head = 0;
  private readonly watchers = new Set<() => void>();

  constructor(
    private readonly clock: Clock,
    private readonly retentionMs: number,
  ) {}

  /** The number of the newest committed change (0 before any). */
  get newest(): number {
    return this.seq;
  }

  /** The newest number the log no longer holds: a position before it cannot be served. */
  get trimmedThrough(): number {
    this.trim();
    return this.trimmed;
  }

  /** Starts keeping changes; called by every feed call that can hand out a position. */
  activate(): void {
    this.active = true;
  }

  /** Called by a table inside the store's synchronous write, so the log's order is the commit order. */
  record<N extends RecordSetName>(recordSet: N, key: string, record: RecordOf<N> | null): void {
    this.seq += 1;
    if (!this.active) {
      this.trimmed = this.seq;
    } else {
      const change = { seq: this.seq, recordSet, key, record, committedAt: this.clock.now() } as LoggedChange;
      this.entries.push(change);
      this.trim();
    }
    this.wake();
  }

  /** Puts a marker after the newest change, and wakes waiting reads. */
  mark(name: string): void {
    this.markerCount += 1;
    this.markers.push({ number: this.markerCount, afterSeq: this.seq, name });
    if (this.markers.length > MARKERS_KEPT * 2) this.markers = this.markers.slice(-MARKERS_KEPT);
    this.wake();
  }

  /** The markers numbered after `after` that the log still keeps, oldest first. */
  markersAfter(after: number): readonly LoggedMarker[] {
    const first = this.markers[0];
    if (first === undefined) return [];
    return this.markers.slice(Math.max(0, after + 1 - first.number));
  }

  /** The number of the newest marker placed before change number `seq` was committed (0 when none). */
  lastMarkerBefore(seq: number): number {
    let last = 0;
    for (const marker of this.markers) {
      if (marker.afterSeq >= seq) break;
      last = marker.number;
    }
    return last;
  }

  private wake(): void {
    if (this.watchers.size > 0) {
      const watchers = [...this.watchers];
      this.watchers.clear();
      for (const watcher of watchers) watcher();
    }
  }

  /** The change numbered `seq`, if the log holds it. */
  at(seq: number): LoggedChange | undefined {
    if (seq <= this.trimmed || seq > this.seq) return undefined;
    return this.entries[this.head + seq - this.trimmed - 1];
  }

  /** Up to `limit` changes after number `after`, oldest first (the caller checked that `after` is not lost). */
  after(after: number, limit: number): LoggedChange[] {
    const start = this.head + Math.max(0, after - this.trimmed);
    return this.entries.slice(start, start + limit);
  }

  /** Calls `watcher` once, at the next committed change. */
  watch(watcher: () => void): void {
    this.watchers.add(watcher);
  }

  unwatch(watcher: () => void): void {
    this.watchers.delete(watcher);
  }

  private trim(): void {
    if (this.retentionMs === Number.POSITIVE_INFINITY) return;
    const oldest = this.clock.now().getTime() - this.retentionMs;
    while (
      this.head < this.entries.length &&
      (this.entries[this.head] as LoggedChange).committedAt.getTime() < oldest
    ) {
      this.head += 1;
      this.trimmed += 1;
    }
    if (this.head > 1_024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
