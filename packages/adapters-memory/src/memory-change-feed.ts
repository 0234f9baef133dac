import {
  CohortError,
  newId,
  type Change,
  type ChangeFeed,
  type ChangeReader,
  type Clock,
  type ReadOptions,
  type ReaderOptions,
  type SubscriptionInfo,
  type SubscriptionOptions,
} from '@cohort/core';
import {
  decodeFeedPosition,
  encodeFeedPosition,
  parseMarkerName,
  parseReadOptions,
  parseSubscriptionName,
  parseSubscriptionOptions,
  positionNotIssued,
} from '@cohort/core/adapter';
import type { LoggedChange, MemoryChangeLog } from './memory-change-log.js';
import { compareText, copyOf, roundTrip } from './memory-tables.js';

interface Subscription {
  readonly name: string;
  /** The number of the last acknowledged change. */
  position: number;
  readonly createdAt: Date;
  session: MemoryChangeReader | null;
}

/**
 * The memory store's change feed: subscriptions over the store's change log, durable for the store's lifetime (a
 * reader that is closed without acknowledging, as a crashed consumer would leave it, loses nothing).
 */
export class MemoryChangeFeed implements ChangeFeed {
  // Each store's positions name the store, so a position from another store's feed is VALIDATION.
  private readonly feed = `memory:${newId()}`;
  private readonly subscriptions = new Map<string, Subscription>();

  constructor(
    private readonly log: MemoryChangeLog,
    private readonly clock: Clock,
  ) {}

  async currentPosition(): Promise<string> {
    await roundTrip();
    this.log.activate();
    return this.encode(this.log.newest);
  }

  async createSubscription(name: string, options?: SubscriptionOptions): Promise<SubscriptionInfo> {
    await roundTrip();
    const subscriptionName = parseSubscriptionName(name);
    const { from } = parseSubscriptionOptions(options);
    const position = from === 'now' ? this.log.newest : this.decode(from);
    if (this.subscriptions.has(subscriptionName)) {
      throw CohortError.conflict(`Subscription ${subscriptionName} already exists`);
    }
    this.log.activate();
    if (position < this.log.trimmedThrough) throw this.lost(`Position ${from}`);
    const subscription: Subscription = {
      name: subscriptionName,
      position,
      createdAt: this.clock.now(),
      session: null,
    };
    this.subscriptions.set(subscriptionName, subscription);
    return this.infoOf(subscription);
  }

  async writeMarker(marker: string): Promise<void> {
    await roundTrip();
    const name = parseMarkerName(marker);
    this.log.activate();
    this.log.mark(name);
  }

  async openReader(name: string, options: ReaderOptions = {}): Promise<ChangeReader> {
    await roundTrip();
    const subscription = this.require(parseSubscriptionName(name));
    if (subscription.session) {
      throw CohortError.conflict(`Subscription ${subscription.name} is being read by another session; close it first`);
    }
    if (subscription.position < this.log.trimmedThrough) throw this.lost(`Subscription ${subscription.name}`);
    const reader = new MemoryChangeReader(this, subscription, options.onMarker);
    subscription.session = reader;
    return reader;
  }

  async listSubscriptions(): Promise<readonly SubscriptionInfo[]> {
    await roundTrip();
    return [...this.subscriptions.values()]
      .sort((a, b) => compareText(a.name, b.name))
      .map((subscription) => this.infoOf(subscription));
  }

  async dropSubscription(name: string): Promise<void> {
    await roundTrip();
    const subscription = this.require(parseSubscriptionName(name));
    this.subscriptions.delete(subscription.name);
    subscription.session?.end();
    subscription.session = null;
  }

  /** For the reader: the subscription still exists (NOT_FOUND once dropped). */
  isCurrent(subscription: Subscription): boolean {
    return this.subscriptions.get(subscription.name) === subscription;
  }

  /** For the reader: up to `limit` changes after `after`, as the port hands them out; POSITION_LOST if they are gone. */
  changesAfter(subscription: Subscription, after: number, limit: number): Change[] {
    if (after < this.log.trimmedThrough) throw this.lost(`Subscription ${subscription.name}`);
    return this.log.after(after, limit).map((change) => this.toChange(change));
  }

  /** For the reader: the markers after marker number `after` placed at or before change number `through`. */
  markersThrough(after: number, through: number): ReturnType<MemoryChangeLog['markersAfter']> {
    return this.log.markersAfter(after).filter((marker) => marker.afterSeq <= through);
  }

  /** For the reader: the newest marker placed before the change after `position` (a session hears those after it). */
  markerBefore(position: number): number {
    return this.log.lastMarkerBefore(position);
  }

