import { CohortError } from '../shared/cohort-error.js';
import {
  createEventInputSchema,
  listUpcomingFilterSchema,
  type CreateEventInput,
  type Event,
  type ListUpcomingFilter,
} from '../events/event.schema.js';
import {
  listRegistrationsFilterSchema,
  type ListRegistrationsFilter,
  type Registration,
} from '../events/registration.schema.js';
import { parsePageRequest, type Page, type PageRequest } from '../shared/page.js';
import { KeyedGate } from '../shared/keyed-gate.js';
import { parseId } from '../shared/parse-id.js';
import { parseInput } from '../shared/validation.js';
import { CommunityAccess } from './community-access.js';
import type { ServiceDeps } from './service-deps.js';
import {
  ActivityRecorder,
  UserLookup,
  inputObject,
  parseActorId,
  type ActivityFact,
  type ActivityMetadata,
} from './service-support.js';

export type EventServiceDeps = Pick<
  ServiceDeps,
  'users' | 'events' | 'communities' | 'memberships' | 'activity' | 'clock'
>;

/** What `createEvent` takes: the host is the actor. */
export type NewEventInput = Omit<CreateEventInput, 'hostId'>;

/**
 * Live events: hosting, registering (a seat or the waitlist), cancelling and attendance. Events are visible to
 * every active user, including those of a private community; only its members may host one there.
 */
export class EventService {
  private readonly events: EventServiceDeps['events'];
  private readonly lookup: UserLookup;
  private readonly access: CommunityAccess;
  private readonly activity: ActivityRecorder;
  /**
   * One cancellation of a registration at a time in this instance: a duplicate that read the registration after the
   * first call cancelled it, but before that call recorded `cancelled`, would replay the event without the status it
   * had (no longer known) and the log would keep that copy. Across instances the store still cancels once and the log
   * still keeps one event; only such a racing duplicate in another instance can leave it without `previousStatus`.
   */
  private readonly cancellations = new KeyedGate(1);

  constructor(deps: EventServiceDeps) {
    this.events = deps.events;
    this.lookup = new UserLookup(deps.users);
    this.access = new CommunityAccess(deps.communities, deps.memberships);
    this.activity = new ActivityRecorder(deps.activity, deps.clock);
  }

  /**
   * Schedules an event hosted by the actor and records `created`. With a `communityId`, the community must exist
   * (NOT_FOUND) and the actor must be a member of it (FORBIDDEN).
   */
  async createEvent(actorId: string, input: NewEventInput): Promise<Event> {
    const actor = parseActorId(actorId);
    const parsed = parseInput(createEventInputSchema, { ...inputObject(input, 'event'), hostId: actor }, 'event');
    await this.lookup.activeActor(actor);
    if (parsed.communityId !== null) await this.access.writable(parsed.communityId, actor);
    const event = await this.events.create(parsed);
    const metadata: ActivityMetadata = { capacity: event.capacity };
    if (event.communityId !== null) metadata.communityId = event.communityId;
    await this.activity.record({
      actorId: actor,
      verb: 'created',
      object: { type: 'event', id: event.id },
      metadata,
      change: { at: event.createdAt },
    });
    return event;
  }

  /**
   * Cancels the event (its host only; FORBIDDEN otherwise) and records `cancelled`; again changes and records
   * nothing, and a racing second cancel is CONCURRENCY. An event keeps no time of its cancellation and may be edited
   * after it, so a retry after a crash between the write and the append records nothing.
   */
  async cancelEvent(actorId: string, eventId: string): Promise<Event> {
    const actor = parseActorId(actorId);
    const id = parseId(eventId, 'eventId');
    await this.lookup.activeActor(actor);
    const event = await this.hostedBy(id, actor);
    if (event.status === 'cancelled') return event;
    const cancelled = await this.events.update(id, { status: 'cancelled' }, event.version);
    await this.activity.record({
      actorId: actor,
      verb: 'cancelled',
      object: { type: 'event', id },
      metadata: { target: 'event' },
      change: { at: cancelled.updatedAt, keys: ['event', cancelled.version] },
    });
    return cancelled;
  }

  /** The event, or null. */
  async getEvent(eventId: string): Promise<Event | null> {
    return this.events.getById(parseId(eventId, 'eventId'));
  }

  /** Scheduled events from `from` on, soonest first, optionally of one community. */
  async listUpcoming(filter: ListUpcomingFilter, page?: PageRequest): Promise<Page<Event>> {
    const parsed = parseInput(listUpcomingFilterSchema, filter, 'filter');
    return this.events.listUpcoming(parsed, parsePageRequest(page));
  }

