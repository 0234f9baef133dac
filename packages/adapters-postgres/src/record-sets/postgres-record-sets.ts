import {
  CohortError,
  recordKeys,
  type ActivityEvent,
  type DailyCount,
  type Page,
  type RecordOf,
  type RecordSet,
  type RecordSetName,
  type RecordSets,
  type ScanRequest,
} from '@cohort/core';
import {
  lastOfEachKey,
  parseRecordKeys,
  parseRecords,
  parseScanRequest,
  scanScope,
  toPage,
  type CursorKey,
} from '@cohort/core/adapter';
import type { ActivityDailyCountEntity } from '../activity/activity-daily-count.entity.js';
import type { ActivityEventEntity } from '../activity/activity-event.entity.js';
import type { ActivityPartitions } from '../activity/activity-partitions.js';
import {
  activityColumns,
  activityFromEntity,
  activityToEntity,
  dailyCountColumns,
  dailyCountFromEntity,
  dailyCountSelect,
  dailyCountToEntity,
} from '../activity/activity.mapper.js';
import {
  commentColumns,
  commentFromEntity,
  commentToEntity,
  communityColumns,
  communityFromEntity,
  communityToEntity,
  membershipColumns,
  membershipFromEntity,
  membershipToEntity,
  postColumns,
  postFromEntity,
  postToEntity,
  reactionColumns,
  reactionFromEntity,
  reactionToEntity,
} from '../community/community.mapper.js';
import {
  contentColumns,
  contentFromEntity,
  contentToEntity,
  enrollmentColumns,
  enrollmentFromEntity,
  enrollmentToEntity,
} from '../content/content.mapper.js';
import {
  eventColumns,
  eventFromEntity,
  eventToEntity,
  registrationColumns,
  registrationFromEntity,
  registrationToEntity,
} from '../events/event.mapper.js';
import { SqlParams, readCursor, type KeyPart } from '../shared/keyset.js';
import type { PostgresClient } from '../shared/postgres-client.js';
import { columnList, jsonRows, recordsetType, selectList, toCount, type Columns } from '../shared/sql-values.js';
import { tableSql, type TableSql } from '../shared/table-sql.js';
import { userColumns, userFromEntity, userToEntity } from '../users/user.mapper.js';

/** How one table is scanned: its key columns (the primary key, so the scan walks that index) and their kinds. */
interface ScanKey<T> {
  readonly columns: readonly string[];
  readonly parts: readonly KeyPart[];
  readonly of: (record: T) => CursorKey;
}

interface TableSetOptions<N extends RecordSetName, E> {
  readonly name: N;
  readonly table: string;
  readonly columns: Columns<E>;
  readonly key: readonly (keyof E)[];
  readonly scanKey: ScanKey<RecordOf<N>>;
  readonly toEntity: (record: RecordOf<N>) => E;
  readonly fromEntity: (row: E) => RecordOf<N>;
  /** Wraps the upsert (`$1` = the rows) in a larger statement, e.g. to advance hidden state. */
  readonly wrapUpsert?: (upsert: string) => string;
  /** Tables whose foreign keys point at this one: deleteMany refuses while any of their rows point at a key. */
  readonly children?: readonly Child[];
}

/** A table with a foreign key (ON DELETE CASCADE) into a record set's table. */
interface Child {
  readonly recordSet: RecordSetName;
  readonly table: string;
  readonly column: string;
}

/** The SQL type of each kind of key part, for the key arrays deleteMany binds. */
const sqlTypeOf = (part: KeyPart): string => (part === 'id' ? 'uuid' : part === 'text' ? 'text' : 'date');

/**
 * `(key columns) IN (the keys)`, with one array parameter per key column: what deleteMany selects and deletes by.
 * The keys are checked by core first (ids are UUIDs, kinds and verbs known ones).
 */
function keysMatch(columns: readonly string[], types: readonly string[], first: number): string {
  if (columns.length === 1) return `${columns[0]} = ANY($${first}::${types[0]}[])`;
  const arrays = columns.map((_, index) => `$${first + index}::${types[index]}[]`).join(', ');
  return `(${columns.join(', ')}) IN (SELECT * FROM unnest(${arrays}))`;
}

/** One array of values per key column, from the parsed keys. */
function keyArrays(keys: readonly { parts: readonly string[] }[], width: number): string[][] {
  return Array.from({ length: width }, (_, index) => keys.map((key) => key.parts[index] as string));
}

