import { z } from 'zod';
import { idSchema } from '../shared/ids.js';
import { instant, text } from '../shared/text.js';
import { textLimits } from '../shared/text-limits.js';

export const commentSchema = z
  .object({
    id: idSchema,
    postId: idSchema,
    authorId: idSchema,
    body: text(...textLimits.comment.body),
    createdAt: instant(),
  })
  .strict();
export type Comment = z.infer<typeof commentSchema>;

export const createCommentInputSchema = z
  .object({ authorId: idSchema, body: text(...textLimits.comment.body) })
  .strict();
export type CreateCommentInput = z.input<typeof createCommentInputSchema>;
