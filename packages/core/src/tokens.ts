import type { ActivityLog } from './activity/activity-log.js';
import type { CommunityRepository } from './community/community-repository.js';
import type { MembershipRepository } from './community/membership-repository.js';
import type { PostRepository } from './community/post-repository.js';
import type { ContentRepository } from './content/content-repository.js';
import type { EnrollmentRepository } from './content/enrollment-repository.js';
import type { EventRepository } from './events/event-repository.js';
import type { RecordSets } from './migration/record-sets.js';
import type { CommunityService } from './services/community-service.js';
import type { ContentService } from './services/content-service.js';
import type { EventService } from './services/event-service.js';
import type { PostService } from './services/post-service.js';
import type { UserService } from './services/user-service.js';
import type { Clock } from './shared/clock.js';
import type { UserRepository } from './users/user-repository.js';

/** A dependency-injection key that remembers the type bound to it. */
export type Token<T> = symbol & { readonly __type?: T };

const token = <T>(name: string): Token<T> => Symbol.for(`@cohort/${name}`);

/**
 * The keys a composition root binds ports to. Core names them but imports no container: any DI library that
 * accepts symbols (inversify included) can use them.
 */
export const TOKENS = {
  Clock: token<Clock>('Clock'),
  UserRepository: token<UserRepository>('UserRepository'),
  ContentRepository: token<ContentRepository>('ContentRepository'),
  EnrollmentRepository: token<EnrollmentRepository>('EnrollmentRepository'),
  EventRepository: token<EventRepository>('EventRepository'),
  CommunityRepository: token<CommunityRepository>('CommunityRepository'),
  MembershipRepository: token<MembershipRepository>('MembershipRepository'),
  PostRepository: token<PostRepository>('PostRepository'),
  ActivityLog: token<ActivityLog>('ActivityLog'),
  RecordSets: token<RecordSets>('RecordSets'),
  UserService: token<UserService>('UserService'),
  ContentService: token<ContentService>('ContentService'),
  EventService: token<EventService>('EventService'),
  CommunityService: token<CommunityService>('CommunityService'),
  PostService: token<PostService>('PostService'),
} as const;
