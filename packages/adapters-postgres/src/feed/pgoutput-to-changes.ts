import { isDeepStrictEqual } from 'node:util';
import { CohortError, recordKeys, type RecordOf, type RecordSetName } from '@cohort/core';
import type { Pgoutput } from 'pg-logical-replication';
import {
  activityColumns,
  activityFromEntity,
  dailyCountColumns,
  dailyCountFromEntity,
} from '../activity/activity.mapper.js';
import {
  commentColumns,
  commentFromEntity,
  communityColumns,
  communityFromEntity,
  membershipColumns,
  membershipFromEntity,
  postColumns,
  postFromEntity,
  reactionColumns,
  reactionFromEntity,
} from '../community/community.mapper.js';
import {
  contentColumns,
  contentFromEntity,
  enrollmentColumns,
  enrollmentFromEntity,
} from '../content/content.mapper.js';
import { eventColumns, eventFromEntity, registrationColumns, registrationFromEntity } from '../events/event.mapper.js';
import type { Columns } from '../shared/sql-values.js';
import { userColumns, userFromEntity } from '../users/user.mapper.js';

/** One row change of a published table, as a record set's change (without its position and commit time). */
export type RowChange = {
  [N in RecordSetName]: {
    readonly recordSet: N;
    readonly key: string;
    readonly op: 'upsert' | 'delete';
    readonly record: RecordOf<N> | null;
  };
}[RecordSetName];

/**
 * How the rows of one table become records: the same columns and `…FromEntity` mappers (with their stored-row
 * checks) that the migration face's scan uses, so an after-image is exactly what `scan` returns for the record.
 */
interface TableDecoder {
  readonly recordSet: RecordSetName;
  readonly columns: Columns<object>;
  readonly fromEntity: (row: never) => unknown;
  /** The entity properties of the natural key, in `recordKeys` order (a delete only carries these). */
  readonly key: readonly string[];
}

function decoder<N extends RecordSetName, E extends object>(
  recordSet: N,
  columns: Columns<E>,
  fromEntity: (row: E) => RecordOf<N>,
  key: readonly (keyof E & string)[],
): TableDecoder {
  return { recordSet, columns: columns, fromEntity: fromEntity, key };
}

/** Published table name (unqualified: the publication holds this store's tables only) → its decoder. */
const decoders: ReadonlyMap<string, TableDecoder> = new Map([
  ['users', decoder('users', userColumns, userFromEntity, ['id'])],
  ['contents', decoder('contents', contentColumns, contentFromEntity, ['id'])],
  ['enrollments', decoder('enrollments', enrollmentColumns, enrollmentFromEntity, ['userId', 'contentId'])],
  ['events', decoder('events', eventColumns, eventFromEntity, ['id'])],
  ['registrations', decoder('registrations', registrationColumns, registrationFromEntity, ['eventId', 'userId'])],
  ['communities', decoder('communities', communityColumns, communityFromEntity, ['id'])],
  ['memberships', decoder('memberships', membershipColumns, membershipFromEntity, ['communityId', 'userId'])],
  ['posts', decoder('posts', postColumns, postFromEntity, ['id'])],
  ['comments', decoder('comments', commentColumns, commentFromEntity, ['id'])],
  ['reactions', decoder('reactions', reactionColumns, reactionFromEntity, ['postId', 'userId', 'kind'])],
  ['activity_events', decoder('activity', activityColumns, activityFromEntity, ['id'])],
  ['activity_daily_counts', decoder('activityCounts', dailyCountColumns, dailyCountFromEntity, ['day', 'verb'])],
]);

const DATE_OID = 1082;
const asText = (raw: unknown): unknown => raw;

/**
 * Adjusts a relation message before any of its rows are read: `date` columns stay text (`YYYY-MM-DD`, as the scan's
 * `to_char` gives them) instead of pg's local-midnight Date. Every other type goes through pg's own type parsers, as
 * the scan's query results do.
 */
export function prepareRelation(relation: Pgoutput.MessageRelation): void {
  for (const column of relation.columns) if (column.typeOid === DATE_OID) column.parser = asText;
}

/** The record set changes of one pgoutput row message (none for a table outside the record sets). */
export function rowChanges(
  message: Pgoutput.MessageInsert | Pgoutput.MessageUpdate | Pgoutput.MessageDelete,
): RowChange[] {
  const table = decoders.get(message.relation.name);
  if (table === undefined) return [];
  if (message.tag === 'delete') {
    const old = message.old ?? message.key;
    if (old === null) throw unreadable(table, 'a delete without its key');
    return [deletion(table, old)];
  }
  // A write of hidden state only (the event's next registration position, say) leaves the record as it was: no change.
  if (message.tag === 'update' && message.old !== null && sameRecordColumns(table, message.old, message.new)) return [];
  const record = toRecord(table, message.new);
  const key = (recordKeys[table.recordSet] as (record: unknown) => string)(record);
  const upsert = { recordSet: table.recordSet, key, op: 'upsert', record } as RowChange;
  if (message.tag === 'update') {
    // A key that changed (never by Cohort's own writes) is the old key's delete, then the new key's record.
    const old = message.old ?? message.key;
    if (old !== null) {
      const before = deletion(table, old);
      if (before.key !== key) return [before, upsert];
    }
  }
  return [upsert];
}

function sameRecordColumns(table: TableDecoder, old: Record<string, unknown>, row: Record<string, unknown>): boolean {
  return Object.values(table.columns as Record<string, { column: string }>).every(({ column }) =>
    isDeepStrictEqual(old[column], row[column]),
  );
}

function deletion(table: TableDecoder, tuple: Record<string, unknown>): RowChange {
  const parts = table.key.map((property) => {
    const value = tuple[(table.columns as Record<string, { column: string }>)[property]?.column ?? property];
    if (typeof value !== 'string') throw unreadable(table, `a delete whose key ${property} is missing`);
    return value;
  });
  return { recordSet: table.recordSet, key: parts.join('/'), op: 'delete', record: null };
}

function toRecord(table: TableDecoder, tuple: Record<string, unknown>): unknown {
  const row: Record<string, unknown> = {};
  for (const [property, spec] of Object.entries(table.columns as Record<string, { column: string }>)) {
    const value = tuple[spec.column];
    // pgoutput leaves an unchanged TOASTed value out unless the table logs its old row (REPLICA IDENTITY FULL).
    if (value === undefined) throw unreadable(table, `a row without its ${spec.column} value`);
    row[property] = value;
  }
  return table.fromEntity(row as never);
}

function unreadable(table: TableDecoder, what: string): CohortError {
  return CohortError.unavailable(`The change feed received ${what} for ${table.recordSet}; the change cannot be read`);
}
