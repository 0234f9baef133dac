import { z } from 'zod';
import { idSchema } from '../shared/ids.js';
import { count, instant, slug, text, version } from '../shared/text.js';
import { textLimits } from '../shared/text-limits.js';

export const communityVisibilities = ['public', 'private'] as const;

export const communitySchema = z
  .object({
    id: idSchema,
    slug: slug(60),
    name: text(...textLimits.community.name),
    description: text(...textLimits.community.description),
    visibility: z.enum(communityVisibilities),
    ownerId: idSchema,
    memberCount: count(),
    createdAt: instant(),
    updatedAt: instant(),
    version: version(),
  })
  .strict();
export type Community = z.infer<typeof communitySchema>;

export const createCommunityInputSchema = z
  .object({
    slug: slug(60),
    name: text(...textLimits.community.name),
    description: text(...textLimits.community.description).default(''),
    visibility: z.enum(communityVisibilities).default('public'),
    ownerId: idSchema,
  })
  .strict();
export type CreateCommunityInput = z.input<typeof createCommunityInputSchema>;

export const communityPatchSchema = z
  .object({
    name: text(...textLimits.community.name).optional(),
    description: text(...textLimits.community.description).optional(),
    visibility: z.enum(communityVisibilities).optional(),
  })
  .strict();
export type CommunityPatch = z.input<typeof communityPatchSchema>;
