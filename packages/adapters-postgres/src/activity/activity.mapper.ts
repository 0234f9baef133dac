import {
  MAX_METADATA_BYTES,
  activityObjectTypes,
  activityVerbs,
  textLimits,
  type ActivityEvent,
  type DailyCount,
} from '@cohort/core';
import type { Columns } from '../shared/sql-values.js';
import { StoredRow } from '../shared/stored-row.js';
import type { ActivityDailyCountEntity } from './activity-daily-count.entity.js';
import type { ActivityEventEntity } from './activity-event.entity.js';

export const activityColumns: Columns<ActivityEventEntity> = {
  id: { column: 'id', type: 'uuid' },
  occurredAt: { column: 'occurred_at', type: 'timestamptz' },
  actorId: { column: 'actor_id', type: 'uuid' },
  verb: { column: 'verb', type: 'text' },
  objectType: { column: 'object_type', type: 'text' },
  objectId: { column: 'object_id', type: 'text' },
  metadata: { column: 'metadata', type: 'jsonb' },
};

export function activityToEntity(event: ActivityEvent): ActivityEventEntity {
  const { object, ...rest } = event;
  return { ...rest, objectType: object.type, objectId: object.id };
}

const event: StoredRow = new StoredRow('activity event');
const verbs = new Set(activityVerbs);
const objectTypes = new Set(activityObjectTypes);

export function activityFromEntity(row: ActivityEventEntity): ActivityEvent {
  return {
    id: event.id(row.id, 'id'),
    actorId: event.id(row.actorId, 'actorId'),
    verb: event.oneOf(row.verb, 'verb', verbs),
    object: {
      type: event.oneOf(row.objectType, 'object.type', objectTypes),
      id: event.text(row.objectId, 'object.id', ...textLimits.activity.objectId),
    },
    occurredAt: event.instant(row.occurredAt, 'occurredAt'),
    metadata: metadataOf(row.metadata),
  };
}

// Core's metadata rules (activity-event.schema.ts). jsonb holds no NUL and no lone surrogate, so its strings need
// only their length checked.
const METADATA_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype'];

function metadataOf(value: unknown): Record<string, string | number | boolean> {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) {
    event.invalid('metadata', 'is not a plain object');
  }
  const metadata = value as Record<string, unknown>;
  for (const key of POLLUTING_KEYS) if (Object.hasOwn(metadata, key)) event.invalid('metadata', `has key ${key}`);
  for (const key in metadata) {
    const item = metadata[key];
    if (!METADATA_KEY.test(key)) event.invalid('metadata', 'has a key that is not letters, digits, _ . -');
    const ok =
      typeof item === 'string'
        ? item.length <= MAX_METADATA_BYTES
        : typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item));
    if (!ok) event.invalid(`metadata.${key}`, 'is not a string, a finite number or a boolean');
  }
  if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
    event.invalid('metadata', `exceeds ${MAX_METADATA_BYTES} bytes as JSON`);
  }
  return metadata as Record<string, string | number | boolean>;
}

/** `day` is selected as text: pg would turn a `date` into a local-midnight Date, which moves with the time zone. */
export const dailyCountColumns: Columns<ActivityDailyCountEntity> = {
  day: { column: 'day', type: 'date' },
  verb: { column: 'verb', type: 'text' },
  count: { column: 'count', type: 'bigint' },
};

export const dailyCountSelect = `to_char(day, 'YYYY-MM-DD') AS "day", verb AS "verb", count AS "count"`;

export function dailyCountToEntity(count: DailyCount): ActivityDailyCountEntity {
  return { day: count.day, verb: count.verb, count: String(count.count) };
}

const dailyCount: StoredRow = new StoredRow('daily count');
// `to_char` of a date column: always a real calendar day, so the shape is all that can be wrong (a year past 9999).
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function dailyCountFromEntity(row: ActivityDailyCountEntity): DailyCount {
  if (typeof row.day !== 'string' || !DAY.test(row.day)) dailyCount.invalid('day', 'is not a YYYY-MM-DD day');
  return {
    day: row.day,
    verb: dailyCount.oneOf(row.verb, 'verb', verbs),
    count: dailyCount.int(row.count, 'count', 0),
  };
}
