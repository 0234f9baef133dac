import { activityEventId } from '../activity/activity-event-id.js';
import type { ActivityObject, ActivityVerb } from '../activity/activity-event.schema.js';
import type { ActivityLog } from '../activity/activity-log.js';
import { CohortError } from '../shared/cohort-error.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { parseId } from '../shared/parse-id.js';
import type { User } from '../users/user.schema.js';
import type { UserRepository } from '../users/user-repository.js';

/** What an activity event may carry besides verb and object: small, flat facts. */
export type ActivityMetadata = Record<string, string | number | boolean>;

/**
 * The stored change an activity event records. The event's id derives from it (verb, actor, object, `keys`, `at`) and
 * its occurredAt is `at`, so each call that records the same change — the loser of a race that got the winner's
 * record back, a use case retried after a crash — appends the same event, and the log's idempotent append keeps one.
 */
export interface RecordedChange {
  /** When the store made the change, as the record says (`joinedAt`, `registeredAt`, `completedAt`, …). */
  readonly at: Date;
  /** What else tells this change from another of the same verb, actor and object at the same instant. */
  readonly keys?: readonly (string | number)[];
  /** Stands in for the verb in the id where verbs describe one change (`registered` or `waitlisted`). */
  readonly kind?: string;
}

/** One activity event a use case wants appended once its write has succeeded. */
export interface ActivityFact {
  readonly actorId: string;
  readonly verb: ActivityVerb;
  readonly object: ActivityObject;
  readonly metadata?: ActivityMetadata;
  /**
   * The change it records. Without one (a change the store keeps no trace or time of, such as a reaction or a
   * leave), the event gets a new id and the clock's time, and the use case appends it only when its port reports
   * that this call made the change.
   */
  readonly change?: RecordedChange;
}

/**
 * How old a change may be for a repeated call to append its event again: long enough to cover a use case retried
 * after a crash between its write and its append, far shorter than any retention, so a repeat of an old change
 * never brings back an event that was purged (or expired) and counts it a second time.
 */
export const REPLAY_WINDOW_MS = 24 * 3_600_000;

/** Resolves user references for the services: users may live in another store, so no repository checks them. */
export class UserLookup {
  constructor(private readonly users: UserRepository) {}

  /** The acting user: NOT_FOUND when unknown, FORBIDDEN when deactivated. Expects a parsed id. */
  async activeActor(actorId: string): Promise<User> {
    const actor = await this.existing(actorId);
    if (actor.status !== 'active') throw CohortError.forbidden(`User ${actorId} is deactivated`);
    return actor;
  }

  /** A referenced user, active or not: NOT_FOUND when unknown. Expects a parsed id. */
  async existing(userId: string): Promise<User> {
    const user = await this.users.getById(userId);
    if (user === null) throw CohortError.notFound('User', userId);
    return user;
  }
}

/** Appends the activity of a use case after the write it describes, with ids derived from the changes. */
export class ActivityRecorder {
  private readonly clock: Clock;

  constructor(
    private readonly log: ActivityLog,
    clock: Clock | undefined,
  ) {
    this.clock = clock ?? systemClock;
  }

  /** Appends the events of changes this call's write made or found just made (a racing duplicate's). */
  async record(...facts: readonly ActivityFact[]): Promise<void> {
    if (facts.length === 0) return;
    const now = this.clock.now();
    await this.log.append(
      facts.map((fact) => ({
        ...(fact.change ? { id: eventIdOf(fact, fact.change) } : {}),
        actorId: fact.actorId,
        verb: fact.verb,
        object: fact.object,
        occurredAt: fact.change?.at ?? now,
        metadata: fact.metadata ?? {},
      })),
    );
  }

  /**
   * Appends again the events of changes the store already held when this call began: a retry after a crash between
   * the write and the append finds the change made and its event missing. Only changes within the replay window
   * are replayed; a same-id event already stored is skipped by the log.
   */
  async replay(...facts: readonly ActivityFact[]): Promise<void> {
    const since = this.clock.now().getTime() - REPLAY_WINDOW_MS;
    await this.record(...facts.filter((fact) => fact.change !== undefined && fact.change.at.getTime() >= since));
  }
}

function eventIdOf(fact: ActivityFact, change: RecordedChange): string {
  return activityEventId(change.at, [
    change.kind ?? fact.verb,
    fact.actorId,
    fact.object.type,
    fact.object.id,
    ...(change.keys ?? []),
  ]);
}

/** Parses the acting user's id (VALIDATION when malformed). */
export function parseActorId(actorId: unknown): string {
  return parseId(actorId, 'actorId');
}

/** Plain-object input (VALIDATION otherwise), so spreading it cannot smuggle in array indices or a string's letters. */
export function inputObject(input: unknown, what: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw CohortError.validation(`Invalid ${what}: expected an object`, [{ path: [], message: 'expected an object' }]);
  }
  return input as Record<string, unknown>;
}