/**
 * Deletes rows by key and nothing else. The foreign keys into the table cascade, so a delete that would take children
 * with it is refused (CONFLICT) before anything is deleted: the keys' rows are locked first (FOR UPDATE conflicts with
 * the FOR KEY SHARE lock a child insert takes), so no child can arrive between the check and the delete.
 */
async function deleteRows(
  db: PostgresClient,
  options: { name: RecordSetName; table: string; columns: readonly string[]; types: readonly string[] },
  children: readonly Child[],
  keys: readonly unknown[],
): Promise<void> {
  const parsed = parseRecordKeys(options.name, keys);
  if (parsed.length === 0) return;
  const params = keyArrays(parsed, options.columns.length);
  const match = keysMatch(options.columns, options.types, 1);
  if (children.length === 0) {
    await db.query(`DELETE FROM ${options.table} WHERE ${match}`, params);
    return;
  }
  await db.transaction(async (tx) => {
    const locked = await tx.query<{ id: string }>(
      `SELECT id::text AS id FROM ${options.table} WHERE ${match} ORDER BY id FOR UPDATE`,
      params,
    );
    const ids = locked.rows.map((row) => row.id);
    if (ids.length === 0) return;
    for (const child of children) {
      const { rows } = await tx.query<{ parent: string }>(
        `SELECT ${child.column}::text AS parent FROM ${child.table} WHERE ${child.column} = ANY($1::uuid[]) LIMIT 1`,
        [ids],
      );
      if (rows[0] !== undefined) {
        throw CohortError.conflict(
          `${options.name} ${rows[0].parent} still has ${child.recordSet}: delete them first (deleteMany never cascades)`,
        );
      }
    }
    await tx.query(`DELETE FROM ${options.table} WHERE id = ANY($1::uuid[])`, [ids]);
  });
}

/** The last record of each key wins, as if the batch had been put one record at a time. */
function lastOfEachKeyOf<N extends RecordSetName>(name: N, records: RecordOf<N>[]): RecordOf<N>[] {
  return lastOfEachKey(records, recordKeys[name] as (record: RecordOf<N>) => string);
}

