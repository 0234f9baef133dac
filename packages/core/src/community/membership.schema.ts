import { z } from 'zod';
import { idSchema } from '../shared/ids.js';
import { instant } from '../shared/text.js';

export const membershipRoles = ['owner', 'moderator', 'member'] as const;

export const membershipSchema = z
  .object({
    communityId: idSchema,
    userId: idSchema,
    role: z.enum(membershipRoles),
    joinedAt: instant(),
  })
  .strict();
export type Membership = z.infer<typeof membershipSchema>;
export type MembershipRole = Membership['role'];
