import type { ActivityLog } from './activity/activity-log.js';
import type { CommunityRepository } from './community/community-repository.js';
import type { MembershipRepository } from './community/membership-repository.js';
import type { PostRepository } from './community/post-repository.js';
import type { ContentRepository } from './content/content-repository.js';
import type { EnrollmentRepository } from './content/enrollment-repository.js';
import type { EventRepository } from './events/event-repository.js';
import type { RecordSets } from './migration/record-sets.js';
import type { UserRepository } from './users/user-repository.js';

/** Every port one adapter implements: what an adapter factory returns and what the contract suite tests. */
export interface CohortStore {
  readonly users: UserRepository;
  readonly contents: ContentRepository;
  readonly enrollments: EnrollmentRepository;
  readonly events: EventRepository;
  readonly communities: CommunityRepository;
  readonly memberships: MembershipRepository;
  readonly posts: PostRepository;
  readonly activity: ActivityLog;
  readonly recordSets: RecordSets;
}

/** The repository ports of a store by name (everything but the migration face). */
export type PortName = Exclude<keyof CohortStore, 'recordSets'>;
