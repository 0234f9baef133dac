import { z } from 'zod';
import { idSchema } from '../shared/ids.js';
import { count, instant, text, version } from '../shared/text.js';
import { textLimits } from '../shared/text-limits.js';

export const eventStatuses = ['scheduled', 'cancelled'] as const;
export const MAX_CAPACITY = 100_000;

const capacitySchema = z.number().int().min(1).max(MAX_CAPACITY);
const startsBeforeEnds = (event: { startsAt: Date; endsAt: Date }) => event.startsAt.getTime() < event.endsAt.getTime();
const startsBeforeEndsIssue = { message: 'startsAt must be before endsAt', path: ['endsAt'] };

export const eventSchema = z
  .object({
    id: idSchema,
    title: text(...textLimits.event.title),
    description: text(...textLimits.event.description),
    hostId: idSchema,
    communityId: idSchema.nullable(),
    startsAt: instant(),
    endsAt: instant(),
    capacity: capacitySchema,
    /** Seats taken: registrations with status registered or attended. */
    registeredCount: count(),
    /** Registrations with status waitlisted. */
    waitlistCount: count(),
    status: z.enum(eventStatuses),
    createdAt: instant(),
    updatedAt: instant(),
    version: version(),
  })
  .strict()
  .refine(startsBeforeEnds, startsBeforeEndsIssue)
  .refine((event) => event.registeredCount <= event.capacity, {
    message: 'registeredCount must not exceed capacity',
    path: ['registeredCount'],
  });
export type Event = z.infer<typeof eventSchema>;

export const createEventInputSchema = z
  .object({
    title: text(...textLimits.event.title),
    description: text(...textLimits.event.description).default(''),
    hostId: idSchema,
    communityId: idSchema.nullish().transform((id) => id ?? null),
    startsAt: instant(),
    endsAt: instant(),
    capacity: capacitySchema,
  })
  .strict()
  .refine(startsBeforeEnds, startsBeforeEndsIssue);
export type CreateEventInput = z.input<typeof createEventInputSchema>;

/**
 * Raising `capacity` promotes the earliest waitlisted into the new seats in the same atomic step; lowering it below
 * `registeredCount` is CONFLICT. Cancelling (`status: 'cancelled'`) stops new registrations.
 */
export const eventPatchSchema = z
  .object({
    title: text(...textLimits.event.title).optional(),
    description: text(...textLimits.event.description).optional(),
    startsAt: instant().optional(),
    endsAt: instant().optional(),
    capacity: capacitySchema.optional(),
    status: z.enum(eventStatuses).optional(),
  })
  .strict();
export type EventPatch = z.input<typeof eventPatchSchema>;

export const listUpcomingFilterSchema = z.object({ from: instant(), communityId: idSchema.optional() }).strict();
export type ListUpcomingFilter = z.input<typeof listUpcomingFilterSchema>;
