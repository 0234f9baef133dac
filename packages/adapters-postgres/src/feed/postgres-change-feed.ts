import {
  CohortError,
  type ChangeFeed,
  type ChangeReader,
  type ReaderOptions,
  type SubscriptionInfo,
  type SubscriptionOptions,
} from '@cohort/core';
import { parseMarkerName, parseSubscriptionName, parseSubscriptionOptions } from '@cohort/core/adapter';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { DataSource } from 'typeorm';
import { deadlineOf } from '../shared/deadline.js';
import type { PostgresClient } from '../shared/postgres-client.js';
import { formatLsn, parseLsn } from './lsn.js';
import {
  createSlot,
  createSlotAt,
  dropSlot,
  feedConfigurationProblem,
  feedNames,
  feedSettingsSql,
  slotStates,
  type FeedNames,
  type FeedSettings,
  type SlotState,
} from './replication-slots.js';
import { ReplicationSession, boundary, decodePoint, resumeLsn } from './replication-session.js';

// Settings of the pool's connections a replication connection must not inherit: a statement timeout would end the
// stream, and the pool's own options mean nothing to a single client.
const NOT_FOR_REPLICATION = [
  'query_timeout',
  'statement_timeout',
  'idle_in_transaction_session_timeout',
  'max',
  'min',
  'idleTimeoutMillis',
  'connectionTimeoutMillis',
  'application_name',
];

/**
 * The change feed on PostgreSQL's logical decoding: a publication over the tables behind the record sets (created by
 * the CreateChangeFeed migration), one `pgoutput` replication slot per subscription, one replication connection per
 * reading session. Rows become records through the adapter's own mappers (see pgoutput-to-changes.ts).
 */
export class PostgresChangeFeed implements ChangeFeed {
  private names: Promise<FeedNames> | null = null;
  private configured = false;
  /** This process's open sessions, by subscription name (the server refuses a second one in any process). */
  private readonly sessions = new Map<string, ReplicationSession>();

  constructor(
    private readonly db: PostgresClient,
    private readonly dataSource: DataSource,
    private readonly timeoutMs: number,
  ) {}

  async currentPosition(): Promise<string> {
    const [names, lsn] = await Promise.all([this.feedNames(), this.currentLsn()]);
    return boundary(feedIdOf(names), lsn);
  }

  async createSubscription(name: string, options?: SubscriptionOptions): Promise<SubscriptionInfo> {
    const subscription = parseSubscriptionName(name);
    const { from } = parseSubscriptionOptions(options);
    const names = await this.feedNames();
    const point = from === 'now' ? null : decodePoint(feedIdOf(names), from);
    await this.checkConfiguration();
    const table = this.db.tables.qualify('change_feed_subscriptions');
    const { rows } = await this.db.query(
      `INSERT INTO ${table} (name, created_at, position) VALUES ($1, now(), '') ON CONFLICT (name) DO NOTHING
       RETURNING name`,
      [subscription],
    );
    if (rows.length === 0) throw CohortError.conflict(`A subscription named ${subscription} already exists`);
    const slot = names.slotOf(subscription);
    try {
      let position = from;
      let resumeFrom: bigint;
      if (point === null) {
        resumeFrom = await createSlot(this.db, slot);
        position = boundary(feedIdOf(names), resumeFrom);
      } else {
        resumeFrom = resumeLsn(point);
        await createSlotAt(this.db, names, slot, resumeFrom);
      }
      await this.db.query(`UPDATE ${table} SET position = $2, acked_lsn = $3::pg_lsn WHERE name = $1`, [
        subscription,
        position,
        formatLsn(resumeFrom),
      ]);
    } catch (error) {
      await this.db.query(`DELETE FROM ${table} WHERE name = $1`, [subscription]).catch(() => undefined);
      await dropSlot(this.db, slot).catch(() => undefined);
      throw error;
    }
    const [state] = await slotStates(this.db, names, subscription);
    if (state === undefined) throw CohortError.notFound('Subscription', subscription);
    return this.info(names, state);
  }

