import {
  commentSchema,
  communitySchema,
  membershipSchema,
  postSchema,
  reactionSchema,
  type Comment,
  type Community,
  type Membership,
  type Post,
  type Reaction,
} from '@cohort/core';
import type { Item } from '../shared/dynamo-ops.js';
import { ITEM_VERSION, millis, parseStored, stripTableAttributes, withDates } from '../shared/item-format.js';
import { communityKeys } from './community.keys.js';

export const COMMUNITY_TYPE = 'community';
export const SLUG_GUARD_TYPE = 'slugGuard';
export const MEMBERSHIP_TYPE = 'membership';
export const POST_TYPE = 'post';
export const COMMENT_TYPE = 'comment';
export const REACTION_TYPE = 'reaction';

/** A post being removed: hidden from reads and closed to comments and reactions while its children are deleted. */
export const REMOVING = 'removing';

export function communityAttributes(community: Community): Item {
  return { ...community, createdAt: millis(community.createdAt), updatedAt: millis(community.updatedAt) };
}

export function toCommunityItem(community: Community): Item {
  return {
    ...communityKeys.community(community.id),
    ...communityKeys.communityScan(community.slug),
    _type: COMMUNITY_TYPE,
    _v: ITEM_VERSION,
    ...communityAttributes(community),
  };
}

export function toCommunity(item: Item): Community {
  return parseStored(communitySchema, withDates(stripTableAttributes(item), ['createdAt', 'updatedAt']), 'community');
}

export function slugGuardItem(slug: string, communityId: string): Item {
  return { ...communityKeys.slugGuard(slug), _type: SLUG_GUARD_TYPE, _v: ITEM_VERSION, communityId };
}

export function toMembershipItem(membership: Membership): Item {
  const joinedAt = millis(membership.joinedAt);
  return {
    ...communityKeys.membership(membership.communityId, membership.userId),
    ...communityKeys.membershipOrder(membership.communityId, membership.userId, joinedAt),
    ...communityKeys.membershipScan(membership.communityId, membership.userId),
    _type: MEMBERSHIP_TYPE,
    _v: ITEM_VERSION,
    ...membership,
    joinedAt,
  };
}

export function toMembership(item: Item): Membership {
  return parseStored(membershipSchema, withDates(stripTableAttributes(item), ['joinedAt']), 'membership');
}

export function toPostItem(post: Post): Item {
  const createdAt = millis(post.createdAt);
  return {
    ...communityKeys.post(post.id),
    ...communityKeys.feedOrder(post.communityId, createdAt, post.id),
    ...communityKeys.postScan(post.id),
    _type: POST_TYPE,
    _v: ITEM_VERSION,
    ...post,
    reactionCounts: { ...post.reactionCounts },
    createdAt,
    updatedAt: millis(post.updatedAt),
  };
}

export function toPost(item: Item): Post {
  return parseStored(postSchema, withDates(stripTableAttributes(item, [REMOVING]), ['createdAt', 'updatedAt']), 'post');
}

export function toCommentItem(comment: Comment): Item {
  const createdAt = millis(comment.createdAt);
  return {
    ...communityKeys.comment(comment.postId, comment.id),
    ...communityKeys.commentOrder(comment.postId, createdAt, comment.id),
    ...communityKeys.commentScan(comment.postId, comment.id),
    _type: COMMENT_TYPE,
    _v: ITEM_VERSION,
    ...comment,
    createdAt,
  };
}

export function toComment(item: Item): Comment {
  return parseStored(commentSchema, withDates(stripTableAttributes(item), ['createdAt']), 'comment');
}

export function toReactionItem(reaction: Reaction): Item {
  return {
    ...communityKeys.reaction(reaction.postId, reaction.userId, reaction.kind),
    ...communityKeys.reactionScan(reaction.postId, reaction.userId, reaction.kind),
    _type: REACTION_TYPE,
    _v: ITEM_VERSION,
    ...reaction,
    createdAt: millis(reaction.createdAt),
  };
}

export function toReaction(item: Item): Reaction {
  return parseStored(reactionSchema, withDates(stripTableAttributes(item), ['createdAt']), 'reaction');
}
