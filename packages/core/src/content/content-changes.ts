import { newId } from '../shared/ids.js';
import { definedOnly } from '../shared/patch.js';
import { parseInput } from '../shared/validation.js';
import {
  contentPatchSchema,
  createContentInputSchema,
  type Content,
  type ContentPatch,
  type CreateContentInput,
} from './content.schema.js';

export type ParsedContentPatch = ReturnType<typeof contentPatchSchema.parse>;

/** The draft a `create` stores. */
export function newContent(input: CreateContentInput, now: Date): Content {
  const parsed = parseInput(createContentInputSchema, input, 'content');
  return {
    id: newId(now.getTime()),
    ...parsed,
    status: 'draft',
    publishedAt: null,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

export function parseContentPatch(patch: ContentPatch): ParsedContentPatch {
  return parseInput(contentPatchSchema, patch, 'content patch');
}

/** Publishing stamps publishedAt the first time only, so re-publishing an archived item keeps its place. */
export function applyContentPatch(content: Content, patch: ParsedContentPatch, now: Date): Content {
  const next = { ...content, ...definedOnly(patch), updatedAt: now, version: content.version + 1 };
  if (next.status === 'published' && next.publishedAt === null) next.publishedAt = now;
  return next;
}
