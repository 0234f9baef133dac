import type { TransactWriteItem } from '@aws-sdk/lib-dynamodb';
import {
  CohortError,
  activityEventSchema,
  activityObjectSchema,
  activityVerbs,
  dayOf,
  type ActivityEvent,
  type ActivityLog,
  type ActivityObject,
  type ActivityRange,
  type AppendResult,
  type DailyCount,
  type DailyCountsQuery,
  type NewActivityEvent,
  type Page,
  type PageRequest,
} from '@cohort/core';
import { type ParsedActivityRange } from '@cohort/core/adapter';
import {
  dailyIncrements,
  listScope,
  orderDailyCounts,
  pagedLists,
  parseActivityRange,
  parseDailyCountsQuery,
  parseId,
  parseInput,
  prepareAppend,
} from '@cohort/core/adapter';
import type { DynamoContext } from '../shared/dynamo-context.js';
import {
  batchGet,
  batchWrite,
  deleteItem,
  queryAll,
  queryOnce,
  transactWrite,
  type Item,
  type Key,
} from '../shared/dynamo-ops.js';
import { ITEM_VERSION, cursorNumber, cursorString } from '../shared/item-format.js';
import { keysetPage } from '../shared/paging.js';
import { scanIndexQuery } from '../shared/scan-index.js';
import { TABLE } from '../table-definition.js';
import { ACTIVITY_COUNT_TYPE, dayEntryItem, toActivity, toActivityItem, toDailyCount } from './activity.items.js';
import { activityKeys } from './activity.keys.js';

/** DynamoDB's limit on the items of one transaction. */
const TRANSACTION_ITEMS = 100;

/** Purging needs only keys: the scan index projects whole items, which it would otherwise read. */
const KEYS_ONLY = `${TABLE.partitionKey}, ${TABLE.sortKey}`;

/**
 * Splits new events into transactions that each hold their events plus one counter update per (day, verb) among
 * them, within the 100-item limit.
 */