  /**
   * A transactional logical message with the store's prefix (`pg_logical_emit_message`), committed with
   * `synchronous_commit = on` whatever the server's setting: its commit flushes the WAL up to it, every earlier commit
   * included, and WAL senders only decode flushed WAL. Committed asynchronously, the marker (and the changes before
   * it) waited for the WAL writer: ~300 ms of an online move's write pause instead of ~6–31 ms (notes/change-feeds.md).
   */
  async writeMarker(marker: string): Promise<void> {
    const name = parseMarkerName(marker);
    const names = await this.feedNames();
    await this.checkConfiguration();
    await this.db.transaction(async (tx) => {
      await tx.query(`SET LOCAL synchronous_commit = on`);
      await tx.query(`SELECT pg_logical_emit_message(true, $1::text, $2::text)`, [names.markerPrefix, name]);
    });
  }

  async openReader(name: string, options: ReaderOptions = {}): Promise<ChangeReader> {
    const subscription = parseSubscriptionName(name);
    if (this.sessions.has(subscription)) throw busy(subscription);
    const names = await this.feedNames();
    const [state] = await slotStates(this.db, names, subscription);
    if (state === undefined) throw CohortError.notFound('Subscription', subscription);
    if (state.lost || state.confirmedFlush === null) throw lost(subscription);
    if (state.active) throw busy(subscription);
    await this.checkConfiguration();
    const deadline = deadlineOf('changeFeed.openReader', this.timeoutMs);
    const session: ReplicationSession = new ReplicationSession({
      connection: this.replicationConnection(),
      feed: feedIdOf(names),
      slot: names.slotOf(subscription),
      publication: names.publication,
      confirmed: state.confirmedFlush,
      timeoutMs: Math.max(1, deadline.remaining()),
      released: (pid) => this.released(names.slotOf(subscription), pid),
      onEnd: () => {
        if (this.sessions.get(subscription) === session) this.sessions.delete(subscription);
      },
      explain: (failure) => this.explain(names, subscription, failure),
      acknowledged: (position, resumeFrom) => this.acknowledged(subscription, position, resumeFrom),
      markerPrefix: names.markerPrefix,
      onMarker: options.onMarker,
    });
    this.sessions.set(subscription, session);
    await session.start();
    return session;
  }

  async listSubscriptions(): Promise<readonly SubscriptionInfo[]> {
    const names = await this.feedNames();
    const states = await slotStates(this.db, names);
    return Promise.all(states.map((state) => this.info(names, state)));
  }

  async dropSubscription(name: string): Promise<void> {
    const subscription = parseSubscriptionName(name);
    const names = await this.feedNames();
    await this.sessions.get(subscription)?.end(CohortError.notFound('Subscription', subscription));
    const { rows } = await this.db.query(
      `DELETE FROM ${this.db.tables.qualify('change_feed_subscriptions')} WHERE name = $1 RETURNING name`,
      [subscription],
    );
    const slot = names.slotOf(subscription);
    const { rows: slots } = await this.db.query(`SELECT 1 FROM pg_replication_slots WHERE slot_name = $1`, [slot]);
    if (rows.length === 0 && slots.length === 0) throw CohortError.notFound('Subscription', subscription);
    await dropSlot(this.db, slot);
  }

  private async info(names: FeedNames, state: SlotState): Promise<SubscriptionInfo> {
    const feed = feedIdOf(names);
    return {
      name: state.name,
      position: state.position || boundary(feed, state.confirmedFlush ?? 0n),
      createdAt: state.createdAt,
      reading: state.active,
      lag: {
        changes: null,
        bytes: state.lost ? null : state.lagBytes,
        ms: state.lost || state.active ? null : await this.idleLagMs(names, state),
      },
    };
  }

