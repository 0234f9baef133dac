import { CohortError } from '../shared/cohort-error.js';
import { newId } from '../shared/ids.js';
import { definedOnly } from '../shared/patch.js';
import { parseInput } from '../shared/validation.js';
import {
  createEventInputSchema,
  eventPatchSchema,
  type CreateEventInput,
  type Event,
  type EventPatch,
} from './event.schema.js';

export type ParsedEventPatch = ReturnType<typeof eventPatchSchema.parse>;

/** The scheduled, empty event a `create` stores. */
export function newEvent(input: CreateEventInput, now: Date): Event {
  const parsed = parseInput(createEventInputSchema, input, 'event');
  return {
    id: newId(now.getTime()),
    ...parsed,
    registeredCount: 0,
    waitlistCount: 0,
    status: 'scheduled',
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

export function parseEventPatch(patch: EventPatch): ParsedEventPatch {
  return parseInput(eventPatchSchema, patch, 'event patch');
}

/**
 * The event after a patch, before any promotion: the new time window must still be ordered (VALIDATION) and the
 * capacity must hold everyone already seated (CONFLICT). Callers then promote `seatsToPromote(result)` waitlisted.
 */
export function applyEventPatch(event: Event, patch: ParsedEventPatch, now: Date): Event {
  const next = { ...event, ...definedOnly(patch), updatedAt: now, version: event.version + 1 };
  if (next.startsAt.getTime() >= next.endsAt.getTime()) {
    throw CohortError.validation('Invalid event patch: startsAt must be before endsAt', [
      { path: ['endsAt'], message: 'startsAt must be before endsAt' },
    ]);
  }
  if (next.capacity < next.registeredCount) {
    throw CohortError.conflict(
      `Event ${event.id} has ${next.registeredCount} registered; capacity cannot drop to ${next.capacity}`,
    );
  }
  return next;
}

/** How many of the waitlisted the free seats can take now. */
export function seatsToPromote(
  event: Pick<Event, 'capacity' | 'registeredCount' | 'waitlistCount' | 'status'>,
): number {
  if (event.status !== 'scheduled') return 0;
  return Math.max(0, Math.min(event.capacity - event.registeredCount, event.waitlistCount));
}

/** Whether a new registration gets a seat or joins the waitlist; CONFLICT for a cancelled event. */
export function admissionFor(
  event: Pick<Event, 'id' | 'capacity' | 'registeredCount' | 'status'>,
): 'registered' | 'waitlisted' {
  if (event.status === 'cancelled') throw CohortError.conflict(`Event ${event.id} is cancelled`);
  return event.registeredCount < event.capacity ? 'registered' : 'waitlisted';
}
