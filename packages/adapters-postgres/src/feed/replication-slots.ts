import { CohortError } from '@cohort/core';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PostgresClient } from '../shared/postgres-client.js';
import { sqlStateOf, toCohortError } from '../shared/postgres-errors.js';
import { formatLsn, parseLsn, type Lsn } from './lsn.js';

/** What the feed needs from the server, as `feedSettingsSql` reads it. */
export interface FeedSettings {
  readonly walLevel: string;
  /** The role has REPLICATION (or is a superuser): it may create slots and open replication connections. */
  readonly canReplicate: boolean;
}

export const feedSettingsSql = `
  SELECT current_setting('wal_level') AS "walLevel",
         COALESCE((SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user), false) AS "canReplicate"`;

/**
 * Why this server cannot run the change feed, naming the setting to change; null when it can. wal_level below
 * `logical` is UNAVAILABLE (the server must be reconfigured and restarted), a role without REPLICATION FORBIDDEN.
 */
export function feedConfigurationProblem(settings: FeedSettings): CohortError | null {
  if (settings.walLevel !== 'logical') {
    return CohortError.unavailable(
      `The PostgreSQL change feed needs wal_level = logical; this server has wal_level = ${settings.walLevel}. ` +
        'Set wal_level = logical in postgresql.conf (or ALTER SYSTEM SET wal_level = logical) and restart the server',
    );
  }
  if (!settings.canReplicate) {
    return CohortError.forbidden(
      'The PostgreSQL change feed needs a role with the REPLICATION attribute (ALTER ROLE … WITH REPLICATION) ' +
        'to create replication slots and stream changes',
    );
  }
  return null;
}

/** The store's feed names: its tag, its publication, its slots' names and its markers' prefix. */
export interface FeedNames {
  readonly tag: string;
  readonly publication: string;
  readonly slotPrefix: string;
  slotOf(subscription: string): string;
  /**
   * The prefix of this store's marker messages (`pg_logical_emit_message`). Logical messages belong to the database,
   * not to a publication: every slot of the database decodes those of every store in it (one per schema), so the
   * prefix names the store and a session hears only its own.
   */
  readonly markerPrefix: string;
}

export function feedNames(tag: string): FeedNames {
  return {
    tag,
    publication: `cohort_${tag}`,
    slotPrefix: `cohort_${tag}_`,
    slotOf: (subscription) => `cohort_${tag}_${subscription}`,
    markerPrefix: `cohort_${tag}.marker`,
  };
}

/** One subscription as the server knows it: its row, and its slot if there still is one. */
export interface SlotState {
  readonly name: string;
  readonly createdAt: Date;
  /** The last acknowledged position (where it started, before any acknowledgement). */
  readonly position: string;
  /** The slot is gone (dropped outside Cohort) or the server invalidated it (WAL removed): its changes are lost. */
  readonly lost: boolean;
  readonly confirmedFlush: Lsn | null;
  readonly active: boolean;
  readonly lagBytes: number | null;
}

interface SlotRow {
  name: string;
  createdAt: Date;
  position: string;
  confirmed: string | null;
  active: boolean | null;
  walStatus: string | null;
  /** pg_replication_slots.invalidation_reason (PostgreSQL 17+; read through jsonb so older servers answer null). */
  invalidation: string | null;
  lagBytes: string | null;
}

/** Subscriptions of the store (one by `name`, or all), in name order, with their slots' state and lag in bytes. */
export async function slotStates(db: PostgresClient, names: FeedNames, name?: string): Promise<SlotState[]> {
  const subscriptions = db.tables.qualify('change_feed_subscriptions');
  const { rows } = await db.query<SlotRow>(
    `SELECT s.name, s.created_at AS "createdAt", s.position, r.confirmed_flush_lsn::text AS confirmed, r.active,
            r.wal_status AS "walStatus", to_jsonb(r) ->> 'invalidation_reason' AS invalidation,
            pg_wal_lsn_diff(pg_current_wal_insert_lsn(), r.confirmed_flush_lsn)::bigint::text AS "lagBytes"
       FROM ${subscriptions} s
       LEFT JOIN pg_replication_slots r ON r.slot_name = $1 || s.name AND r.database = current_database()
      WHERE $2::text IS NULL OR s.name = $2
      ORDER BY s.name COLLATE "C"`,
    [names.slotPrefix, name ?? null],
  );
  return rows.map((row) => ({
    name: row.name,
    createdAt: row.createdAt,
    position: row.position,
    lost: row.confirmed === null || row.walStatus === 'lost' || row.invalidation !== null,
    confirmedFlush: row.confirmed === null ? null : parseLsn(row.confirmed),
    active: row.active === true,
    lagBytes: row.lagBytes === null ? null : Math.max(0, Number(row.lagBytes)),
  }));
}

/** Translates a slot function's failure, naming the setting to change where a setting is the cause. */
export function slotError(thrown: unknown, slot: string): CohortError {
  if (CohortError.is(thrown) && sqlStateOf(thrown.cause) === undefined) return thrown;
  // The client already translated the driver's error; the SQLSTATE is on its cause.
  const error = CohortError.is(thrown) ? thrown.cause : thrown;
  const state = sqlStateOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (state === '53400') {
    return CohortError.unavailable(
      `PostgreSQL has no free replication slot for ${slot}: raise max_replication_slots (and max_wal_senders), ` +
        `or drop unused subscriptions (${message})`,
      error,
    );
  }
  if (state === '55000' && /wal_level/i.test(message)) {
    return CohortError.unavailable(`The PostgreSQL change feed needs wal_level = logical (${message})`, error);
  }
  if (state === '42501') {
    return CohortError.forbidden(`The PostgreSQL change feed needs a role with REPLICATION (${message})`);
  }
  if (state === '55000' && /can no longer (get|access)|invalidated/i.test(message)) {
    return CohortError.positionLost(
      `The replication slot ${slot} was invalidated: its changes are gone (${message})`,
      error,
    );
  }
  if (state === '42710') return CohortError.conflict(`The replication slot ${slot} already exists`, error);
  if (state === '55006')
    return CohortError.conflict(`The subscription's slot ${slot} is being read by another session`, error);
  if (state === '42704') return CohortError.positionLost(`The replication slot ${slot} no longer exists`, error);
  return toCohortError(error);
}

