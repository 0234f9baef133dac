import type { Page, PageRequest } from '../shared/page.js';
import type {
  ActivityEvent,
  ActivityObject,
  ActivityRange,
  AppendResult,
  DailyCount,
  DailyCountsQuery,
  NewActivityEvent,
} from './activity-event.schema.js';

export interface ActivityLog {
  /**
   * Appends up to 1,000 events, idempotent by id (a repeated id, in this batch or earlier, is skipped and not
   * counted twice); each new event increments its day's counter in the same atomic step. An empty batch is
   * allowed; `appended + duplicates` always equals the batch length. More than 1,000 events is VALIDATION.
   */
  append(events: readonly NewActivityEvent[]): Promise<AppendResult>;
  /** One actor's events, newest `occurredAt` first (ties by id, descending), within the optional range. */
  listByActor(actorId: string, range?: ActivityRange, page?: PageRequest): Promise<Page<ActivityEvent>>;
  /** Events about one object, newest first (ties by id, descending), within the optional range. */
  listByObject(object: ActivityObject, range?: ActivityRange, page?: PageRequest): Promise<Page<ActivityEvent>>;
  /** Per-day, per-verb counts from the counters (never a scan of the log), ordered by day then verb; zeros omitted. */
  dailyCounts(query: DailyCountsQuery): Promise<DailyCount[]>;
  /** Deletes events that occurred before `before`; daily counts stay as they were. Returns how many were deleted. */
  purgeBefore(before: Date): Promise<number>;
}
