import {
  communityVisibilities,
  membershipRoles,
  reactionKinds,
  textLimits,
  type Comment,
  type Community,
  type Membership,
  type Post,
  type Reaction,
} from '@cohort/core';
import type { Columns } from '../shared/sql-values.js';
import { StoredRow } from '../shared/stored-row.js';
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

const community: StoredRow = new StoredRow('community');
const visibilities = new Set(communityVisibilities);

export function communityFromEntity(row: CommunityEntity): Community {
  return {
    id: community.id(row.id, 'id'),
    slug: community.slug(row.slug, 'slug', 60),
    name: community.text(row.name, 'name', ...textLimits.community.name),
    description: community.text(row.description, 'description', ...textLimits.community.description),
    visibility: community.oneOf(row.visibility, 'visibility', visibilities),
    ownerId: community.id(row.ownerId, 'ownerId'),
    memberCount: community.int(row.memberCount, 'memberCount', 0),
    createdAt: community.instant(row.createdAt, 'createdAt'),
    updatedAt: community.instant(row.updatedAt, 'updatedAt'),
    version: community.int(row.version, 'version', 1),
  };
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

const membership: StoredRow = new StoredRow('membership');
const roles = new Set(membershipRoles);

export function membershipFromEntity(row: MembershipRow): Membership {
  return {
    communityId: membership.id(row.communityId, 'communityId'),
    userId: membership.id(row.userId, 'userId'),
    role: membership.oneOf(row.role, 'role', roles),
    joinedAt: membership.instant(row.joinedAt, 'joinedAt'),
  };
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

const post: StoredRow = new StoredRow('post');

export function postFromEntity(row: PostRow): Post {
  return {
    id: post.id(row.id, 'id'),
    communityId: post.id(row.communityId, 'communityId'),
    authorId: post.id(row.authorId, 'authorId'),
    body: post.text(row.body, 'body', ...textLimits.post.body),
    commentCount: post.int(row.commentCount, 'commentCount', 0),
    reactionCounts: {
      like: post.int(row.likeCount, 'likeCount', 0),
      celebrate: post.int(row.celebrateCount, 'celebrateCount', 0),
      insightful: post.int(row.insightfulCount, 'insightfulCount', 0),
      support: post.int(row.supportCount, 'supportCount', 0),
    },
    createdAt: post.instant(row.createdAt, 'createdAt'),
    updatedAt: post.instant(row.updatedAt, 'updatedAt'),
    version: post.int(row.version, 'version', 1),
  };
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

const comment: StoredRow = new StoredRow('comment');

export function commentFromEntity(row: CommentRow): Comment {
  return {
    id: comment.id(row.id, 'id'),
    postId: comment.id(row.postId, 'postId'),
    authorId: comment.id(row.authorId, 'authorId'),
    body: comment.text(row.body, 'body', ...textLimits.comment.body),
    createdAt: comment.instant(row.createdAt, 'createdAt'),
  };
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

const reaction: StoredRow = new StoredRow('reaction');
const kinds = new Set(reactionKinds);

export function reactionFromEntity(row: ReactionRow): Reaction {
  return {
    postId: reaction.id(row.postId, 'postId'),
    userId: reaction.id(row.userId, 'userId'),
    kind: reaction.oneOf(row.kind, 'kind', kinds),
    createdAt: reaction.instant(row.createdAt, 'createdAt'),
  };
}
