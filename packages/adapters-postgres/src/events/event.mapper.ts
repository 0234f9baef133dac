import { eventSchema, registrationSchema, type Event, type Registration } from '@cohort/core';
import { readStored, type Columns } from '../shared/sql-values.js';
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

export function eventFromEntity(row: EventRow): Event {
  return readStored(eventSchema, { ...row }, 'event');
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

export function registrationFromEntity(row: RegistrationRow): Registration {
  return readStored(registrationSchema, { ...row }, 'registration');
}
