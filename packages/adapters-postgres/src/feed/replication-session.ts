import { CohortError, type Change, type ChangeReader, type ReadOptions } from '@cohort/core';
import { decodeFeedPosition, encodeFeedPosition, parseReadOptions, positionNotIssued } from '@cohort/core/adapter';
import pg from 'pg';
import { PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';
import { toCohortError } from '../shared/postgres-errors.js';
import { lsnFromHex, lsnHex, parseLsn, type Lsn } from './lsn.js';
import { prepareRelation, rowChanges, type RowChange } from './pgoutput-to-changes.js';
import { slotError } from './replication-slots.js';

/** What a session needs to know about its feed. */
export interface SessionOptions {
  /** Connection settings of the store's pool; the session opens its own replication connection with them. */
  readonly connection: pg.ClientConfig;
  /** The feed id positions are checksummed with. */
  readonly feed: string;
  readonly slot: string;
  readonly publication: string;
  /** Where the session starts: the slot's confirmed position. */
  readonly confirmed: Lsn;
  /** Milliseconds left to connect and start streaming. */
  readonly timeoutMs: number;
  /** Resolves once the server no longer holds the slot for the backend `pid` (it releases it after the socket closes). */
  readonly released: (pid: number) => Promise<void>;
  /** Records an acknowledged position (before the slot is told). */
  readonly acknowledged: (position: string, resumeFrom: Lsn) => Promise<void>;
  /** Called once when the session ends, whatever ended it. */
  readonly onEnd: () => void;
  /** What a lost stream means for the reader: NOT_FOUND once dropped, POSITION_LOST once its slot is gone, else `failure`. */
  readonly explain: (failure: CohortError) => Promise<CohortError>;
  /** The prefix of this store's marker messages; messages with any other prefix (other stores') are ignored. */
  readonly markerPrefix: string;
  /** The reader's marker listener (ReaderOptions.onMarker), if it gave one. */
  readonly onMarker: ((marker: string) => void) | undefined;
}

/** The connection internals the session uses (pg keeps them untyped): copy-both messages and the socket. */
interface ReplicationConnection {
  on(event: 'copyData', listener: (message: { chunk: Buffer }) => void): void;
  once(event: 'replicationStart', listener: () => void): void;
  sendCopyFromChunk(chunk: Buffer): void;
  readonly stream: { pause(): void; resume(): void };
}

/** A committed transaction whose changes this session delivered or holds, until it is confirmed to the slot. */
interface Transaction {
  readonly commit: Lsn;
  readonly end: Lsn;
  readonly count: number;
  /** How many of its changes `read` handed out so far. */
  delivered: number;
}

interface Pending {
  readonly commit: Lsn;
  readonly committedAt: Date;
  readonly rows: RowChange[];
  /** This store's markers in the transaction, each after the first `after` of its rows. */
  readonly markers: { readonly name: string; readonly after: number }[];
}

/** A marker of a committed transaction, waiting until `read` has returned every change queued before it. */
interface QueuedMarker {
  readonly name: string;
  /** How many changes the session had queued (ever) before it. */
  readonly after: number;
  /** Its transaction's end: where the slot may move once it was heard and nothing before it is outstanding. */
  readonly end: Lsn;
}

// Stop reading the socket past this many decoded changes waiting for `read` (a transaction in flight is still read
// to its commit); resume below the low mark.
const HIGH_WATER = 20_000;
const LOW_WATER = 5_000;
const STATUS_INTERVAL_MS = 10_000;
// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
const PG_EPOCH_US = 946_684_800_000_000n;

/**
 * A change position: [commit LSN, end LSN, sequence in the transaction, changes in the transaction], LSNs as 16 hex
 * digits. A boundary (a subscription's or the server's position, between transactions) has count 0 and equal LSNs.
 */
export interface FeedPoint {
  readonly commit: Lsn;
  readonly end: Lsn;
  readonly seq: number;
  readonly count: number;
}

export function encodePoint(feed: string, point: FeedPoint): string {
  return encodeFeedPosition(feed, [lsnHex(point.commit), lsnHex(point.end), point.seq, point.count]);
}

export function boundary(feed: string, lsn: Lsn): string {
  return encodePoint(feed, { commit: lsn, end: lsn, seq: 0, count: 0 });
}

/** A position this feed issued, or VALIDATION. */
export function decodePoint(feed: string, position: unknown): FeedPoint {
  const [commitHex, endHex, seq, count] = decodeFeedPosition(feed, position, 4);
  const commit = lsnFromHex(commitHex);
  const end = lsnFromHex(endHex);
  const valid =
    commit !== null &&
    end !== null &&
    Number.isSafeInteger(seq) &&
    Number.isSafeInteger(count) &&
    typeof seq === 'number' &&
    typeof count === 'number' &&
    (count === 0 ? seq === 0 && commit === end : seq >= 0 && seq < count && commit < end);
  if (!valid) throw positionNotIssued();
  return { commit, end, seq, count };
}

/**
 * Where a slot must stand for the changes after `point` to come next. A position inside a transaction can only be
 * had at the transaction's start: its earlier changes come again (at least once).
 */
export function resumeLsn(point: FeedPoint): Lsn {
  if (point.count === 0 || point.seq === point.count - 1) return point.end;
  return point.commit;
}

function closedSession(): CohortError {
  return CohortError.conflict('This reading session is closed; open a new one');
}

/**
 * One reading session: one replication connection streaming pgoutput from the subscription's slot. Changes become
 * readable when their transaction's commit arrives. The slot is told only what the consumer acknowledged, at
 * transaction granularity (the end of the last transaction all of whose changes were acknowledged), and, while
 * nothing is outstanding, the server's keepalive position (nothing of ours lies before it). Unlike
 * pg-logical-replication's service, whose keepalive acknowledges the last *received* location, nothing here confirms
 * a change the consumer has not acknowledged.
 *
 * Markers (`ChangeFeed.writeMarker`) are logical messages with the store's prefix, asked for with pgoutput's
 * `messages` option. Each takes its place in the stream after the changes before it (in its transaction and before
 * it) and is heard by `read` once every one of those was returned; the slot does not move past one not yet heard.
 */
export class ReplicationSession implements ChangeReader {
  private readonly plugin: PgoutputPlugin;
  private client: pg.Client | null = null;
  private connection: ReplicationConnection | null = null;
  private readonly ready: Change[] = [];
  /** The transaction of each change in `ready`, index for index. */
  private readonly readyTransactions: Transaction[] = [];
  private readonly transactions: Transaction[] = [];
  private pending: Pending | null = null;
  /** Changes ever queued into `ready`, and ever returned by `read`: the clock markers are placed and heard by. */
  private queued = 0;
  private returned = 0;
  /** Markers committed and not yet heard, in stream order. */
  private readonly markers: QueuedMarker[] = [];
  private confirmed: Lsn;
  private acked: { end: Lsn; seq: number } | null = null;
  private failure: CohortError | null = null;
  private ended = false;
  private paused = false;
  /** Acknowledgements waiting for the server's reply: the socket must not pause under them. */
  private awaitingReply = 0;
  private reading = false;
  private wake: (() => void) | null = null;
  private readonly pings: (() => void)[] = [];
  private statusTimer: NodeJS.Timeout | null = null;
  private finished = false;
  /** `close` was called: further reads and acknowledgements are CONFLICT. */
  private closed = false;

  constructor(private readonly options: SessionOptions) {
    this.plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [options.publication], messages: true });
    this.confirmed = options.confirmed;
  }

  /** Connects and starts streaming; CONFLICT when another session reads the slot. */
  async start(): Promise<void> {
    const client = new pg.Client({
      ...this.options.connection,
      connectionTimeoutMillis: Math.max(1, this.options.timeoutMs),
      replication: 'database',
    } as pg.ClientConfig);
    this.client = client;
    client.on('error', (error) => this.fail(toCohortError(error)));
    client.on('end', () => this.fail(CohortError.unavailable('The change feed lost its replication connection')));
    const timer = setTimeout(() => void client.end().catch(() => undefined), this.options.timeoutMs);
    try {
      await client.connect();
      const connection = (client as unknown as { connection: ReplicationConnection }).connection;
      this.connection = connection;
      connection.on('copyData', ({ chunk }) => this.onCopyData(chunk));
      const started = new Promise<void>((resolve) => connection.once('replicationStart', resolve));
      const { slot, publication } = this.options;
      const streaming = client.query(
        `START_REPLICATION SLOT "${slot}" LOGICAL 0/0 (proto_version '1', publication_names '${publication}', ` +
          `messages 'true')`,
      );
      streaming.catch((error: unknown) => this.fail(slotError(error, slot)));
      await Promise.race([started, streaming.then(() => undefined)]);
      if (this.failure) throw this.failure;
      if (this.ended) throw CohortError.unavailable('The change feed could not start streaming in time');
    } catch (error) {
      await this.close();
      throw CohortError.is(error) ? error : slotError(error, this.options.slot);
    } finally {
      clearTimeout(timer);
    }
    this.statusTimer = setInterval(() => this.sendStatus(false), STATUS_INTERVAL_MS);
    this.statusTimer.unref();
  }

  async read(options?: ReadOptions): Promise<readonly Change[]> {
    const { limit, waitMs } = parseReadOptions(options);
    if (this.closed) throw closedSession();
    if (this.reading) throw CohortError.conflict('A read of this session is already pending');
    this.reading = true;
    try {
      const until = Date.now() + waitMs;
      // A marker heard by a listener ends the wait: the cut-over waiting for it must not wait out waitMs.
      while (this.ready.length === 0 && !this.ended && !this.hearMarkers()) {
        const left = until - Date.now();
        if (left <= 0) break;
        await this.waitForChanges(left);
      }
      if (this.ready.length === 0) {
        this.hearMarkers();
        if (this.failure) throw await this.options.explain(this.failure);
        return [];
      }
      const batch = this.ready.splice(0, limit);
      this.returned += batch.length;
      // The transaction of each change, in the same order: the session now knows they were delivered.
      for (const transaction of this.readyTransactions.splice(0, batch.length)) transaction.delivered += 1;
      if (this.paused && this.ready.length < LOW_WATER) {
        this.paused = false;
        this.connection?.stream.resume();
      }
      this.hearMarkers();
      return batch;
    } finally {
      this.reading = false;
    }
  }

  async acknowledge(position: string): Promise<void> {
    const point = decodePoint(this.options.feed, position);
    if (this.closed) throw closedSession();
    if (this.failure) throw await this.options.explain(this.failure);
    if (point.end <= this.confirmed) return;
    const acked = this.acked;
    if (acked && (point.end < acked.end || (point.end === acked.end && point.seq <= acked.seq))) return;
    const transaction = this.transactions.find((t) => t.end === point.end);
    if (
      point.count === 0 ||
      transaction === undefined ||
      transaction.commit !== point.commit ||
      transaction.count !== point.count ||
      point.seq >= transaction.delivered
    ) {
      throw CohortError.validation('Invalid feed position: this session did not deliver it', [
        { path: ['position'], message: 'this session did not deliver it' },
      ]);
    }
    this.acked = { end: point.end, seq: point.seq };
    await this.options.acknowledged(position, resumeLsn(point));
    let target = this.confirmed;
    while (this.transactions.length > 0) {
      const first = this.transactions[0] as Transaction;
      const whole = first.end < point.end || (first.end === point.end && point.seq === first.count - 1);
      if (!whole) break;
      target = first.end;
      this.transactions.shift();
    }
    if (target > this.confirmed) {
      this.confirmed = target;
      await this.confirmWithReply();
    }
  }

  /** Ends the session from outside (its subscription was dropped): reads then fail with what `explain` makes of it. */
  async end(reason: CohortError): Promise<void> {
    const client = this.client;
    const pid = (client as unknown as { processID?: number } | null)?.processID;
    this.fail(reason);
    if (typeof pid === 'number') await this.options.released(pid).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.ended && this.client === null) {
      this.finish();
      return;
    }
    this.ended = true;
    this.stopTimers();
    const client = this.client;
    this.client = null;
    this.connection = null;
    this.wake?.();
    if (client) {
      const pid = (client as unknown as { processID?: number }).processID;
      await client.end().catch(() => undefined);
      // So that a new session (this process or another) can take the slot as soon as close returns.
      if (typeof pid === 'number') await this.options.released(pid).catch(() => undefined);
    }
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.options.onEnd();
  }

  private fail(error: CohortError): void {
    if (this.ended) return;
    this.failure ??= error;
    this.ended = true;
    this.stopTimers();
    this.wake?.();
    const client = this.client;
    this.client = null;
    this.connection = null;
    void client?.end().catch(() => undefined);
    this.finish();
  }

  private stopTimers(): void {
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.statusTimer = null;
    for (const ping of this.pings.splice(0)) ping();
  }

  /**
   * Hears, in stream order, every marker all of whose preceding changes `read` has returned; true when the reader
   * listens for markers and heard one. A heard marker's transaction holds nothing of ours: the slot may move past it
   * once every change before it was acknowledged (as for any transaction without our changes).
   */
  private hearMarkers(): boolean {
    let heard = false;
    while (this.markers.length > 0 && (this.markers[0] as QueuedMarker).after <= this.returned) {
      const marker = this.markers.shift() as QueuedMarker;
      const outstanding = this.transactions[0];
      if ((outstanding === undefined || outstanding.end > marker.end) && marker.end > this.confirmed) {
        this.confirmed = marker.end;
      }
      if (this.options.onMarker === undefined) continue;
      heard = true;
      try {
        this.options.onMarker(marker.name);
      } catch {
        // A listener must not break the read.
      }
    }
    return heard;
  }

  private waitForChanges(waitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.wake = done;
    });
  }

  private onCopyData(chunk: Buffer): void {
    try {
      if (chunk[0] === 0x77) this.onXLogData(chunk);
      else if (chunk[0] === 0x6b) this.onKeepalive(chunk);
    } catch (error) {
      this.fail(toCohortError(error));
    }
  }

  private onXLogData(chunk: Buffer): void {
    const message = this.plugin.parse(chunk.subarray(25));
    switch (message.tag) {
      case 'begin':
        this.pending = {
          commit: parseLsn(message.commitLsn ?? '0/0'),
          committedAt: new Date(Number((message.commitTime as bigint) / 1000n)),
          rows: [],
          markers: [],
        };
        return;
      case 'relation':
        prepareRelation(message);
        return;
      case 'insert':
      case 'update':
      case 'delete':
        this.pending?.rows.push(...rowChanges(message));
        return;
      case 'message':
        // Only transactional messages (the only kind writeMarker emits) have a place among the changes: they come
        // between their transaction's BEGIN and COMMIT.
        if (this.pending !== null && message.transactional && message.prefix === this.options.markerPrefix) {
          const name = Buffer.from(message.content).toString('utf8');
          this.pending.markers.push({ name, after: this.pending.rows.length });
        }
        return;
      case 'commit':
        this.onCommit(message);
        return;
      default:
        return;
    }
  }

  private onCommit(message: Pgoutput.MessageCommit): void {
    const pending = this.pending;
    this.pending = null;
    if (pending === null) return;
    const end = parseLsn(message.commitEndLsn ?? '0/0');
    const count = pending.rows.length;
    for (const marker of pending.markers) {
      this.markers.push({ name: marker.name, after: this.queued + marker.after, end });
    }
    if (count === 0) {
      // Nothing of ours: confirmable as soon as nothing before it is outstanding (an unheard marker is: a session
      // that ends before hearing it leaves it to the next one).
      if (this.transactions.length === 0 && this.markers.length === 0 && end > this.confirmed) this.confirmed = end;
      if (pending.markers.length > 0) this.wake?.();
      return;
    }
    const transaction: Transaction = { commit: pending.commit, end, count, delivered: 0 };
    this.transactions.push(transaction);
    pending.rows.forEach((row, seq) => {
      const position = encodePoint(this.options.feed, { commit: pending.commit, end, seq, count });
      this.ready.push({ ...row, committedAt: pending.committedAt, position });
      this.readyTransactions.push(transaction);
    });
    this.queued += count;
    this.pauseWhenFull();
    this.wake?.();
  }

  /** Stops reading the socket while more than HIGH_WATER changes wait, unless an acknowledgement awaits its reply. */
  private pauseWhenFull(): void {
    if (this.ready.length > HIGH_WATER && !this.paused && this.awaitingReply === 0) {
      this.paused = true;
      this.connection?.stream.pause();
    }
  }

  private onKeepalive(chunk: Buffer): void {
    const walEnd = chunk.readBigUInt64BE(1);
    const replyRequested = chunk[17] === 1;
    // Everything the server decoded before walEnd has been sent before this message: when none of it is ours and
    // unacknowledged, the slot may move up to walEnd (otherwise an idle subscription would hold WAL forever).
    const idle = this.transactions.length === 0 && this.pending === null && this.markers.length === 0;
    const advanced = idle && walEnd > this.confirmed;
    if (advanced) this.confirmed = walEnd;
    if (replyRequested || advanced) this.sendStatus(false);
    for (const ping of this.pings.splice(0)) ping();
  }

  /**
   * Sends the confirmed position and waits for the server's answer, so the slot has moved when this returns. The
   * answer comes behind whatever the server sent before it: a socket paused on a full backlog must flow until it
   * arrives (a bounded overshoot of HIGH_WATER), or every acknowledgement of a draining consumer waited out the 5 s.
   */
  private async confirmWithReply(): Promise<void> {
    if (this.ended) return;
    const answered = new Promise<void>((resolve) => this.pings.push(resolve));
    this.awaitingReply += 1;
    if (this.paused) {
      this.paused = false;
      this.connection?.stream.resume();
    }
    try {
      this.sendStatus(true);
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref());
      await Promise.race([answered, timeout]);
    } finally {
      this.awaitingReply -= 1;
      this.pauseWhenFull();
    }
  }

  /** A standby status update: written, flushed and applied all at the confirmed position (a logical slot reads flush). */
  private sendStatus(replyRequested: boolean): void {
    const connection = this.connection;
    if (connection === null || this.ended) return;
    const status = Buffer.alloc(34);
    status[0] = 0x72; // 'r'
    status.writeBigUInt64BE(this.confirmed, 1);
    status.writeBigUInt64BE(this.confirmed, 9);
    status.writeBigUInt64BE(this.confirmed, 17);
    status.writeBigUInt64BE(BigInt(Date.now()) * 1000n - PG_EPOCH_US, 25);
    status[33] = replyRequested ? 1 : 0;
    connection.sendCopyFromChunk(status);
  }
}
