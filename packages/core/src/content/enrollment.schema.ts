import { z } from 'zod';
import { idSchema } from '../shared/ids.js';
import { instant } from '../shared/text.js';

export const enrollmentStatuses = ['enrolled', 'completed'] as const;

export const progressSchema = z.number().int().min(0).max(100);

export const enrollmentSchema = z
  .object({
    userId: idSchema,
    contentId: idSchema,
    progress: progressSchema,
    status: z.enum(enrollmentStatuses),
    enrolledAt: instant(),
    completedAt: instant().nullable(),
    updatedAt: instant(),
  })
  .strict();
export type Enrollment = z.infer<typeof enrollmentSchema>;

/** How many users enrolled in a content item (completed ones included) and how many completed it. */
export interface EnrollmentCounts {
  readonly enrolled: number;
  readonly completed: number;
}
