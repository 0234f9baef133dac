import { z } from 'zod';
import { newId } from '../shared/ids.js';
import { dayOf } from '../shared/text.js';
import { parseInput } from '../shared/validation.js';
import {
  activityRangeSchema,
  dailyCountsQuerySchema,
  MAX_APPEND_BATCH,
  newActivityEventSchema,
  type ActivityEvent,
  type ActivityRange,
  type ActivityVerb,
  type DailyCount,
  type DailyCountsQuery,
  type NewActivityEvent,
} from './activity-event.schema.js';

const batchSchema = z.array(newActivityEventSchema).max(MAX_APPEND_BATCH);

/**
 * Validates a whole batch before anything is written (one bad event rejects the batch), fills in ids and times,
 * and keeps the first of any events that share an id, so a store only has to skip ids it already holds.
 */
export function prepareAppend(events: readonly NewActivityEvent[], now: Date): ActivityEvent[] {
  const parsed = parseInput(batchSchema, events, 'activity batch');
  const byId = new Map<string, ActivityEvent>();
  for (const event of parsed) {
    const id = event.id ?? newId(now.getTime());
    if (!byId.has(id)) byId.set(id, { ...event, id, occurredAt: event.occurredAt ?? now });
  }
  return [...byId.values()];
}

/** The counter increments a set of newly stored events causes, one per (day, verb). */
export function dailyIncrements(events: readonly ActivityEvent[]): DailyCount[] {
  const counts = new Map<string, DailyCount>();
  for (const event of events) {
    const day = dayOf(event.occurredAt);
    const key = `${day}|${event.verb}`;
    const current = counts.get(key);
    counts.set(key, { day, verb: event.verb, count: (current?.count ?? 0) + 1 });
  }
  return [...counts.values()];
}

export type ParsedActivityRange = { from?: Date | undefined; to?: Date | undefined };

export function parseActivityRange(range: ActivityRange | undefined): ParsedActivityRange {
  return parseInput(activityRangeSchema, range ?? {}, 'activity range');
}

export function parseDailyCountsQuery(query: DailyCountsQuery): {
  from: string;
  to: string;
  verb?: ActivityVerb | undefined;
} {
  return parseInput(dailyCountsQuerySchema, query, 'daily counts query');
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Sorts counters the way `dailyCounts` returns them (day, then verb) and drops zeros. Days are ISO dates and verbs
 * lowercase ASCII, so code-unit order is the same as a collation's, at a fraction of localeCompare's cost (a 30-day
 * read sorts hundreds of counters).
 */
export function orderDailyCounts(counts: readonly DailyCount[]): DailyCount[] {
  return counts
    .filter((entry) => entry.count > 0)
    .sort((a, b) => (a.day === b.day ? byCodeUnit(a.verb, b.verb) : byCodeUnit(a.day, b.day)));
}
