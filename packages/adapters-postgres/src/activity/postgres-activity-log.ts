import {
  activityEventSchema,
  activityObjectSchema,
  dayOf,
  type ActivityEvent,
  type ActivityLog,
  type ActivityObject,
  type ActivityRange,
  type AppendResult,
  type Clock,
  type DailyCount,
  type DailyCountsQuery,
  type NewActivityEvent,
  type Page,
  type PageRequest,
} from '@cohort/core';
import {
  listScope,
  orderDailyCounts,
  pagedLists,
  parseActivityRange,
  parseDailyCountsQuery,
  parseId,
  parseInput,
  parsePageRequest,
  prepareAppend,
  toPage,
} from '@cohort/core/adapter';
import { SqlParams, readCursor } from '../shared/keyset.js';
import type { PostgresClient } from '../shared/postgres-client.js';
import { columnList, jsonRow, recordsetType, selectList, sqlTime, toCount } from '../shared/sql-values.js';
import type { ActivityDailyCountEntity } from './activity-daily-count.entity.js';
import type { ActivityEventEntity } from './activity-event.entity.js';
import {
  activityColumns,
  activityFromEntity,
  activityToEntity,
  dailyCountFromEntity,
  dailyCountSelect,
} from './activity.mapper.js';
import type { ActivityPartitions } from './activity-partitions.js';

const columns = columnList(activityColumns);

export class PostgresActivityLog implements ActivityLog {
  private readonly select = selectList(activityColumns);

  constructor(
    private readonly db: PostgresClient,
    private readonly partitions: ActivityPartitions,
    private readonly clock: Clock,
  ) {}

  /**
   * One statement: `activity_ids` decides which ids are new (ON CONFLICT DO NOTHING, so concurrent appends of the
   * same id store it once), only those rows go into the log, and their (day, verb) counters are upserted, all
   * in the statement's one transaction. Inputs are sorted by key so concurrent batches lock in the same order.
   */
  async append(events: readonly NewActivityEvent[]): Promise<AppendResult> {
    const prepared = prepareAppend(events, this.clock.now());
    if (prepared.length === 0) return { appended: 0, duplicates: events.length };
    await this.partitions.ensureFor(prepared.map((event) => event.occurredAt));
    const rows = prepared.map((event) => ({
      ...jsonRow(activityColumns, activityToEntity(event)),
      day: dayOf(event.occurredAt),
    }));
    const { activityEvents, activityIds, activityDailyCounts } = this.db.tables;
    const { rows: result } = await this.db.query<{ appended: string }>(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${recordsetType(activityColumns)}, day date)),
       fresh AS (
         INSERT INTO ${activityIds} (id, occurred_at)
         SELECT id, occurred_at FROM input ORDER BY id
         ON CONFLICT (id) DO NOTHING
         RETURNING id),
       stored AS (
         INSERT INTO ${activityEvents} (${columns})
         SELECT ${columnList(activityColumns, 'input')} FROM input JOIN fresh USING (id)),
       counted AS (
         INSERT INTO ${activityDailyCounts} (day, verb, count)
         SELECT day, verb, count(*) FROM input JOIN fresh USING (id) GROUP BY day, verb ORDER BY day, verb
         ON CONFLICT (day, verb) DO UPDATE SET count = ${activityDailyCounts}.count + EXCLUDED.count)
       SELECT count(*) AS appended FROM fresh`,
      [JSON.stringify(rows)],
    );
    const appended = toCount(result[0]?.appended);
    return { appended, duplicates: events.length - appended };
  }

  async listByActor(actorId: string, range?: ActivityRange, page?: PageRequest): Promise<Page<ActivityEvent>> {
    const actor = parseId(actorId, 'actorId');
    const { from, to } = parseActivityRange(range);
    const params = new SqlParams();
    return this.list(
      [`actor_id = ${params.add(actor)}`],
      params,
      listScope('activity.listByActor', actor, from?.getTime(), to?.getTime()),
      from,
      to,
      page,
    );
  }

  async listByObject(object: ActivityObject, range?: ActivityRange, page?: PageRequest): Promise<Page<ActivityEvent>> {
    const parsed = parseInput(activityObjectSchema, object, 'activity object');
    const { from, to } = parseActivityRange(range);
    const params = new SqlParams();
    return this.list(
      [`object_type = ${params.add(parsed.type)}`, `object_id = ${params.add(parsed.id)}`],
      params,
      listScope('activity.listByObject', parsed.type, parsed.id, from?.getTime(), to?.getTime()),
      from,
      to,
      page,
    );
  }

  async dailyCounts(query: DailyCountsQuery): Promise<DailyCount[]> {
    const { from, to, verb } = parseDailyCountsQuery(query);
    const params = new SqlParams();
    const where = [`day >= ${params.add(from)}::date`, `day <= ${params.add(to)}::date`];
    if (verb !== undefined) where.push(`verb = ${params.add(verb)}`);
    const { rows } = await this.db.query<ActivityDailyCountEntity>(
      `SELECT ${dailyCountSelect} FROM ${this.db.tables.activityDailyCounts} WHERE ${where.join(' AND ')}`,
      params.values,
    );
    // Sorted by core, not by SQL, so the verb order never depends on the server's collation.
    return orderDailyCounts(rows.map(dailyCountFromEntity));
  }

  async purgeBefore(before: Date): Promise<number> {
    const cut = parseInput(activityEventSchema.shape.occurredAt, before, 'before');
    const { deleted, dropped } = await this.partitions.purgeBefore(cut);
    this.partitions.forget(dropped);
    return deleted;
  }

  /** Newest first, ties by id descending; partition pruning applies to the range, the index to the rest. */
  private async list(
    where: string[],
    params: SqlParams,
    scope: string,
    from: Date | undefined,
    to: Date | undefined,
    page: PageRequest | undefined,
  ): Promise<Page<ActivityEvent>> {
    const { cursor, limit } = parsePageRequest(page);
    if (from) where.push(`occurred_at >= ${params.add(sqlTime(from))}::timestamptz`);
    if (to) where.push(`occurred_at < ${params.add(sqlTime(to))}::timestamptz`);
    if (cursor) {
      const [occurredAt, id] = readCursor(scope, cursor, pagedLists['activity.listByActor']);
      where.push(`(occurred_at, id) < (${params.add(sqlTime(occurredAt))}::timestamptz, ${params.add(id)}::uuid)`);
    }
    const { rows } = await this.db.query<ActivityEventEntity>(
      `SELECT ${this.select} FROM ${this.db.tables.activityEvents}
        WHERE ${where.join(' AND ')}
        ORDER BY occurred_at DESC, id DESC
        LIMIT ${params.add(limit + 1)}`,
      params.values,
    );
    return toPage(rows.map(activityFromEntity), limit, scope, (event) => [event.occurredAt.getTime(), event.id]);
  }
}