/** Creates the slot at the server's current WAL location; returns its confirmed position. */
export async function createSlot(db: PostgresClient, slot: string): Promise<Lsn> {
  try {
    const { rows } = await db.query<{ lsn: string }>(
      `SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot($1, 'pgoutput')`,
      [slot],
    );
    return parseLsn(rows[0]?.lsn ?? '0/0');
  } catch (error) {
    throw slotError(error, slot);
  }
}

/**
 * Creates the slot positioned at `from`: a copy of a slot of the store whose subscription stands at or before `from`
 * (it still holds the WAL after `from`), advanced to `from`; else a new slot, if it starts at or before `from`.
 * POSITION_LOST when no slot holds the changes after `from`. A subscription's slot may stand past its acknowledged
 * position (sessions move it over WAL holding none of the store's changes), so a slot past `from` whose subscription
 * acknowledged nothing after `from` serves too, as it is: none of the store's changes lie between.
 */
export async function createSlotAt(db: PostgresClient, names: FeedNames, slot: string, from: Lsn): Promise<void> {
  // A source slot read in the background may move on between choosing it and copying it: then choose again.
  for (let attempt = 1; ; attempt += 1) {
    if (await tryCreateSlotAt(db, names, slot, from)) return;
    if (attempt >= 5) {
      throw CohortError.unavailable(`Replication slot ${slot} could not be placed at ${formatLsn(from)}: try again`);
    }
  }
}

/** One try of `createSlotAt`: false (and no slot left behind) when the chosen source moved past `from` meanwhile. */
async function tryCreateSlotAt(db: PostgresClient, names: FeedNames, slot: string, from: Lsn): Promise<boolean> {
  const { rows } = await db.query<{ slot: string }>(
    `SELECT r.slot_name AS slot
       FROM ${db.tables.qualify('change_feed_subscriptions')} s
       JOIN pg_replication_slots r ON r.slot_name = $1 || s.name AND r.database = current_database()
      WHERE s.acked_lsn <= $2::pg_lsn AND r.wal_status IS DISTINCT FROM 'lost'
      ORDER BY r.confirmed_flush_lsn DESC LIMIT 1`,
    [names.slotPrefix, formatLsn(from)],
  );
  const source = rows[0];
  try {
    if (source !== undefined) {
      await db.query(`SELECT pg_copy_logical_replication_slot($1, $2)`, [source.slot, slot]);
      // Where the copy stands and whether its subscription still acknowledged nothing after `from`, read after the
      // copy: a copy past `from` serves as it is only then (nothing of the store's lies between), else choose again.
      const { rows: placed } = await db.query<{ behind: boolean; still: boolean }>(
        `SELECT c.confirmed_flush_lsn <= $2::pg_lsn AS behind,
                EXISTS (SELECT 1 FROM ${db.tables.qualify('change_feed_subscriptions')} s
                         WHERE $3 = $4 || s.name AND s.acked_lsn <= $2::pg_lsn) AS still
           FROM pg_replication_slots c WHERE c.slot_name = $1`,
        [slot, formatLsn(from), source.slot, names.slotPrefix],
      );
      const copy = placed[0];
      if (copy?.behind) {
        await db.query(`SELECT pg_replication_slot_advance($1, $2::pg_lsn)`, [slot, formatLsn(from)]);
      } else if (!copy?.still) {
        await dropSlot(db, slot);
        return false;
      }
      return true;
    }
    const start = await createSlot(db, slot);
    if (start > from) {
      await dropSlot(db, slot);
      throw CohortError.positionLost(
        'No subscription of this store holds the changes after that position any more; take a new snapshot',
      );
    }
    await db.query(`SELECT pg_replication_slot_advance($1, $2::pg_lsn)`, [slot, formatLsn(from)]);
    return true;
  } catch (error) {
    if (CohortError.is(error, 'POSITION_LOST')) throw error;
    await dropSlot(db, slot).catch(() => undefined);
    throw slotError(error, slot);
  }
}

/**
 * Drops the slot, ending the session that reads it (in any process) first. A terminated walsender releases its slot
 * a moment later: the drop is retried until then. No-op when there is no such slot.
 */
export async function dropSlot(db: PostgresClient, slot: string): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    const { rows } = await db.query<{ pid: number | null }>(
      `SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name = $1`,
      [slot],
    );
    const found = rows[0];
    if (found === undefined) return;
    if (found.pid !== null) {
      await db.query(`SELECT pg_terminate_backend($1)`, [found.pid]);
      await sleep(Math.min(5 * (attempt + 1), 50));
      continue;
    }
    try {
      await db.query(`SELECT pg_drop_replication_slot($1)`, [slot]);
      return;
    } catch (error) {
      const state = sqlStateOf(CohortError.is(error) ? error.cause : error);
      if (state === '42704') return;
      if (state === '55006' && attempt < 200) {
        await sleep(10);
        continue;
      }
      throw slotError(error, slot);
    }
  }
}
