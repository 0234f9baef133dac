import type { Page, PageRequest } from '../shared/page.js';
import type { Enrollment, EnrollmentCounts } from './enrollment.schema.js';

export interface EnrollmentRepository {
  /** Enrolls at progress 0, or returns the existing enrollment unchanged; NOT_FOUND if the content does not exist. */
  enroll(userId: string, contentId: string): Promise<Enrollment>;
  /**
   * Raises progress to `progress` (0–100); a lower value changes nothing, as progress never decreases.
   * Reaching 100 completes the enrollment once. NOT_FOUND when the user is not enrolled.
   */
  recordProgress(userId: string, contentId: string, progress: number): Promise<Enrollment>;
  /** The enrollment, or null. */
  get(userId: string, contentId: string): Promise<Enrollment | null>;
  /** A user's enrollments, most recent `enrolledAt` first (ties by contentId, descending). */
  listByUser(userId: string, page?: PageRequest): Promise<Page<Enrollment>>;
  /** Enrolled and completed totals for one content item (zeros when it has none). */
  countsFor(contentId: string): Promise<EnrollmentCounts>;
}
