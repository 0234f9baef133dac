import type { ActivityLog } from './activity/activity-log.js';
import type { CommunityRepository } from './community/community-repository.js';
import type { MembershipRepository } from './community/membership-repository.js';
import type { PostRepository } from './community/post-repository.js';
import type { ContentRepository } from './content/content-repository.js';
import type { EnrollmentRepository } from './content/enrollment-repository.js';
import type { EventRepository } from './events/event-repository.js';
import type { ChangeFeed } from './migration/change-feed.js';
import type { ControlRecords } from './migration/control-records.js';
import type { RecordSetName, RecordSets } from './migration/record-sets.js';
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
  /**
   * Every committed change of every record set, from durable named subscriptions. Optional: an adapter without one
   * still type-checks (and declares why to the contract suite); a hybrid wiring or a strangler has no single feed.
   */
  readonly changeFeed?: ChangeFeed;
  /** Versioned JSON records with compare-and-set, for what a fleet must agree on (phases, leases); optional. */
  readonly control?: ControlRecords;
}

/** The repository ports of a store by name (everything but the migration face and the change feed). */
export type PortName = Exclude<keyof CohortStore, 'recordSets' | 'changeFeed' | 'control'>;

/** Every repository port, in the order they are checked, listed and phased. */
export const portNames = [
  'users',
  'contents',
  'enrollments',
  'events',
  'communities',
  'memberships',
  'posts',
  'activity',
] as const satisfies readonly PortName[];

// A port added to CohortStore and not to portNames fails to compile here.
const everyPortListed: [Exclude<PortName, (typeof portNames)[number]>] extends [never] ? true : never = true;
void everyPortListed;

/**
 * The port whose store holds each record set (registrations live with events, comments and reactions with posts,
 * the daily counters with activity): a hybrid wiring's migration face and a strangler's phases follow it.
 */
export const recordSetPorts: { readonly [N in RecordSetName]: PortName } = {
  users: 'users',
  contents: 'contents',
  enrollments: 'enrollments',
  events: 'events',
  registrations: 'events',
  communities: 'communities',
  memberships: 'memberships',
  posts: 'posts',
  comments: 'posts',
  reactions: 'posts',
  activity: 'activity',
  activityCounts: 'activity',
};
