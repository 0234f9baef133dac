import {
  CohortError,
  listRegistrationsFilterSchema,
  listUpcomingFilterSchema,
  type Clock,
  type CreateEventInput,
  type Event,
  type EventPatch,
  type EventRepository,
  type ListRegistrationsFilter,
  type ListUpcomingFilter,
  type Page,
  type PageRequest,
  type Registration,
} from '@cohort/core';
import {
  atExpectedVersion,
  admissionFor,
  applyEventPatch,
  newEvent,
  parseEventPatch,
  parseExpectedVersion,
  parseId,
  parseInput,
  parsePageRequest,
  seatsToPromote,
} from '@cohort/core/adapter';
import { oldestFirst, pageOf, type KeyOrder } from './memory-pages.js';
import { copyOf, registrationKey, roundTrip, type MemoryTables } from './memory-tables.js';

/** Registrations in arrival order; position is unique within an event, userId only guards records put by migration. */
const byPosition: KeyOrder<Registration> = {
  keyOf: (registration) => [registration.position, registration.userId],
  directions: ['asc', 'asc'],
};

function parseRegistrationIds(eventId: string, userId: string): { eventId: string; userId: string } {
  return { eventId: parseId(eventId, 'eventId'), userId: parseId(userId, 'userId') };
}

export class MemoryEventRepository implements EventRepository {
  constructor(
    private readonly tables: MemoryTables,
    private readonly clock: Clock,
  ) {}

  async create(input: CreateEventInput): Promise<Event> {
    await roundTrip();
    const event = newEvent(input, this.clock.now());
    this.tables.events.set(event.id, event);
    return copyOf(event);
  }

  async getById(id: string): Promise<Event | null> {
    await roundTrip();
    const event = this.tables.events.get(parseId(id));
    return event ? copyOf(event) : null;
  }

  async update(id: string, patch: EventPatch, expectedVersion: number): Promise<Event> {
    await roundTrip();
    const eventId = parseId(id);
    const changes = parseEventPatch(patch);
    const version = parseExpectedVersion(expectedVersion);
    const current = atExpectedVersion(this.tables.events.get(eventId), 'Event', eventId, version);
    const now = this.clock.now();
    // applyEventPatch refuses a capacity below the seats taken; new seats go to the waitlist in the same step.
    const next = this.promoteWaitlisted(applyEventPatch(current, changes, now), now);
    this.tables.events.set(eventId, next);
    return copyOf(next);
  }

  async listUpcoming(filter: ListUpcomingFilter, page?: PageRequest): Promise<Page<Event>> {
    await roundTrip();
    const { from, communityId } = parseInput(listUpcomingFilterSchema, filter, 'listUpcoming filter');
    const request = parsePageRequest(page);
    const rows = [...this.tables.events.values()].filter(
      (event) =>
        event.status === 'scheduled' &&
        event.startsAt.getTime() >= from.getTime() &&
        (communityId === undefined || event.communityId === communityId),
    );
    return pageOf(
      rows,
      oldestFirst(
        (event) => event.startsAt,
        (event) => event.id,
      ),
      'events.listUpcoming',
      [from.getTime(), communityId],
      request,
    );
  }

  async register(eventId: string, userId: string): Promise<Registration> {
    await roundTrip();
    const ids = parseRegistrationIds(eventId, userId);
    const event = this.requireEvent(ids.eventId);
    const key = registrationKey(ids.eventId, ids.userId);
    const existing = this.tables.registrations.get(key);
    // A retry returns what the first call stored, even once the event is cancelled; only a new arrival is refused.
    if (existing && existing.status !== 'cancelled') return copyOf(existing);
    const status = admissionFor(event);
    const now = this.clock.now();
    const registration: Registration = {
      ...ids,
      status,
      position: this.takePosition(event.id),
      registeredAt: now,
      updatedAt: now,
    };
    this.tables.registrations.set(key, registration);
    this.tables.events.set(
      event.id,
      status === 'registered'
        ? { ...event, registeredCount: event.registeredCount + 1 }
        : { ...event, waitlistCount: event.waitlistCount + 1 },
    );
    return copyOf(registration);
  }

