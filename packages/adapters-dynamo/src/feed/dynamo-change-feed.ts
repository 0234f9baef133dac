import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  CohortError,
  type Change,
  type ChangeFeed,
  type ChangeReader,
  type ReadOptions,
  type ReaderOptions as FeedReaderOptions,
  type SubscriptionInfo,
  type SubscriptionOptions,
} from '@cohort/core';
import {
  parseMarkerName,
  parseReadOptions,
  parseSubscriptionName,
  parseSubscriptionOptions,
} from '@cohort/core/adapter';
import { withDeadlines } from '../shared/deadline.js';
import type { DynamoContext } from '../shared/dynamo-context.js';
import { deleteItem, getItem, putItem, queryAll, updateItem, type Item } from '../shared/dynamo-ops.js';
import { ITEM_VERSION } from '../shared/item-format.js';
import { sleep } from '../shared/retry.js';
import { TABLE } from '../table-definition.js';
import { FEED_MARKER_TYPE, FEED_SUBSCRIPTION_TYPE, MARKER_NAME, feedKeys } from './feed.keys.js';
import { ShardCursor } from './shard-cursor.js';
import { StreamAccess } from './stream-access.js';
import { atOrBefore, decodePosition, encodePosition, type FeedState } from './stream-position.js';

/**
 * How long a marker item stays in the table (TTL; its stream record stays the stream's 24 hours regardless). Its
 * deletion is a REMOVE record, which is no marker and no change.
 */
const MARKER_ITEM_TTL_SECONDS = 86_400;

/** How long a reading session holds its subscription without renewing it, unless the store says otherwise. */
export const DEFAULT_FEED_LEASE_MS = 30_000;

/**
 * How often a read that waits for changes asks each shard again, unless the store says otherwise. DynamoDB Streams
 * throttles GetRecords on a shard past a few calls a second, shared by every reader of it.
 */
export const DEFAULT_FEED_POLL_MS = 250;

export interface DynamoChangeFeedOptions {
  /** The DynamoDB Streams client (same endpoint, region and credentials as the table's client). */
  readonly streams: DynamoDBStreamsClient;
  /** How long a session's lease lasts without renewal (renewed every third of it while open): a crashed reader's subscription is free again after it. */
  readonly leaseMs: number;
  /** How long a waiting read sleeps between two looks at the stream. */
  readonly pollMs: number;
}

interface SubscriptionItem {
  readonly name: string;
  readonly position: string;
  readonly createdAt: number;
  readonly leaseId?: string;
  readonly leaseUntil?: number;
}

function asSubscription(item: Item): SubscriptionItem {
  return item as unknown as SubscriptionItem;
}

/**
 * The DynamoDB change feed: the table's stream (NEW_AND_OLD_IMAGES) read shard by shard, parents before children,
 * each record mapped back to its record set by the same conversion `scan` uses. Subscriptions are items of the table
 * holding the acknowledged position (the last sequence number read in each shard) and the reading session's lease.
 * Leases are timed by this machine's clock (not the store's clock, which tests may stop). Markers are items of the
 * table too, heard from their stream records (see ShardCursor.read for where they fall among the changes).
 */
export class DynamoChangeFeed implements ChangeFeed {
  private readonly access: StreamAccess;
  private readonly feed: string;
  private readonly sessions = new Map<string, Set<DynamoChangeReader>>();
  /** Follows the stream's end for `currentPosition`, so each call reads only what was written since the last. */
  private tail: ShardCursor | null = null;

  constructor(
    private readonly context: DynamoContext,
    private readonly options: DynamoChangeFeedOptions,
  ) {
    this.access = new StreamAccess(context, options.streams);
    this.feed = `dynamo:${context.tableName}`;
  }

  async currentPosition(): Promise<string> {
    return encodePosition(this.feed, await this.tip());
  }

