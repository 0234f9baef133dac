import type { ReactionKind } from '@cohort/core';
import type { Key } from '../shared/dynamo-ops.js';
import { joinKey, timeKey } from '../shared/key-format.js';
import { TABLE } from '../table-definition.js';

const membersOf = (communityId: string): string => `MEMBERS#${communityId}`;
const membershipsOf = (userId: string): string => `MEMBERSHIPS#${userId}`;
const feedOf = (communityId: string): string => `FEED#${communityId}`;
const commentsOf = (postId: string): string => `COMMENTS#${postId}`;

/**
 * Every key of the community context. Memberships live in their community's partition (gsi1: members by joinedAt;
 * gsi2: a user's memberships by joinedAt). Comments and reactions live in their post's partition, so removing a post
 * finds all of them with one consistent Query; gsi1 orders a post's comments by createdAt and a community's feed.
 */
export const communityKeys = {
  community: (id: string): Key => ({ pk: `COMMUNITY#${id}`, sk: 'COMMUNITY' }),
  /** Guards slug uniqueness; read by key, so getBySlug is consistent. */
  slugGuard: (slug: string): Key => ({ pk: `SLUG#${slug}`, sk: 'GUARD' }),
  /** Communities are scanned and listed in slug order. */
  communityScanPartition: 'TYPE#communities',
  communityScan: (slug: string): Key => ({ scanPk: communityKeys.communityScanPartition, scanSk: slug }),
  communityScanStart: (slug: string, id: string): Key => ({
    ...communityKeys.community(id),
    ...communityKeys.communityScan(slug),
  }),

  membership: (communityId: string, userId: string): Key => ({
    pk: `COMMUNITY#${communityId}`,
    sk: `MEMBER#${userId}`,
  }),
  membershipOrder: (communityId: string, userId: string, joinedAt: number): Key => ({
    [TABLE.gsi1.partitionKey]: membersOf(communityId),
    [TABLE.gsi1.sortKey]: joinKey(timeKey(joinedAt), userId),
    [TABLE.gsi2.partitionKey]: membershipsOf(userId),
    [TABLE.gsi2.sortKey]: joinKey(timeKey(joinedAt), communityId),
  }),
  membersPartition: membersOf,
  membershipsPartition: membershipsOf,
  membersStart: (communityId: string, joinedAt: number, userId: string): Key => ({
    ...communityKeys.membership(communityId, userId),
    [TABLE.gsi1.partitionKey]: membersOf(communityId),
    [TABLE.gsi1.sortKey]: joinKey(timeKey(joinedAt), userId),
  }),
  membershipsStart: (userId: string, joinedAt: number, communityId: string): Key => ({
    ...communityKeys.membership(communityId, userId),
    [TABLE.gsi2.partitionKey]: membershipsOf(userId),
    [TABLE.gsi2.sortKey]: joinKey(timeKey(joinedAt), communityId),
  }),
  membershipScanPartition: 'TYPE#memberships',
  membershipScan: (communityId: string, userId: string): Key => ({
    scanPk: communityKeys.membershipScanPartition,
    scanSk: joinKey(communityId, userId),
  }),
  membershipScanStart: (communityId: string, userId: string): Key => ({
    ...communityKeys.membership(communityId, userId),
    ...communityKeys.membershipScan(communityId, userId),
  }),

  post: (id: string): Key => ({ pk: `POST#${id}`, sk: 'POST' }),
  /** The post's partition: the post, its comments and its reactions. */
  postPartition: (id: string): string => `POST#${id}`,
  feedOrder: (communityId: string, createdAt: number, id: string): Key => ({
    [TABLE.gsi1.partitionKey]: feedOf(communityId),
    [TABLE.gsi1.sortKey]: joinKey(timeKey(createdAt), id),
  }),
  feedPartition: feedOf,
  feedStart: (communityId: string, createdAt: number, id: string): Key => ({
    ...communityKeys.post(id),
    ...communityKeys.feedOrder(communityId, createdAt, id),
  }),
  postScanPartition: 'TYPE#posts',
  postScan: (id: string): Key => ({ scanPk: communityKeys.postScanPartition, scanSk: id }),
  postScanStart: (id: string): Key => ({ ...communityKeys.post(id), ...communityKeys.postScan(id) }),

  comment: (postId: string, id: string): Key => ({ pk: `POST#${postId}`, sk: `COMMENT#${id}` }),
  commentOrder: (postId: string, createdAt: number, id: string): Key => ({
    [TABLE.gsi1.partitionKey]: commentsOf(postId),
    [TABLE.gsi1.sortKey]: joinKey(timeKey(createdAt), id),
  }),
  commentsPartition: commentsOf,
  commentsStart: (postId: string, createdAt: number, id: string): Key => ({
    ...communityKeys.comment(postId, id),
    ...communityKeys.commentOrder(postId, createdAt, id),
  }),
  commentScanPartition: 'TYPE#comments',
  commentScan: (postId: string, id: string): Key => ({
    scanPk: communityKeys.commentScanPartition,
    scanSk: joinKey(postId, id),
  }),
  commentScanStart: (postId: string, id: string): Key => ({
    ...communityKeys.comment(postId, id),
    ...communityKeys.commentScan(postId, id),
  }),

  reaction: (postId: string, userId: string, kind: ReactionKind): Key => ({
    pk: `POST#${postId}`,
    sk: `REACTION#${userId}#${kind}`,
  }),
  reactionScanPartition: 'TYPE#reactions',
  reactionScan: (postId: string, userId: string, kind: ReactionKind): Key => ({
    scanPk: communityKeys.reactionScanPartition,
    scanSk: joinKey(postId, userId, kind),
  }),
  reactionScanStart: (postId: string, userId: string, kind: ReactionKind): Key => ({
    ...communityKeys.reaction(postId, userId, kind),
    ...communityKeys.reactionScan(postId, userId, kind),
  }),
} as const;
