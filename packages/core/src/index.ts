// Shared primitives
export { CohortError } from './shared/cohort-error.js';
export type { CohortErrorCode, CohortErrorOptions, ValidationIssue } from './shared/cohort-error.js';
export { newId, idSchema } from './shared/ids.js';
export { systemClock } from './shared/clock.js';
export type { Clock } from './shared/clock.js';
export { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, pageRequestSchema } from './shared/page.js';
export type { Page, PageRequest } from './shared/page.js';
export { MAX_INSTANT, MIN_INSTANT, dayOf, daySchema } from './shared/instant.js';
export { textLimits } from './shared/text-limits.js';
export type { RecordSet } from './shared/record-set.js';
export { MAX_SCAN_LIMIT, scanRequestSchema } from './shared/scan-request.js';
export type { ScanRequest } from './shared/scan-request.js';

// users
export {
  createUserInputSchema,
  emailSchema,
  userPatchSchema,
  userRoles,
  userSchema,
  userStatuses,
} from './users/user.schema.js';
export type { CreateUserInput, User, UserPatch, UserRole } from './users/user.schema.js';
export type { UserRepository } from './users/user-repository.js';

// content
export {
  MAX_TAGS,
  contentKinds,
  contentPatchSchema,
  contentSchema,
  contentStatuses,
  createContentInputSchema,
  listPublishedFilterSchema,
} from './content/content.schema.js';
export type {
  Content,
  ContentPatch,
  ContentStatus,
  CreateContentInput,
  ListPublishedFilter,
} from './content/content.schema.js';
export { enrollmentSchema, enrollmentStatuses, progressSchema } from './content/enrollment.schema.js';
export type { Enrollment, EnrollmentCounts } from './content/enrollment.schema.js';
export type { ContentRepository } from './content/content-repository.js';
export type { EnrollmentRepository } from './content/enrollment-repository.js';

// events
export {
  MAX_CAPACITY,
  createEventInputSchema,
  eventPatchSchema,
  eventSchema,
  eventStatuses,
  listUpcomingFilterSchema,
} from './events/event.schema.js';
export type { CreateEventInput, Event, EventPatch, ListUpcomingFilter } from './events/event.schema.js';
export {
  listRegistrationsFilterSchema,
  registrationSchema,
  registrationStatuses,
} from './events/registration.schema.js';
export type { ListRegistrationsFilter, Registration, RegistrationStatus } from './events/registration.schema.js';
export type { EventRepository } from './events/event-repository.js';

// community
export {
  communityPatchSchema,
  communitySchema,
  communityVisibilities,
  createCommunityInputSchema,
} from './community/community.schema.js';
export type { Community, CommunityPatch, CreateCommunityInput } from './community/community.schema.js';
export { membershipRoles, membershipSchema } from './community/membership.schema.js';
export type { Membership, MembershipRole } from './community/membership.schema.js';
export {
  createPostInputSchema,
  noReactions,
  postPatchSchema,
  postSchema,
  reactionCountsSchema,
  reactionKinds,
} from './community/post.schema.js';
export type { CreatePostInput, Post, PostPatch, ReactionCounts, ReactionKind } from './community/post.schema.js';
export { commentSchema, createCommentInputSchema } from './community/comment.schema.js';
export type { Comment, CreateCommentInput } from './community/comment.schema.js';
export { reactionSchema } from './community/reaction.schema.js';
export type { Reaction } from './community/reaction.schema.js';
export type { CommunityRepository } from './community/community-repository.js';
export type { MembershipRepository } from './community/membership-repository.js';
export type { PostRepository } from './community/post-repository.js';

// activity
export {
  MAX_APPEND_BATCH,
  MAX_DAILY_COUNT_DAYS,
  MAX_METADATA_BYTES,
  activityEventSchema,
  activityObjectSchema,
  activityObjectTypes,
  activityRangeSchema,
  activityVerbs,
  dailyCountSchema,
  dailyCountsQuerySchema,
  newActivityEventSchema,
} from './activity/activity-event.schema.js';
export type {
  ActivityEvent,
  ActivityObject,
  ActivityRange,
  ActivityVerb,
  AppendResult,
  DailyCount,
  DailyCountsQuery,
  NewActivityEvent,
} from './activity/activity-event.schema.js';
export type { ActivityLog } from './activity/activity-log.js';

// migration face, store bundle, DI tokens
export { recordSetNames } from './migration/record-sets.js';
export type { RecordSetName, RecordSets } from './migration/record-sets.js';
export { MAX_DELETE_MANY, recordKeys, recordSchemas } from './migration/record-keys.js';
export type { RecordOf } from './migration/record-keys.js';
export {
  DEFAULT_FEED_READ_LIMIT,
  MAX_FEED_READ_LIMIT,
  MAX_FEED_WAIT_MS,
  MAX_MARKER_NAME,
  MAX_SUBSCRIPTION_NAME,
} from './migration/change-feed.js';
export type {
  Change,
  ChangeFeed,
  ChangeReader,
  ReadOptions,
  ReaderOptions,
  SubscriptionInfo,
  SubscriptionOptions,
} from './migration/change-feed.js';
export { MAX_CONTROL_KEY, MAX_CONTROL_LIST, MAX_CONTROL_VALUE } from './migration/control-records.js';
export type { ControlRecord, ControlRecords } from './migration/control-records.js';
export type { CohortStore, PortName } from './store.js';
export { portNames, recordSetPorts } from './store.js';
export { TOKENS } from './tokens.js';
export type { Token } from './tokens.js';

// services
export { UserService } from './services/user-service.js';
export type { UserServiceDeps } from './services/user-service.js';
export { ContentService } from './services/content-service.js';
export type { ContentServiceDeps, NewContentInput } from './services/content-service.js';
export { EventService } from './services/event-service.js';
export type { EventServiceDeps, NewEventInput } from './services/event-service.js';
export { CommunityService } from './services/community-service.js';
export type { AssignableRole, CommunityServiceDeps, NewCommunityInput } from './services/community-service.js';
export { PostService } from './services/post-service.js';
export type { PostServiceDeps } from './services/post-service.js';
export { createServices } from './services/create-services.js';
export type { CohortServices } from './services/create-services.js';
export type { ServiceDeps } from './services/service-deps.js';
