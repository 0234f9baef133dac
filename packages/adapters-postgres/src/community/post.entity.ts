import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CommunityEntity } from './community.entity.js';

/** A row of `posts`; one counter column per reaction kind, so a reaction bumps one integer in place. */
@Entity({ name: 'posts' })
@Index('posts_feed_idx', ['communityId', 'createdAt', 'id'])
@Check(
  'posts_counts_check',
  'comment_count >= 0 AND like_count >= 0 AND celebrate_count >= 0 AND insightful_count >= 0 AND support_count >= 0',
)
export class PostEntity {
  @PrimaryColumn({ type: 'uuid', name: 'id', primaryKeyConstraintName: 'posts_pkey' })
  id!: string;

  @Column({ type: 'uuid', name: 'community_id' })
  communityId!: string;

  @Column({ type: 'uuid', name: 'author_id' })
  authorId!: string;

  @Column({ type: 'text', name: 'body' })
  body!: string;

  @Column({ type: 'integer', name: 'comment_count' })
  commentCount!: number;

  @Column({ type: 'integer', name: 'like_count' })
  likeCount!: number;

  @Column({ type: 'integer', name: 'celebrate_count' })
  celebrateCount!: number;

  @Column({ type: 'integer', name: 'insightful_count' })
  insightfulCount!: number;

  @Column({ type: 'integer', name: 'support_count' })
  supportCount!: number;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;

  @Column({ type: 'integer', name: 'version' })
  version!: number;

  /** Declared for the foreign key only; the adapter never loads relations. */
  @ManyToOne(() => CommunityEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'community_id', foreignKeyConstraintName: 'posts_community_id_fkey' })
  community?: CommunityEntity;
}
