import { z } from 'zod';
import { idSchema } from '../shared/ids.js';
import { instant } from '../shared/text.js';
import { reactionKinds } from './post.schema.js';

/** One per (post, user, kind). */
export const reactionSchema = z
  .object({
    postId: idSchema,
    userId: idSchema,
    kind: z.enum(reactionKinds),
    createdAt: instant(),
  })
  .strict();
export type Reaction = z.infer<typeof reactionSchema>;
