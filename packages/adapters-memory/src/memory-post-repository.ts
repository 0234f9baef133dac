import {
  CohortError,
  type Clock,
  type Comment,
  type CreateCommentInput,
  type CreatePostInput,
  type Page,
  type PageRequest,
  type Post,
  type PostPatch,
  type PostRepository,
  type ReactionKind,
} from '@cohort/core';
import {
  atExpectedVersion,
  applyPostPatch,
  newComment,
  newPost,
  parseExpectedVersion,
  parseId,
  parsePageRequest,
  parsePostPatch,
  parseReactionKind,
} from '@cohort/core/adapter';
import { newestFirst, oldestFirst, pageOf } from './memory-pages.js';
import { copyOf, reactionKey, roundTrip, type MemoryTables } from './memory-tables.js';

export class MemoryPostRepository implements PostRepository {
  constructor(
    private readonly tables: MemoryTables,
    private readonly clock: Clock,
  ) {}

  async create(input: CreatePostInput): Promise<Post> {
    await roundTrip();
    const post = newPost(input, this.clock.now());
    if (!this.tables.communities.has(post.communityId)) throw CohortError.notFound('Community', post.communityId);
    this.tables.posts.set(post.id, post);
    return copyOf(post);
  }

  async getById(id: string): Promise<Post | null> {
    await roundTrip();
    const post = this.tables.posts.get(parseId(id));
    return post ? copyOf(post) : null;
  }

  async update(id: string, patch: PostPatch, expectedVersion: number): Promise<Post> {
    await roundTrip();
    const postId = parseId(id);
    const changes = parsePostPatch(patch);
    const version = parseExpectedVersion(expectedVersion);
    const current = atExpectedVersion(this.tables.posts.get(postId), 'Post', postId, version);
    const next = applyPostPatch(current, changes, this.clock.now());
    this.tables.posts.set(postId, next);
    return copyOf(next);
  }

  async remove(id: string): Promise<boolean> {
    await roundTrip();
    const postId = parseId(id);
    if (!this.tables.posts.delete(postId)) return false;
    const comments = [...this.tables.comments.values()].filter((comment) => comment.postId === postId);
    for (const comment of comments) this.tables.comments.delete(comment.id);
    const reactions = [...this.tables.reactions.values()].filter((reaction) => reaction.postId === postId);
    for (const reaction of reactions) {
      this.tables.reactions.delete(reactionKey(reaction.postId, reaction.userId, reaction.kind));
    }
    return true;
  }

  async feed(communityId: string, page?: PageRequest): Promise<Page<Post>> {
    await roundTrip();
    const community = parseId(communityId, 'communityId');
    const request = parsePageRequest(page);
    const rows = [...this.tables.posts.values()].filter((post) => post.communityId === community);
    return pageOf(
      rows,
      newestFirst(
        (post) => post.createdAt,
        (post) => post.id,
      ),
      'posts.feed',
      [community],
      request,
    );
  }

  async addComment(postId: string, input: CreateCommentInput): Promise<Comment> {
    await roundTrip();
    const comment = newComment(parseId(postId, 'postId'), input, this.clock.now());
    const post = this.tables.posts.get(comment.postId);
    if (!post) throw CohortError.notFound('Post', comment.postId);
    this.tables.comments.set(comment.id, comment);
    // Counters are not edits: they move neither version nor updatedAt.
    this.tables.posts.set(post.id, { ...post, commentCount: post.commentCount + 1 });
    return copyOf(comment);
  }

  async listComments(postId: string, page?: PageRequest): Promise<Page<Comment>> {
    await roundTrip();
    const post = parseId(postId, 'postId');
    const request = parsePageRequest(page);
    const rows = [...this.tables.comments.values()].filter((comment) => comment.postId === post);
    return pageOf(
      rows,
      oldestFirst(
        (comment) => comment.createdAt,
        (comment) => comment.id,
      ),
      'posts.listComments',
      [post],
      request,
    );
  }

  async react(postId: string, userId: string, kind: ReactionKind): Promise<boolean> {
    await roundTrip();
    const post = parseId(postId, 'postId');
    const user = parseId(userId, 'userId');
    const reaction = parseReactionKind(kind);
    const current = this.tables.posts.get(post);
    if (!current) throw CohortError.notFound('Post', post);
    const key = reactionKey(post, user, reaction);
    if (this.tables.reactions.has(key)) return false;
    this.tables.reactions.set(key, { postId: post, userId: user, kind: reaction, createdAt: this.clock.now() });
    this.setReactionCount(current, reaction, current.reactionCounts[reaction] + 1);
    return true;
  }

  async unreact(postId: string, userId: string, kind: ReactionKind): Promise<boolean> {
    await roundTrip();
    const post = parseId(postId, 'postId');
    const user = parseId(userId, 'userId');
    const reaction = parseReactionKind(kind);
    if (!this.tables.reactions.delete(reactionKey(post, user, reaction))) return false;
    const current = this.tables.posts.get(post);
    if (current) this.setReactionCount(current, reaction, Math.max(0, current.reactionCounts[reaction] - 1));
    return true;
  }

  private setReactionCount(post: Post, kind: ReactionKind, count: number): void {
    this.tables.posts.set(post.id, { ...post, reactionCounts: { ...post.reactionCounts, [kind]: count } });
  }
}
