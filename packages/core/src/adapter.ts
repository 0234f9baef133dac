// @cohort/core/adapter: the kit for adapter authors. Everything here turns the rules of @cohort/core into storage:
// argument parsers that answer VALIDATION, the record builders and patch rules every store applies, keyset cursors,
// deadlines, the migration face's and change feed's parsers. Applications import @cohort/core; adapters import both.
export { parseInput } from './shared/validation.js';
export { parseId } from './shared/parse-id.js';
export { KeyedGate } from './shared/keyed-gate.js';
export { isNetworkError } from './shared/network-errors.js';
export {
  DEFAULT_TIMEOUT_MS,
  Deadline,
  beforeDeadline,
  deadlineOf,
  storeDeadlines,
  withDeadlines,
} from './shared/deadline.js';
export { decodeCursor, decodeCursorKey, encodeCursor, parsePageRequest, toPage } from './shared/page.js';
export type { CursorKey, CursorPart, CursorValues, ParsedPageRequest } from './shared/page.js';
export { listScope, pagedLists, scanScope } from './shared/paged-lists.js';
export type { ListFilterValue, PagedList } from './shared/paged-lists.js';
export { atExpectedVersion, definedOnly, parseExpectedVersion } from './shared/patch.js';
export { parseScanRequest } from './shared/scan-request.js';
export type { ParsedScanRequest } from './shared/scan-request.js';
export { applyUserPatch, newUser, parseUserPatch } from './users/user-changes.js';
export type { ParsedUserPatch } from './users/user-changes.js';
export { applyContentPatch, newContent, parseContentPatch } from './content/content-changes.js';
export type { ParsedContentPatch } from './content/content-changes.js';
export { advanceEnrollment, newEnrollment, parseProgress } from './content/enrollment-changes.js';
export { admissionFor, applyEventPatch, newEvent, parseEventPatch, seatsToPromote } from './events/event-changes.js';
export type { ParsedEventPatch } from './events/event-changes.js';
export { applyCommunityPatch, newCommunity, parseCommunityPatch } from './community/community-changes.js';
export type { ParsedCommunityPatch } from './community/community-changes.js';
export { applyPostPatch, newComment, newPost, parsePostPatch, parseReactionKind } from './community/post-changes.js';
export type { ParsedPostPatch } from './community/post-changes.js';
export {
  dailyIncrements,
  orderDailyCounts,
  parseActivityRange,
  parseDailyCountsQuery,
  prepareAppend,
} from './activity/activity-changes.js';
export type { ParsedActivityRange } from './activity/activity-changes.js';
export { lastOfEachKey, parseRecordKeys, parseRecords } from './migration/record-keys.js';
export type { ParsedRecordKey } from './migration/record-keys.js';
export {
  decodeFeedPosition,
  encodeFeedPosition,
  parseMarkerName,
  parseReadOptions,
  parseSubscriptionName,
  parseSubscriptionOptions,
  positionNotIssued,
} from './migration/change-feed.js';
export {
  controlVersionMismatch,
  encodeControlValue,
  parseControlKey,
  parseControlPrefix,
  parseControlVersion,
} from './migration/control-records.js';
