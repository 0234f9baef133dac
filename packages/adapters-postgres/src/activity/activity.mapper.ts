import { activityEventSchema, dailyCountSchema, type ActivityEvent, type DailyCount } from '@cohort/core';
import { readStored, toCount, type Columns } from '../shared/sql-values.js';
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

export function activityFromEntity(row: ActivityEventEntity): ActivityEvent {
  const { objectType, objectId, ...rest } = row;
  return readStored(activityEventSchema, { ...rest, object: { type: objectType, id: objectId } }, 'activity event');
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

export function dailyCountFromEntity(row: ActivityDailyCountEntity): DailyCount {
  return readStored(dailyCountSchema, { day: row.day, verb: row.verb, count: toCount(row.count) }, 'daily count');
}