function tableSet<N extends RecordSetName, E>(
  db: PostgresClient,
  options: TableSetOptions<N, E>,
): RecordSet<RecordOf<N>> {
  const sql: TableSql<E> = tableSql(options.table, options.columns, options.key);
  const scope = scanScope('postgres', options.name);
  const keyColumns = options.scanKey.columns.join(', ');
  return {
    async scan(page?: ScanRequest): Promise<Page<RecordOf<N>>> {
      const { cursor, limit } = parseScanRequest(page);
      const params = new SqlParams();
      let where = '';
      if (cursor) {
        const values = readCursor(scope, cursor, options.scanKey.parts) as readonly unknown[];
        where = `WHERE (${keyColumns}) > (${values.map((value) => params.add(value)).join(', ')})`;
      }
      const { rows } = await db.query<E>(
        `SELECT ${sql.select} FROM ${sql.table} ${where} ORDER BY ${keyColumns} LIMIT ${params.add(limit + 1)}`,
        params.values,
      );
      return toPage(rows.map(options.fromEntity), limit, scope, options.scanKey.of);
    },
    async putMany(records: readonly RecordOf<N>[]): Promise<void> {
      const parsed = lastOfEachKeyOf(options.name, parseRecords(options.name, records));
      if (parsed.length === 0) return;
      const upsert = sql.upsertRows();
      await db.query(options.wrapUpsert ? options.wrapUpsert(upsert) : upsert, [
        jsonRows(options.columns, parsed.map(options.toEntity)),
      ]);
    },
    async deleteMany(keys: readonly string[]): Promise<void> {
      const { columns, parts } = options.scanKey;
      await deleteRows(
        db,
        { name: options.name, table: sql.table, columns, types: parts.map(sqlTypeOf) },
        options.children ?? [],
        keys,
      );
    },
    async count(): Promise<number> {
      const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql.table}`);
      return toCount(rows[0]?.n);
    },
  };
}

const byId = { columns: ['id'], parts: ['id'], of: (record: { id: string }) => [record.id] } as const;

/** The migration face: scan in primary-key order, putMany as one upsert statement per batch, count. */
export function createPostgresRecordSets(db: PostgresClient, partitions: ActivityPartitions): RecordSets {
  const t = db.tables;
  return {
    users: tableSet(db, {
      name: 'users',
      table: t.users,
      columns: userColumns,
      key: ['id'],
      scanKey: byId,
      toEntity: userToEntity,
      fromEntity: userFromEntity,
    }),
    contents: tableSet(db, {
      name: 'contents',
      table: t.contents,
      columns: contentColumns,
      key: ['id'],
      scanKey: byId,
      toEntity: contentToEntity,
      fromEntity: contentFromEntity,
      children: [{ recordSet: 'enrollments', table: t.enrollments, column: 'content_id' }],
    }),
    enrollments: tableSet(db, {
      name: 'enrollments',
      table: t.enrollments,
      columns: enrollmentColumns,
      key: ['userId', 'contentId'],
      scanKey: { columns: ['user_id', 'content_id'], parts: ['id', 'id'], of: (r) => [r.userId, r.contentId] },
      toEntity: enrollmentToEntity,
      fromEntity: enrollmentFromEntity,
    }),
    events: tableSet(db, {
      name: 'events',
      table: t.events,
      columns: eventColumns,
      key: ['id'],
      scanKey: byId,
      toEntity: eventToEntity,
      fromEntity: eventFromEntity,
      children: [{ recordSet: 'registrations', table: t.registrations, column: 'event_id' }],
    }),
    registrations: tableSet(db, {
      name: 'registrations',
      table: t.registrations,
      columns: registrationColumns,
      key: ['eventId', 'userId'],
      scanKey: { columns: ['event_id', 'user_id'], parts: ['id', 'id'], of: (r) => [r.eventId, r.userId] },
      toEntity: registrationToEntity,
      fromEntity: registrationFromEntity,
      // The event's hidden next position moves past every position it receives, so new registrations queue behind.
      wrapUpsert: (upsert) =>
        `WITH put AS (${upsert} RETURNING event_id, position)
         UPDATE ${t.events} e SET next_position = GREATEST(e.next_position, top.position + 1)
           FROM (SELECT event_id, max(position) AS position FROM put GROUP BY event_id) top
          WHERE e.id = top.event_id`,
    }),
    communities: tableSet(db, {
      name: 'communities',
      table: t.communities,
      columns: communityColumns,
      key: ['id'],
      scanKey: byId,
      toEntity: communityToEntity,
      fromEntity: communityFromEntity,
      children: [
        { recordSet: 'memberships', table: t.memberships, column: 'community_id' },
        { recordSet: 'posts', table: t.posts, column: 'community_id' },
      ],
    }),
    memberships: tableSet(db, {
      name: 'memberships',
      table: t.memberships,
      columns: membershipColumns,
      key: ['communityId', 'userId'],
      scanKey: { columns: ['community_id', 'user_id'], parts: ['id', 'id'], of: (r) => [r.communityId, r.userId] },
      toEntity: membershipToEntity,
      fromEntity: membershipFromEntity,
    }),
    posts: tableSet(db, {
      name: 'posts',
      table: t.posts,
      columns: postColumns,
      key: ['id'],
      scanKey: byId,
      toEntity: postToEntity,
      fromEntity: postFromEntity,
      children: [
        { recordSet: 'comments', table: t.comments, column: 'post_id' },
        { recordSet: 'reactions', table: t.reactions, column: 'post_id' },
      ],
    }),
    comments: tableSet(db, {
      name: 'comments',
      table: t.comments,
      columns: commentColumns,
      key: ['id'],
      scanKey: byId,
      toEntity: commentToEntity,
      fromEntity: commentFromEntity,
    }),
    reactions: tableSet(db, {
      name: 'reactions',
      table: t.reactions,
      columns: reactionColumns,
      key: ['postId', 'userId', 'kind'],
      scanKey: {
        columns: ['post_id', 'user_id', 'kind'],
        parts: ['id', 'id', 'text'],
        of: (r) => [r.postId, r.userId, r.kind],
      },
      toEntity: reactionToEntity,
      fromEntity: reactionFromEntity,
    }),
    activity: activityRecordSet(db, partitions),
    activityCounts: dailyCountRecordSet(db),
  };
}

/**
 * Activity records are replaced by id wherever they lived: the old row is deleted from whichever partition holds it
 * (its occurredAt may differ), the new one inserted, and `activity_ids` updated — one transaction, counters untouched
 * (they travel as the `activityCounts` set).
 */
function activityRecordSet(db: PostgresClient, partitions: ActivityPartitions): RecordSet<ActivityEvent> {
  const t = db.tables;
  const scope = scanScope('postgres', 'activity');
  const columns = columnList(activityColumns);
  const select = selectList(activityColumns);
  return {
    async scan(page?: ScanRequest): Promise<Page<ActivityEvent>> {
      const { cursor, limit } = parseScanRequest(page);
      const params = new SqlParams();
      const where = cursor ? `WHERE id > ${params.add(readCursor(scope, cursor, ['id'])[0])}::uuid` : '';
      // Each partition's primary key starts with id: a merge of index scans, no sort.
      const { rows } = await db.query<ActivityEventEntity>(
        `SELECT ${select} FROM ${t.activityEvents} ${where} ORDER BY id LIMIT ${params.add(limit + 1)}`,
        params.values,
      );
      return toPage(rows.map(activityFromEntity), limit, scope, (event) => [event.id]);
    },
    async putMany(records: readonly ActivityEvent[]): Promise<void> {
      const parsed = lastOfEachKeyOf('activity', parseRecords('activity', records));
      if (parsed.length === 0) return;
      await partitions.ensureFor(parsed.map((event) => event.occurredAt));
      const rows = jsonRows(activityColumns, parsed.map(activityToEntity));
      const ids = parsed.map((event) => event.id);
      await db.transaction(async (tx) => {
        await tx.query(`DELETE FROM ${t.activityEvents} WHERE id = ANY($1::uuid[])`, [ids]);
        await tx.query(
          `INSERT INTO ${t.activityEvents} (${columns})
           SELECT ${columns} FROM jsonb_to_recordset($1::jsonb) AS r(${recordsetType(activityColumns)})`,
          [rows],
        );
        await tx.query(
          `INSERT INTO ${t.activityIds} (id, occurred_at)
           SELECT id, occurred_at FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, occurred_at timestamptz) ORDER BY id
           ON CONFLICT (id) DO UPDATE SET occurred_at = EXCLUDED.occurred_at`,
          [rows],
        );
      });
    },
    async deleteMany(keys: readonly string[]): Promise<void> {
      const ids = parseRecordKeys('activity', keys).map((key) => key.key);
      if (ids.length === 0) return;
      // Every partition's primary key starts with id; the id index row goes too, so the id could be appended again.
      await db.transaction(async (tx) => {
        await tx.query(`DELETE FROM ${t.activityEvents} WHERE id = ANY($1::uuid[])`, [ids]);
        await tx.query(`DELETE FROM ${t.activityIds} WHERE id = ANY($1::uuid[])`, [ids]);
      });
    },
    async count(): Promise<number> {
      const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${t.activityEvents}`);
      return toCount(rows[0]?.n);
    },
  };
}