  /**
   * Registers the actor: a seat while one is free (records `registered`), else the waitlist (records
   * `waitlisted`), with the position in metadata, once per registration. NOT_FOUND for a missing event, CONFLICT
   * for a cancelled one. An existing live registration is returned unchanged; its event is appended again only if
   * missing (a retry after a crash) and only within the replay window.
   */
  async registerForEvent(actorId: string, eventId: string): Promise<Registration> {
    const actor = parseActorId(actorId);
    const id = parseId(eventId, 'eventId');
    await this.lookup.activeActor(actor);
    const existing = await this.events.getRegistration(id, actor);
    if (existing !== null && existing.status !== 'cancelled') {
      await this.activity.replay(registeredFact(existing));
      return existing;
    }
    // A duplicate racing this call gets the same stored registration back, so both record the same event.
    const registration = await this.events.register(id, actor);
    await this.activity.record(registeredFact(registration));
    return registration;
  }

  /**
   * Cancels the actor's registration (a freed seat goes to the earliest waitlisted) and records `cancelled` with the
   * status it had, once per cancellation. NOT_FOUND when never registered, CONFLICT once attended. Cancelling again
   * changes nothing; its `cancelled` (without the status it had, no longer known) is appended again only if missing
   * (a retry after a crash) and only within the replay window.
   */
  async cancelRegistration(actorId: string, eventId: string): Promise<Registration> {
    const actor = parseActorId(actorId);
    const id = parseId(eventId, 'eventId');
    await this.lookup.activeActor(actor);
    return this.cancellations.run(`${id}/${actor}`, async () => {
      const before = await this.events.getRegistration(id, actor);
      if (before?.status === 'cancelled') {
        await this.activity.replay(cancelledFact(before, {}));
        return before;
      }
      // A duplicate racing this call in another instance gets the same stored cancellation back: both record the
      // same event.
      const cancelled = await this.events.cancelRegistration(id, actor);
      await this.activity.record(cancelledFact(cancelled, { previousStatus: before?.status ?? 'registered' }));
      return cancelled;
    });
  }

  /**
   * The host checks a registered user in (FORBIDDEN for anyone else). Records `attended` with the attendee as actor
   * and the host as `markedBy`, once per registration; marking again changes nothing and appends the event again
   * only if missing (a retry after a crash) and only within the replay window.
   */
  async markAttended(actorId: string, eventId: string, userId: string): Promise<Registration> {
    const actor = parseActorId(actorId);
    const id = parseId(eventId, 'eventId');
    const attendee = parseId(userId, 'userId');
    await this.lookup.activeActor(actor);
    await this.hostedBy(id, actor);
    await this.lookup.existing(attendee);
    const before = await this.events.getRegistration(id, attendee);
    if (before?.status === 'attended') {
      await this.activity.replay(attendedFact(before, actor));
      return before;
    }
    const attended = await this.events.markAttended(id, attendee);
    await this.activity.record(attendedFact(attended, actor));
    return attended;
  }

  /** An event's registrations in arrival order, optionally of one status; any active user may read them. */
  async listRegistrations(
    actorId: string,
    eventId: string,
    filter?: ListRegistrationsFilter,
    page?: PageRequest,
  ): Promise<Page<Registration>> {
    const actor = parseActorId(actorId);
    const id = parseId(eventId, 'eventId');
    const parsedFilter = parseInput(listRegistrationsFilterSchema, filter ?? {}, 'filter');
    const request = parsePageRequest(page);
    await this.lookup.activeActor(actor);
    return this.events.listRegistrations(id, parsedFilter, request);
  }

  private async hostedBy(eventId: string, actorId: string): Promise<Event> {
    const event = await this.events.getById(eventId);
    if (event === null) throw CohortError.notFound('Event', eventId);
    if (event.hostId !== actorId) throw CohortError.forbidden(`Only the host may manage event ${eventId}`);
    return event;
  }
}

// A registration is named by its event, user and position: a cancelled registration that registers again takes a
// new position, so each registration, cancellation and attendance has events of its own.

/** `registered` or `waitlisted`, whichever the registration got; one id for both, as a promotion changes the status. */
function registeredFact(registration: Registration): ActivityFact {
  return {
    actorId: registration.userId,
    verb: registration.status === 'waitlisted' ? 'waitlisted' : 'registered',
    object: { type: 'event', id: registration.eventId },
    metadata: { position: registration.position },
    change: { at: registration.registeredAt, kind: 'registration', keys: [registration.position] },
  };
}

/** The `cancelled` of a cancelled registration, at its `updatedAt` (the cancellation; nothing moves it after). */
function cancelledFact(registration: Registration, metadata: ActivityMetadata): ActivityFact {
  return {
    actorId: registration.userId,
    verb: 'cancelled',
    object: { type: 'event', id: registration.eventId },
    metadata: { target: 'registration', ...metadata },
    change: { at: registration.updatedAt, keys: ['registration', registration.position] },
  };
}

/** The `attended` of an attended registration, at its `updatedAt` (the check-in; nothing moves it after). */
function attendedFact(registration: Registration, markedBy: string): ActivityFact {
  return {
    actorId: registration.userId,
    verb: 'attended',
    object: { type: 'event', id: registration.eventId },
    metadata: { markedBy },
    change: { at: registration.updatedAt, keys: [registration.position] },
  };
}
