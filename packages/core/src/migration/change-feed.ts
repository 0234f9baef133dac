import { z } from 'zod';
import { CohortError } from '../shared/cohort-error.js';
import { decodeCursorKey, encodeCursor, type CursorKey } from '../shared/page.js';
import { parseInput } from '../shared/validation.js';
import type { RecordOf } from './record-keys.js';
import type { RecordSetName } from './record-sets.js';

/**
 * One committed change of one record: its after-image, exactly as the migration face's `scan` returns it, or the
 * deletion of its key. Counters (registeredCount, commentCount, memberCount, the activityCounts record set), waitlist
 * promotions, cascaded deletes and purges are changes like any other; what is internal to one adapter (guard items,
 * unique-value and id indexes, sequences) never is.
 */
export type Change = {
  [N in RecordSetName]: {
    /** The record set the record belongs to. */
    readonly recordSet: N;
    /** The record's natural key, as `recordKeys[recordSet]` makes it. */
    readonly key: string;
    /** `upsert` carries the whole record as it now is; `delete` says the key no longer exists. */
    readonly op: 'upsert' | 'delete';
    /** The record after the change, as `recordSets[recordSet].scan` returns it; null for a delete. */
    readonly record: RecordOf<N> | null;
    /** When the store committed the change, by the store's clock (millisecond precision). */
    readonly committedAt: Date;
    /**
     * Where the feed stands just after this change, in the order this session delivered it: acknowledging it
     * acknowledges this change and every one the session delivered before it. Opaque.
     */
    readonly position: string;
  };
}[RecordSetName];

/** What a store can say about a subscription. */
export interface SubscriptionInfo {
  readonly name: string;
  /** The last position its consumer acknowledged (where it was created, before any acknowledgement). */
  readonly position: string;
  /** When it was created, by the store's clock. */
  readonly createdAt: Date;
  /** True while a reading session is open on it. */
  readonly reading: boolean;
  /** How far behind the store's newest change it is, where the store can tell; each figure is null when it cannot. */
  readonly lag: {
    /** Changes committed after the acknowledged position (null where counting them would cost a scan of the log). */
    readonly changes: number | null;
    /** Bytes of log the store keeps for it (PostgreSQL's retained WAL); null elsewhere. */
    readonly bytes: number | null;
    /** Now minus the commit time of the oldest unacknowledged change; 0 when it is caught up. */
    readonly ms: number | null;
  };
}

/** Where a new subscription starts. */
export interface SubscriptionOptions {
  /**
   * 'now' (the default): after the store's newest change. A position this feed issued (by `currentPosition`, a
   * change or a subscription): after it, which is POSITION_LOST once the store no longer holds the changes after it.
   */
  readonly from?: string;
}

export interface ReadOptions {
  /** At most this many changes (1–10,000; default 1,000). */
  readonly limit?: number;
  /** Wait up to this long for a first change when none is ready (0–30,000 ms; default 0: answer at once). */
  readonly waitMs?: number;
}

/**
 * A reading session of one subscription. Reads continue where the previous read of the session ended; a new session
 * (after a crash, in another process) starts after the last acknowledged position, so what was read but not
 * acknowledged is delivered again (at least once). Within a session the changes of one key come in commit order, so
 * applying them in the order read leaves every key at its last committed image.
 */
export interface ChangeReader {
  /**
   * The next changes, at most `limit`; an empty array when none came within `waitMs` (or the session was closed
   * meanwhile). One read at a time: a read while another of the same session is pending is CONFLICT. NOT_FOUND once
   * the subscription was dropped; POSITION_LOST when the store no longer holds the changes the session needs next.
   */
  read(options?: ReadOptions): Promise<readonly Change[]>;
  /**
   * Moves the subscription to `position`, the position of a change this session delivered; a position at or before
   * the acknowledged one changes nothing. VALIDATION for anything this session did not deliver (acknowledging a
   * change never read would skip it silently); NOT_FOUND once the subscription was dropped.
   */
  acknowledge(position: string): Promise<void>;
  /**
   * Ends the session: a pending read answers with what it has (an empty array), and a later `read` or `acknowledge`
   * of this session is CONFLICT. The subscription stays at its last acknowledged position. Safe to call twice.
   */
  close(): Promise<void>;
}

/** How a reading session is opened. */
export interface ReaderOptions {
  /**
   * Hears each marker (`ChangeFeed.writeMarker`) the session passes, in the order written, from inside the `read`
   * that passes it. When it hears marker `m`, every change committed before `writeMarker(m)` resolved has been
   * returned by that read or an earlier read of the session (or was acknowledged before the session began): the
   * consumer that has applied what its reads returned has applied everything the source held when `m` was written.
   * A marker written before the session's starting position may be heard again by a later session (at least once,
   * like changes). Must not throw.
   */
  readonly onMarker?: (marker: string) => void;
}

/**
 * Every committed change of every record set of a store, from durable named subscriptions (in PostgreSQL through
 * logical decoding, in DynamoDB through Streams, in memory in process). A position the store can no longer serve
 * (past its retention, or its log dropped) is POSITION_LOST, which asks for a new snapshot: never a silent gap.
 * Positions are opaque strings, checked by the feed that issued them: an altered one, or one of another store's feed,
 * is VALIDATION.
 */
