import { z } from 'zod';
import { idSchema } from '../shared/ids.js';
import { instant, text, version } from '../shared/text.js';
import { textLimits } from '../shared/text-limits.js';

export const userRoles = ['learner', 'manager', 'admin'] as const;
export const userStatuses = ['active', 'deactivated'] as const;

export const emailSchema = z.string().trim().toLowerCase().max(254).pipe(z.email());

export const userSchema = z
  .object({
    id: idSchema,
    email: emailSchema,
    displayName: text(...textLimits.user.displayName),
    role: z.enum(userRoles),
    status: z.enum(userStatuses),
    createdAt: instant(),
    updatedAt: instant(),
    version: version(),
  })
  .strict();
export type User = z.infer<typeof userSchema>;
export type UserRole = User['role'];

export const createUserInputSchema = z
  .object({
    email: emailSchema,
    displayName: text(...textLimits.user.displayName),
    role: z.enum(userRoles).default('learner'),
  })
  .strict();
export type CreateUserInput = z.input<typeof createUserInputSchema>;

export const userPatchSchema = z
  .object({
    email: emailSchema.optional(),
    displayName: text(...textLimits.user.displayName).optional(),
    role: z.enum(userRoles).optional(),
    status: z.enum(userStatuses).optional(),
  })
  .strict();
export type UserPatch = z.input<typeof userPatchSchema>;
