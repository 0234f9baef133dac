import { newId } from '../shared/ids.js';
import { definedOnly } from '../shared/patch.js';
import { parseField, parseInput } from '../shared/validation.js';
import { createCommentInputSchema, type Comment, type CreateCommentInput } from './comment.schema.js';
import {
  createPostInputSchema,
  noReactions,
  postPatchSchema,
  reactionKinds,
  type CreatePostInput,
  type Post,
  type PostPatch,
  type ReactionKind,
} from './post.schema.js';
import { z } from 'zod';

export type ParsedPostPatch = ReturnType<typeof postPatchSchema.parse>;

/** The post a `create` stores: no comments, no reactions, version 1. */
export function newPost(input: CreatePostInput, now: Date): Post {
  const parsed = parseInput(createPostInputSchema, input, 'post');
  return {
    id: newId(now.getTime()),
    ...parsed,
    commentCount: 0,
    reactionCounts: noReactions(),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

export function parsePostPatch(patch: PostPatch): ParsedPostPatch {
  return parseInput(postPatchSchema, patch, 'post patch');
}

export function applyPostPatch(post: Post, patch: ParsedPostPatch, now: Date): Post {
  return { ...post, ...definedOnly(patch), updatedAt: now, version: post.version + 1 };
}

/** The comment an `addComment` stores (the post's existence is the store's to check). */
export function newComment(postId: string, input: CreateCommentInput, now: Date): Comment {
  const parsed = parseInput(createCommentInputSchema, input, 'comment');
  return { id: newId(now.getTime()), postId, ...parsed, createdAt: now };
}

export function parseReactionKind(kind: unknown): ReactionKind {
  return parseField(z.enum(reactionKinds), kind, 'kind');
}