export interface ChangeFeed {
  /**
   * The store's newest position: a snapshot taken by `scan` after it, plus the changes after it applied in order, is
   * the store. The store holds the changes after it at least while a subscription at or before it exists.
   */
  currentPosition(): Promise<string>;
  /** Creates a subscription (a name of `parseSubscriptionName`'s form) starting after `options.from`. CONFLICT if the name is taken. */
  createSubscription(name: string, options?: SubscriptionOptions): Promise<SubscriptionInfo>;
  /**
   * Opens a reading session of an existing subscription (NOT_FOUND if there is none). One session per subscription:
   * opening a second while one is open is CONFLICT (a session whose process died is ended by the store: PostgreSQL
   * when the replication connection drops, elsewhere when its lease expires). POSITION_LOST here or at the first
   * read when the store no longer holds the changes after the acknowledged position.
   */
  openReader(name: string, options?: ReaderOptions): Promise<ChangeReader>;
  /**
   * Writes a marker into the store's log after every change committed before this call (a name of
   * `parseMarkerName`'s form; VALIDATION otherwise). Every subscription's sessions hear it through
   * `ReaderOptions.onMarker`, and only this store's (another store sharing the database or table never hears it).
   * It changes no record: scans, counts and `read`'s changes never show it. An online move's cut-over writes one
   * after the writes stopped and waits until the applier heard it: then the target holds everything.
   */
  writeMarker(marker: string): Promise<void>;
  /** Every subscription of this store, a lost one included until it is dropped, in name order. */
  listSubscriptions(): Promise<readonly SubscriptionInfo[]>;
  /** Drops a subscription, ends its open session, and frees what the store keeps for it (NOT_FOUND if there is none). */
  dropSubscription(name: string): Promise<void>;
}

export const DEFAULT_FEED_READ_LIMIT = 1_000;
export const MAX_FEED_READ_LIMIT = 10_000;
export const MAX_FEED_WAIT_MS = 30_000;
/** The longest subscription name: `cohort_<8-character store tag>_<name>` still fits a PostgreSQL slot name (63). */
export const MAX_SUBSCRIPTION_NAME = 40;

const subscriptionNameSchema = z
  .string()
  .regex(
    new RegExp(`^[a-z0-9][a-z0-9_]{0,${MAX_SUBSCRIPTION_NAME - 1}}$`),
    `lower-case letters, digits and _, starting with a letter or digit, at most ${MAX_SUBSCRIPTION_NAME}`,
  );

/**
 * A subscription name: 1–40 of [a-z0-9_], so every store can use it as it is in its own identifiers (a PostgreSQL
 * replication slot name allows exactly these characters). VALIDATION otherwise.
 */
export function parseSubscriptionName(name: unknown): string {
  return parseInput(subscriptionNameSchema, name, 'subscription name');
}

/** The longest marker name. */
export const MAX_MARKER_NAME = 64;

const markerNameSchema = z
  .string()
  .regex(
    new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,${MAX_MARKER_NAME - 1}}$`),
    `letters, digits, _, . and -, starting with a letter or digit, at most ${MAX_MARKER_NAME}`,
  );

/** A marker name: 1–64 of [A-Za-z0-9_.-], starting with a letter or digit. VALIDATION otherwise. */
export function parseMarkerName(marker: unknown): string {
  return parseInput(markerNameSchema, marker, 'marker name');
}

const readOptionsSchema = z
  .object({
    limit: z.number().int().min(1).max(MAX_FEED_READ_LIMIT).default(DEFAULT_FEED_READ_LIMIT),
    waitMs: z.number().int().min(0).max(MAX_FEED_WAIT_MS).default(0),
  })
  .strict();

/** `read`'s options with their defaults; VALIDATION for a limit or wait out of range, or an unknown option. */
export function parseReadOptions(options: ReadOptions | undefined): { limit: number; waitMs: number } {
  return parseInput(readOptionsSchema, options ?? {}, 'read options');
}

/** Positions carry a store's coordinates (an LSN, shard sequence numbers, a counter); a DynamoDB one may be long. */
const MAX_POSITION_LENGTH = 4_096;
const positionSchema = z.string().min(1).max(MAX_POSITION_LENGTH);

const subscriptionOptionsSchema = z.object({ from: positionSchema.default('now') }).strict();

/** `createSubscription`'s options: `from` is 'now' (the default) or a position string, still to be decoded by the feed. */
export function parseSubscriptionOptions(options: SubscriptionOptions | undefined): { from: string } {
  return parseInput(subscriptionOptionsSchema, options ?? {}, 'subscription options');
}

const feedScope = (feed: string): string => `feed:${feed}`;

/**
 * A feed position: the store's own coordinates behind the same checksum cursors carry. `feed` names this store's
 * feed (a random id, a database's identity, a stream's ARN), so a position from another store's feed is refused.
 */
export function encodeFeedPosition(feed: string, parts: CursorKey): string {
  return encodeCursor(feedScope(feed), parts);
}

const invalidPosition = (reason: string): CohortError =>
  CohortError.validation(`Invalid feed position: ${reason}`, [{ path: ['position'], message: reason }]);

/**
 * The `arity` parts of a position this feed issued; VALIDATION for anything else (altered, another feed's, of
 * another shape, not a string). The feed still checks that the parts are coordinates it could have issued.
 */
export function decodeFeedPosition(feed: string, position: unknown, arity: number): CursorKey {
  const text = parseInput(positionSchema, position, 'feed position');
  try {
    return decodeCursorKey(feedScope(feed), text, arity);
  } catch (error) {
    if (!CohortError.is(error, 'VALIDATION')) throw error;
    throw invalidPosition('it was not issued by this feed (another store, or altered)');
  }
}

/** VALIDATION for a well-formed position whose coordinates this feed never issued (a forged one). */
export function positionNotIssued(): CohortError {
  return invalidPosition('it was not issued by this feed');
}
