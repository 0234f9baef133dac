import {
  CohortError,
  type Comment,
  type CreateCommentInput,
  type CreatePostInput,
  type Page,
  type PageRequest,
  type Post,
  type PostPatch,
  type PostRepository,
  type Reaction,
  type ReactionKind,
} from '@cohort/core';
import {
  applyPostPatch,
  atExpectedVersion,
  listScope,
  newComment,
  newPost,
  pagedLists,
  parseExpectedVersion,
  parseId,
  parsePostPatch,
  parseReactionKind,
} from '@cohort/core/adapter';
import type { DynamoContext } from '../shared/dynamo-context.js';
import {
  batchWrite,
  deleteItem,
  failedAt,
  getItem,
  queryAll,
  transactWrite,
  updateItem,
  type Item,
} from '../shared/dynamo-ops.js';
import { Expression } from '../shared/expression.js';
import { cursorNumber, cursorString, millis } from '../shared/item-format.js';
import { indexPartitionQuery, keysetPage } from '../shared/paging.js';
import { TABLE } from '../table-definition.js';
import { REMOVING, toComment, toCommentItem, toPost, toPostItem, toReactionItem } from './community.items.js';
import { communityKeys } from './community.keys.js';

/** A live post: stored and not being removed. */
const LIVE = 'attribute_exists(pk) AND attribute_not_exists(#removing)';

/**
 * Posts with their comments and reactions in the post's partition; commentCount and reactionCounts move in the same
 * transaction as the comment or reaction. Removal first marks the post (closing it to new children and dropping it
 * from the feed), then deletes every item of its partition.
 */
export class DynamoPostRepository implements PostRepository {
  constructor(private readonly context: DynamoContext) {}

