import { z } from 'zod';
import { idSchema } from '../shared/ids.js';
import { instant, slug, text, version } from '../shared/text.js';
import { textLimits } from '../shared/text-limits.js';

export const contentKinds = ['course', 'article', 'video'] as const;
export const contentStatuses = ['draft', 'published', 'archived'] as const;
export const MAX_TAGS = 20;

const tagSchema = slug(40);

/** Input tags: normalized (trimmed, lower-cased) and de-duplicated, keeping first-seen order. */
const tagsInputSchema = z
  .array(tagSchema)
  .max(MAX_TAGS * 2)
  .transform((tags) => [...new Set(tags)])
  .pipe(z.array(z.string()).max(MAX_TAGS));

export const contentSchema = z
  .object({
    id: idSchema,
    kind: z.enum(contentKinds),
    title: text(...textLimits.content.title),
    summary: text(...textLimits.content.summary),
    authorId: idSchema,
    tags: z
      .array(tagSchema)
      .max(MAX_TAGS)
      .refine((tags) => new Set(tags).size === tags.length, 'tags must be unique'),
    status: z.enum(contentStatuses),
    publishedAt: instant().nullable(),
    createdAt: instant(),
    updatedAt: instant(),
    version: version(),
  })
  .strict();
export type Content = z.infer<typeof contentSchema>;
export type ContentStatus = Content['status'];

export const createContentInputSchema = z
  .object({
    kind: z.enum(contentKinds),
    title: text(...textLimits.content.title),
    summary: text(...textLimits.content.summary).default(''),
    authorId: idSchema,
    tags: tagsInputSchema.default([]),
  })
  .strict();
export type CreateContentInput = z.input<typeof createContentInputSchema>;

/** Setting `status: 'published'` stamps `publishedAt` the first time; archiving keeps it. */
export const contentPatchSchema = z
  .object({
    title: text(...textLimits.content.title).optional(),
    summary: text(...textLimits.content.summary).optional(),
    tags: tagsInputSchema.optional(),
    status: z.enum(contentStatuses).optional(),
  })
  .strict();
export type ContentPatch = z.input<typeof contentPatchSchema>;

export const listPublishedFilterSchema = z
  .object({ tag: tagSchema.optional(), authorId: idSchema.optional() })
  .strict();
export type ListPublishedFilter = z.input<typeof listPublishedFilterSchema>;
