import { activityEventSchema, dailyCountSchema, dayOf, type ActivityEvent, type DailyCount } from '@cohort/core';
import type { Item } from '../shared/dynamo-ops.js';
import { ITEM_VERSION, millis, parseStored, stripTableAttributes, withDates } from '../shared/item-format.js';
import { TABLE } from '../table-definition.js';
import { activityKeys } from './activity.keys.js';

export const ACTIVITY_TYPE = 'activity';
export const ACTIVITY_DAY_TYPE = 'activityDay';
export const ACTIVITY_COUNT_TYPE = 'activityCount';

const DAY_SECONDS = 86_400;

/**
 * An event item. Metadata is stored as its JSON text: a flat map the store never queries, kept byte-exact (DynamoDB
 * numbers would reject values a JS number can hold). The TTL attribute is occurredAt plus the retention, in epoch
 * seconds.
 */
export function toActivityItem(event: ActivityEvent, retentionDays: number): Item {
  const occurredAt = millis(event.occurredAt);
  return {
    ...activityKeys.event(event.id),
    ...activityKeys.eventIndexes({ ...event, occurredAt, day: dayOf(event.occurredAt) }),
    _type: ACTIVITY_TYPE,
    _v: ITEM_VERSION,
    id: event.id,
    actorId: event.actorId,
    verb: event.verb,
    object: { type: event.object.type, id: event.object.id },
    occurredAt,
    metadata: JSON.stringify(event.metadata),
    [TABLE.ttlAttribute]: Math.floor(occurredAt / 1000) + retentionDays * DAY_SECONDS,
  };
}

export function toActivity(item: Item): ActivityEvent {
  const domain = withDates(stripTableAttributes(item), ['occurredAt']);
  const metadata: unknown = typeof domain.metadata === 'string' ? JSON.parse(domain.metadata) : domain.metadata;
  return parseStored(activityEventSchema, { ...domain, metadata }, 'activity event');
}

/** Registers a day as holding events; `stamp` changes on every registration, so a purge can tell it was touched. */
export function dayEntryItem(day: string): Item {
  return {
    ...activityKeys.dayEntry(day),
    _type: ACTIVITY_DAY_TYPE,
    _v: ITEM_VERSION,
    day,
    stamp: globalThis.crypto.randomUUID(),
  };
}

export function toCounterItem(count: DailyCount): Item {
  return {
    ...activityKeys.counter(count.verb, count.day),
    _type: ACTIVITY_COUNT_TYPE,
    _v: ITEM_VERSION,
    day: count.day,
    verb: count.verb,
    count: count.count,
  };
}

export function toDailyCount(item: Item): DailyCount {
  return parseStored(dailyCountSchema, stripTableAttributes(item), 'daily count');
}
