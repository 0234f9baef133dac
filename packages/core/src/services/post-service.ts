import type { Comment } from '../community/comment.schema.js';
import { createCommentInputSchema } from '../community/comment.schema.js';
import { parseReactionKind } from '../community/post-changes.js';
import { createPostInputSchema, type Post, type ReactionKind } from '../community/post.schema.js';
import { CohortError } from '../shared/cohort-error.js';
import { parsePageRequest, type Page, type PageRequest } from '../shared/page.js';
import { parseId } from '../shared/parse-id.js';
import { parseInput } from '../shared/validation.js';
import { CommunityAccess, moderates, type CommunityView } from './community-access.js';
import type { ServiceDeps } from './service-deps.js';
import { ActivityRecorder, UserLookup, parseActorId } from './service-support.js';

export type PostServiceDeps = Pick<
  ServiceDeps,
  'users' | 'communities' | 'memberships' | 'posts' | 'activity' | 'clock'
>;

const bodySchema = createPostInputSchema.shape.body;
const commentBodySchema = createCommentInputSchema.shape.body;

/**
 * A community's feed: posts, comments and reactions. Members write; a private community is read by members only,
 * a public one by any active user. Authors remove their own posts, owners and moderators any post of their community.
 */
export class PostService {
  private readonly posts: PostServiceDeps['posts'];
  private readonly lookup: UserLookup;
  private readonly access: CommunityAccess;
  private readonly activity: ActivityRecorder;

  constructor(deps: PostServiceDeps) {
    this.posts = deps.posts;
    this.lookup = new UserLookup(deps.users);
    this.access = new CommunityAccess(deps.communities, deps.memberships);
    this.activity = new ActivityRecorder(deps.activity, deps.clock);
  }

  /** Posts to a community the actor is a member of (FORBIDDEN otherwise) and records `posted`. */
  async post(actorId: string, communityId: string, body: string): Promise<Post> {
    const actor = parseActorId(actorId);
    const id = parseId(communityId, 'communityId');
    const text = parseInput(bodySchema, body, 'body');
    await this.lookup.activeActor(actor);
    await this.access.writable(id, actor);
    const post = await this.posts.create({ communityId: id, authorId: actor, body: text });
    await this.activity.record({
      actorId: actor,
      verb: 'posted',
      object: { type: 'post', id: post.id },
      metadata: { communityId: id },
      change: { at: post.createdAt },
    });
    return post;
  }

  /** The post, or null; FORBIDDEN when the actor may not read its community. */
  async getPost(actorId: string, postId: string): Promise<Post | null> {
    const actor = parseActorId(actorId);
    const id = parseId(postId, 'postId');
    await this.lookup.activeActor(actor);
    const post = await this.posts.getById(id);
    if (post !== null) await this.access.readable(post.communityId, actor);
    return post;
  }

  /** A community's posts, newest first, page by page. */
  async readFeed(actorId: string, communityId: string, page?: PageRequest): Promise<Page<Post>> {
    const actor = parseActorId(actorId);
    const id = parseId(communityId, 'communityId');
    const request = parsePageRequest(page);
    await this.lookup.activeActor(actor);
    await this.access.readable(id, actor);
    return this.posts.feed(id, request);
  }

  /** Comments on a post the actor is a member of the community of; records `commented` on the post. */
  async comment(actorId: string, postId: string, body: string): Promise<Comment> {
    const actor = parseActorId(actorId);
    const id = parseId(postId, 'postId');
    const text = parseInput(commentBodySchema, body, 'body');
    await this.lookup.activeActor(actor);
    const post = await this.requirePost(id);
    await this.access.writable(post.communityId, actor);
    const comment = await this.posts.addComment(id, { authorId: actor, body: text });
    await this.activity.record({
      actorId: actor,
      verb: 'commented',
      object: { type: 'post', id },
      metadata: { commentId: comment.id, communityId: post.communityId },
      change: { at: comment.createdAt, keys: [comment.id] },
    });
    return comment;
  }

  /** A post's comments, oldest first, page by page. */
  async listComments(actorId: string, postId: string, page?: PageRequest): Promise<Page<Comment>> {
    const actor = parseActorId(actorId);
    const id = parseId(postId, 'postId');
    const request = parsePageRequest(page);
    await this.lookup.activeActor(actor);
    const post = await this.requirePost(id);
    await this.access.readable(post.communityId, actor);
    return this.posts.listComments(id, request);
  }

  /**
   * Adds the actor's reaction (members only); true and `reacted` recorded if new, false if it already existed, so of
   * racing duplicates only the one that added it records. The port does not return the reaction's time, so a retry
   * after a crash between the write and the append records nothing.
   */
  async react(actorId: string, postId: string, kind: ReactionKind): Promise<boolean> {
    const actor = parseActorId(actorId);
    const id = parseId(postId, 'postId');
    const reaction = parseReactionKind(kind);
    await this.lookup.activeActor(actor);
    const post = await this.requirePost(id);
    await this.access.writable(post.communityId, actor);
    const added = await this.posts.react(id, actor, reaction);
    if (added) {
      await this.activity.record({
        actorId: actor,
        verb: 'reacted',
        object: { type: 'post', id },
        metadata: { kind: reaction, communityId: post.communityId },
      });
    }
    return added;
  }

  /**
   * Takes back the actor's reaction (anyone who can read the post, so a former member can too); true if removed.
   * No activity verb describes it, so nothing is recorded.
   */
  async unreact(actorId: string, postId: string, kind: ReactionKind): Promise<boolean> {
    const actor = parseActorId(actorId);
    const id = parseId(postId, 'postId');
    const reaction = parseReactionKind(kind);
    await this.lookup.activeActor(actor);
    const post = await this.requirePost(id);
    await this.access.readable(post.communityId, actor);
    return this.posts.unreact(id, actor, reaction);
  }

  /**
   * Removes a post with its comments and reactions, by its author or an owner or moderator of its community
   * (FORBIDDEN otherwise); records `removed`.
   */
  async removePost(actorId: string, postId: string): Promise<void> {
    const actor = parseActorId(actorId);
    const id = parseId(postId, 'postId');
    await this.lookup.activeActor(actor);
    const post = await this.requirePost(id);
    const view: CommunityView = await this.access.view(post.communityId, actor);
    if (post.authorId !== actor && !moderates(view.membership)) {
      throw CohortError.forbidden(`Only the author or a moderator may remove post ${id}`);
    }
    const removed = await this.posts.remove(id);
    if (!removed) throw CohortError.notFound('Post', id);
    await this.activity.record({
      actorId: actor,
      verb: 'removed',
      object: { type: 'post', id },
      metadata: { communityId: post.communityId, authorId: post.authorId },
    });
  }

  private async requirePost(id: string): Promise<Post> {
    const post = await this.posts.getById(id);
    if (post === null) throw CohortError.notFound('Post', id);
    return post;
  }
}
