import type { Page, PageRequest } from '../shared/page.js';
import type { Comment, CreateCommentInput } from './comment.schema.js';
import type { CreatePostInput, Post, PostPatch, ReactionKind } from './post.schema.js';

export interface PostRepository {
  /** Stores a post with no comments or reactions, at version 1; NOT_FOUND when the community does not exist. */
  create(input: CreatePostInput): Promise<Post>;
  /** The post, or null. */
  getById(id: string): Promise<Post | null>;
  /** Applies `patch` if the stored version is `expectedVersion`; NOT_FOUND or CONCURRENCY otherwise. */
  update(id: string, patch: PostPatch, expectedVersion: number): Promise<Post>;
  /** Deletes the post with its comments and reactions; false when there was no such post. */
  remove(id: string): Promise<boolean>;
  /** A community's posts, newest `createdAt` first (ties by id, descending); empty for an unknown community. */
  feed(communityId: string, page?: PageRequest): Promise<Page<Post>>;
  /** Stores a comment and increments commentCount atomically; NOT_FOUND when the post does not exist. */
  addComment(postId: string, input: CreateCommentInput): Promise<Comment>;
  /** A post's comments, oldest `createdAt` first (ties by id); empty for an unknown post. */
  listComments(postId: string, page?: PageRequest): Promise<Page<Comment>>;
  /** Adds the user's reaction of `kind`; true if added, false if it already existed. NOT_FOUND for a missing post. */
  react(postId: string, userId: string, kind: ReactionKind): Promise<boolean>;
  /** Removes the user's reaction of `kind`; true if removed, false if there was none (or no such post). */
  unreact(postId: string, userId: string, kind: ReactionKind): Promise<boolean>;
}
