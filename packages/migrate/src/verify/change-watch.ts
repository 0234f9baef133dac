import { randomBytes } from 'node:crypto';
import { MAX_FEED_READ_LIMIT, type ChangeFeed, type ChangeReader, type RecordSetName } from '@cohort/core';

/** A key of one record set, as verify names it across sets: `recordSet` and key joined by a NUL. */
export function watchedKey(recordSet: RecordSetName, key: string): string {
  return `${recordSet}\u0000${key}`;
}

/** What the feed showed of the keys asked about. */
export interface WatchedChanges {
  /** The asked-for keys (by `watchedKey`) that changed after the watch began. */
  readonly changed: ReadonlySet<string>;
  /** False when the feed could not be read up to the present (a deadline passed): keys not listed may have changed. */
  readonly complete: boolean;
}

export interface ChangeWatchOptions {
  /** How long a read waits for the feed to deliver what the store already committed (a stream lags a little). */
  readonly settleMs: number;
  /** How long reading up to the present may take at most, however busy the store is. */
  readonly maxReadMs: number;
}

/**
 * A temporary subscription on a store's change feed, from the moment it was made: verify asks it at the end which
 * differing keys changed meanwhile (writes in flight), then drops it.
 */
export class ChangeWatch {
  private dropped = false;

  private constructor(
    private readonly feed: ChangeFeed,
    private readonly name: string,
    private readonly options: ChangeWatchOptions,
  ) {}

  /** Subscribes to `feed` at its current position under a name of verify's own. */
  static async start(feed: ChangeFeed, options: ChangeWatchOptions): Promise<ChangeWatch> {
    const name = `verify_${randomBytes(8).toString('hex')}`;
    await feed.createSubscription(name);
    return new ChangeWatch(feed, name, options);
  }

  /**
   * Reads every change since the watch began, up to the present: until a read that waited `settleMs` comes back
   * empty, or a change committed `settleMs` after the reading began (by the store's clock, so a margin for skew: the
   * feed has caught up), or `maxReadMs` passed.
   */
  async changedAmong(wanted: ReadonlySet<string>): Promise<WatchedChanges> {
    const changed = new Set<string>();
    const began = Date.now();
    const reader: ChangeReader = await this.feed.openReader(this.name);
    try {
      for (;;) {
        const left = began + this.options.maxReadMs - Date.now();
        if (left <= 0) return { changed, complete: false };
        const changes = await reader.read({
          limit: MAX_FEED_READ_LIMIT,
          waitMs: Math.max(0, Math.min(this.options.settleMs, left)),
        });
        if (changes.length === 0) return { changed, complete: true };
        let caughtUp = false;
        for (const change of changes) {
          const key = watchedKey(change.recordSet, change.key);
          if (wanted.has(key)) changed.add(key);
          if (change.committedAt.getTime() >= began + this.options.settleMs) caughtUp = true;
        }
        if (caughtUp) return { changed, complete: true };
      }
    } finally {
      await reader.close().catch(() => undefined);
    }
  }

  /** Drops the subscription (and whatever the store kept for it). Safe to call twice. */
  async drop(): Promise<void> {
    if (this.dropped) return;
    this.dropped = true;
    await this.feed.dropSubscription(this.name);
  }
}
