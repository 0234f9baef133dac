import {
  reactionKinds,
  recordKeys,
  type Comment,
  type Community,
  type Membership,
  type Page,
  type Post,
  type Reaction,
  type RecordSet,
  type ScanRequest,
} from '@cohort/core';
import { type ParsedRecordKey } from '@cohort/core/adapter';
import { lastOfEachKey, parseRecordKeys, parseRecords, scanScope, type CursorPart } from '@cohort/core/adapter';
import type { DynamoContext } from '../shared/dynamo-context.js';
import { deleteManyGuarded } from '../shared/guarded-delete-many.js';
import { putManyGuarded, type GuardedRecordSet } from '../shared/guarded-put-many.js';
import { batchWrite, queryOnce, type Item, type Key } from '../shared/dynamo-ops.js';
import { cursorOneOf, cursorString } from '../shared/item-format.js';
import { countScanPartition, recordSetScanPage, scanIndexQuery } from '../shared/scan-index.js';
import {
  slugGuardItem,
  toComment,
  toCommentItem,
  toCommunity,
  toCommunityItem,
  toMembership,
  toMembershipItem,
  toPost,
  toPostItem,
  toReaction,
  toReactionItem,
} from './community.items.js';
import { communityKeys } from './community.keys.js';
import { communitiesBySlug } from './dynamo-community-repository.js';

/** Communities in slug order; putMany moves each community's slug guard with it. */
export class DynamoCommunityRecordSet implements RecordSet<Community> {
  constructor(private readonly context: DynamoContext) {}

  async scan(page?: ScanRequest): Promise<Page<Community>> {
    return recordSetScanPage(
      this.context,
      communitiesBySlug(scanScope('dynamo', 'communities'), 'communities.scan'),
      page,
    );
  }

  async putMany(records: readonly Community[]): Promise<void> {
    await putManyGuarded(this.context, COMMUNITIES, parseRecords('communities', records));
  }

  /** Deletes communities with their slug guards, so each slug can be taken again; memberships and posts stay. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    const ids = parseRecordKeys('communities', keys).map((key) => key.key);
    await deleteManyGuarded(this.context, COMMUNITIES, ids, 'communities.deleteMany');
  }

  async count(): Promise<number> {
    return countScanPartition(this.context, communityKeys.communityScanPartition, 'communities.count');
  }
}

const COMMUNITIES: GuardedRecordSet<Community> = {
  what: 'communities.putMany',
  unique: 'slug',
  owner: 'community',
  holder: 'communityId',
  recordKey: communityKeys.community,
  guardKey: communityKeys.slugGuard,
  guardItem: slugGuardItem,
  toItem: toCommunityItem,
  toDomain: toCommunity,
};

/** A record set with no hidden state: scanned from its scan-index partition, upserted with BatchWriteItem. */
class PlainRecordSet<T> implements RecordSet<T> {
  constructor(
    private readonly context: DynamoContext,
    private readonly options: {
      readonly name: 'memberships' | 'posts' | 'comments' | 'reactions';
      readonly partition: string;
      readonly parts: readonly CursorPart[];
      readonly startKey: (cursor: readonly (string | number)[]) => Record<string, string>;
      readonly keyOf: (record: T) => readonly (string | number)[];
      readonly toDomain: (item: Item) => T;
      readonly toItem: (record: T) => Item;
      readonly recordKey: (record: T) => string;
      /** The table keys of the items behind parsed record keys (those it can find: a key not stored may have none). */
      readonly itemKeys: (context: DynamoContext, keys: readonly ParsedRecordKey[]) => Promise<Key[]>;
    },
  ) {}

  async scan(page?: ScanRequest): Promise<Page<T>> {
    const { name, partition, parts, startKey, keyOf, toDomain } = this.options;
    return recordSetScanPage(
      this.context,
      { scope: scanScope('dynamo', name), parts, partition, startKey, keyOf, toDomain, what: `${name}.scan` },
      page,
    );
  }

  async putMany(records: readonly T[]): Promise<void> {
    const parsed = parseRecords(this.options.name, records as readonly unknown[]) as unknown as T[];
    const unique = lastOfEachKey(parsed, this.options.recordKey);
    await batchWrite(
      this.context,
      unique.map((record) => ({ put: this.options.toItem(record) })),
      `${this.options.name}.putMany`,
    );
  }

