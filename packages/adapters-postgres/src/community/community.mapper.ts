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
import { readStored, type Columns } from '../shared/sql-values.js';
import type { CommentEntity } from './comment.entity.js';
import type { CommunityEntity } from './community.entity.js';
import type { MembershipEntity } from './membership.entity.js';
import type { PostEntity } from './post.entity.js';
import type { ReactionEntity } from './reaction.entity.js';

export const communityColumns: Columns<CommunityEntity> = {
  id: { column: 'id', type: 'uuid' },
  slug: { column: 'slug', type: 'text' },
  name: { column: 'name', type: 'text' },
  description: { column: 'description', type: 'text' },
  visibility: { column: 'visibility', type: 'text' },
  ownerId: { column: 'owner_id', type: 'uuid' },
  memberCount: { column: 'member_count', type: 'integer' },
  createdAt: { column: 'created_at', type: 'timestamptz' },
  updatedAt: { column: 'updated_at', type: 'timestamptz' },
  version: { column: 'version', type: 'integer' },
};

export function communityToEntity(community: Community): CommunityEntity {
  return { ...community };
}

export function communityFromEntity(row: CommunityEntity): Community {
  return readStored(communitySchema, { ...row }, 'community');
}

export type MembershipRow = Omit<MembershipEntity, 'community'>;

export const membershipColumns: Columns<MembershipRow> = {
  communityId: { column: 'community_id', type: 'uuid' },
  userId: { column: 'user_id', type: 'uuid' },
  role: { column: 'role', type: 'text' },
  joinedAt: { column: 'joined_at', type: 'timestamptz' },
};

export function membershipToEntity(membership: Membership): MembershipRow {
  return { ...membership };
}

export function membershipFromEntity(row: MembershipRow): Membership {
  return readStored(membershipSchema, { ...row }, 'membership');
}

export type PostRow = Omit<PostEntity, 'community'>;

export const postColumns: Columns<PostRow> = {
  id: { column: 'id', type: 'uuid' },
  communityId: { column: 'community_id', type: 'uuid' },
  authorId: { column: 'author_id', type: 'uuid' },
  body: { column: 'body', type: 'text' },
  commentCount: { column: 'comment_count', type: 'integer' },
  likeCount: { column: 'like_count', type: 'integer' },
  celebrateCount: { column: 'celebrate_count', type: 'integer' },
  insightfulCount: { column: 'insightful_count', type: 'integer' },
  supportCount: { column: 'support_count', type: 'integer' },
  createdAt: { column: 'created_at', type: 'timestamptz' },
  updatedAt: { column: 'updated_at', type: 'timestamptz' },
  version: { column: 'version', type: 'integer' },
};

export function postToEntity(post: Post): PostRow {
  const { reactionCounts, ...rest } = post;
  return {
    ...rest,
    likeCount: reactionCounts.like,
    celebrateCount: reactionCounts.celebrate,
    insightfulCount: reactionCounts.insightful,
    supportCount: reactionCounts.support,
  };
}

export function postFromEntity(row: PostRow): Post {
  const { likeCount, celebrateCount, insightfulCount, supportCount, ...rest } = row;
  return readStored(
    postSchema,
    {
      ...rest,
      reactionCounts: {
        like: likeCount,
        celebrate: celebrateCount,
        insightful: insightfulCount,
        support: supportCount,
      },
    },
    'post',
  );
}

export type CommentRow = Omit<CommentEntity, 'post'>;

export const commentColumns: Columns<CommentRow> = {
  id: { column: 'id', type: 'uuid' },
  postId: { column: 'post_id', type: 'uuid' },
  authorId: { column: 'author_id', type: 'uuid' },
  body: { column: 'body', type: 'text' },
  createdAt: { column: 'created_at', type: 'timestamptz' },
};

export function commentToEntity(comment: Comment): CommentRow {
  return { ...comment };
}

export function commentFromEntity(row: CommentRow): Comment {
  return readStored(commentSchema, { ...row }, 'comment');
}

export type ReactionRow = Omit<ReactionEntity, 'post'>;

export const reactionColumns: Columns<ReactionRow> = {
  postId: { column: 'post_id', type: 'uuid' },
  userId: { column: 'user_id', type: 'uuid' },
  kind: { column: 'kind', type: 'text' },
  createdAt: { column: 'created_at', type: 'timestamptz' },
};

export function reactionToEntity(reaction: Reaction): ReactionRow {
  return { ...reaction };
}

export function reactionFromEntity(row: ReactionRow): Reaction {
  return readStored(reactionSchema, { ...row }, 'reaction');
}
