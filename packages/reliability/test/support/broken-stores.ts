import { CohortError, type CohortStore, type EventRepository, type Registration } from '@cohort/core';
import { admissionFor } from '@cohort/core/adapter';
import { everyItem } from './normalize.js';

/** `store` with some of its event repository's methods replaced. */
function withEvents(store: CohortStore, replaced: Partial<EventRepository>): CohortStore {
  const events = store.events;
  return {
    ...store,
    events: {
      create: (input) => events.create(input),
      getById: (id) => events.getById(id),
      update: (id, patch, expectedVersion) => events.update(id, patch, expectedVersion),
      listUpcoming: (filter, page) => events.listUpcoming(filter, page),
      register: (eventId, userId) => events.register(eventId, userId),
      cancelRegistration: (eventId, userId) => events.cancelRegistration(eventId, userId),
      markAttended: (eventId, userId) => events.markAttended(eventId, userId),
      getRegistration: (eventId, userId) => events.getRegistration(eventId, userId),
      listRegistrations: (eventId, filter, page) => events.listRegistrations(eventId, filter, page),
      ...replaced,
    },
  };
}

/**
 * A deliberately broken adapter: `events.register` reads the event, decides in JavaScript whether a seat is free,
 * then writes the registration and the new counters with putMany. Serially it behaves exactly like the store it
 * wraps; two concurrent registrations both see the last free seat, and the event is overbooked or miscounted.
 */
export function withJavaScriptCapacityCheck(store: CohortStore): CohortStore {
  return withEvents(store, {
    async register(eventId: string, userId: string): Promise<Registration> {
      const event = await store.events.getById(eventId);
      if (!event) throw CohortError.notFound('Event', eventId);
      const existing = await store.events.getRegistration(eventId, userId);
      if (existing && existing.status !== 'cancelled') return existing;
      const status = admissionFor(event); // the capacity check, on a value read before the write
      const everyone = await everyItem((page) => store.events.listRegistrations(eventId, {}, page));
      const now = new Date();
      const registration: Registration = {
        eventId,
        userId,
        status,
        position: Math.max(0, ...everyone.map((r) => r.position)) + 1,
        registeredAt: now,
        updatedAt: now,
      };
      await store.recordSets.registrations.putMany([registration]);
      await store.recordSets.events.putMany([
        status === 'registered'
          ? { ...event, registeredCount: event.registeredCount + 1 }
          : { ...event, waitlistCount: event.waitlistCount + 1 },
      ]);
      return registration;
    },
  });
}

/**
 * A deliberately broken adapter for the differential tests: `events.cancelRegistration` frees the seat but never
 * promotes the waitlist. Every single call looks plausible; only a comparison with the model shows the difference.
 */
export function withoutWaitlistPromotion(store: CohortStore, now: () => Date): CohortStore {
  return withEvents(store, {
    async cancelRegistration(eventId: string, userId: string): Promise<Registration> {
      const event = await store.events.getById(eventId);
      const current = await store.events.getRegistration(eventId, userId);
      if (!event || !current) throw CohortError.notFound('Registration', `${eventId}/${userId}`);
      if (current.status === 'cancelled') return current;
      if (current.status === 'attended') throw CohortError.conflict('attended');
      const cancelled: Registration = { ...current, status: 'cancelled', updatedAt: now() };
      await store.recordSets.registrations.putMany([cancelled]);
      await store.recordSets.events.putMany([
        current.status === 'registered'
          ? { ...event, registeredCount: event.registeredCount - 1 }
          : { ...event, waitlistCount: event.waitlistCount - 1 },
      ]);
      return cancelled;
    },
  });
}