function chunkForTransactions(events: readonly ActivityEvent[]): ActivityEvent[][] {
  const chunks: ActivityEvent[][] = [];
  let chunk: ActivityEvent[] = [];
  let counters = new Set<string>();
  for (const event of events) {
    const counter = `${dayOf(event.occurredAt)}|${event.verb}`;
    const extra = counters.has(counter) ? 1 : 2;
    if (chunk.length + counters.size + extra > TRANSACTION_ITEMS) {
      chunks.push(chunk);
      chunk = [];
      counters = new Set();
    }
    chunk.push(event);
    counters.add(counter);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** The key condition on an order key (epoch ms + id) for a range: `from` inclusive, `to` exclusive. */
function rangeCondition(range: ParsedActivityRange): { condition: string; values: Record<string, string> } {
  const from = range.from ? activityKeys.rangeBound(range.from.getTime()) : undefined;
  const to = range.to ? activityKeys.rangeBound(range.to.getTime()) : undefined;
  if (from !== undefined && to !== undefined) {
    return { condition: ' AND #s BETWEEN :from AND :to', values: { ':from': from, ':to': to } };
  }
  if (from !== undefined) return { condition: ' AND #s >= :from', values: { ':from': from } };
  if (to !== undefined) return { condition: ' AND #s < :to', values: { ':to': to } };
  return { condition: '', values: {} };
}

/**
 * The activity log. Append is idempotent by id and counts each new event in the same transaction that stores it:
 * each transaction holds a chunk of events, each put on condition that its id is new, plus one ADD per (day, verb)
 * of the chunk. A stored id cancels the transaction; the ids DynamoDB names are dropped as duplicates and the rest
 * retried, so an event is counted exactly when its put succeeded. A crash between chunks leaves whole chunks stored
 * and counted; re-appending the batch skips them, so counters are never doubled or lost.
 */
export class DynamoActivityLog implements ActivityLog {
  constructor(private readonly context: DynamoContext) {}

  async append(events: readonly NewActivityEvent[]): Promise<AppendResult> {
    const prepared = prepareAppend(events, this.context.clock.now());
    if (prepared.length === 0) return { appended: 0, duplicates: events.length };
    await registerDays(this.context, prepared);
    const stored = await batchGet(
      this.context,
      prepared.map((event) => activityKeys.event(event.id)),
      'activity.append',
    );
    const storedIds = new Set(stored.map((item) => String(item.id)));
    const fresh = prepared.filter((event) => !storedIds.has(event.id));
    let appended = 0;
    for (const chunk of chunkForTransactions(fresh)) appended += await this.appendChunk(chunk);
    return { appended, duplicates: events.length - appended };
  }

  async listByActor(actorId: string, range?: ActivityRange, page?: PageRequest): Promise<Page<ActivityEvent>> {
    const actor = parseId(actorId, 'actorId');
    const parsed = parseActivityRange(range);
    const { condition, values } = rangeCondition(parsed);
    return keysetPage(this.context, {
      scope: listScope('activity.listByActor', actor, parsed.from?.getTime(), parsed.to?.getTime()),
      parts: pagedLists['activity.listByActor'],
      page,
      query: {
        IndexName: TABLE.gsi1.name,
        KeyConditionExpression: `#p = :p${condition}`,
        ExpressionAttributeNames: { '#p': TABLE.gsi1.partitionKey, ...(condition ? { '#s': TABLE.gsi1.sortKey } : {}) },
        ExpressionAttributeValues: { ':p': activityKeys.actorPartition(actor), ...values },
        ScanIndexForward: false,
      },
      startKey: (cursor) => activityKeys.actorStart(actor, cursorNumber(cursor, 0), cursorString(cursor, 1)),
      toDomain: toActivity,
      keyOf: (event) => [event.occurredAt.getTime(), event.id],
      what: 'activity.listByActor',
    });
  }

  async listByObject(object: ActivityObject, range?: ActivityRange, page?: PageRequest): Promise<Page<ActivityEvent>> {
    const target = parseInput(activityObjectSchema, object, 'activity object');
    const parsed = parseActivityRange(range);
    const { condition, values } = rangeCondition(parsed);
    return keysetPage(this.context, {
      scope: listScope('activity.listByObject', target.type, target.id, parsed.from?.getTime(), parsed.to?.getTime()),
      parts: pagedLists['activity.listByObject'],
      page,
      query: {
        IndexName: TABLE.gsi2.name,
        KeyConditionExpression: `#p = :p${condition}`,
        ExpressionAttributeNames: { '#p': TABLE.gsi2.partitionKey, ...(condition ? { '#s': TABLE.gsi2.sortKey } : {}) },
        ExpressionAttributeValues: { ':p': activityKeys.objectPartition(target), ...values },
        ScanIndexForward: false,
      },
      startKey: (cursor) => activityKeys.objectStart(target, cursorNumber(cursor, 0), cursorString(cursor, 1)),
      toDomain: toActivity,
      keyOf: (event) => [event.occurredAt.getTime(), event.id],
      what: 'activity.listByObject',
    });
  }

  async dailyCounts(query: DailyCountsQuery): Promise<DailyCount[]> {
    const { from, to, verb } = parseDailyCountsQuery(query);
    const verbs = verb ? [verb] : [...activityVerbs];
    const perVerb = await Promise.all(
      verbs.map((each) =>
        queryAll(
          this.context,
          {
            KeyConditionExpression: 'pk = :p AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: {
              ':p': activityKeys.countersPartition,
              ':from': activityKeys.counter(each, from).sk,
              ':to': activityKeys.counter(each, to).sk,
            },
            ConsistentRead: true,
          },
          'activity.dailyCounts',
        ),
      ),
    );
    return orderDailyCounts(perVerb.flat().map(toDailyCount));
  }

  /**
   * Walks the registered days up to `before`'s day and deletes, a day partition at a time, the events before it (a
   * Query of the day's scan-index partition, then batched deletes). Days wholly before `before` are unregistered
   * unless an append registered them again meanwhile. Counters are left as they are.
   */
  async purgeBefore(before: Date): Promise<number> {
    // Parsed by core into a fresh Date inside the instant range: its day key is four-digit, and the caller's own
    // Date (whose methods may throw or lie) is not read again.
    const cut = parseInput(activityEventSchema.shape.occurredAt, before, 'before');
    const cutoff = cut.getTime();
    const lastDay = dayOf(cut);
    const days = await queryAll(
      this.context,
      {
        KeyConditionExpression: 'pk = :p AND sk <= :last',
        ExpressionAttributeValues: { ':p': activityKeys.daysPartition, ':last': lastDay },
        ConsistentRead: true,
      },
      'activity.purgeBefore',
    );
    let deleted = 0;
    for (const entry of days) {
      const day = String(entry.sk);
      deleted += await this.purgeDay(day, cutoff);
      if (day < lastDay) {
        const left = await queryOnce(
          this.context,
          { ...scanIndexQuery(activityKeys.dayPartition(day)), ProjectionExpression: KEYS_ONLY },
          1,
          'activity.purgeBefore',
        );
        if (left.items.length === 0) {
          await deleteItem(
            this.context,
            {
              Key: activityKeys.dayEntry(day),
              ConditionExpression: 'stamp = :stamp',
              ExpressionAttributeValues: { ':stamp': entry.stamp },
            },
            'activity.purgeBefore',
          );
        }
      }
    }
    return deleted;
  }

  private async purgeDay(day: string, cutoff: number): Promise<number> {
    let deleted = 0;
    let start: Key | undefined;
    do {
      const { items, next } = await queryOnce(
        this.context,
        {
          ...scanIndexQuery(activityKeys.dayPartition(day), activityKeys.rangeBound(cutoff)),
          ProjectionExpression: KEYS_ONLY,
          ExclusiveStartKey: start,
        },
        500,
        'activity.purgeBefore',
      );
      await batchWrite(
        this.context,
        items.map((item) => ({ delete: { pk: String(item.pk), sk: String(item.sk) } })),
        'activity.purgeBefore',
      );
      deleted += items.length;
      start = next;
    } while (start !== undefined);
    return deleted;
  }

  /** Stores a chunk of events with their counter increments; returns how many were new. */
  private async appendChunk(chunk: readonly ActivityEvent[]): Promise<number> {
    let pending = [...chunk];
    while (pending.length > 0) {
      const writes: TransactWriteItem[] = [
        ...pending.map((event) => ({
          Put: {
            TableName: this.context.tableName,
            Item: toActivityItem(event, this.context.activityRetentionDays),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        })),
        ...dailyIncrements(pending).map((increment) => counterIncrement(this.context.tableName, increment)),
      ];
      const result = await transactWrite(this.context, writes, 'activity.append');
      if (result.ok) return pending.length;
      const duplicates = new Set(
        pending.map((event, index) => (result.reasons[index] === 'ConditionalCheckFailed' ? event.id : null)),
      );
      duplicates.delete(null);
      if (duplicates.size === 0) throw CohortError.unavailable('DynamoDB cancelled activity.append without a reason');
      pending = pending.filter((event) => !duplicates.has(event.id));
    }
    return 0;
  }
}

/** Adds `increment.count` to a daily counter, creating it at that count. */
function counterIncrement(tableName: string, increment: DailyCount): TransactWriteItem {
  return {
    Update: {
      TableName: tableName,
      Key: activityKeys.counter(increment.verb, increment.day),
      UpdateExpression: 'SET #type = :type, #v = :v, #day = :day, verb = :verb ADD #count :count',
      ExpressionAttributeNames: { '#type': '_type', '#v': '_v', '#day': 'day', '#count': 'count' },
      ExpressionAttributeValues: {
        ':type': ACTIVITY_COUNT_TYPE,
        ':v': ITEM_VERSION,
        ':day': increment.day,
        ':verb': increment.verb,
        ':count': increment.count,
      },
    },
  };
}

/** Registers the days of `events` before they are written, so a purge or scan always finds their partitions. */
export async function registerDays(context: DynamoContext, events: readonly ActivityEvent[]): Promise<void> {
  const days = [...new Set(events.map((event) => dayOf(event.occurredAt)))];
  await batchWrite(
    context,
    days.map((day) => ({ put: dayEntryItem(day) })),
    'activity.registerDays',
  );
}

/** The registered days, ascending, from `fromDay` on. */
export async function registeredDays(
  context: DynamoContext,
  fromDay: string | undefined,
  what: string,
): Promise<string[]> {
  const items: Item[] = await queryAll(
    context,
    {
      KeyConditionExpression: fromDay === undefined ? 'pk = :p' : 'pk = :p AND sk >= :from',
      ExpressionAttributeValues: {
        ':p': activityKeys.daysPartition,
        ...(fromDay === undefined ? {} : { ':from': fromDay }),
      },
      ConsistentRead: true,
    },
    what,
  );
  return items.map((item) => String(item.sk));
}