  async cancelRegistration(eventId: string, userId: string): Promise<Registration> {
    await roundTrip();
    const ids = parseRegistrationIds(eventId, userId);
    const event = this.requireEvent(ids.eventId);
    const current = this.requireRegistration(ids.eventId, ids.userId);
    if (current.status === 'cancelled') return copyOf(current);
    if (current.status === 'attended') {
      throw CohortError.conflict(
        `User ${current.userId} attended event ${event.id}; the registration cannot be cancelled`,
      );
    }
    const now = this.clock.now();
    const cancelled: Registration = { ...current, status: 'cancelled', updatedAt: now };
    this.tables.registrations.set(registrationKey(event.id, current.userId), cancelled);
    const freed =
      current.status === 'registered'
        ? { ...event, registeredCount: Math.max(0, event.registeredCount - 1) }
        : { ...event, waitlistCount: Math.max(0, event.waitlistCount - 1) };
    this.tables.events.set(event.id, this.promoteWaitlisted(freed, now));
    return copyOf(cancelled);
  }

  async markAttended(eventId: string, userId: string): Promise<Registration> {
    await roundTrip();
    const ids = parseRegistrationIds(eventId, userId);
    const event = this.requireEvent(ids.eventId);
    const current = this.requireRegistration(ids.eventId, ids.userId);
    if (current.status === 'attended') return copyOf(current);
    if (current.status !== 'registered') {
      throw CohortError.conflict(`User ${current.userId} is ${current.status} for event ${event.id}, not registered`);
    }
    // The seat stays taken: registeredCount counts registered and attended alike.
    const attended: Registration = { ...current, status: 'attended', updatedAt: this.clock.now() };
    this.tables.registrations.set(registrationKey(event.id, current.userId), attended);
    return copyOf(attended);
  }

  async getRegistration(eventId: string, userId: string): Promise<Registration | null> {
    await roundTrip();
    const ids = parseRegistrationIds(eventId, userId);
    const registration = this.tables.registrations.get(registrationKey(ids.eventId, ids.userId));
    return registration ? copyOf(registration) : null;
  }

  async listRegistrations(
    eventId: string,
    filter?: ListRegistrationsFilter,
    page?: PageRequest,
  ): Promise<Page<Registration>> {
    await roundTrip();
    const event = parseId(eventId, 'eventId');
    const { status } = parseInput(listRegistrationsFilterSchema, filter ?? {}, 'listRegistrations filter');
    const request = parsePageRequest(page);
    const rows = [...this.tables.registrations.values()].filter(
      (registration) => registration.eventId === event && (status === undefined || registration.status === status),
    );
    return pageOf(rows, byPosition, 'events.listRegistrations', [event, status], request);
  }

  private requireEvent(eventId: string): Event {
    const event = this.tables.events.get(eventId);
    if (!event) throw CohortError.notFound('Event', eventId);
    return event;
  }

  private requireRegistration(eventId: string, userId: string): Registration {
    const registration = this.tables.registrations.get(registrationKey(eventId, userId));
    if (!registration) throw CohortError.notFound('Registration', registrationKey(eventId, userId));
    return registration;
  }

  /** The next number of the event's arrival sequence (1, 2, 3, ...), never reused, even after a cancellation. */
  private takePosition(eventId: string): number {
    const position = (this.tables.lastPositions.get(eventId) ?? 0) + 1;
    this.tables.lastPositions.set(eventId, position);
    return position;
  }

  /**
   * Seats the earliest waitlisted (smallest positions) in the seats `event` has free, as core's `seatsToPromote`
   * counts them, and returns the event with its counters moved. The caller stores the event.
   */
  private promoteWaitlisted(event: Event, now: Date): Event {
    const seats = seatsToPromote(event);
    if (seats === 0) return event;
    const promoted = [...this.tables.registrations.values()]
      .filter((registration) => registration.eventId === event.id && registration.status === 'waitlisted')
      .sort((a, b) => a.position - b.position)
      .slice(0, seats);
    for (const registration of promoted) {
      this.tables.registrations.set(registrationKey(event.id, registration.userId), {
        ...registration,
        status: 'registered',
        updatedAt: now,
      });
    }
    return {
      ...event,
      registeredCount: event.registeredCount + promoted.length,
      waitlistCount: event.waitlistCount - promoted.length,
    };
  }
}
