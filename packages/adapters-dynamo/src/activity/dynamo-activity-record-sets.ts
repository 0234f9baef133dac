import {
  activityVerbs,
  dayOf,
  recordKeys,
  type ActivityEvent,
  type DailyCount,
  type Page,
  type RecordSet,
  type ScanRequest,
} from '@cohort/core';
import { lastOfEachKey, parseRecordKeys, parseRecords, scanScope, toPage } from '@cohort/core/adapter';
import { forEachLimit } from '../shared/concurrency.js';
import type { DynamoContext } from '../shared/dynamo-context.js';
import { batchWrite, countQuery, type Key } from '../shared/dynamo-ops.js';
import { cursorNumber, cursorOneOf, cursorString } from '../shared/item-format.js';
import { parseScanPage, readPartitions, type PartitionStart } from '../shared/paging.js';
import { countScanPartition, scanIndexQuery } from '../shared/scan-index.js';
import { toActivity, toActivityItem, toCounterItem, toDailyCount } from './activity.items.js';
import { activityKeys } from './activity.keys.js';
import { registerDays, registeredDays } from './dynamo-activity-log.js';

/** Day partitions counted at once. */
const COUNTS_IN_FLIGHT = 4;

/**
 * Activity events in (occurredAt, id) order: the registered days in turn, each day's scan-index partition in order.
 * A page that resumes inside a day reads on in that day first and reads the day registry only when the day runs out
 * before the page is full. putMany stores events exactly as given and leaves the counters alone (they travel as
 * `activityCounts`).
 */
export class DynamoActivityRecordSet implements RecordSet<ActivityEvent> {
  constructor(private readonly context: DynamoContext) {}

  async scan(page?: ScanRequest): Promise<Page<ActivityEvent>> {
    const scope = scanScope('dynamo', 'activity');
    const { limit, cursor } = parseScanPage(page, scope, ['time', 'id']);
    const keyOf = (event: ActivityEvent) => [event.occurredAt.getTime(), event.id];
    const read = (partitions: readonly PartitionStart[], want: number) =>
      readPartitions(this.context, partitions, want, { toDomain: toActivity, what: 'activity.scan' });
    const rows: ActivityEvent[] = [];
    let firstDay: string | undefined;
    if (cursor) {
      const after = { occurredAt: cursorNumber(cursor, 0), id: cursorString(cursor, 1) };
      firstDay = dayOf(new Date(after.occurredAt));
      const start = activityKeys.dayStart(firstDay, after.occurredAt, after.id);
      rows.push(...(await read([{ query: scanIndexQuery(activityKeys.dayPartition(firstDay)), start }], limit + 1)));
      if (rows.length > limit) return toPage(rows, limit, scope, keyOf);
    }
    const days = (await registeredDays(this.context, firstDay, 'activity.scan')).filter((day) => day !== firstDay);
    const partitions = days.map((day) => ({ query: scanIndexQuery(activityKeys.dayPartition(day)) }));
    rows.push(...(await read(partitions, limit + 1 - rows.length)));
    return toPage(rows, limit, scope, keyOf);
  }

  async putMany(records: readonly ActivityEvent[]): Promise<void> {
    const events = lastOfEachKey(parseRecords('activity', records), recordKeys.activity);
    await registerDays(this.context, events);
    await batchWrite(
      this.context,
      events.map((event) => ({ put: toActivityItem(event, this.context.activityRetentionDays) })),
      'activity.putMany',
    );
  }

  /** Deletes the event items (each is one item by id); counters and the day registry stay. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    const ids = parseRecordKeys('activity', keys).map((key) => key.key);
    await batchWrite(
      this.context,
      ids.map((id) => ({ delete: activityKeys.event(id) })),
      'activity.deleteMany',
    );
  }

  async count(): Promise<number> {
    const days = await registeredDays(this.context, undefined, 'activity.count');
    // A few days at a time: counting reads every item, and a query per day all at once (90 days at the reference
    // scale) queued ahead of every other request on DynamoDB Local, whose storage serves one request at a time.
    let total = 0;
    await forEachLimit(days, COUNTS_IN_FLIGHT, async (day) => {
      // Awaited before adding: `total += await …` would read total before the await and lose the other days' counts.
      const count = await countScanPartition(this.context, activityKeys.dayPartition(day), 'activity.count');
      total += count;
    });
    return total;
  }
}

/** The counters partition, read in (verb, day) order, strongly consistent. */
function countersQuery(): PartitionStart['query'] {
  return {
    KeyConditionExpression: 'pk = :p',
    ExpressionAttributeValues: { ':p': activityKeys.countersPartition },
    ConsistentRead: true,
  };
}

/** The daily counters in (verb, day) order, copied exactly as they are. */
export class DynamoActivityCountRecordSet implements RecordSet<DailyCount> {
  constructor(private readonly context: DynamoContext) {}

  async scan(page?: ScanRequest): Promise<Page<DailyCount>> {
    const scope = scanScope('dynamo', 'activityCounts');
    const { limit, cursor } = parseScanPage(page, scope, ['text', 'text']);
    let start: Key | undefined;
    if (cursor) {
      start = activityKeys.counter(cursorOneOf(cursor, 0, activityVerbs), cursorString(cursor, 1));
    }
    const rows = await readPartitions(
      this.context,
      [{ query: countersQuery(), ...(start ? { start } : {}) }],
      limit + 1,
      { toDomain: toDailyCount, what: 'activityCounts.scan' },
    );
    return toPage(rows, limit, scope, (count) => [count.verb, count.day]);
  }

  async putMany(records: readonly DailyCount[]): Promise<void> {
    const counts = lastOfEachKey(parseRecords('activityCounts', records), recordKeys.activityCounts);
    await batchWrite(
      this.context,
      counts.map((count) => ({ put: toCounterItem(count) })),
      'activityCounts.putMany',
    );
  }

  /** Deletes counter items by (day, verb). */
  async deleteMany(keys: readonly string[]): Promise<void> {
    const parsed = parseRecordKeys('activityCounts', keys);
    await batchWrite(
      this.context,
      parsed.map(({ parts: [day = '', verb] }) => ({
        delete: activityKeys.counter(verb as DailyCount['verb'], day),
      })),
      'activityCounts.deleteMany',
    );
  }

  async count(): Promise<number> {
    return countQuery(this.context, countersQuery(), 'activityCounts.count');
  }
}