  async createSubscription(name: string, options?: SubscriptionOptions): Promise<SubscriptionInfo> {
    const subscription = parseSubscriptionName(name);
    const { from } = parseSubscriptionOptions(options);
    const state = from === 'now' ? await this.tip() : await this.checked(decodePosition(this.feed, from));
    const item = {
      ...feedKeys.subscription(subscription),
      _type: FEED_SUBSCRIPTION_TYPE,
      _v: ITEM_VERSION,
      name: subscription,
      position: encodePosition(this.feed, state),
      createdAt: this.context.clock.now().getTime(),
    };
    const created = await putItem(
      this.context,
      { Item: item, ConditionExpression: 'attribute_not_exists(pk)' },
      'changeFeed.createSubscription',
    );
    if (!created) throw CohortError.conflict(`Subscription ${subscription} already exists`);
    return this.info(asSubscription(item));
  }

  /**
   * Puts the marker's item (`FEED_MARKERS` / `<name>`, overwritten when the name comes again), stamped like every
   * write; its INSERT or MODIFY record in the stream is the marker. `writeId` makes every put change the item, so a
   * name written again always yields a record (DynamoDB writes none for a put that changes nothing).
   */
  async writeMarker(marker: string): Promise<void> {
    const name = parseMarkerName(marker);
    await putItem(
      this.context,
      {
        Item: {
          ...feedKeys.marker(name),
          _type: FEED_MARKER_TYPE,
          _v: ITEM_VERSION,
          [MARKER_NAME]: name,
          writeId: globalThis.crypto.randomUUID(),
          // By this machine's clock, like leases: a store clock set in the past must not expire it at once.
          [TABLE.ttlAttribute]: Math.floor(Date.now() / 1000) + MARKER_ITEM_TTL_SECONDS,
        },
      },
      'changeFeed.writeMarker',
    );
  }

  async openReader(name: string, options: FeedReaderOptions = {}): Promise<ChangeReader> {
    const subscription = parseSubscriptionName(name);
    const leaseId = globalThis.crypto.randomUUID();
    const now = Date.now();
    const taken = await updateItem(
      this.context,
      {
        Key: feedKeys.subscription(subscription),
        UpdateExpression: 'SET leaseId = :lease, leaseUntil = :until',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
        ExpressionAttributeValues: { ':lease': leaseId, ':until': now + this.options.leaseMs, ':now': now },
        ReturnValues: 'ALL_NEW',
      },
      'changeFeed.openReader',
    );
    if (taken === null) {
      const existing = await getItem(this.context, feedKeys.subscription(subscription), 'changeFeed.openReader');
      if (!existing) throw CohortError.notFound('Subscription', subscription);
      throw CohortError.conflict(`Subscription ${subscription} is being read by another session`);
    }
    const acknowledged = decodePosition(this.feed, asSubscription(taken).position);
    const reader = new DynamoChangeReader({
      context: this.context,
      name: subscription,
      leaseId,
      leaseMs: this.options.leaseMs,
      pollMs: this.options.pollMs,
      feed: this.feed,
      acknowledged,
      cursor: new ShardCursor(this.access, this.feed, this.context.clock, acknowledged),
      onClose: (closed) => this.sessions.get(subscription)?.delete(closed),
      onMarker: options.onMarker,
    });
    const open = this.sessions.get(subscription) ?? new Set();
    open.add(reader);
    this.sessions.set(subscription, open);
    return withDeadlines<ChangeReader>(reader, `changeFeed.${subscription}`, this.context.timeoutMs);
  }

  async listSubscriptions(): Promise<readonly SubscriptionInfo[]> {
    const items = await queryAll(
      this.context,
      {
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': feedKeys.subscriptionsPartition },
        ConsistentRead: true,
      },
      'changeFeed.listSubscriptions',
    );
    const infos: SubscriptionInfo[] = [];
    for (const item of items) infos.push(await this.info(asSubscription(item)));
    return infos;
  }

  async dropSubscription(name: string): Promise<void> {
    const subscription = parseSubscriptionName(name);
    const dropped = await deleteItem(
      this.context,
      { Key: feedKeys.subscription(subscription), ConditionExpression: 'attribute_exists(pk)' },
      'changeFeed.dropSubscription',
    );
    if (dropped === null) throw CohortError.notFound('Subscription', subscription);
    // A session in another process finds out at its next read or renewal.
    for (const reader of [...(this.sessions.get(subscription) ?? [])]) {
      await reader.end(CohortError.notFound('Subscription', subscription));
    }
    this.sessions.delete(subscription);
  }

