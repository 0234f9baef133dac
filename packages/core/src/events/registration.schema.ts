import { z } from 'zod';
import { idSchema } from '../shared/ids.js';
import { instant } from '../shared/text.js';

export const registrationStatuses = ['registered', 'waitlisted', 'cancelled', 'attended'] as const;

/** The largest position: what a 32-bit integer column holds, so every store keeps every position it is given. */
export const MAX_POSITION = 2_147_483_647;

/**
 * `position` is the registration's place in the event's arrival order (1, 2, 3…), unique within the event and
 * taken anew when a cancelled registration registers again; the waitlist is served in ascending position.
 */
export const registrationSchema = z
  .object({
    eventId: idSchema,
    userId: idSchema,
    status: z.enum(registrationStatuses),
    position: z.number().int().min(1).max(MAX_POSITION),
    registeredAt: instant(),
    updatedAt: instant(),
  })
  .strict();
export type Registration = z.infer<typeof registrationSchema>;
export type RegistrationStatus = Registration['status'];

export const listRegistrationsFilterSchema = z.object({ status: z.enum(registrationStatuses).optional() }).strict();
export type ListRegistrationsFilter = z.input<typeof listRegistrationsFilterSchema>;
