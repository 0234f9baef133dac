import type { ActivityObject, ActivityVerb } from '@cohort/core';
import type { Key } from '../shared/dynamo-ops.js';
import { joinKey, timeKey } from '../shared/key-format.js';
import { TABLE } from '../table-definition.js';

const byActor = (actorId: string): string => `ACTOR#${actorId}`;
// The type has no `#`, so the object id (free text) may hold anything after it.
const byObject = (object: ActivityObject): string => `OBJECT#${object.type}#${object.id}`;
const day = (value: string): string => `ACTDAY#${value}`;

/**
 * Every key of the activity context. An event is one item (its id is the key, which makes append idempotent) listed
 * by actor (gsi1) and by object (gsi2), newest first, and in its UTC day's partition of the scan index
 * (`ACTDAY#<day>`), which serves migration scans and lets purgeBefore delete a day at a time without a Scan. Days
 * that hold events are registered in `ACTIVITY_DAYS`. Daily counters live in `ACTIVITY_COUNTS`, by verb then day.
 */
export const activityKeys = {
  event: (id: string): Key => ({ pk: `ACTIVITY#${id}`, sk: 'ACTIVITY' }),
  order: (occurredAt: number, id: string): string => joinKey(timeKey(occurredAt), id),
  /** Index attributes of an event: by actor, by object, and in its day. */
  eventIndexes: (event: { id: string; actorId: string; object: ActivityObject; occurredAt: number; day: string }) => {
    const order = activityKeys.order(event.occurredAt, event.id);
    return {
      [TABLE.gsi1.partitionKey]: byActor(event.actorId),
      [TABLE.gsi1.sortKey]: order,
      [TABLE.gsi2.partitionKey]: byObject(event.object),
      [TABLE.gsi2.sortKey]: order,
      [TABLE.scan.partitionKey]: day(event.day),
      [TABLE.scan.sortKey]: order,
    };
  },
  /** Bounds on the order key for a range: `from` inclusive, `to` exclusive (an order key at `to` sorts after it). */
  rangeBound: (at: number): string => timeKey(at),
  actorPartition: byActor,
  objectPartition: byObject,
  actorStart: (actorId: string, occurredAt: number, id: string): Key => ({
    ...activityKeys.event(id),
    [TABLE.gsi1.partitionKey]: byActor(actorId),
    [TABLE.gsi1.sortKey]: activityKeys.order(occurredAt, id),
  }),
  objectStart: (object: ActivityObject, occurredAt: number, id: string): Key => ({
    ...activityKeys.event(id),
    [TABLE.gsi2.partitionKey]: byObject(object),
    [TABLE.gsi2.sortKey]: activityKeys.order(occurredAt, id),
  }),
  dayPartition: day,
  dayStart: (dayValue: string, occurredAt: number, id: string): Key => ({
    ...activityKeys.event(id),
    [TABLE.scan.partitionKey]: day(dayValue),
    [TABLE.scan.sortKey]: activityKeys.order(occurredAt, id),
  }),
  /** The registry of days that (may) hold events. */
  daysPartition: 'ACTIVITY_DAYS',
  dayEntry: (dayValue: string): Key => ({ pk: activityKeys.daysPartition, sk: dayValue }),
  /**
   * The daily counters: one partition, sorted by verb then day, so one verb's days are a key range and the whole set
   * (count, migration scan) is one Query. Appends touch it once per (day, verb) of a ~95-event transaction.
   */
  countersPartition: 'ACTIVITY_COUNTS',
  counter: (verb: ActivityVerb, dayValue: string): Key => ({
    pk: activityKeys.countersPartition,
    sk: joinKey(verb, dayValue),
  }),
} as const;