  /** The stream's end now: every shard read through to its last record. */
  private async tip(): Promise<FeedState> {
    if (this.tail === null || (await this.tail.current().catch(() => null)) === null) {
      const stream = await this.access.current(true);
      this.tail = new ShardCursor(this.access, this.feed, this.context.clock, {
        label: stream.label,
        shards: new Map(),
      });
    }
    return this.tail.skipToEnd();
  }

  /** `state` if the stream still holds what comes after it; POSITION_LOST otherwise. */
  private async checked(state: FeedState): Promise<FeedState> {
    return new ShardCursor(this.access, this.feed, this.context.clock, state).current(true);
  }

  private async info(item: SubscriptionItem): Promise<SubscriptionInfo> {
    return {
      name: item.name,
      position: item.position,
      createdAt: new Date(item.createdAt),
      reading: item.leaseUntil !== undefined && item.leaseUntil >= Date.now(),
      lag: { changes: null, bytes: null, ms: await this.lagMs(item.position) },
    };
  }

  /** Now minus the commit time of the first change after `position` (0 when there is none); null when lost. */
  private async lagMs(position: string): Promise<number | null> {
    try {
      const cursor = new ShardCursor(this.access, this.feed, this.context.clock, decodePosition(this.feed, position));
      const [first] = await cursor.next(1);
      return first ? Math.max(0, this.context.clock.now().getTime() - first.committedAt.getTime()) : 0;
    } catch (error) {
      if (CohortError.is(error, 'POSITION_LOST')) return null;
      throw error;
    }
  }
}

interface ReaderOptions {
  readonly context: DynamoContext;
  readonly name: string;
  readonly leaseId: string;
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly feed: string;
  readonly acknowledged: FeedState;
  readonly cursor: ShardCursor;
  readonly onClose: (reader: DynamoChangeReader) => void;
  /** The reader's marker listener, if it gave one. */
  readonly onMarker: ((marker: string) => void) | undefined;
}

/**
 * One reading session: holds the subscription's lease (renewed in the background every third of its length), reads
 * on from the acknowledged position, and writes acknowledgements conditionally on still holding the lease.
 */
