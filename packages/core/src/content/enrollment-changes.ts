import { parseId } from '../shared/parse-id.js';
import { parseField } from '../shared/validation.js';
import { progressSchema, type Enrollment } from './enrollment.schema.js';

/** A fresh enrollment at progress 0. */
export function newEnrollment(userId: string, contentId: string, now: Date): Enrollment {
  return {
    userId: parseId(userId, 'userId'),
    contentId: parseId(contentId, 'contentId'),
    progress: 0,
    status: 'enrolled',
    enrolledAt: now,
    completedAt: null,
    updatedAt: now,
  };
}

export function parseProgress(progress: unknown): number {
  return parseField(progressSchema, progress, 'progress');
}

/**
 * Progress only moves forward (a late, lower report changes nothing), and 100 completes once. Returns the same
 * object when nothing changes, so callers can skip the write.
 */
export function advanceEnrollment(enrollment: Enrollment, progress: number, now: Date): Enrollment {
  if (progress <= enrollment.progress) return enrollment;
  const completes = progress === 100 && enrollment.status !== 'completed';
  return {
    ...enrollment,
    progress,
    status: progress === 100 ? 'completed' : enrollment.status,
    completedAt: completes ? now : enrollment.completedAt,
    updatedAt: now,
  };
}
