import type { Page, PageRequest } from '../shared/page.js';
import type { CreateEventInput, Event, EventPatch, ListUpcomingFilter } from './event.schema.js';
import type { ListRegistrationsFilter, Registration } from './registration.schema.js';

export interface EventRepository {
  /** Stores a scheduled event with no registrations, at version 1. */
  create(input: CreateEventInput): Promise<Event>;
  /** The event, or null. */
  getById(id: string): Promise<Event | null>;
  /** Applies `patch` at `expectedVersion` (see EventPatch for capacity); NOT_FOUND, CONCURRENCY or CONFLICT. */
  update(id: string, patch: EventPatch, expectedVersion: number): Promise<Event>;
  /** Scheduled events starting at or after `from`, soonest first (ties by id), optionally of one community. */
  listUpcoming(filter: ListUpcomingFilter, page?: PageRequest): Promise<Page<Event>>;
  /**
   * Takes a seat if one is free, else joins the waitlist, atomically. Idempotent: an existing registered,
   * waitlisted or attended registration is returned unchanged. NOT_FOUND for a missing event, CONFLICT for a
   * cancelled one. A cancelled registration registers again at a new position (the end of the line).
   */
  register(eventId: string, userId: string): Promise<Registration>;
  /**
   * Cancels the registration; a freed seat goes to the earliest waitlisted in the same atomic step. Cancelling
   * again returns the cancelled registration unchanged. NOT_FOUND when the user never registered, CONFLICT once
   * attended.
   */
  cancelRegistration(eventId: string, userId: string): Promise<Registration>;
  /** Marks a registered user as attended (idempotent); NOT_FOUND if not registered, CONFLICT if waitlisted or cancelled. */
  markAttended(eventId: string, userId: string): Promise<Registration>;
  /** One user's registration for an event, or null. */
  getRegistration(eventId: string, userId: string): Promise<Registration | null>;
  /** An event's registrations in position order, optionally of one status (empty for an unknown event). */
  listRegistrations(eventId: string, filter?: ListRegistrationsFilter, page?: PageRequest): Promise<Page<Registration>>;
}