function dailyCountRecordSet(db: PostgresClient): RecordSet<DailyCount> {
  const table = db.tables.activityDailyCounts;
  const scope = scanScope('postgres', 'activityCounts');
  const sql = tableSql(table, dailyCountColumns, ['day', 'verb']);
  return {
    async scan(page?: ScanRequest): Promise<Page<DailyCount>> {
      const { cursor, limit } = parseScanRequest(page);
      const params = new SqlParams();
      let where = '';
      if (cursor) {
        const [day, verb] = readCursor(scope, cursor, ['text', 'text']);
        where = `WHERE (day, verb) > (${params.add(day)}::date, ${params.add(verb)})`;
      }
      const { rows } = await db.query<ActivityDailyCountEntity>(
        `SELECT ${dailyCountSelect} FROM ${table} ${where} ORDER BY day, verb LIMIT ${params.add(limit + 1)}`,
        params.values,
      );
      return toPage(rows.map(dailyCountFromEntity), limit, scope, (count) => [count.day, count.verb]);
    },
    async putMany(records: readonly DailyCount[]): Promise<void> {
      const parsed = lastOfEachKeyOf('activityCounts', parseRecords('activityCounts', records));
      if (parsed.length === 0) return;
      await db.query(sql.upsertRows(), [jsonRows(dailyCountColumns, parsed.map(dailyCountToEntity))]);
    },
    async deleteMany(keys: readonly string[]): Promise<void> {
      await deleteRows(
        db,
        { name: 'activityCounts', table, columns: ['day', 'verb'], types: ['date', 'text'] },
        [],
        keys,
      );
    },
    async count(): Promise<number> {
      const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      return toCount(rows[0]?.n);
    },
  };
}
