import type { ActivityObject, ActivityVerb } from '../activity/activity-event.schema.js';
import type { ActivityLog } from '../activity/activity-log.js';
import { CohortError } from '../shared/cohort-error.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { parseId } from '../shared/parse-id.js';
import type { User } from '../users/user.schema.js';
import type { UserRepository } from '../users/user-repository.js';

/** What an activity event may carry besides verb and object: small, flat facts. */
export type ActivityMetadata = Record<string, string | number | boolean>;

/** One activity event a use case wants appended once its write has succeeded. */
export interface ActivityFact {
  readonly actorId: string;
  readonly verb: ActivityVerb;
  readonly object: ActivityObject;
  readonly metadata?: ActivityMetadata;
}

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

/** Appends the activity of a use case, stamped by the services' clock, after the write it describes. */
export class ActivityRecorder {
  private readonly clock: Clock;

  constructor(
    private readonly log: ActivityLog,
    clock: Clock | undefined,
  ) {
    this.clock = clock ?? systemClock;
  }

  async record(...facts: readonly ActivityFact[]): Promise<void> {
    if (facts.length === 0) return;
    const occurredAt = this.clock.now();
    await this.log.append(
      facts.map((fact) => ({
        actorId: fact.actorId,
        verb: fact.verb,
        object: fact.object,
        occurredAt,
        metadata: fact.metadata ?? {},
      })),
    );
  }
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
