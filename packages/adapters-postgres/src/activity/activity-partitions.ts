import type { PostgresClient } from '../shared/postgres-client.js';
import { sqlStateOf } from '../shared/postgres-errors.js';
import { sqlTime, toCount } from '../shared/sql-values.js';
import { CohortError } from '@cohort/core';

/** One calendar month (UTC) of the activity log: a partition's name and bounds. */
interface MonthPartition {
  readonly name: string;
  readonly from: Date;
  readonly to: Date;
}

/** Midnight UTC on the first of `month` (0-based, may be 12) of `year`; Date.UTC would read years 0–99 as 1900–1999. */
function monthStart(year: number, month: number): Date {
  const start = new Date(0);
  start.setUTCFullYear(year, month, 1);
  return start;
}

/**
 * The partition that holds `at`: `activity_events_2025_03` for March 2025 (UTC). Core keeps instants within
 * 0001-01-01 … 9999-12-31, so every year has four digits; the last month's upper bound is 10000-01-01, which
 * timestamptz holds.
 */
export function monthPartitionOf(at: Date): MonthPartition {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  return {
    name: `activity_events_${String(year).padStart(4, '0')}_${String(month + 1).padStart(2, '0')}`,
    from: monthStart(year, month),
    to: monthStart(year, month + 1),
  };
}

/**
 * Creates the monthly partitions of `activity_events` ahead of the rows that need them. Appends call `ensureFor`
 * with the instants they are about to write; months already made are remembered in memory, so the common case costs
 * nothing. The DEFAULT partition (made by the migration) catches whatever arrives for a month nobody prepared (a
 * writer that bypasses the adapter, or a partition dropped by another process while this one still remembers it);
 * when such a month is prepared later, its rows move out of DEFAULT into the new partition.
 */
export class ActivityPartitions {
  private readonly known = new Set<string>();

  constructor(private readonly db: PostgresClient) {}

  async ensureFor(instants: readonly Date[]): Promise<void> {
    const needed = new Map<string, MonthPartition>();
    for (const at of instants) {
      const partition = monthPartitionOf(at);
      if (!this.known.has(partition.name)) needed.set(partition.name, partition);
    }
    for (const partition of needed.values()) {
      await this.ensure(partition);
      this.known.add(partition.name);
    }
  }

  /** Forgets partitions dropped by `purgeBefore`, so a later append for those months makes them again. */
  forget(names: readonly string[]): void {
    for (const name of names) this.known.delete(name);
  }

  private async ensure(partition: MonthPartition): Promise<void> {
    if (await this.exists(partition.name)) return;
    const { activityEvents, qualify } = this.db.tables;
    try {
      await this.db.query(
        `CREATE TABLE IF NOT EXISTS ${qualify(partition.name)} PARTITION OF ${activityEvents}
           FOR VALUES FROM ('${sqlTime(partition.from)}') TO ('${sqlTime(partition.to)}')`,
      );
    } catch (error) {
      const cause = CohortError.is(error) ? error.cause : error;
      // Another store made the same partition at the same moment: what we wanted exists.
      if (await this.exists(partition.name)) return;
      // 23514: DEFAULT already holds rows of this month, so the partition cannot simply be created over them.
      if (sqlStateOf(cause) === '23514') return this.createMovingRowsFromDefault(partition);
      throw error;
    }
  }

  /** Creates the partition detached, moves the month's rows into it from DEFAULT, then attaches it: one transaction. */
  private async createMovingRowsFromDefault(partition: MonthPartition): Promise<void> {
    const { activityEvents, qualify } = this.db.tables;
    const table = qualify(partition.name);
    const fallback = qualify('activity_events_default');
    const from = sqlTime(partition.from);
    const to = sqlTime(partition.to);
    await this.db.transaction(async (tx) => {
      await tx.query(`LOCK TABLE ${fallback} IN ACCESS EXCLUSIVE MODE`);
      await tx.query(`CREATE TABLE ${table} (LIKE ${activityEvents} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
      await tx.query(
        `WITH moved AS (
           DELETE FROM ${fallback} WHERE occurred_at >= '${from}' AND occurred_at < '${to}' RETURNING *)
         INSERT INTO ${table} SELECT * FROM moved`,
      );
      await tx.query(
        `ALTER TABLE ${activityEvents} ATTACH PARTITION ${table} FOR VALUES FROM ('${from}') TO ('${to}')`,
      );
    });
  }

  private async exists(name: string): Promise<boolean> {
    const { rows } = await this.db.query<{ found: string | null }>(`SELECT to_regclass($1)::text AS found`, [
      this.db.tables.qualify(name),
    ]);
    return rows[0]?.found != null;
  }

  /**
   * Deletes every event before `before`: partitions that end at or before it are dropped whole (counted first), the
   * one that straddles it and DEFAULT lose only their older rows. Bounds come from the catalog, not from names.
   * Returns the number of events removed and the names of the partitions dropped.
   */
  async purgeBefore(before: Date): Promise<{ deleted: number; dropped: string[] }> {
    const { activityEvents, activityIds, qualify } = this.db.tables;
    const cut = sqlTime(before);
    return this.db.transaction(async (tx) => {
      const { rows: partitions } = await tx.query<{
        name: string;
        isDefault: boolean;
        lower: Date | null;
        upper: Date | null;
      }>(
        `SELECT c.relname AS name, bound.expr = 'DEFAULT' AS "isDefault",
                (regexp_match(bound.expr, 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz AS lower,
                (regexp_match(bound.expr, 'TO \\(''([^'']+)''\\)'))[1]::timestamptz AS upper
           FROM pg_inherits i
           JOIN pg_class c ON c.oid = i.inhrelid
           CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS expr) bound
          WHERE i.inhparent = $1::regclass`,
        [activityEvents],
      );
      let deleted = 0;
      const dropped: string[] = [];
      for (const partition of partitions) {
        const table = qualify(partition.name);
        if (!partition.isDefault && partition.upper !== null && partition.upper.getTime() <= before.getTime()) {
          const { rows } = await tx.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
          deleted += toCount(rows[0]?.n);
          await tx.query(`DROP TABLE ${table}`);
          dropped.push(partition.name);
        } else if (partition.isDefault || partition.lower === null || partition.lower.getTime() < before.getTime()) {
          const { rowCount } = await tx.query(`DELETE FROM ${table} WHERE occurred_at < $1`, [cut]);
          deleted += rowCount;
        }
      }
      // Purged ids are forgotten too, so the id table shrinks with the log.
      await tx.query(`DELETE FROM ${activityIds} WHERE occurred_at < $1`, [cut]);
      return { deleted, dropped };
    });
  }
}