  async create(input: CreatePostInput): Promise<Post> {
    const post = newPost(input, this.context.clock.now());
    const { tableName } = this.context;
    const result = await transactWrite(
      this.context,
      [
        {
          ConditionCheck: {
            TableName: tableName,
            Key: communityKeys.community(post.communityId),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        { Put: { TableName: tableName, Item: toPostItem(post), ConditionExpression: 'attribute_not_exists(pk)' } },
      ],
      'posts.create',
    );
    if (failedAt(result, 0)) throw CohortError.notFound('Community', post.communityId);
    if (!result.ok) throw CohortError.conflict(`Post ${post.id} already exists`);
    return post;
  }

  async getById(id: string): Promise<Post | null> {
    const item = await this.liveItem(parseId(id), 'posts.getById');
    return item ? toPost(item) : null;
  }

  async update(id: string, patch: PostPatch, expectedVersion: number): Promise<Post> {
    const postId = parseId(id);
    const parsed = parsePostPatch(patch);
    const expected = parseExpectedVersion(expectedVersion);
    const item = await this.liveItem(postId, 'posts.update');
    const current = atExpectedVersion(item ? toPost(item) : null, 'Post', postId, expected);
    const next = applyPostPatch(current, parsed, this.context.clock.now());
    const expression = new Expression();
    const assignments = expression.set({ body: next.body, updatedAt: millis(next.updatedAt), version: next.version });
    const stored = await updateItem(
      this.context,
      {
        Key: communityKeys.post(postId),
        UpdateExpression: `SET ${assignments}`,
        ConditionExpression:
          `${expression.name('version')} = ${expression.value(expected)}` +
          ` AND attribute_not_exists(${expression.name(REMOVING)})`,
        ReturnValues: 'ALL_NEW',
        ...expression.attributes(),
      },
      'posts.update',
    );
    if (stored) return toPost(stored);
    if (!(await this.liveItem(postId, 'posts.update'))) throw CohortError.notFound('Post', postId);
    throw CohortError.concurrency('Post', postId, expected);
  }

  async remove(id: string): Promise<boolean> {
    const postId = parseId(id);
    const marked = await updateItem(
      this.context,
      {
        Key: communityKeys.post(postId),
        UpdateExpression: 'SET #removing = :true REMOVE #g1pk, #g1sk, #scanPk, #scanSk',
        ConditionExpression: LIVE,
        ExpressionAttributeNames: {
          '#removing': REMOVING,
          '#g1pk': TABLE.gsi1.partitionKey,
          '#g1sk': TABLE.gsi1.sortKey,
          '#scanPk': TABLE.scan.partitionKey,
          '#scanSk': TABLE.scan.sortKey,
        },
        ExpressionAttributeValues: { ':true': true },
      },
      'posts.remove',
    );
    if (marked === null) {
      // Not live: either absent, or marked by a removal that did not finish; finish it, but report no post.
      const leftover = await getItem(this.context, communityKeys.post(postId), 'posts.remove');
      if (leftover?.[REMOVING] === true) await this.deletePartition(postId);
      return false;
    }
    await this.deletePartition(postId);
    return true;
  }

  async feed(communityId: string, page?: PageRequest): Promise<Page<Post>> {
    const community = parseId(communityId, 'communityId');
    return keysetPage(this.context, {
      scope: listScope('posts.feed', community),
      parts: pagedLists['posts.feed'],
      page,
      query: indexPartitionQuery(TABLE.gsi1, communityKeys.feedPartition(community), 'newestFirst'),
      startKey: (cursor) => communityKeys.feedStart(community, cursorNumber(cursor, 0), cursorString(cursor, 1)),
      toDomain: toPost,
      keyOf: (post) => [post.createdAt.getTime(), post.id],
      what: 'posts.feed',
    });
  }

  async addComment(postId: string, input: CreateCommentInput): Promise<Comment> {
    const post = parseId(postId, 'postId');
    const comment = newComment(post, input, this.context.clock.now());
    const { tableName } = this.context;
    const result = await transactWrite(
      this.context,
      [
        {
          Update: {
            TableName: tableName,
            Key: communityKeys.post(post),
            UpdateExpression: 'ADD commentCount :one',
            ConditionExpression: LIVE,
            ExpressionAttributeNames: { '#removing': REMOVING },
            ExpressionAttributeValues: { ':one': 1 },
          },
        },
        {
          Put: { TableName: tableName, Item: toCommentItem(comment), ConditionExpression: 'attribute_not_exists(pk)' },
        },
      ],
      'posts.addComment',
    );
    if (failedAt(result, 0)) throw CohortError.notFound('Post', post);
    if (!result.ok) throw CohortError.conflict(`Comment ${comment.id} already exists`);
    return comment;
  }

  async listComments(postId: string, page?: PageRequest): Promise<Page<Comment>> {
    const post = parseId(postId, 'postId');
    return keysetPage(this.context, {
      scope: listScope('posts.listComments', post),
      parts: pagedLists['posts.listComments'],
      page,
      query: indexPartitionQuery(TABLE.gsi1, communityKeys.commentsPartition(post)),
      startKey: (cursor) => communityKeys.commentsStart(post, cursorNumber(cursor, 0), cursorString(cursor, 1)),
      toDomain: toComment,
      keyOf: (comment) => [comment.createdAt.getTime(), comment.id],
      what: 'posts.listComments',
    });
  }

  async react(postId: string, userId: string, kind: ReactionKind): Promise<boolean> {
    const reaction: Reaction = {
      postId: parseId(postId, 'postId'),
      userId: parseId(userId, 'userId'),
      kind: parseReactionKind(kind),
      createdAt: this.context.clock.now(),
    };
    const { tableName } = this.context;
    const result = await transactWrite(
      this.context,
      [
        {
          Update: {
            TableName: tableName,
            Key: communityKeys.post(reaction.postId),
            UpdateExpression: 'SET #counts.#kind = #counts.#kind + :one',
            ConditionExpression: LIVE,
            ExpressionAttributeNames: { '#removing': REMOVING, '#counts': 'reactionCounts', '#kind': reaction.kind },
            ExpressionAttributeValues: { ':one': 1 },
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: toReactionItem(reaction),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
      'posts.react',
    );
    if (result.ok) return true;
    if (failedAt(result, 0)) throw CohortError.notFound('Post', reaction.postId);
    return false;
  }

  async unreact(postId: string, userId: string, kind: ReactionKind): Promise<boolean> {
    const post = parseId(postId, 'postId');
    const user = parseId(userId, 'userId');
    const parsedKind = parseReactionKind(kind);
    const { tableName } = this.context;
    const result = await transactWrite(
      this.context,
      [
        {
          Update: {
            TableName: tableName,
            Key: communityKeys.post(post),
            UpdateExpression: 'SET #counts.#kind = #counts.#kind - :one',
            ConditionExpression: `${LIVE} AND #counts.#kind >= :one`,
            ExpressionAttributeNames: { '#removing': REMOVING, '#counts': 'reactionCounts', '#kind': parsedKind },
            ExpressionAttributeValues: { ':one': 1 },
          },
        },
        {
          Delete: {
            TableName: tableName,
            Key: communityKeys.reaction(post, user, parsedKind),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
      ],
      'posts.unreact',
    );
    return result.ok;
  }

  /** The post item if it exists and is not being removed. */
  private async liveItem(postId: string, what: string): Promise<Item | undefined> {
    const item = await getItem(this.context, communityKeys.post(postId), what);
    return item && item[REMOVING] !== true ? item : undefined;
  }

  /** Deletes the post's comments and reactions (found by a consistent Query of its partition), then the post. */
  private async deletePartition(postId: string): Promise<void> {
    const items = await queryAll(
      this.context,
      {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': communityKeys.postPartition(postId) },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
      },
      'posts.remove',
    );
    const post = communityKeys.post(postId);
    const children = items.filter((item) => item.sk !== post.sk);
    await batchWrite(
      this.context,
      children.map((item) => ({ delete: { pk: String(item.pk), sk: String(item.sk) } })),
      'posts.remove',
    );
    await deleteItem(this.context, { Key: post }, 'posts.remove');
  }
}