class DynamoChangeReader implements ChangeReader {
  private closed = false;
  private reading = false;
  private lost: CohortError | null = null;
  /** Positions delivered and not yet acknowledged, by delivery number (a Map keeps them in delivery order). */
  private readonly delivered = new Map<string, number>();
  private deliveredCount = 0;
  private acknowledged: FeedState;
  private acknowledging: Promise<void> = Promise.resolve();
  /** When the lease was last extended (openReader took it just now). */
  private renewedAt = Date.now();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly options: ReaderOptions) {
    this.acknowledged = options.acknowledged;
    this.heartbeat = setInterval(() => void this.renew().catch(() => undefined), Math.max(1, options.leaseMs / 3));
    this.heartbeat.unref();
  }

  async read(options?: ReadOptions): Promise<readonly Change[]> {
    const { limit, waitMs } = parseReadOptions(options);
    this.usable();
    if (this.reading) throw CohortError.conflict(`A read of subscription ${this.options.name} is already pending`);
    this.reading = true;
    try {
      // The heartbeat renews the lease every third of it; a read renews it only when the heartbeat fell behind.
      if (Date.now() - this.renewedAt > this.options.leaseMs / 3) await this.renew();
      const until = Date.now() + waitMs;
      for (;;) {
        const { changes, markers } = await this.options.cursor.read(limit);
        for (const change of changes) {
          this.deliveredCount += 1;
          this.delivered.set(change.position, this.deliveredCount);
        }
        if (this.lost) throw this.lost;
        // A marker heard ends the wait: the cut-over waiting for it must not wait out waitMs.
        const heard = this.hear(markers);
        if (changes.length > 0 || heard || this.closed || Date.now() >= until) return changes;
        await sleep(Math.min(this.options.pollMs, Math.max(0, until - Date.now())));
      }
    } finally {
      this.reading = false;
    }
  }

  /** Tells the listener of each marker, in order; true when there is a listener and a marker. */
  private hear(markers: readonly string[]): boolean {
    const { onMarker } = this.options;
    if (onMarker === undefined) return false;
    for (const marker of markers) {
      try {
        onMarker(marker);
      } catch {
        // A listener must not break the read.
      }
    }
    return markers.length > 0;
  }

  async acknowledge(position: string): Promise<void> {
    const next = this.acknowledging.then(() => this.acknowledgeNow(position));
    this.acknowledging = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.end();
    await updateItem(
      this.options.context,
      {
        Key: feedKeys.subscription(this.options.name),
        UpdateExpression: 'REMOVE leaseId, leaseUntil',
        ConditionExpression: 'leaseId = :lease',
        ExpressionAttributeValues: { ':lease': this.options.leaseId },
      },
      'changeFeed.close',
    );
  }

  /** Ends the session without releasing the lease (close() releases it); `lost` is what later calls then throw. */
  async end(lost?: CohortError): Promise<void> {
    if (lost) this.lost = lost;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.options.onClose(this);
    await Promise.resolve();
  }

  /** NOT_FOUND once the subscription was dropped, CONFLICT once another session took it or this one was closed. */
  private usable(): void {
    if (this.lost) throw this.lost;
    if (this.closed) throw CohortError.conflict(`This session of subscription ${this.options.name} was closed`);
  }

  private async acknowledgeNow(position: string): Promise<void> {
    this.usable();
    const index = typeof position === 'string' ? this.delivered.get(position) : undefined;
    if (index === undefined) {
      const state = decodePosition(this.options.feed, position);
      if (atOrBefore(state, this.acknowledged)) return;
      throw CohortError.validation('Invalid feed position: this session did not deliver it', [
        { path: ['position'], message: 'this session did not deliver it' },
      ]);
    }
    if (this.lost) throw this.lost;
    const stored = await updateItem(
      this.options.context,
      {
        Key: feedKeys.subscription(this.options.name),
        UpdateExpression: 'SET #position = :position, leaseUntil = :until',
        ConditionExpression: 'leaseId = :lease',
        ExpressionAttributeNames: { '#position': 'position' },
        ExpressionAttributeValues: {
          ':position': position,
          ':lease': this.options.leaseId,
          ':until': Date.now() + this.options.leaseMs,
        },
      },
      'changeFeed.acknowledge',
    );
    if (stored === null) throw await this.lostLease();
    this.renewedAt = Date.now();
    this.acknowledged = decodePosition(this.options.feed, position);
    for (const [key, delivered] of this.delivered) {
      if (delivered > index) break;
      this.delivered.delete(key);
    }
  }

  /** Extends the lease; NOT_FOUND once the subscription was dropped, CONFLICT once another session holds it. */
  private async renew(): Promise<void> {
    if (this.lost) throw this.lost;
    if (this.closed) return;
    const renewed = await updateItem(
      this.options.context,
      {
        Key: feedKeys.subscription(this.options.name),
        UpdateExpression: 'SET leaseUntil = :until',
        ConditionExpression: 'leaseId = :lease',
        ExpressionAttributeValues: { ':lease': this.options.leaseId, ':until': Date.now() + this.options.leaseMs },
      },
      'changeFeed.renewLease',
    );
    // A close() that released the lease meanwhile is no loss: the read it interrupted answers with what it has.
    if (renewed === null && !this.closed) throw await this.lostLease();
    if (renewed !== null) this.renewedAt = Date.now();
  }

  private async lostLease(): Promise<CohortError> {
    const item = await getItem(this.options.context, feedKeys.subscription(this.options.name), 'changeFeed.lease');
    this.lost = item
      ? CohortError.conflict(
          `Subscription ${this.options.name} is being read by another session (this one's lease expired)`,
        )
      : CohortError.notFound('Subscription', this.options.name);
    await this.end();
    return this.lost;
  }
}