  /**
   * Now minus the commit time of the first change the slot still holds, by peeking at it (an idle slot only: a peek
   * takes the slot for its duration). Null when the peek fails or takes over a second (a slot abandoned long ago).
   */
  private async idleLagMs(names: FeedNames, state: SlotState): Promise<number | null> {
    try {
      return await this.db.transaction(async (tx) => {
        await tx.query(`SET LOCAL statement_timeout = 1000`);
        const { rows } = await tx.query<{ data: Buffer; now: Date }>(
          `SELECT data, now() AS now FROM pg_logical_slot_peek_binary_changes($1, NULL, 1,
             'proto_version', '1', 'publication_names', $2) LIMIT 1`,
          [names.slotOf(state.name), names.publication],
        );
        const begin = rows[0];
        if (begin === undefined || begin.data[0] !== 0x42) return 0;
        const committedUs = begin.data.readBigInt64BE(9) + 946_684_800_000_000n;
        return Math.max(0, Date.now() - Number(committedUs / 1000n));
      });
    } catch {
      return null;
    }
  }

  /** Records the consumer's acknowledged position, as `listSubscriptions` reports it, and where it resumes from. */
  private async acknowledged(subscription: string, position: string, resumeFrom: bigint): Promise<void> {
    await this.db.query(
      `UPDATE ${this.db.tables.qualify('change_feed_subscriptions')} SET position = $2, acked_lsn = $3::pg_lsn
        WHERE name = $1`,
      [subscription, position, formatLsn(resumeFrom)],
    );
  }

  private async released(slot: string, pid: number): Promise<void> {
    const until = Date.now() + Math.min(this.timeoutMs, 5_000);
    while (Date.now() < until) {
      const { rows } = await this.db.query(
        `SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active_pid = $2`,
        [slot, pid],
      );
      if (rows.length === 0) return;
      await sleep(5);
    }
  }

  private async explain(names: FeedNames, subscription: string, failure: CohortError): Promise<CohortError> {
    try {
      const [state] = await slotStates(this.db, names, subscription);
      if (state === undefined) return CohortError.notFound('Subscription', subscription);
      if (state.lost) return lost(subscription);
    } catch {
      // the server is unreachable: the failure says so
    }
    return failure;
  }

  private feedNames(): Promise<FeedNames> {
    this.names ??= this.db
      .query<{ tag: string }>(`SELECT tag FROM ${this.db.tables.qualify('change_feed')}`)
      .then(({ rows }) => {
        const tag = rows[0]?.tag;
        if (tag === undefined)
          throw CohortError.unavailable('The change feed is not set up (run runPostgresMigrations)');
        return feedNames(tag);
      });
    const names = this.names;
    names.catch(() => {
      if (this.names === names) this.names = null;
    });
    return names;
  }

  /**
   * The end of the WAL inserted so far: every commit visible now lies before it. (pg_current_wal_lsn is the WAL
   * *written* so far: with synchronous_commit=off a visible commit can still lie after it.)
   */
  private async currentLsn(): Promise<bigint> {
    const { rows } = await this.db.query<{ lsn: string }>(`SELECT pg_current_wal_insert_lsn()::text AS lsn`);
    return parseLsn(rows[0]?.lsn ?? '0/0');
  }

  private async checkConfiguration(): Promise<void> {
    if (this.configured) return;
    const { rows } = await this.db.query<FeedSettings>(feedSettingsSql);
    const problem = rows[0] ? feedConfigurationProblem(rows[0]) : null;
    if (problem) throw problem;
    this.configured = true;
  }

  /** The pool's connection settings (URL or host, credentials, TLS, session options) for a replication connection. */
  private replicationConnection(): pg.ClientConfig {
    const pool = (this.dataSource.driver as { master?: { options?: Record<string, unknown> } } | undefined)?.master;
    if (pool?.options === undefined) {
      throw CohortError.unavailable('The DataSource is not initialized: the change feed cannot connect');
    }
    const config: Record<string, unknown> = { ...pool.options };
    for (const key of NOT_FOR_REPLICATION) delete config[key];
    return { ...config, application_name: 'cohort_feed' };
  }
}

/** The id positions are checksummed with: positions of another store's feed are refused. */
function feedIdOf(names: FeedNames): string {
  return `postgres:${names.tag}`;
}

function busy(subscription: string): CohortError {
  return CohortError.conflict(`Subscription ${subscription} is already being read by another session`);
}

function lost(subscription: string): CohortError {
  return CohortError.positionLost(
    `Subscription ${subscription} lost its replication slot (dropped, or invalidated by the server): its changes are ` +
      'gone; drop it and take a new snapshot',
  );
}
