import { eventSchema, registrationSchema, type Event, type Registration } from '@cohort/core';
import type { Item } from '../shared/dynamo-ops.js';
import { ITEM_VERSION, millis, parseStored, stripTableAttributes, withDates } from '../shared/item-format.js';
import { eventKeys } from './event.keys.js';

export const EVENT_TYPE = 'event';
export const REGISTRATION_TYPE = 'registration';

/** The event item's hidden attribute: the last position handed out (incremented with ADD as people register). */
export const LAST_POSITION = 'lastPosition';

/** The event's domain attributes as stored, plus its index keys (upcoming only while scheduled). */
export function eventAttributes(event: Event): Item {
  return {
    ...event,
    startsAt: millis(event.startsAt),
    endsAt: millis(event.endsAt),
    createdAt: millis(event.createdAt),
    updatedAt: millis(event.updatedAt),
  };
}

/** Index attributes of an event: the upcoming keys while scheduled, nothing once cancelled. */
export function eventIndexKeys(event: Event): Item {
  return event.status === 'scheduled' ? eventKeys.upcoming(event.id, millis(event.startsAt), event.communityId) : {};
}

export function toEventItem(event: Event, lastPosition: number): Item {
  return {
    ...eventKeys.event(event.id),
    ...eventKeys.eventScan(event.id),
    ...eventIndexKeys(event),
    _type: EVENT_TYPE,
    _v: ITEM_VERSION,
    ...eventAttributes(event),
    [LAST_POSITION]: lastPosition,
  };
}

export function toEvent(item: Item): Event {
  return parseStored(
    eventSchema,
    withDates(stripTableAttributes(item, [LAST_POSITION]), ['startsAt', 'endsAt', 'createdAt', 'updatedAt']),
    'event',
  );
}

/** The last position an event item has handed out (0 before anyone registered). */
export function lastPositionOf(item: Item): number {
  return typeof item[LAST_POSITION] === 'number' ? item[LAST_POSITION] : 0;
}

export function toRegistrationItem(registration: Registration): Item {
  return {
    ...eventKeys.registration(registration.eventId, registration.userId),
    ...eventKeys.registrationOrder(registration.eventId, registration.position, registration.status),
    ...eventKeys.registrationScan(registration.eventId, registration.userId),
    _type: REGISTRATION_TYPE,
    _v: ITEM_VERSION,
    ...registration,
    registeredAt: millis(registration.registeredAt),
    updatedAt: millis(registration.updatedAt),
  };
}

export function toRegistration(item: Item): Registration {
  return parseStored(
    registrationSchema,
    withDates(stripTableAttributes(item), ['registeredAt', 'updatedAt']),
    'registration',
  );
}