  /** Deletes exactly the items of these keys, with BatchWriteItem (unprocessed items retried); nothing else. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    const parsed = parseRecordKeys(this.options.name, keys);
    if (parsed.length === 0) return;
    const itemKeys = await this.options.itemKeys(this.context, parsed);
    await batchWrite(
      this.context,
      itemKeys.map((key) => ({ delete: key })),
      `${this.options.name}.deleteMany`,
    );
  }

  async count(): Promise<number> {
    return countScanPartition(this.context, this.options.partition, `${this.options.name}.count`);
  }
}

export function membershipRecordSet(context: DynamoContext): RecordSet<Membership> {
  return new PlainRecordSet<Membership>(context, {
    name: 'memberships',
    partition: communityKeys.membershipScanPartition,
    parts: ['id', 'id'],
    startKey: (cursor) => communityKeys.membershipScanStart(cursorString(cursor, 0), cursorString(cursor, 1)),
    keyOf: (membership) => [membership.communityId, membership.userId],
    toDomain: toMembership,
    toItem: toMembershipItem,
    recordKey: recordKeys.memberships,
    itemKeys: (_, keys) => Promise.resolve(keys.map(({ parts: [c = '', u = ''] }) => communityKeys.membership(c, u))),
  });
}

export function postRecordSet(context: DynamoContext): RecordSet<Post> {
  return new PlainRecordSet<Post>(context, {
    name: 'posts',
    partition: communityKeys.postScanPartition,
    parts: ['id'],
    startKey: (cursor) => communityKeys.postScanStart(cursorString(cursor, 0)),
    keyOf: (post) => [post.id],
    toDomain: toPost,
    toItem: toPostItem,
    recordKey: recordKeys.posts,
    itemKeys: (_, keys) => Promise.resolve(keys.map(({ key }) => communityKeys.post(key))),
  });
}

export function commentRecordSet(context: DynamoContext): RecordSet<Comment> {
  return new PlainRecordSet<Comment>(context, {
    name: 'comments',
    partition: communityKeys.commentScanPartition,
    parts: ['id', 'id'],
    startKey: (cursor) => communityKeys.commentScanStart(cursorString(cursor, 0), cursorString(cursor, 1)),
    keyOf: (comment) => [comment.postId, comment.id],
    toDomain: toComment,
    toItem: toCommentItem,
    recordKey: recordKeys.comments,
    itemKeys: commentItemKeys,
  });
}

export function reactionRecordSet(context: DynamoContext): RecordSet<Reaction> {
  return new PlainRecordSet<Reaction>(context, {
    name: 'reactions',
    partition: communityKeys.reactionScanPartition,
    parts: ['id', 'id', 'text'],
    startKey: (cursor) =>
      communityKeys.reactionScanStart(
        cursorString(cursor, 0),
        cursorString(cursor, 1),
        cursorOneOf(cursor, 2, reactionKinds),
      ),
    keyOf: (reaction) => [reaction.postId, reaction.userId, reaction.kind],
    toDomain: toReaction,
    toItem: toReactionItem,
    recordKey: recordKeys.reactions,
    itemKeys: (_, keys) =>
      Promise.resolve(
        keys.map(({ parts: [p = '', u = '', kind] }) => communityKeys.reaction(p, u, kind as Reaction['kind'])),
      ),
  });
}

/**
 * A comment's item lives in its post's partition, and its record key is its id alone: the comments' scan-index
 * partition is read to find the post of each id. That costs a read of every comment per call; comments are deleted
 * rarely (their post's removal deletes them), and an id-to-post item would make it one BatchGet.
 */
async function commentItemKeys(context: DynamoContext, keys: readonly ParsedRecordKey[]): Promise<Key[]> {
  const wanted = new Set(keys.map((key) => key.key));
  const found: Key[] = [];
  let start: Key | undefined;
  do {
    const page = await queryOnce(
      context,
      {
        ...scanIndexQuery(communityKeys.commentScanPartition),
        ...(start ? { ExclusiveStartKey: start } : {}),
      },
      1000,
      'comments.deleteMany',
    );
    for (const item of page.items) {
      const comment = toComment(item);
      if (wanted.delete(comment.id)) found.push(communityKeys.comment(comment.postId, comment.id));
    }
    start = page.next;
  } while (start !== undefined && wanted.size > 0);
  return found;
}
