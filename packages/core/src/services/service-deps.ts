import type { ActivityLog } from '../activity/activity-log.js';
import type { CommunityRepository } from '../community/community-repository.js';
import type { MembershipRepository } from '../community/membership-repository.js';
import type { PostRepository } from '../community/post-repository.js';
import type { ContentRepository } from '../content/content-repository.js';
import type { EnrollmentRepository } from '../content/enrollment-repository.js';
import type { EventRepository } from '../events/event-repository.js';
import type { Clock } from '../shared/clock.js';
import type { UserRepository } from '../users/user-repository.js';

/**
 * The ports the services need, named as in `CohortStore` so `{ ...store, clock }` is a valid value; each port may
 * come from a different adapter (a hybrid deployment). Services never see a store.
 */
export interface ServiceDeps {
  readonly users: UserRepository;
  readonly contents: ContentRepository;
  readonly enrollments: EnrollmentRepository;
  readonly events: EventRepository;
  readonly communities: CommunityRepository;
  readonly memberships: MembershipRepository;
  readonly posts: PostRepository;
  readonly activity: ActivityLog;
  /**
   * The services' time: `occurredAt` of activity whose change the store keeps no time of (`left`, `reacted`,
   * `removed`; the rest carry their change's own time) and the replay window's end. The system clock unless given.
   */
  readonly clock?: Clock;
}
