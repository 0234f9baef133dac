import {
  activityEventSchema,
  activityObjectSchema,
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
import { type ParsedActivityRange } from '@cohort/core/adapter';
import {
  dailyIncrements,
  orderDailyCounts,
  parseActivityRange,
  parseDailyCountsQuery,
  parseId,
  parseInput,
  parsePageRequest,
  prepareAppend,
  type ListFilterValue,
} from '@cohort/core/adapter';
import { newestFirst, pageOf } from './memory-pages.js';
import { copyOf, dailyCountKey, roundTrip, type MemoryTables } from './memory-tables.js';

const newestEventFirst = newestFirst<ActivityEvent>(
  (event) => event.occurredAt,
  (event) => event.id,
);

/** `from` inclusive, `to` exclusive, either open. */
function within({ from, to }: ParsedActivityRange, at: Date): boolean {
  return (from === undefined || at.getTime() >= from.getTime()) && (to === undefined || at.getTime() < to.getTime());
}

const rangeOf = ({ from, to }: ParsedActivityRange): ListFilterValue[] => [from?.getTime(), to?.getTime()];

export class MemoryActivityLog implements ActivityLog {
  constructor(
    private readonly tables: MemoryTables,
    private readonly clock: Clock,
  ) {}

  async append(events: readonly NewActivityEvent[]): Promise<AppendResult> {
    await roundTrip();
    // prepareAppend validates the whole batch and keeps the first of events sharing an id.
    const prepared = prepareAppend(events, this.clock.now());
    const fresh = prepared.filter((event) => !this.tables.activity.has(event.id));
    for (const event of fresh) this.tables.activity.set(event.id, event);
    for (const increment of dailyIncrements(fresh)) {
      const key = dailyCountKey(increment.day, increment.verb);
      const count = (this.tables.activityCounts.get(key)?.count ?? 0) + increment.count;
      this.tables.activityCounts.set(key, { ...increment, count });
    }
    return { appended: fresh.length, duplicates: events.length - fresh.length };
  }

  async listByActor(actorId: string, range?: ActivityRange, page?: PageRequest): Promise<Page<ActivityEvent>> {
    await roundTrip();
    const actor = parseId(actorId, 'actorId');
    const window = parseActivityRange(range);
    const request = parsePageRequest(page);
    const rows = [...this.tables.activity.values()].filter(
      (event) => event.actorId === actor && within(window, event.occurredAt),
    );
    return pageOf(rows, newestEventFirst, 'activity.listByActor', [actor, ...rangeOf(window)], request);
  }

  async listByObject(object: ActivityObject, range?: ActivityRange, page?: PageRequest): Promise<Page<ActivityEvent>> {
    await roundTrip();
    const { type, id } = parseInput(activityObjectSchema, object, 'activity object');
    const window = parseActivityRange(range);
    const request = parsePageRequest(page);
    const rows = [...this.tables.activity.values()].filter(
      (event) => event.object.type === type && event.object.id === id && within(window, event.occurredAt),
    );
    // The object id is free text and may hold ':', so it goes last, after the fixed-shape parts.
    return pageOf(rows, newestEventFirst, 'activity.listByObject', [type, id, ...rangeOf(window)], request);
  }

  async dailyCounts(query: DailyCountsQuery): Promise<DailyCount[]> {
    await roundTrip();
    const { from, to, verb } = parseDailyCountsQuery(query);
    const counts = [...this.tables.activityCounts.values()].filter(
      (counter) => counter.day >= from && counter.day <= to && (verb === undefined || counter.verb === verb),
    );
    return orderDailyCounts(counts).map(copyOf);
  }

  async purgeBefore(before: Date): Promise<number> {
    await roundTrip();
    const cutoff = parseInput(activityEventSchema.shape.occurredAt, before, 'before');
    const expired = [...this.tables.activity.values()].filter((event) => event.occurredAt.getTime() < cutoff.getTime());
    for (const event of expired) this.tables.activity.delete(event.id);
    return expired.length;
  }
}