  /** For the reader: the number in a position this feed issued (VALIDATION otherwise). */
  decode(position: unknown): number {
    const [seq] = decodeFeedPosition(this.feed, position, 1);
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0 || seq > this.log.newest) {
      throw positionNotIssued();
    }
    return seq;
  }

  /** For the reader: waits, without polling, for the next committed change; `cancel` ends the wait early. */
  nextChange(waitMs: number): { readonly done: Promise<void>; readonly cancel: () => void } {
    let cancel = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.log.unwatch(finish);
        resolve();
      };
      const timer = setTimeout(finish, waitMs);
      this.log.watch(finish);
      cancel = finish;
    });
    return { done, cancel };
  }

  private require(name: string): Subscription {
    const subscription = this.subscriptions.get(name);
    if (!subscription) throw CohortError.notFound('Subscription', name);
    return subscription;
  }

  private encode(seq: number): string {
    return encodeFeedPosition(this.feed, [seq]);
  }

  private lost(what: string): CohortError {
    return CohortError.positionLost(
      `${what} is no longer served: the store dropped the changes after it (retention); take a new snapshot and ` +
        'create a new subscription',
    );
  }

  private toChange(change: LoggedChange): Change {
    return {
      recordSet: change.recordSet,
      key: change.key,
      op: change.record === null ? 'delete' : 'upsert',
      record: change.record === null ? null : copyOf(change.record),
      committedAt: new Date(change.committedAt.getTime()),
      position: this.encode(change.seq),
    } as Change;
  }

  private infoOf(subscription: Subscription): SubscriptionInfo {
    const newest = this.log.newest;
    const lost = subscription.position < this.log.trimmedThrough;
    const oldestWaiting = this.log.at(subscription.position + 1);
    return {
      name: subscription.name,
      position: this.encode(subscription.position),
      createdAt: new Date(subscription.createdAt.getTime()),
      reading: subscription.session !== null,
      lag: {
        changes: newest - subscription.position,
        bytes: null,
        ms:
          newest === subscription.position
            ? 0
            : lost || !oldestWaiting
              ? null
              : Math.max(0, this.clock.now().getTime() - oldestWaiting.committedAt.getTime()),
      },
    };
  }
}

/** One reading session: its own read cursor, ahead of the subscription's acknowledged position. */
class MemoryChangeReader implements ChangeReader {
  private delivered: number;
  private closed = false;
  private reading = false;
  private pending: { readonly cancel: () => void } | null = null;

  /** The number of the last marker this session heard (or skipped as before its start). */
  private heard: number;

  constructor(
    private readonly feed: MemoryChangeFeed,
    private readonly subscription: Subscription,
    private readonly onMarker: ((marker: string) => void) | undefined,
  ) {
    this.delivered = subscription.position;
    this.heard = feed.markerBefore(subscription.position);
  }

  /** Hears every marker placed at or before the last change delivered; true when there was one. */
  private hearMarkers(): boolean {
    const markers = this.feed.markersThrough(this.heard, this.delivered);
    for (const marker of markers) {
      this.heard = marker.number;
      try {
        this.onMarker?.(marker.name);
      } catch {
        // A listener must not break the read.
      }
    }
    return markers.length > 0;
  }

  async read(options?: ReadOptions): Promise<readonly Change[]> {
    // Checked before the first await, so two reads started together cannot both pass.
    if (this.reading) throw CohortError.conflict(`A read of subscription ${this.subscription.name} is pending`);
    this.reading = true;
    try {
      return await this.readNext(options);
    } finally {
      this.reading = false;
    }
  }

  private async readNext(options: ReadOptions | undefined): Promise<readonly Change[]> {
    await roundTrip();
    const { limit, waitMs } = parseReadOptions(options);
    this.checkUsable();
    const deadline = Date.now() + waitMs;
    for (;;) {
      const changes = this.feed.changesAfter(this.subscription, this.delivered, limit);
      if (changes.length > 0) {
        // The log numbers changes consecutively, so the last one delivered is `delivered + length`.
        this.delivered += changes.length;
        this.hearMarkers();
        return changes;
      }
      if (this.hearMarkers()) return [];
      const left = deadline - Date.now();
      if (left <= 0) return [];
      const wait = this.feed.nextChange(left);
      this.pending = wait;
      try {
        await wait.done;
      } finally {
        this.pending = null;
      }
      if (!this.feed.isCurrent(this.subscription)) throw CohortError.notFound('Subscription', this.subscription.name);
      if (this.closed) return [];
    }
  }

  async acknowledge(position: string): Promise<void> {
    await roundTrip();
    const seq = this.feed.decode(position);
    this.checkUsable();
    if (seq > this.delivered) throw positionNotDelivered();
    if (seq > this.subscription.position) this.subscription.position = seq;
  }

  async close(): Promise<void> {
    await roundTrip();
    if (this.closed) return;
    this.end();
    if (this.subscription.session === this) this.subscription.session = null;
  }

  /** Ends the session at once (closed, or its subscription dropped): a pending read answers. */
  end(): void {
    this.closed = true;
    this.pending?.cancel();
  }

  private checkUsable(): void {
    if (!this.feed.isCurrent(this.subscription)) throw CohortError.notFound('Subscription', this.subscription.name);
    if (this.closed) {
      throw CohortError.conflict(`This session of subscription ${this.subscription.name} is closed; open a new one`);
    }
  }
}

function positionNotDelivered(): CohortError {
  return CohortError.validation('Invalid feed position: this session has not delivered it', [
    { path: ['position'], message: 'this session has not delivered it' },
  ]);
}
