import { MAX_CONTROL_LIST, type ControlRecord, type ControlRecords } from '@cohort/core';
import {
  controlVersionMismatch,
  encodeControlValue,
  parseControlKey,
  parseControlPrefix,
  parseControlVersion,
} from '@cohort/core/adapter';
import type { PostgresClient } from '../shared/postgres-client.js';

interface ControlRow {
  readonly key: string;
  readonly value: string;
  readonly version: number;
}

const toRecord = (row: ControlRow): ControlRecord => ({
  key: row.key,
  value: JSON.parse(row.value) as unknown,
  version: row.version,
});

/**
 * Control records in the `control_records` table: each write is one statement whose WHERE clause is the
 * compare-and-set (the row lock serializes racing writers; the loser's re-evaluated condition no longer holds).
 */
export class PostgresControlRecords implements ControlRecords {
  private readonly table: string;

  constructor(private readonly db: PostgresClient) {
    this.table = db.tables.qualify('control_records');
  }

  async read(key: string): Promise<ControlRecord | null> {
    const name = parseControlKey(key);
    const { rows } = await this.db.query<ControlRow>(
      `SELECT key, value::text AS value, version FROM ${this.table} WHERE key = $1`,
      [name],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async write(key: string, value: unknown, expectedVersion: number | null): Promise<ControlRecord> {
    const name = parseControlKey(key);
    const expected = parseControlVersion(expectedVersion);
    const json = encodeControlValue(value);
    const { rows } =
      expected === null
        ? await this.db.query<ControlRow>(
            `INSERT INTO ${this.table} (key, value, version, updated_at) VALUES ($1, $2::jsonb, 1, now())
             ON CONFLICT (key) DO NOTHING RETURNING key, value::text AS value, version`,
            [name, json],
          )
        : await this.db.query<ControlRow>(
            `UPDATE ${this.table} SET value = $2::jsonb, version = version + 1, updated_at = now()
             WHERE key = $1 AND version = $3 RETURNING key, value::text AS value, version`,
            [name, json, expected],
          );
    if (!rows[0]) throw controlVersionMismatch(name, expected);
    return toRecord(rows[0]);
  }

  async list(prefix: string): Promise<readonly ControlRecord[]> {
    const start = parseControlPrefix(prefix);
    const { rows } = await this.db.query<ControlRow>(
      `SELECT key, value::text AS value, version FROM ${this.table}
       WHERE starts_with(key, $1) ORDER BY key LIMIT ${MAX_CONTROL_LIST}`,
      [start],
    );
    return rows.map(toRecord);
  }

  async delete(key: string, expectedVersion?: number): Promise<boolean> {
    const name = parseControlKey(key);
    const expected = expectedVersion === undefined ? null : parseControlVersion(expectedVersion);
    if (expected === null) {
      const { rowCount } = await this.db.query(`DELETE FROM ${this.table} WHERE key = $1`, [name]);
      return rowCount > 0;
    }
    // One statement: the delete, and what the row held when it did not match.
    const { rows } = await this.db.query<{ deleted: boolean; version: number | null }>(
      `WITH gone AS (DELETE FROM ${this.table} WHERE key = $1 AND version = $2 RETURNING version)
       SELECT EXISTS (SELECT 1 FROM gone) AS deleted,
              (SELECT version FROM ${this.table} WHERE key = $1) AS version`,
      [name, expected],
    );
    const row = rows[0];
    if (row?.deleted) return true;
    if (row?.version === null || row?.version === undefined) return false;
    throw controlVersionMismatch(name, expected);
  }
}
