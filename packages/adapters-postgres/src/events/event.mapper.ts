import {
  MAX_CAPACITY,
  eventStatuses,
  registrationStatuses,
  textLimits,
  type Event,
  type Registration,
} from '@cohort/core';
import type { Columns } from '../shared/sql-values.js';
import { StoredRow } from '../shared/stored-row.js';
import type { EventEntity } from './event.entity.js';
import type { RegistrationEntity } from './registration.entity.js';

/** What the adapter reads and writes of an event: everything but the hidden `next_position`. */
export type EventRow = Omit<EventEntity, 'nextPosition'>;

export const eventColumns: Columns<EventRow> = {
  id: { column: 'id', type: 'uuid' },
  title: { column: 'title', type: 'text' },
  description: { column: 'description', type: 'text' },
  hostId: { column: 'host_id', type: 'uuid' },
  communityId: { column: 'community_id', type: 'uuid' },
  startsAt: { column: 'starts_at', type: 'timestamptz' },
  endsAt: { column: 'ends_at', type: 'timestamptz' },
  capacity: { column: 'capacity', type: 'integer' },
  registeredCount: { column: 'registered_count', type: 'integer' },
  waitlistCount: { column: 'waitlist_count', type: 'integer' },
  status: { column: 'status', type: 'text' },
  createdAt: { column: 'created_at', type: 'timestamptz' },
  updatedAt: { column: 'updated_at', type: 'timestamptz' },
  version: { column: 'version', type: 'integer' },
};

export function eventToEntity(event: Event): EventRow {
  return { ...event };
}

const event: StoredRow = new StoredRow('event');
const eventStatusSet = new Set(eventStatuses);

export function eventFromEntity(row: EventRow): Event {
  const read: Event = {
    id: event.id(row.id, 'id'),
    title: event.text(row.title, 'title', ...textLimits.event.title),
    description: event.text(row.description, 'description', ...textLimits.event.description),
    hostId: event.id(row.hostId, 'hostId'),
    communityId: event.nullableId(row.communityId, 'communityId'),
    startsAt: event.instant(row.startsAt, 'startsAt'),
    endsAt: event.instant(row.endsAt, 'endsAt'),
    capacity: event.int(row.capacity, 'capacity', 1, MAX_CAPACITY),
    registeredCount: event.int(row.registeredCount, 'registeredCount', 0),
    waitlistCount: event.int(row.waitlistCount, 'waitlistCount', 0),
    status: event.oneOf(row.status, 'status', eventStatusSet),
    createdAt: event.instant(row.createdAt, 'createdAt'),
    updatedAt: event.instant(row.updatedAt, 'updatedAt'),
    version: event.int(row.version, 'version', 1),
  };
  event.check(read.startsAt.getTime() < read.endsAt.getTime(), 'endsAt', 'must be after startsAt');
  event.check(read.registeredCount <= read.capacity, 'registeredCount', 'must not exceed capacity');
  return read;
}

export type RegistrationRow = Omit<RegistrationEntity, 'event'>;

export const registrationColumns: Columns<RegistrationRow> = {
  eventId: { column: 'event_id', type: 'uuid' },
  userId: { column: 'user_id', type: 'uuid' },
  status: { column: 'status', type: 'text' },
  position: { column: 'position', type: 'integer' },
  registeredAt: { column: 'registered_at', type: 'timestamptz' },
  updatedAt: { column: 'updated_at', type: 'timestamptz' },
};

export function registrationToEntity(registration: Registration): RegistrationRow {
  return { ...registration };
}

const registration: StoredRow = new StoredRow('registration');
const registrationStatusSet = new Set(registrationStatuses);

export function registrationFromEntity(row: RegistrationRow): Registration {
  return {
    eventId: registration.id(row.eventId, 'eventId'),
    userId: registration.id(row.userId, 'userId'),
    status: registration.oneOf(row.status, 'status', registrationStatusSet),
    position: registration.int(row.position, 'position', 1),
    registeredAt: registration.instant(row.registeredAt, 'registeredAt'),
    updatedAt: registration.instant(row.updatedAt, 'updatedAt'),
  };
}
