import { z } from 'zod';
import { idSchema } from '../shared/ids.js';
import { count, instant, text, version } from '../shared/text.js';
import { textLimits } from '../shared/text-limits.js';

export const reactionKinds = ['like', 'celebrate', 'insightful', 'support'] as const;
export type ReactionKind = (typeof reactionKinds)[number];

export const reactionCountsSchema = z
  .object({ like: count(), celebrate: count(), insightful: count(), support: count() })
  .strict();
export type ReactionCounts = z.infer<typeof reactionCountsSchema>;

export const noReactions = (): ReactionCounts => ({ like: 0, celebrate: 0, insightful: 0, support: 0 });

export const postSchema = z
  .object({
    id: idSchema,
    communityId: idSchema,
    authorId: idSchema,
    body: text(...textLimits.post.body),
    commentCount: count(),
    reactionCounts: reactionCountsSchema,
    createdAt: instant(),
    updatedAt: instant(),
    version: version(),
  })
  .strict();
export type Post = z.infer<typeof postSchema>;

export const createPostInputSchema = z
  .object({ communityId: idSchema, authorId: idSchema, body: text(...textLimits.post.body) })
  .strict();
export type CreatePostInput = z.input<typeof createPostInputSchema>;

export const postPatchSchema = z.object({ body: text(...textLimits.post.body).optional() }).strict();
export type PostPatch = z.input<typeof postPatchSchema>;
